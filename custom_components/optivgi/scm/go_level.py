"""GoAlgorithm's leveling: energy handed from the other EVs to the worst-off, step by step.

See `go_algorithm.py` for the stages and the units (kWh per step). The fair share's greedy
placement can leave the worst-off EV below the fraction a better order would reach, and the
top-up then gives the room it could not use to whoever can take it: on `pv` 10 x 288, seed 5,
four cars ended at 0.560 of their request and one at 0.754, where the LP gives all of them at
least 0.578. `level_shares` then raises the worst-off EV, a little above the next share each
time, with energy from each EV that charges in a step where it could take more: first what
that EV can place again in room still free in its own window (its share stays), then, from an
EV with a larger share, until their shares meet (that step's total stays, so the limit
holds). Each move is checked against both EVs' maximums and minimums and the phases' limits.
No move lowers a share below the one it raises, so leximin never gets worse. The stage that
follows (`_shift`) re-places each EV's total anyway: where the energy lands here does not
matter. With per-phase limits a second pass then trades (`go_trade.py`: the donor gives more
than the receiver gains, where a phase is full), and every EV takes what the trades left free.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .go_place import EPS, Site, place, place_capped
from .go_trade import pick_trades
from .problem import FloatArray

#: Shares closer than this are level: no energy moves between them.
LEVEL_GAP = 1e-3
#: How far above the next share the worst-off EV is raised when a donor re-places what it gives.
LEVEL_STEP = 0.01
#: Raises of the worst-off EV per EV of the site, each from every EV that holds energy in its
#: steps, most first.
RAISES_PER_EV = 4
#: Moves (one donor, one receiver: a few vectorised passes over the steps) of one leveling in
#: all (and as many trades after them), so the work stays bounded at any size: about 50 us a
#: move on this machine, 15 ms in all. On the `pv` and `phase-minimums` sites of 10 x 288 and
#: 50 x 480, 300 gain as much as 2000 (`scripts/bench_quality.py --only go`).
MOVE_BUDGET = 300


def level_shares(site: Site, power: FloatArray) -> FloatArray:
    """`power` ((N, T) kWh per step) with energy moved to the worst-off EVs (module docstring)."""
    counted = (site.reach > EPS) & (site.energy > EPS)
    if counted.sum() <= 1:
        return power  # nobody to move energy from
    state = _State(
        site=site,
        power=power.copy(),
        got=power.sum(axis=1),
        energy=np.where(counted, site.energy, 1.0),
        spare=np.maximum(site.room - power.sum(axis=0), 0.0),
        phase=site.phase_left(power, np.arange(power.shape[1])),
    )
    _raise_worst_off(state, counted)
    if state.phase is not None:
        # Trades lose what the phases cannot pass on: only once a kWh for a kWh moves nothing
        # more, so that they never take the room an even move would have used better.
        state.trading, state.moves_left = True, MOVE_BUDGET
        _raise_worst_off(state, counted)
        _fill_up(state)
    return state.power


def _raise_worst_off(state: _State, counted: NDArray[np.bool_]) -> None:
    """Raise the worst-off EV, a little above the next, until none can be raised (in place)."""
    # An EV that no donor could raise stays where it is; the next worst-off one is tried.
    blocked = ~counted
    for _ in range(RAISES_PER_EV * int(counted.sum())):
        share = np.where(blocked, np.inf, state.got / state.energy)
        ev = int(np.argmin(share))
        if not np.isfinite(share[ev]) or share[ev] >= 1 - EPS or state.moves_left <= 0:
            break
        others = np.where(np.arange(share.size) == ev, np.inf, share)
        target = max(float(others.min()), float(share[ev])) + LEVEL_STEP
        if state.receive(ev, min(target, 1.0)) <= EPS:
            blocked[ev] = True


def _fill_up(state: _State) -> None:
    """Let every EV take the room that trades left free, up to its request (in place)."""
    site = state.site
    for i in site.early.tolist():
        need = float(site.energy[i] - state.power[i].sum())
        if need > EPS:
            place_capped(
                site,
                i,
                site.rate[i],
                state.power[i],
                state.spare,
                phase=state.phase,
                need=need,
                most=need,
            )


@dataclass(kw_only=True, slots=True)
class _State:
    """The placement being leveled: rows, totals, the room and phase current still free."""

    site: Site
    power: FloatArray
    got: FloatArray
    energy: FloatArray
    spare: FloatArray
    phase: FloatArray | None
    moves_left: int = MOVE_BUDGET
    #: Whether a donor may give more than `ev` gains (`_trade`), where a phase is full.
    trading: bool = False

    def receive(self, ev: int, target: float) -> float:
        """Raise `ev` towards share `target`, from each EV in its steps, most first; the gain.

        Each donor first gives what it can place again in room still free elsewhere in its
        window (its share stays); one with a larger share then gives until the two meet.
        """
        site, power = self.site, self.power
        open_steps = site.rate[ev] - power[ev] > EPS
        holders = np.flatnonzero((power[:, open_steps] > EPS).any(axis=1))
        gained = 0.0
        share = self.got / self.energy
        for donor in holders[np.argsort(-share[holders], kind="stable")].tolist():
            level = self.got[ev] / self.energy[ev]
            if donor == ev or level >= target - EPS or self.moves_left <= 0:
                continue
            if self.trading:  # even moves are done: only trades are left
                gained += self._trade(ev, donor, target)
                continue
            want = min((target - level) * self.energy[ev], site.energy[ev] - self.got[ev])
            # First what the donor can place again elsewhere: nobody's share drops.
            gained += self._move(ev, donor, want, replace=True)
            level = self.got[ev] / self.energy[ev]
            gap = self.got[donor] / self.energy[donor] - level
            if gap > LEVEL_GAP and level < target - EPS:
                # Moving a kWh lifts `ev` by 1/energy[ev] and lowers `donor` by 1/energy[donor].
                meet = gap / (1 / self.energy[ev] + 1 / self.energy[donor])
                want = min((target - level) * self.energy[ev], site.energy[ev] - self.got[ev])
                gained += self._move(ev, donor, min(want, meet), replace=False)
        return gained

    def _trade(self, ev: int, donor: int, target: float) -> float:
        """Raise `ev` towards `target` by trades with `donor` (`go_trade.py`); the gain."""
        site, power = self.site, self.power
        self.moves_left -= 1
        cap = min(target * self.energy[ev], float(site.energy[ev]))
        steps, gain, give = pick_trades(
            site,
            power,
            self.phase,
            self.spare,
            ev=ev,
            donor=donor,
            got=(float(self.got[ev]), float(self.got[donor])),
            energy=(float(self.energy[ev]), float(self.energy[donor])),
            cap=cap,
        )
        if not steps.size:
            return 0.0
        moved_in, moved_out = np.zeros_like(power[ev]), np.zeros_like(power[ev])
        moved_in[steps], moved_out[steps] = gain, give
        power[ev] += moved_in
        power[donor] -= moved_out
        site.take(ev, moved_in, self.phase)
        site.take(donor, -moved_out, self.phase)
        self.spare += moved_out - moved_in
        self.got[ev] += float(gain.sum())
        self.got[donor] -= float(give.sum())
        return float(gain.sum())

    def _move(self, ev: int, donor: int, want: float, *, replace: bool) -> float:
        """Move up to `want` kWh from `donor` to `ev` within steps; `replace`: donor re-placed."""
        site, power = self.site, self.power
        self.moves_left -= 1
        moved = _take(
            _movable(site, power, self.phase, ev, donor), want, power[donor], site.low[donor]
        )
        if moved is None:
            return 0.0
        total = float(moved.sum())
        power[ev] += moved
        power[donor] -= moved
        site.take(ev, moved, self.phase)
        site.take(donor, -moved, self.phase)
        if replace:
            row, spare = power[donor].copy(), self.spare.copy()
            phase = None if self.phase is None else self.phase.copy()
            room = site.cap(donor, spare, phase)
            back = place(
                site.rate[donor], row, room, need=total, low=float(site.low[donor]), most=total
            )
            if back < total - EPS:  # the donor cannot take it back: undo
                power[ev] -= moved
                power[donor] += moved
                site.take(ev, -moved, self.phase)
                site.take(donor, moved, self.phase)
                return 0.0
            added = row - power[donor]
            power[donor] = row
            self.spare -= added
            site.take(donor, added, self.phase)
        else:
            self.got[donor] -= total
        self.got[ev] += total
        return total


def _movable(
    site: Site, power: FloatArray, phase: FloatArray | None, ev: int, donor: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per step: the least `ev` may take, the most with `donor` still on, and all of `donor`'s.

    The last is 0 where `ev` could not take it all (`donor` switched off in that step).
    """
    mine, theirs = power[ev], power[donor]
    room = site.rate[ev] - mine
    if phase is not None and site.amps is not None:
        # What the phases allow `ev` over what the donor's move frees on each of them.
        change = site.amps[ev] - site.amps[donor]
        rising = change > EPS
        if rising.any():
            room = np.minimum(room, (phase[:, rising] / change[rising]).min(axis=1))
    least = np.where(mine > EPS, EPS, site.low[ev])
    keep_on = np.minimum(room, theirs - site.low[donor])
    keep_on = np.where((theirs > EPS) & (keep_on >= least), keep_on, 0.0)
    switch_off = np.where((theirs > EPS) & (theirs <= room) & (theirs >= least), theirs, 0.0)
    return least, keep_on, switch_off


def _take(
    amounts: tuple[FloatArray, FloatArray, FloatArray],
    want: float,
    donor_row: FloatArray,
    donor_low: float,
) -> FloatArray | None:
    """The kWh per step to move (up to `want`); None if nothing can move.

    Whole steps first in step order; the last one partly, if that part is at least the
    receiver's minimum (`least`) and leaves the donor (`donor_row`) at 0 or at its minimum.
    """
    least, keep_on, switch_off = amounts
    most = np.maximum(keep_on, switch_off)
    if want <= EPS or not (most > EPS).any():
        return None
    ends = np.add.accumulate(most)
    last = int(ends.searchsorted(want - EPS))
    moved = most.copy()
    if last < most.size:
        moved[last + 1 :] = 0.0
        part = want - (float(ends[last - 1]) if last else 0.0)
        donor_left = float(donor_row[last]) - part
        fits = part >= least[last] and (donor_left <= EPS or donor_left >= donor_low - EPS)
        moved[last] = part if fits else 0.0
    return moved if moved.sum() > EPS else None
