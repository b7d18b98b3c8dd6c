"""What one site keeps between scheduling cycles: `WarmStart`.

The caller keeps one `WarmStart` per site and passes it to every cycle (`scm_runner(...,
warm=...)`, or `Algorithm(..., warm=...)`). It holds

- the fingerprint of the last inputs and the schedule they gave: identical inputs (nothing
  changed since the last cycle) reuse that schedule instead of solving again;
- the last plan per EV (kW per step, with the time its step 0 started): the LP's stability stage
  keeps the new plan closest to it where both cover the same steps, so noise on the limit does
  not reshuffle chargers.

- the relaxed bound's duals (`dual_bound.py`), when the last cycle computed that bound: carried
  one step on, they bound the next cycle's relaxed LP without solving it.

It holds no solver object: a cycle whose inputs changed builds its models from scratch. The
duals only prove a schedule as good as the bound a cold solve would compute, so every schedule
stays a function of its inputs and the previous plan only.
"""

from dataclasses import dataclass, field
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
    """One EV's last plan: kW per step from `start`, steps of `resolution`."""

    start: datetime
    resolution: timedelta
    power_kw: FloatArray


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
    digest.update(np.float64(problem.step_hours).tobytes())
    return digest.digest()


@dataclass(kw_only=True)
class WarmStart:
    """One site's memory between cycles; create it once per site with `WarmStart()`."""

    _key: bytes | None = None
    _schedule: Schedule | None = None
    _plans: dict[str, _Plan] = field(default_factory=dict)
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
        self._plans = {
            ev_id: _Plan(start=start, resolution=resolution, power_kw=row.copy())
            for ev_id, row in zip(ev_ids, power_kw, strict=True)
        }

    def bound_duals(
        self, ev_ids: tuple[str, ...], start: datetime, resolution: timedelta, steps: int
    ) -> BoundDuals | None:
        """The last cycle's bound duals carried onto this grid; None if it kept none."""
        duals = None if self._schedule is None else self._schedule.duals
        if duals is None or not self._plans:
            return None
        plan = next(iter(self._plans.values()))
        if plan.resolution != resolution or start < plan.start:
            return None
        shift, rest = divmod(start - plan.start, resolution)
        return None if rest else duals.carried(ev_ids, shift, steps)

    def previous_kw(
        self, ev_ids: tuple[str, ...], start: datetime, resolution: timedelta, steps: int
    ) -> FloatArray | None:
        """The last plan on this grid, `(N, steps)` kW; NaN where it said nothing; None if empty.

        The grid may have slid forward by whole steps since (the usual next cycle); a plan on a
        different resolution or from the future is not used.
        """
        previous = np.full((len(ev_ids), steps), np.nan)
        found = False
        for row, ev_id in enumerate(ev_ids):
            plan = self._plans.get(ev_id)
            if plan is None or plan.resolution != resolution or start < plan.start:
                continue
            shift, rest = divmod(start - plan.start, resolution)
            if rest:
                continue
            covered = plan.power_kw[shift : shift + steps]
            previous[row, : covered.size] = covered
            found = found or covered.size > 0
        return previous if found else None
