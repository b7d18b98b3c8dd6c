"""GoAlgorithm's site in kWh per step, and how one EV is placed into the room left.

See `go_algorithm.py` for the stages that use them; amounts are kWh per step (kW x step hours),
phase room A h per step. With prices or a surplus, `Track` holds each EV's buffers from the
earliest plan (`tariff.py`), and `place_on_track` places them before the rest.
"""

from dataclasses import dataclass

import numpy as np

from .problem import FloatArray, IntArray, ScheduleProblem
from .tariff import MILESTONES, track_buffers, track_end

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
    floor: FloatArray
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

    def phase_left(self, rows: FloatArray, steps: IntArray) -> FloatArray | None:
        """What each phase still allows beside `rows` (kWh, columns in `steps` order), A h."""
        if self.phase is None or self.amps is None:
            return None
        return np.asarray(self.phase[steps] - rows.T @ self.amps, dtype=np.float64)

    def take(self, i: int, kwh: FloatArray, phase: FloatArray | None) -> None:
        """Charge EV `i`'s `kwh` per step (negative: given back) to the phases, in place."""
        if phase is not None and self.amps is not None:
            phase -= kwh[:, None] * self.amps[i][None, :]

    @classmethod
    def of(cls, problem: ScheduleProblem) -> Site:
        """Convert a problem; `floor[t]` is the smallest minimum of the EVs that may charge then."""
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
        # Of EVs that leave together, the one with fewer steps to spare at full power goes first.
        slack = usable.sum(axis=1) - problem.energy_kwh / np.maximum(
            rate.max(axis=1, initial=0), EPS
        )
        steps = np.arange(problem.n_steps)
        if problem.prices is not None:
            steps = np.argsort(problem.prices, kind="stable")
        return cls(
            rate=rate,
            room=problem.limit_kw * dt,
            low=low,
            energy=problem.energy_kwh,
            reach=rate.sum(axis=1),
            floor=np.where(rate > 0, low[:, None], np.inf).min(axis=0, initial=np.inf),
            urgent=-problem.priority,
            early=np.lexsort((slack, problem.end, -problem.priority)),
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
    free = row <= 0
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
    if EPS < part < low and free[last]:
        before = np.flatnonzero(avail[:last])
        lend = low - part
        if before.size and avail[before[-1]] - lend >= (low if free[before[-1]] else 0.0):
            avail[before[-1]] -= lend
            avail[last] = low
        elif need + lend <= most + EPS:
            avail[last] = low
            need += lend
        else:
            avail[last] = 0.0
            need -= part
    row += avail
    spare -= avail
    return need


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
    """`_place` for EV `i` within `spare` and what its phases allow; both are used up in place."""
    if phase is None:
        return place(rate, row, spare, need=need, low=float(site.low[i]), most=most)
    before = row.copy()
    got = place(rate, row, site.cap(i, spare, phase), need=need, low=float(site.low[i]), most=most)
    added = row - before
    spare -= added
    site.take(i, added, phase)
    return got


@dataclass(frozen=True, kw_only=True, slots=True)
class Track:
    """Each EV's buffers with prices (`tariff.track_buffers`), one per milestone of its stay.

    `ends[m][i]` is EV `i`'s first step after milestone `m`, `kwh[m][i]` what it keeps before.
    """

    ends: tuple[IntArray, ...]
    kwh: tuple[FloatArray, ...]

    @classmethod
    def of(
        cls,
        problem: ScheduleProblem,
        site: Site,
        earliest: FloatArray,
        previous_kw: FloatArray | None,
    ) -> Track:
        """The buffers of the earliest plan (`(N, T)` kWh) and of the last cycle's plan (kW)."""
        ev, step = np.nonzero(site.rate > 0)
        held = track_buffers(problem, ev, step, earliest[ev, step], previous_kw)
        return cls(
            ends=tuple(track_end(problem, milestone) for milestone in MILESTONES),
            kwh=tuple(buffer for _, buffer in held),
        )


def place_on_track(
    rate: FloatArray,
    row: FloatArray,
    spare: FloatArray,
    *,
    track: Track | None,
    ev: int,
    slot_step: IntArray,
    need: float,
    low: float,
    most: float,
) -> bool:
    """`place` `need` kWh into an empty `row`; whether all of it (and every buffer) fits.

    With `track`, EV `ev` first gets each buffer in its first slots before that milestone
    (`slot_step` is each slot's step; slots are in order of preference), then the rest.
    """
    if track is None:  # every plan without prices, each warm re-plan among them: `place` alone
        return place(rate, row, spare, need=need, low=low, most=most) >= need - EPS
    placed = True
    for ends, kwh in zip(track.ends, track.kwh, strict=True):
        before = slot_step < ends[ev]
        short = float(kwh[ev]) - float(row[before].sum())
        if short > EPS:
            # Beyond the milestone the rate is what the row has: nothing is added there.
            within = np.where(before, rate, row)
            got = place(within, row, spare, need=short, low=low, most=most - float(row.sum()))
            placed &= got >= short - EPS
    rest = need - float(row.sum())
    if placed and rest > EPS:
        got = place(rate, row, spare, need=rest, low=low, most=most - float(row.sum()))
        placed = got >= rest - EPS
    return placed
