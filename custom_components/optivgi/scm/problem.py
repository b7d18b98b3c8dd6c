"""The scheduling problem as arrays, and the checks every schedule must pass.

Both algorithms read the same `ScheduleProblem`; a schedule is an `(N, T)` array of kW (EV `i`,
step `t`). `violations` is the single definition of the hard constraints of DESIGN §2.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from .constants import TOLERANCE, SchedulingParameters
from .ev import EV

type FloatArray = NDArray[np.float64]
type IntArray = NDArray[np.int64]


@dataclass(frozen=True, kw_only=True, slots=True)
class ScheduleProblem:
    """Everything an algorithm needs, in kW, kWh and step indices."""

    ev_ids: tuple[str, ...]
    #: Window of each EV: steps `start[i] <= t < end[i]` (end <= start: no window).
    start: IntArray
    end: IntArray
    #: Power bounds while charging (kW) and energy still wanted (kWh), per EV.
    min_kw: FloatArray
    max_kw: FloatArray
    energy_kwh: FloatArray
    priority: IntArray
    #: Site budget for EVs per step (kW), never negative.
    limit_kw: FloatArray
    #: Price per kWh per step, or None (then earlier is better).
    prices: FloatArray | None
    #: Step length (h).
    step_hours: float

    @classmethod
    def from_evs(
        cls,
        evs: Sequence[EV],
        peak_power_demand: Sequence[float],
        now: datetime,
        params: SchedulingParameters,
        prices: Sequence[float] | None = None,
    ) -> ScheduleProblem:
        """Build the arrays; a limit or price list of the wrong length is a `ValueError`.

        A limit that is negative or not a number is read as 0: the site then has no room.
        """
        limit = np.asarray(peak_power_demand, dtype=np.float64)
        if limit.shape != (params.steps,):
            msg = f"peak power demand has {limit.size} values, the horizon has {params.steps}"
            raise ValueError(msg)
        limit = np.where(np.isfinite(limit) & (limit > 0), limit, 0.0)
        price_array = None
        if prices is not None:
            price_array = np.asarray(prices, dtype=np.float64)
            if price_array.shape != (params.steps,) or not np.isfinite(price_array).all():
                msg = f"prices must be {params.steps} finite values"
                raise ValueError(msg)
        return cls(
            ev_ids=tuple(ev.ev_id for ev in evs),
            start=np.array([ev.arrival_index(now, params) for ev in evs], dtype=np.int64),
            end=np.array([ev.departure_index(now, params) for ev in evs], dtype=np.int64),
            min_kw=np.array([ev.min_power for ev in evs], dtype=np.float64),
            max_kw=np.array([ev.max_power for ev in evs], dtype=np.float64),
            energy_kwh=np.array([ev.energy for ev in evs], dtype=np.float64),
            priority=np.array([ev.priority for ev in evs], dtype=np.int64),
            limit_kw=limit,
            prices=price_array,
            step_hours=params.step_hours,
        )

    @property
    def n_evs(self) -> int:
        """Number of EVs."""
        return len(self.ev_ids)

    @property
    def n_steps(self) -> int:
        """Number of steps."""
        return int(self.limit_kw.size)

    def window_mask(self) -> NDArray[np.bool_]:
        """`(N, T)`: True where EV `i` may charge at step `t`."""
        steps = np.arange(self.n_steps)
        return (steps >= self.start[:, None]) & (steps < self.end[:, None])

    def open_cells(self) -> NDArray[np.bool_]:
        """`(N, T)`: where an EV could take power at all.

        Inside its window, with energy to take, and where the limit leaves room for its minimum;
        an EV whose request is less than one step at its minimum has nowhere to charge.
        """
        usable = (self.energy_kwh > 0) & (self.max_kw > 0)
        usable &= self.min_kw * self.step_hours <= self.energy_kwh + TOLERANCE
        room = self.limit_kw[None, :] + TOLERANCE >= np.maximum(self.min_kw, TOLERANCE)[:, None]
        return self.window_mask() & usable[:, None] & room

    def delivered_kwh(self, power: FloatArray) -> FloatArray:
        """Energy each EV receives from a schedule (kWh)."""
        return np.asarray(power.sum(axis=1) * self.step_hours, dtype=np.float64)

    def min_fraction(self, power: FloatArray) -> float:
        """Smallest share of its request any EV that can charge receives (1.0 if none wants).

        An EV with no step it could charge in (its window is past or outside the horizon) gets 0
        from every schedule; it does not count, so it cannot hide how fair the rest is.
        """
        counted = self.open_cells().any(axis=1)
        if not counted.any():
            return 1.0
        shares = self.delivered_kwh(power)[counted] / self.energy_kwh[counted]
        return float(min(1.0, shares.min()))

    def useful_kwh(self, power: FloatArray) -> float:
        """Total energy delivered, each EV counted up to its request (kWh)."""
        return float(np.minimum(self.delivered_kwh(power), self.energy_kwh).sum())

    def violations(self, power: FloatArray, tolerance: float = TOLERANCE) -> list[str]:
        """Every hard constraint a schedule breaks, in words; empty for a valid schedule."""
        problems: list[str] = []
        if power.shape != (self.n_evs, self.n_steps):
            return [f"schedule shape {power.shape} != {(self.n_evs, self.n_steps)}"]
        if not np.isfinite(power).all():
            return ["schedule has values that are not finite numbers"]
        outside = np.abs(power[~self.window_mask()])
        if outside.size and outside.max() > tolerance:
            problems.append("power outside an EV's window")
        if (power < -tolerance).any():
            problems.append("negative power")
        if (power > self.max_kw[:, None] + tolerance).any():
            problems.append("power above an EV's maximum")
        between = (power > tolerance) & (power < self.min_kw[:, None] - tolerance)
        if between.any():
            problems.append("power between 0 and an EV's minimum")
        if (power.sum(axis=0) > self.limit_kw + tolerance * max(1, self.n_evs)).any():
            problems.append("total power above the site limit")
        excess = self.delivered_kwh(power) - self.energy_kwh
        if (excess > tolerance * max(1, self.n_steps)).any():
            problems.append("more energy than requested")
        return problems
