"""GoAlgorithm's site in kWh per step, and how one EV is placed into the room left.

See `go_algorithm.py` for the stages that use them; amounts are kWh per step (kW x step hours),
phase room A h per step.
"""

from dataclasses import dataclass

import numpy as np

from .problem import FloatArray, IntArray, ScheduleProblem

#: Amounts below this are nothing (kWh); comparisons allow it for round-off.
EPS = 1e-9


@dataclass(frozen=True, kw_only=True, slots=True)
class Site:
    """The problem in kWh per step (see `go_algorithm.py`); `steps` in order of preference."""

    rate: FloatArray
    room: FloatArray
    low: FloatArray
    energy: FloatArray
    reach: FloatArray
    urgent: IntArray
    early: IntArray
    steps: IntArray
    #: Current per kW on each phase `(N, 3)` and what each phase allows per step (A h, `(T, 3)`).
    amps: FloatArray | None = None
    phase: FloatArray | None = None

    def cap(self, i: int, spare: FloatArray, phase: FloatArray | None) -> FloatArray:
        """`spare` (kWh per step), lowered to what `phase` (A h per step) leaves EV `i`."""
        if phase is None or self.amps is None:
            return spare
        used = self.amps[i] > 0
        return np.asarray(np.minimum(spare, (phase[:, used] / self.amps[i, used]).min(axis=1)))

    def take(self, i: int, kwh: FloatArray, phase: FloatArray | None) -> None:
        """Charge EV `i`'s `kwh` per step (negative: given back) to the phases, in place."""
        if phase is not None and self.amps is not None:
            phase -= kwh[:, None] * self.amps[i][None, :]

    def phase_left(self, rows: FloatArray, steps: IntArray) -> FloatArray | None:
        """What each phase still allows beside `rows` (kWh, columns in `steps` order), A h."""
        if self.phase is None or self.amps is None:
            return None
        return np.asarray(self.phase[steps] - rows.T @ self.amps, dtype=np.float64)

    @classmethod
    def of(cls, problem: ScheduleProblem) -> Site:
        """Convert a problem."""
        dt = problem.step_hours
        kw = np.minimum(problem.max_kw[:, None], problem.limit_kw[None, :])
        phase_room = problem.phase_room_kw()
        if phase_room is not None:
            kw = np.minimum(kw, phase_room)
        phase = problem.phase_limits_a
        low = problem.min_kw * dt
        usable = problem.window_mask() & (kw > 0) & (kw >= problem.min_kw[:, None])
        usable &= (low <= problem.energy_kwh + EPS)[:, None]
        rate = np.where(usable, kw * dt, 0.0)
        steps = np.arange(problem.n_steps)
        if problem.prices is not None:
            steps = np.argsort(problem.prices, kind="stable")
        return cls(
            rate=rate,
            room=problem.limit_kw * dt,
            low=low,
            energy=problem.energy_kwh,
            reach=rate.sum(axis=1),
            urgent=-problem.priority,
            early=np.lexsort((problem.end, -problem.priority)),
            steps=steps,
            amps=problem.amps_per_kw,
            phase=None if phase is None else phase * dt,
        )


def place(
    rate: FloatArray, row: FloatArray, spare: FloatArray, *, need: float, low: float, most: float
) -> float:
    """Add up to `need` kWh to `row`, first steps first, within `spare`; return what was added.

    A step the row does not use yet takes at least `low`. A last partial step below `low` borrows
    from the step before; failing that it is raised to `low` if the row then gains at most `most`,
    else dropped.
    """
    # A round-off residue (below EPS) is an unused step: more on it must still reach `low`.
    free = row <= EPS
    avail = np.minimum(rate - row, spare)
    if low > 0:
        avail[(avail < low) & free] = 0.0
    ends = np.add.accumulate(avail)
    last = int(ends.searchsorted(need))
    if last == avail.size:
        row += avail
        spare -= avail
        return float(ends[-1])
    part = max(float(avail[last] - (ends[last] - need)), 0.0)
    avail[last + 1 :] = 0.0
    avail[last] = part
    if part <= EPS and free[last]:
        # A round-off part would start a step below the minimum (seen after a shift, pv 10 x 288).
        avail[last] = 0.0
        need -= part
    elif part < low and free[last]:
        before = np.flatnonzero(avail[:last])
        lend = low - part
        if before.size and avail[before[-1]] - lend >= (low if free[before[-1]] else 0.0):
            avail[before[-1]] -= lend
            avail[last] = low
        elif need + lend <= most + EPS:
            avail[last] = low
            need += lend
        elif (lender := _lender(row, avail, last, lend, low)) >= 0:
            avail[lender] -= lend
            avail[last] = low
        else:
            avail[last] = 0.0
            need -= part
    row += avail
    spare -= avail
    return need


def _lender(row: FloatArray, avail: FloatArray, last: int, lend: float, low: float) -> int:
    """The last step before `last` the row already uses that stays at its minimum after lending.

    A rest below one step at the minimum was dropped when this placement had no step of its
    own to borrow from, though the row had one from before; with the room kept for later EVs'
    minimums that left EVs short of their targets (`minimums` 4 x 48, seed 2: smallest
    fraction 95.6 % of the LP's, now 100 %; `phase-minimums` 10 x 288: worst energy 93.1 %,
    now 96.2 %). -1 if there is none.
    """
    lenders = np.flatnonzero((row[:last] > EPS) & (row[:last] + avail[:last] - lend >= low))
    return int(lenders[-1]) if lenders.size else -1


def place_capped(
    site: Site,
    i: int,
    rate: FloatArray,
    row: FloatArray,
    spare: FloatArray,
    *,
    phase: FloatArray | None,
    need: float,
    most: float,
) -> float:
    """`place` for EV `i` within `spare` and what its phases allow; both are used up in place."""
    if phase is None:
        return place(rate, row, spare, need=need, low=float(site.low[i]), most=most)
    before = row.copy()
    got = place(rate, row, site.cap(i, spare, phase), need=need, low=float(site.low[i]), most=most)
    added = row - before
    spare -= added
    site.take(i, added, phase)
    return got
