"""The `Algorithm` interface every scheduler implements, and what a run reports.

As in Opti-VGI, an algorithm is built with the EVs, the site's peak power per step and `now`;
`calculate()` fills each `EV.power`. Here it also returns a `SchedulingResult`.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import math
import time
from typing import ClassVar

import numpy as np

from .constants import TOLERANCE, SchedulingParameters
from .dual_bound import BoundDuals
from .ev import EV, ChargingProfile, ChargingRateUnit
from .problem import FloatArray, ScheduleProblem
from .warm import WarmStart, fingerprint


class ScheduleStatus(StrEnum):
    """How a schedule was reached."""

    #: The linear program solved to optimality.
    OPTIMAL = "optimal"
    #: The linear program solved, then set-points between 0 and a minimum were rounded away.
    ROUNDED = "rounded"
    #: The heuristic's schedule (GoAlgorithm chosen, or better than the rounded LP).
    HEURISTIC = "heuristic"
    #: The linear program failed or timed out; the heuristic's schedule is used instead.
    FALLBACK = "fallback"
    #: No algorithm reached a schedule: every EV is sent 0 kW (only the runner reports it).
    FAILED = "failed"


@dataclass(frozen=True, kw_only=True, slots=True)
class Schedule:
    """What an algorithm's `_schedule` returns: kW per EV and step, and how it got there."""

    power: FloatArray
    status: ScheduleStatus
    build_s: float = 0.0
    solve_s: float = 0.0
    message: str | None = None
    #: The relaxed bound's duals on this cycle's grid, for the next cycle (`dual_bound.py`).
    duals: BoundDuals | None = None
    #: No schedule was found that gives every car its relaxed share (`later_shares.py`).
    later_shares_missed: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class SchedulingResult:
    """The outcome of one `calculate()`, per EV keyed by `ev_id`."""

    algorithm: str
    status: ScheduleStatus
    #: Why the result is not plain optimal (solver status, fallback reason), for diagnostics.
    message: str | None
    energy_planned_kwh: Mapping[str, float]
    shortfall_kwh: Mapping[str, float]
    #: Smallest share of its request any EV receives (1.0 when none wants energy).
    min_fraction: float
    #: Seconds spent building the model, solving it, and in all of `calculate()`.
    build_s: float
    solve_s: float
    total_s: float
    #: The inputs had not changed since the last cycle: its schedule was reused, not re-solved.
    reused: bool = False

    @property
    def unmet(self) -> tuple[str, ...]:
        """EVs that will not receive their whole request by departure."""
        return tuple(ev_id for ev_id, kwh in self.shortfall_kwh.items() if kwh > TOLERANCE)


class Algorithm(ABC):
    """A scheduler: shares the site's power between EVs over the horizon.

    Args:
        evs: The EVs to schedule (plugged in and reserved).
        peak_power_demand: The site's budget for EVs per step (kW), `params.steps` values.
        now: Start of step 0 (already rounded to the resolution by the caller).
        params: The time grid.
        prices: Optional price per kWh per step; without it earlier charging is preferred.
        surplus_kw: Optional forecast PV power beyond the non-EV load per step (kW, >= 0), already
            part of `peak_power_demand`: EV energy up to it costs `feed_in_price` per kWh instead
            of the price (without prices: solar is preferred to the grid, then earlier).
        feed_in_price: What an exported kWh of surplus earns (per kWh; counts only with prices).
        warm: The site's `WarmStart`, kept by the caller between cycles (None: a cold solve).
        phase_limits_a: Optional current (A) left for EVs per step on each of the 3 site phases
            (`params.steps` rows of 3, the non-EV load already taken off): kept besides
            `peak_power_demand`, with each EV's current per phase from its wiring (`phases.py`).
        idle_kw: What the site's chargers without a car could draw once one arrives (kW): with
            prices or a surplus, energy moves to cheaper steps only into room beyond it
            (`tariff.arrival_room`); 0 lets it use all of the limit.

    """

    #: Name shown in results and diagnostics.
    name: ClassVar[str]

    def __init__(
        self,
        evs: Sequence[EV],
        peak_power_demand: Sequence[float],
        now: datetime,
        params: SchedulingParameters | None = None,
        prices: Sequence[float] | None = None,
        *,
        surplus_kw: Sequence[float] | None = None,
        feed_in_price: float = 0.0,
        warm: WarmStart | None = None,
        phase_limits_a: Sequence[Sequence[float]] | None = None,
        idle_kw: float = 0.0,
    ) -> None:
        """Check and keep the inputs; see the class docstring."""
        self.warm = warm
        self.evs = list(evs)
        self.now = now
        self.params = params or SchedulingParameters()
        self.problem = ScheduleProblem.from_evs(
            self.evs,
            peak_power_demand,
            now,
            self.params,
            prices,
            surplus_kw=surplus_kw,
            feed_in_price=feed_in_price,
            phase_limits_a=phase_limits_a,
            idle_kw=idle_kw,
        )
        self.result: SchedulingResult | None = None

    @abstractmethod
    def _schedule(self, problem: ScheduleProblem) -> Schedule:
        """Compute the `(N, T)` schedule in kW."""

    def previous_plan(self) -> FloatArray | None:
        """The last cycle's plan on this grid (kW, NaN where it had none), from `warm`."""
        if self.warm is None:
            return None
        return self.warm.previous_kw(
            self.problem.ev_ids, self.now, self.params.resolution, self.problem.n_steps
        )

    def calculate(self) -> SchedulingResult:
        """Compute the schedule, fill each `EV.power` (kW per step) and report the run."""
        started = time.perf_counter()
        key = fingerprint(self.name, self.problem) if self.warm is not None else b""
        cached = self.warm.cached(key) if self.warm is not None else None
        schedule = cached or self._schedule(self.problem)
        power = np.clip(schedule.power, 0.0, None)
        if self.warm is not None:
            self.warm.remember(
                key,
                schedule,
                ev_ids=self.problem.ev_ids,
                start=self.now,
                resolution=self.params.resolution,
                power_kw=power,
            )
        for ev, row in zip(self.evs, power, strict=True):
            ev.power = row.tolist()
        delivered = self.problem.delivered_kwh(power)
        self.result = SchedulingResult(
            algorithm=self.name,
            status=schedule.status,
            message=schedule.message,
            energy_planned_kwh=dict(zip(self.problem.ev_ids, delivered.tolist(), strict=True)),
            shortfall_kwh=dict(
                zip(
                    self.problem.ev_ids,
                    np.maximum(self.problem.energy_kwh - delivered, 0.0).tolist(),
                    strict=True,
                )
            ),
            min_fraction=self.problem.min_fraction(power),
            build_s=schedule.build_s,
            solve_s=schedule.solve_s,
            total_s=time.perf_counter() - started,
            reused=cached is not None,
        )
        return self.result

    def get_current_power(self, unit: ChargingRateUnit | None = None) -> dict[EV, ChargingProfile]:
        """Each EV's limit for the first step only, as a one-period OCPP profile.

        Kept as Opti-VGI's `Algorithm` interface (the integration sends whole profiles).
        """
        return {ev: ev.current_charging_profile(self.now, unit) for ev in self.evs}

    def get_charging_profiles(
        self, unit: ChargingRateUnit | None = None
    ) -> dict[EV, ChargingProfile]:
        """Each EV's whole schedule as an OCPP profile."""
        return {ev: ev.charging_profile(self.now, self.params, unit) for ev in self.evs}

    def get_total_energy_charged(self) -> dict[EV, float]:
        """Energy each EV's schedule delivers (kWh).

        Kept as Opti-VGI's `Algorithm` interface (the integration reads `SchedulingResult`).
        """
        return {ev: math.fsum(ev.power) * self.params.step_hours for ev in self.evs}
