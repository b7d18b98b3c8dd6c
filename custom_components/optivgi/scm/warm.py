"""What one site keeps between scheduling cycles: `WarmStart`.

The caller keeps one `WarmStart` per site and passes it to every cycle (`scm_runner(...,
warm=...)`, or `Algorithm(..., warm=...)`). It holds

- the fingerprint of the last inputs and the schedule they gave: identical inputs (nothing
  changed since the last cycle) reuse that schedule instead of solving again;
- the last plan per EV (kW per step, with the time its step 0 started): the LP's stability stage
  keeps the new plan closest to it where both cover the same steps, so noise on the limit does
  not reshuffle chargers.

- the relaxed bound's duals (`dual_bound.py`), when the last cycle computed that bound: carried
  one step on, they bound the next cycle's relaxed LP without solving it;
- whether the last cycle's search for every car's relaxed share found nothing
  (`later_shares.py`): with the same cars, the next cycle does not search again.

It holds no solver object: a cycle whose inputs changed builds its models from scratch. The
duals only prove a schedule as good as the bound a cold solve would compute. Every schedule is a
function of its inputs, the previous plan and that one flag.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
import hashlib
from typing import TYPE_CHECKING

import numpy as np

from .problem import FloatArray, ScheduleProblem

if TYPE_CHECKING:
    from .algorithm import Schedule
    from .dual_bound import BoundDuals


@dataclass(frozen=True, kw_only=True, slots=True)
class _Plan:
    """The last plan: kW per EV (row `rows[ev_id]`) and step from `start`, steps of `resolution`."""

    start: datetime
    resolution: timedelta
    rows: dict[str, int]
    power_kw: FloatArray

    def shift_to(self, start: datetime, resolution: timedelta) -> int | None:
        """How many whole steps `start` is after this plan's; None if not on its grid or before."""
        if resolution != self.resolution or start < self.start:
            return None
        shift, rest = divmod(start - self.start, resolution)
        return None if rest else int(shift)


def fingerprint(algorithm: str, problem: ScheduleProblem) -> bytes:
    """A digest of everything a schedule depends on (the algorithm and the problem's arrays)."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(algorithm.encode())
    digest.update("\0".join(problem.ev_ids).encode())
    for array in (
        problem.start,
        problem.end,
        problem.min_kw,
        problem.max_kw,
        problem.energy_kwh,
        problem.priority,
        problem.limit_kw,
    ):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(b"p" if problem.prices is None else problem.prices.tobytes())
    if problem.surplus_kw is not None:  # absent: the digest is the one without a surplus
        digest.update(b"s" + problem.surplus_kw.tobytes())
        digest.update(np.float64(problem.feed_in_price).tobytes())
    if problem.phase_limits_a is not None and problem.amps_per_kw is not None:
        digest.update(b"a" + problem.phase_limits_a.tobytes() + problem.amps_per_kw.tobytes())
    if problem.idle_kw > 0 and problem.priced:  # it changes only what a priced plan may move
        digest.update(b"i" + np.float64(problem.idle_kw).tobytes())
    digest.update(np.float64(problem.step_hours).tobytes())
    return digest.digest()


@dataclass(kw_only=True)
class WarmStart:
    """One site's memory between cycles; create it once per site with `WarmStart()`."""

    _key: bytes | None = None
    _schedule: Schedule | None = None
    _plan: _Plan | None = None
    #: Cycles that reused the last schedule because nothing had changed (for diagnostics).
    reused: int = 0

    def cached(self, key: bytes) -> Schedule | None:
        """The last schedule if it was computed from the same inputs, else None."""
        if self._key == key and self._schedule is not None:
            self.reused += 1
            return self._schedule
        return None

    def remember(
        self,
        key: bytes,
        schedule: Schedule,
        *,
        ev_ids: tuple[str, ...],
        start: datetime,
        resolution: timedelta,
        power_kw: FloatArray,
    ) -> None:
        """Keep a cycle's inputs fingerprint, schedule and per-EV plan (kW from `start`)."""
        self._key, self._schedule = key, schedule
        self._plan = _Plan(
            start=start,
            resolution=resolution,
            rows={ev_id: row for row, ev_id in enumerate(ev_ids)},
            power_kw=power_kw.copy(),
        )

    def later_shares_missed(self, ev_ids: tuple[str, ...]) -> bool:
        """Whether the last cycle, with the same EVs, found no schedule at every relaxed share."""
        schedule, plan = self._schedule, self._plan
        if schedule is None or plan is None or not schedule.later_shares_missed:
            return False
        return plan.rows.keys() == set(ev_ids)

    def bound_duals(
        self, ev_ids: tuple[str, ...], start: datetime, resolution: timedelta, steps: int
    ) -> BoundDuals | None:
        """The last cycle's bound duals carried onto this grid; None if it kept none."""
        duals = None if self._schedule is None else self._schedule.duals
        shift = None if self._plan is None else self._plan.shift_to(start, resolution)
        return None if duals is None or shift is None else duals.carried(ev_ids, shift, steps)

    def previous_kw(
        self, ev_ids: tuple[str, ...], start: datetime, resolution: timedelta, steps: int
    ) -> FloatArray | None:
        """The last plan on this grid, `(N, steps)` kW; NaN where it said nothing; None if empty.

        The grid may have slid forward by whole steps since (the usual next cycle); a plan on a
        different resolution or from the future is not used.
        """
        plan = self._plan
        shift = None if plan is None else plan.shift_to(start, resolution)
        if plan is None or shift is None:
            return None
        known = [(row, plan.rows[ev_id]) for row, ev_id in enumerate(ev_ids) if ev_id in plan.rows]
        covered = plan.power_kw[:, shift : shift + steps]
        if not known or not covered.shape[1]:
            return None
        previous = np.full((len(ev_ids), steps), np.nan)
        rows, old = np.array(known).T
        previous[rows, : covered.shape[1]] = covered[old]
        return previous
