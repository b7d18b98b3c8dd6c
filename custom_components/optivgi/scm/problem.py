"""The scheduling problem as arrays, and the checks every schedule must pass.

Both algorithms read the same `ScheduleProblem`; a schedule is an `(N, T)` array of kW (EV `i`,
step `t`). `violations` is the single definition of the hard constraints of DESIGN §2.

With a solar *surplus* forecast (`surplus_kw`, the PV power beyond the non-EV load, already part
of `limit_kw`) the limits stay as they are: only what energy costs changes. EV energy at step `t`
up to the surplus costs `feed_in_price` per kWh (the export it replaces), the rest the step's
price; without prices, grid energy costs 1 and solar 0 per kWh (`grid_prices`, `solar_discount`).

With per-phase limits (`phase_limits_a`, A per step and phase, see `phases.py`) each step also
keeps every phase's current within its limit, besides the kW limit.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from .constants import TOLERANCE, SchedulingParameters
from .ev import EV
from .phases import amps_per_kw, phase_limits, phase_load_a, room_kw

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
    #: Forecast PV power beyond the non-EV load per step (kW, >= 0), or None (no solar).
    surplus_kw: FloatArray | None = None
    #: What a kWh of surplus earns when exported (per kWh; counts only with prices).
    feed_in_price: float = 0.0
    #: Current (A) left for EVs per step and site phase, `(T, 3)`, or None (no per-phase fuse).
    phase_limits_a: FloatArray | None = None
    #: Current (A) each EV draws per kW on each site phase, `(N, 3)` (with `phase_limits_a`).
    amps_per_kw: FloatArray | None = None
    #: Each EV's arrival and departure in steps from now, not clipped to the horizon, `(N, 2)`;
    #: None: only the windows are known. The tariff's milestones are fixed points of the stay.
    stay_steps: FloatArray | None = None
    #: Power (kW) the site's chargers without a car could draw once one arrives (`tariff.py`).
    idle_kw: float = 0.0

    def __post_init__(self) -> None:
        """Per-phase limits need every EV's current per kW."""
        if self.phase_limits_a is not None and (
            self.amps_per_kw is None or self.amps_per_kw.shape != (len(self.ev_ids), 3)
        ):
            msg = "phase limits need amps_per_kw, one row of 3 per EV"
            raise ValueError(msg)

    @classmethod
    def from_evs(
        cls,
        evs: Sequence[EV],
        peak_power_demand: Sequence[float],
        now: datetime,
        params: SchedulingParameters,
        prices: Sequence[float] | None = None,
        *,
        surplus_kw: Sequence[float] | None = None,
        feed_in_price: float = 0.0,
        phase_limits_a: Sequence[Sequence[float]] | None = None,
        idle_kw: float = 0.0,
    ) -> ScheduleProblem:
        """Build the arrays; a limit, price or surplus list of the wrong length is a `ValueError`.

        A limit that is negative or not a number is read as 0: the site then has no room. Prices
        and the surplus must be finite numbers (the surplus also >= 0), like the feed-in price,
        and the per-phase limits `params.steps` rows of 3 finite currents >= 0 (A).
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
        surplus_array = None
        if surplus_kw is not None:
            surplus_array = np.asarray(surplus_kw, dtype=np.float64)
            if (
                surplus_array.shape != (params.steps,)
                or not np.isfinite(surplus_array).all()
                or (surplus_array < 0).any()
            ):
                msg = f"surplus must be {params.steps} finite values >= 0"
                raise ValueError(msg)
        if not np.isfinite(feed_in_price):
            msg = f"feed-in price must be a finite number, got {feed_in_price}"
            raise ValueError(msg)
        if not np.isfinite(idle_kw) or idle_kw < 0:
            msg = f"idle chargers' power must be a finite number >= 0, got {idle_kw}"
            raise ValueError(msg)
        step = params.resolution
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
            surplus_kw=surplus_array,
            feed_in_price=float(feed_in_price),
            phase_limits_a=None
            if phase_limits_a is None
            else phase_limits(phase_limits_a, params.steps),
            amps_per_kw=None if phase_limits_a is None else amps_per_kw(evs),
            stay_steps=np.array(
                [[(ev.arrival_time - now) / step, (ev.departure_time - now) / step] for ev in evs],
                dtype=np.float64,
            ).reshape(len(evs), 2),
            idle_kw=float(idle_kw),
        )

    @property
    def n_evs(self) -> int:
        """Number of EVs."""
        return len(self.ev_ids)

    @property
    def n_steps(self) -> int:
        """Number of steps."""
        return int(self.limit_kw.size)

    @property
    def priced(self) -> bool:
        """Whether energy has a cost (prices or a surplus), not only a time (earlier is better)."""
        return self.prices is not None or self.surplus_kw is not None

    def grid_prices(self) -> FloatArray | None:
        """Price per kWh from the grid per step: `prices`; 1 with a surplus only; else None."""
        if self.prices is not None:
            return self.prices
        if self.surplus_kw is not None:
            return np.ones(self.n_steps)
        return None

    def solar_discount(self) -> FloatArray | None:
        """What a kWh of surplus saves against the grid per step (>= 0); None without a surplus.

        `price - feed_in` where that is positive (without prices `1 - 0`). Where the price is
        below the feed-in price (negative prices), using the surplus saves nothing: the cost
        counts that step's EV energy at the price, as if the surplus were exported at the feed-in
        price (see `linear_program.py`).
        """
        grid = self.grid_prices()
        if grid is None or self.surplus_kw is None:
            return None
        feed_in = self.feed_in_price if self.prices is not None else 0.0
        return np.asarray(np.maximum(grid - feed_in, 0.0), dtype=np.float64)

    def solar_credit_kwh(self, power: FloatArray) -> FloatArray:
        """Per step, the kWh of the EVs' energy worth the discount: `min(sum of power, surplus)`."""
        if self.surplus_kw is None:
            return np.zeros(self.n_steps)
        used = np.minimum(np.clip(power, 0.0, None).sum(axis=0), self.surplus_kw)
        return np.asarray(used * self.step_hours, dtype=np.float64)

    def energy_cost(self, power: FloatArray) -> float:
        """What a schedule's energy costs: grid kWh at the price, surplus kWh at the feed-in price.

        Zero without prices and surplus; with a surplus only, the grid kWh (at 1 each). Where the
        price is below the feed-in price, all of that step's energy counts at the price.
        """
        grid = self.grid_prices()
        if grid is None:
            return 0.0
        kwh = np.clip(power, 0.0, None).sum(axis=0) * self.step_hours
        cost = float(grid @ kwh)
        discount = self.solar_discount()
        if discount is not None:
            cost -= float(discount @ self.solar_credit_kwh(power))
        return cost

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
        phase_room = self.phase_room_kw()
        if phase_room is not None:
            room &= phase_room + TOLERANCE >= np.maximum(self.min_kw, TOLERANCE)[:, None]
        return self.window_mask() & usable[:, None] & room

    def phase_room_kw(self) -> FloatArray | None:
        """`(N, T)`: the most each EV could take alone under the phase limits (kW); None without."""
        if self.phase_limits_a is None or self.amps_per_kw is None:
            return None
        return room_kw(self.amps_per_kw, self.phase_limits_a)

    def phase_load_a(self, power: FloatArray) -> FloatArray | None:
        """`(T, 3)`: the current (A) a schedule draws per step and phase; None without limits."""
        if self.phase_limits_a is None or self.amps_per_kw is None:
            return None
        return phase_load_a(self.amps_per_kw, power)

    def delivered_kwh(self, power: FloatArray) -> FloatArray:
        """Energy each EV receives from a schedule (kWh)."""
        return np.asarray(power.sum(axis=1) * self.step_hours, dtype=np.float64)

    def cells_with_minimum(self, cells: NDArray[np.bool_]) -> int:
        """How many of `cells` belong to an EV with a minimum power: the mixed-integer size."""
        return int(np.count_nonzero(cells & (self.min_kw > TOLERANCE)[:, None]))

    def shares(self, power: FloatArray) -> FloatArray:
        """Each EV's share of its request in a schedule, at most 1; 0 for one with no open cell."""
        counted = self.open_cells().any(axis=1)
        shares = np.divide(
            self.delivered_kwh(power), self.energy_kwh, out=np.zeros(self.n_evs), where=counted
        )
        return np.asarray(np.minimum(shares, 1.0), dtype=np.float64)

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

    def _phase_overloaded(self, power: FloatArray, tolerance: float) -> bool:
        """Whether some step draws more current on a phase than its limit (round-off allowed)."""
        load = self.phase_load_a(power)
        if load is None or self.phase_limits_a is None or self.amps_per_kw is None:
            return False
        slack = tolerance * max(1, self.n_evs) * float(self.amps_per_kw.max(initial=1.0))
        return bool((load > self.phase_limits_a + slack).any())

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
        if self._phase_overloaded(power, tolerance):
            problems.append("current above a phase limit")
        excess = self.delivered_kwh(power) - self.energy_kwh
        if (excess > tolerance * max(1, self.n_steps)).any():
            problems.append("more energy than requested")
        return problems
