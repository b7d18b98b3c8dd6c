"""Defaults of the scheduling core, and the per-site scheduling parameters.

Nothing here is configuration that changes at run time: per-site values come from the config entry
and reach the algorithms as a `SchedulingParameters`.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

#: Nominal voltage (V, phase to neutral) used to convert between A and kW when a charger does not
#: say. 230 V is the IEC 60038 nominal for Europe and most of the world; set the charger's own
#: voltage for 120/240 V (North America) installations.
DEFAULT_VOLTAGE: Final = 230.0

#: Phases an `EV` (and a current given without its phases) is taken to draw on when nothing
#: says: one, the least a car charges on. Apart from a charger's setting in Home Assistant,
#: which starts at three (`const.DEFAULT_CHARGER_PHASES`).
DEFAULT_EV_PHASES: Final = 1

#: Length of one scheduling step.
DEFAULT_RESOLUTION: Final = timedelta(minutes=5)

#: How far ahead a schedule reaches.
DEFAULT_HORIZON: Final = timedelta(hours=24)

#: Longest time the linear program may run before the runner falls back to the heuristic (s).
DEFAULT_SOLVE_TIME_LIMIT_S: Final = 20.0

#: OCPP 1.6 SetChargingProfile fields of the profiles the core produces.
CHARGING_PROFILE_ID: Final = 1
CHARGING_PROFILE_STACK_LEVEL: Final = 1
CHARGING_PROFILE_PURPOSE: Final = "TxProfile"
CHARGING_PROFILE_KIND: Final = "Absolute"

#: Energies and powers closer than this are equal (kWh, kW): solver round-off, not a decision.
TOLERANCE: Final = 1e-6


@dataclass(frozen=True, kw_only=True, slots=True)
class SchedulingParameters:
    """The time grid of a schedule: `steps` steps of `resolution`, covering `horizon`.

    Step `t` covers `[start + t * resolution, start + (t + 1) * resolution)`, start inclusive.
    """

    resolution: timedelta = DEFAULT_RESOLUTION
    horizon: timedelta = DEFAULT_HORIZON
    solve_time_limit_s: float = DEFAULT_SOLVE_TIME_LIMIT_S

    def __post_init__(self) -> None:
        """Reject grids that cannot hold a schedule."""
        if self.resolution <= timedelta(0):
            msg = f"resolution must be positive, got {self.resolution}"
            raise ValueError(msg)
        if self.horizon < self.resolution:
            msg = f"horizon {self.horizon} is shorter than one step of {self.resolution}"
            raise ValueError(msg)
        if self.solve_time_limit_s <= 0:
            msg = f"solve time limit must be positive, got {self.solve_time_limit_s}"
            raise ValueError(msg)

    @property
    def steps(self) -> int:
        """Number of whole steps in the horizon."""
        return self.horizon // self.resolution

    @property
    def step_hours(self) -> float:
        """Length of one step in hours: kW x step_hours = kWh."""
        return self.resolution / timedelta(hours=1)

    @property
    def step_seconds(self) -> int:
        """Length of one step in whole seconds (OCPP `startPeriod` unit)."""
        return int(self.resolution.total_seconds())
