"""The Translation layer: how the scheduling core reads a site and commands its chargers.

Opti-VGI's interface, made async: a Home Assistant implementation reads entity states on the event
loop and calls services to write limits. One Translation serves one site (an Opti-VGI group).
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from .scm.ev import EV, ChargingProfile, ChargingRateUnit


@dataclass(frozen=True, kw_only=True, slots=True)
class CycleExtras:
    """What a site adds to a cycle beyond Opti-VGI's inputs (see `Algorithm`'s arguments).

    A solar surplus forecast per step (kW) with the price a kWh of it earns when exported,
    and per-phase current limits per step (A, steps x 3), and what the chargers without a car
    could draw once one arrives (kW), for which room is kept when prices move energy.
    """

    surplus_kw: list[float] | None = None
    feed_in_price: float = 0.0
    phase_limits_a: list[list[float]] | None = None
    idle_kw: float = 0.0


class Translation(ABC):
    """Reads EVs and the site's power budget; sends the schedules back."""

    @abstractmethod
    async def get_evs(self, group_name: str) -> tuple[list[EV], float | None]:
        """The group's EVs, plugged in (`active`) and reserved, and its voltage (V) if known."""

    @abstractmethod
    async def get_peak_power_demand(
        self, group_name: str, now: datetime, voltage: float | None = None
    ) -> list[float]:
        """The group's budget for EVs (kW) for each step of the horizon, starting at `now`."""

    @abstractmethod
    async def send_power_to_evs(
        self, powers: dict[EV, ChargingProfile], unit: ChargingRateUnit | None = None
    ) -> None:
        """Command each EV's charger with its profile (`unit` None: each EV's own unit)."""

    async def get_prices(self, group_name: str, now: datetime) -> list[float] | None:  # noqa: ARG002
        """Price per kWh for each step from `now`, or None: then earlier charging is preferred."""
        return None

    async def get_extras(self, group_name: str, now: datetime) -> CycleExtras:  # noqa: ARG002
        """What the site adds to the problem from `now`: nothing unless a site says so."""
        return CycleExtras()
