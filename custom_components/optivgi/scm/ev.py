"""The EV: what one charging session needs, and the schedule it receives.

Inside the core every power is in kW and every energy in kWh. `ChargingRateUnit` converts to what a
charger takes: W, or A per phase (kW = A x V x phases / 1000), over the phases the car really
draws on (`EV.phases_used`: a 1-phase car on a 3-phase charger draws on one).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
import math
from typing import Any

import numpy as np

from .constants import (
    CHARGING_PROFILE_ID,
    CHARGING_PROFILE_KIND,
    CHARGING_PROFILE_PURPOSE,
    CHARGING_PROFILE_STACK_LEVEL,
    DEFAULT_EV_PHASES,
    DEFAULT_VOLTAGE,
    SchedulingParameters,
)

type ChargingProfile = dict[str, Any]
"""An OCPP 1.6 `csChargingProfiles` object (SetChargingProfile.req), JSON-ready."""


def amps_to_kw(amps: float, voltage: float | None = None, phases: int = DEFAULT_EV_PHASES) -> float:
    """Power (kW) drawn at `amps` per phase; `voltage` (V, phase to neutral) defaults to 230 V."""
    return amps * (voltage or DEFAULT_VOLTAGE) * phases / 1000


def kw_to_amps(kw: float, voltage: float | None = None, phases: int = DEFAULT_EV_PHASES) -> float:
    """Current per phase (A) that draws `kw`; `voltage` (V, phase to neutral) defaults to 230 V."""
    return kw * 1000 / ((voltage or DEFAULT_VOLTAGE) * phases)


class ChargingRateUnit(StrEnum):
    """The unit a charger takes its limit in (OCPP `chargingRateUnit`)."""

    W = "W"
    A = "A"

    def from_kw(
        self, kw: float, voltage: float | None = None, phases: int = DEFAULT_EV_PHASES
    ) -> float:
        """Express a power in kW in this unit: W, or A per phase."""
        if self is ChargingRateUnit.W:
            return kw * 1000
        return kw_to_amps(kw, voltage, phases)


#: How far below a multiple of a step (as a share of the step) a value still counts as on it.
#: The solver's round-off puts a plan a little under a bound it reaches: 8.969999883 kW for the
#: 8.97 kW a site allows, 12.99999983 A. Rounded down without this allowance, a charger of 1 A
#: steps was told 12 A instead of 13 A. 1e-4 of a step is far above that round-off (1e-7 A)
#: and far below anything a charger can apply.
STEP_ROUND_OFF = 1e-4

#: OCPP 1.6 limits have one decimal.
OCPP_LIMIT_STEP = 0.1


def floor_to_step(value: float, step: float) -> float:
    """`value` rounded down to a multiple of `step`, never below one it is within round-off of."""
    return math.floor(value / step + STEP_ROUND_OFF) * step


def ocpp_limit(value: float) -> float:
    """Round a limit down to OCPP's 0.1 resolution, so a rounded limit never exceeds the plan.

    A value within round-off of a multiple of 0.1 (5.9999999 A for a 6 A minimum) stays on it
    instead of dropping below it (`STEP_ROUND_OFF`).
    """
    return round(floor_to_step(value, OCPP_LIMIT_STEP), 1)


def tx_profile(
    now: datetime,
    periods: list[dict[str, Any]],
    unit: ChargingRateUnit,
    duration: int | None = None,
    transaction_id: int | None = None,
) -> ChargingProfile:
    """An OCPP 1.6 TxProfile starting at `now` (`startPeriod`s in s from then), JSON-ready."""
    schedule: dict[str, Any] = {} if duration is None else {"duration": duration}
    profile: ChargingProfile = {
        "chargingProfileId": CHARGING_PROFILE_ID,
        "stackLevel": CHARGING_PROFILE_STACK_LEVEL,
        "chargingProfilePurpose": CHARGING_PROFILE_PURPOSE,
        "chargingProfileKind": CHARGING_PROFILE_KIND,
        "chargingSchedule": {
            **schedule,
            "startSchedule": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "chargingRateUnit": unit.value,
            "chargingSchedulePeriod": periods,
        },
    }
    if transaction_id is not None:
        profile["transactionId"] = transaction_id
    return profile


@dataclass(kw_only=True, eq=False)
class EV:
    """One EV session on one connector: its window, power bounds and energy request.

    Two EVs are the same EV when their `ev_id`s are equal (they key dictionaries of profiles).
    """

    #: Unique id of the session or charger within a site.
    ev_id: str
    #: Arrival in the future (False: a reservation) or plugged in now (True).
    active: bool = True
    #: Charging station and connector the EV is (or will be) on.
    station_id: str = ""
    connector_id: int = 1
    #: Lowest non-zero power the charger can run at (kW); 0 if it can modulate down to nothing.
    #: A charger never runs between 0 and this (IEC 61851: 6 A).
    min_power: float = 0.0
    #: Highest power the EV and charger together accept (kW).
    max_power: float
    #: When charging may start and must end (timezone-aware; an EV already plugged in has
    #: `arrival_time` <= now). Only whole steps inside `[arrival_time, departure_time)` are used.
    arrival_time: datetime
    departure_time: datetime
    #: Energy still wanted before departure (kWh); 0 for an EV that is full.
    energy: float
    #: The unit the charger takes its limit in.
    unit: ChargingRateUnit = ChargingRateUnit.W
    #: Phase-to-neutral voltage (V); None uses `DEFAULT_VOLTAGE` (230 V).
    voltage: float | None = None
    #: Phases the charger supplies (1 or 3; 2 for the rare 2-phase installation).
    phases: int = DEFAULT_EV_PHASES
    #: Which site phases (0 = L1, 1 = L2, 2 = L3) the car draws from, for per-phase fuses; its
    #: length is the number of phases the car really uses (at most `phases`). None: all three
    #: evenly on a 3-phase charger, L1 (and L2 for 2 phases) otherwise.
    site_phases: tuple[int, ...] | None = None
    #: When minimum powers do not all fit under the limit, higher priority keeps charging.
    priority: int = 0
    #: OCPP transaction id of the running session, put into TxProfiles when known.
    transaction_id: int | None = None
    #: The schedule: kW per step from the schedule's start, filled by `Algorithm.calculate`.
    power: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        """Reject sessions no charger could have."""
        for name in ("min_power", "max_power", "energy"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                msg = f"EV {self.ev_id}: {name} must be a finite number >= 0, got {value}"
                raise ValueError(msg)
        if self.min_power > self.max_power:
            msg = f"EV {self.ev_id}: min_power {self.min_power} > max_power {self.max_power}"
            raise ValueError(msg)
        if self.arrival_time.utcoffset() is None or self.departure_time.utcoffset() is None:
            msg = f"EV {self.ev_id}: arrival and departure must be timezone-aware"
            raise ValueError(msg)
        if self.phases not in (1, 2, 3):
            msg = f"EV {self.ev_id}: phases must be 1, 2 or 3, got {self.phases}"
            raise ValueError(msg)
        if self.voltage is not None and not (math.isfinite(self.voltage) and self.voltage > 0):
            msg = f"EV {self.ev_id}: voltage must be positive, got {self.voltage}"
            raise ValueError(msg)
        if self.site_phases is not None:
            wiring = tuple(self.site_phases)
            if (
                not 1 <= len(wiring) <= self.phases
                or len(set(wiring)) != len(wiring)
                or any(phase not in (0, 1, 2) for phase in wiring)
            ):
                msg = (
                    f"EV {self.ev_id}: site_phases must be 1 to {self.phases} distinct phases "
                    f"of 0, 1, 2, got {self.site_phases}"
                )
                raise ValueError(msg)
            self.site_phases = wiring

    @property
    def phases_used(self) -> int:
        """Phases the car draws on: those of `site_phases` when given, else the charger's."""
        return self.phases if self.site_phases is None else len(self.site_phases)

    def __eq__(self, other: object) -> bool:
        """EVs are equal when their ids are."""
        if not isinstance(other, EV):
            return NotImplemented
        return self.ev_id == other.ev_id

    def __hash__(self) -> int:
        """Hash by id, consistent with equality."""
        return hash(self.ev_id)

    def arrival_index(self, now: datetime, params: SchedulingParameters) -> int:
        """First step the EV may charge in: the first step that starts at or after arrival.

        A plugged-in (`active`) EV that arrives before the current step ends may use it: `now`
        is rounded down to the step, so the car plugged in after the step had started. One
        that is plugged in but may only charge later (a charger kept off for a while) waits.
        """
        if self.active and self.arrival_time < now + params.resolution:
            return 0
        steps = -((now - self.arrival_time) // params.resolution)  # ceil division
        return max(0, min(steps, params.steps))

    def departure_index(self, now: datetime, params: SchedulingParameters) -> int:
        """First step the EV may no longer charge in: steps must end by departure."""
        steps = (self.departure_time - now) // params.resolution
        return max(0, min(steps, params.steps))

    def _profile(
        self,
        now: datetime,
        periods: list[dict[str, Any]],
        unit: ChargingRateUnit,
        duration: int | None,
    ) -> ChargingProfile:
        return tx_profile(now, periods, unit, duration, self.transaction_id)

    def _period(self, start: int, kw: float, unit: ChargingRateUnit) -> dict[str, Any]:
        return {
            "startPeriod": start,
            "limit": ocpp_limit(unit.from_kw(kw, self.voltage, self.phases_used)),
            "numberPhases": self.phases_used,
        }

    def charging_profile(
        self, now: datetime, params: SchedulingParameters, unit: ChargingRateUnit | None = None
    ) -> ChargingProfile:
        """The whole schedule as one OCPP 1.6 TxProfile starting at `now`.

        `startPeriod`s are whole seconds from `now`; consecutive steps with the same limit are one
        period. Without a schedule the profile holds the charger at 0.
        """
        unit = unit or self.unit
        # The same arithmetic as `_period`, on all steps at once: thousands of steps per EV.
        power = np.asarray(self.power or [0.0], dtype=np.float64)
        if unit is ChargingRateUnit.W:
            values = power * 1000
        else:
            values = power * 1000 / ((self.voltage or DEFAULT_VOLTAGE) * self.phases_used)
        limits = np.round(np.floor(values / OCPP_LIMIT_STEP + STEP_ROUND_OFF) * OCPP_LIMIT_STEP, 1)
        starts = np.flatnonzero(np.concatenate(([True], limits[1:] != limits[:-1])))
        step_s = params.step_seconds
        periods: list[dict[str, Any]] = [
            {"startPeriod": step * step_s, "limit": limit, "numberPhases": self.phases_used}
            for step, limit in zip(starts.tolist(), limits[starts].tolist(), strict=True)
        ]
        return self._profile(now, periods, unit, params.steps * step_s)

    def current_charging_profile(
        self, now: datetime, unit: ChargingRateUnit | None = None
    ) -> ChargingProfile:
        """Only the first step's limit, for chargers that take one set-point at a time.

        Kept as Opti-VGI's interface: `Algorithm.get_current_power` is made of it.

        It has no duration: it holds until the next cycle replaces it, instead of expiring into
        the charger's default (often its full power).
        """
        unit = unit or self.unit
        kw = self.power[0] if self.power else 0.0
        return self._profile(now, [self._period(0, kw, unit)], unit, None)
