"""One cycle's reading of a site: what the plan is built on and what is published with it.

The translation makes one per cycle and nothing changes it afterwards; the plan and the sensors
read it instead of the translation's working state.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from .charger_config import ChargerConfig
from .const import ChargerFault
from .price_source import StepPrices
from .scm.ev import EV
from .site_budget import Budget
from .site_controls import ChargeMode


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargerReading:
    """One charger in one cycle."""

    #: A car is plugged in (or the charger has no plug sensor).
    connected: bool
    #: Energy still wanted (kWh) and when it must be there.
    requested_kwh: float = 0.0
    departure: datetime | None = None
    #: Why the charger is not planned freely (a `ChargerFault` value), or None.
    fault: ChargerFault | None = None
    fault_detail: str | None = None
    #: Its faults went on for `UNRESPONSIVE_AFTER` writes: no safe command could be confirmed.
    unresponsive: bool = False
    #: Power counted for it outside the plan (kW): a charger that is not planned, or the floor
    #: of one that cannot pause or must stay on a little longer.
    reserved_kw: float = 0.0
    floor_kw: float = 0.0
    #: How many steps the floor lasts (None: until the departure); a *Fast* charger's floor
    #: is all it gets, for as long as its car needs it at that power.
    floor_steps: int | None = None
    #: Of the floor, the part a *Solar* charger takes from the solar surplus (kW): not counted
    #: against the import limit's room.
    solar_kw: float = 0.0
    mode: ChargeMode = ChargeMode.SMART
    #: Power it is kept at, this step only, because it was switched on less than `MIN_ON_S`
    #: ago and the plan would pause it (kW); only where the plan left room.
    hold_kw: float = 0.0
    #: Unplugged for less than `PLUG_GRACE_S`: left at its last command (a glitch of the plug
    #: sensor must not pause the car), never raised, and counted at what it may draw.
    in_grace: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class SiteReading:
    """The whole site in one cycle."""

    now: datetime
    budget: Budget
    #: The room for planned EVs (kW): the budget less what is counted apart.
    plan_kw: float
    chargers: Mapping[str, ChargerReading] = field(default_factory=dict)
    #: The price source's prices of this cycle's grid, None without any.
    prices: StepPrices | None = None
    #: The current (A) left for planned EVs on L1, L2, L3 now; None without phase limits.
    phase_room_a: tuple[float, ...] | None = None
    #: The settings the plan is built for: the site's chargers (not the removed ones), a
    #: switchable charger on the phases it was switched to this cycle.
    configs: Mapping[str, ChargerConfig] = field(default_factory=dict)
    #: Each price and solar source's fault this cycle (a translation key; None: it was read).
    source_faults: Mapping[str, str | None] = field(default_factory=dict)

    def floor_per_step(self, steps: int) -> list[float]:
        """What the floors count per step (kW): *Fast* floors only for their own steps."""
        flat = sum(c.floor_kw for c in self.chargers.values() if c.floor_steps is None)
        per_step = [flat] * steps
        for charger in self.chargers.values():
            if charger.floor_steps is not None:
                for t in range(min(charger.floor_steps, steps)):
                    per_step[t] += charger.floor_kw
        return per_step

    def room_per_step(self, steps: int) -> list[float]:
        """The room for planned EVs per step (kW).

        `plan_kw` counted every floor for the whole horizon: a *Fast* one frees its power (less
        what it takes from the solar surplus) after its own steps.
        """
        room = [self.plan_kw] * steps
        for charger in self.chargers.values():
            if charger.floor_steps is not None:
                after, freed = charger.floor_steps, charger.floor_kw - charger.solar_kw
                room[after:] = [kw + freed for kw in room[after:]]
        return room

    def setpoint_kw(self, cid: str, ev: EV | None) -> float:
        """What the plan gives a charger now (kW): its floor plus its first planned step."""
        counted = self.chargers.get(cid)
        floor = counted.floor_kw + counted.hold_kw if counted is not None else 0.0
        return floor + (ev.power[0] if ev is not None and ev.power else 0.0)

    @property
    def reserved_kw(self) -> float:
        """Power counted outside the plan (kW)."""
        return sum(c.reserved_kw for c in self.chargers.values())
