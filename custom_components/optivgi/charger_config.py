"""A charger's settings (one config subentry), typed, with the figures derived from them."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time
from types import MappingProxyType
from typing import Any, Final

from homeassistant.config_entries import ConfigSubentry
from homeassistant.util import dt as dt_util

from .const import (
    CONF_BATTERY_KWH,
    CONF_CONTROL,
    CONF_CONTROL_ENTITY,
    CONF_DEFAULT_DEPARTURE,
    CONF_DEFAULT_ENERGY_KWH,
    CONF_FEEDBACK_ENTITY,
    CONF_MAX_CURRENT_A,
    CONF_MIN_CURRENT_A,
    CONF_OCPP_DEVICE,
    CONF_OFFERED_ENTITY,
    CONF_PHASE_SWITCH_ENTITY,
    CONF_PHASES,
    CONF_PLUG_ENTITY,
    CONF_PLUG_STATES,
    CONF_POWER_ENTITY,
    CONF_SAFE_CURRENT_A,
    CONF_SESSION_ENERGY_ENTITY,
    CONF_SINGLE_PHASE_CAR,
    CONF_SITE_PHASES,
    CONF_SOC_ENTITY,
    CONF_SWITCH_ENTITY,
    CONF_TARGET_SOC,
    CONF_TRANSACTION_ENTITY,
    CONF_VOLTAGE,
    DEFAULT_BATTERY_KWH,
    DEFAULT_CHARGER_PHASES,
    DEFAULT_DEPARTURE,
    DEFAULT_ENERGY_KWH,
    DEFAULT_MAX_CURRENT_A,
    DEFAULT_MIN_CURRENT_A,
    DEFAULT_PLUG_STATES,
    DEFAULT_SINGLE_PHASE_CAR,
    DEFAULT_SITE_PHASES_1,
    DEFAULT_SITE_PHASES_3,
    DEFAULT_TARGET_SOC,
    Control,
)
from .scm.constants import DEFAULT_VOLTAGE
from .scm.ev import amps_to_kw

#: The stored `CONF_SITE_PHASES` values and the site phases (0 = L1) each stands for, in order:
#: a rotation's first phase is the charger's own L1, where a 1-phase car draws.
SITE_PHASES_WIRING: Final[Mapping[str, tuple[int, ...]]] = {
    "L1": (0,),
    "L2": (1,),
    "L3": (2,),
    "L1L2L3": (0, 1, 2),
    "L2L3L1": (1, 2, 0),
    "L3L1L2": (2, 0, 1),
}


def default_site_phases(phases: int) -> str:
    """The stored wiring of a charger with `phases` phases that was not given one."""
    return DEFAULT_SITE_PHASES_1 if phases == 1 else DEFAULT_SITE_PHASES_3


def site_phases_of(value: object, phases: int, *, single_phase_car: bool) -> tuple[int, ...]:
    """The site phases a charger's car draws on, from its stored wiring `value`.

    An absent value (a charger set up before wirings) or one that does not fit the charger's
    phases (settings edited by hand) is the default: L1, or the first `phases` phases in order.
    A single-phase car on a 3-phase charger draws on the rotation's first phase only.
    """
    wiring = SITE_PHASES_WIRING.get(str(value).upper())
    if wiring is None or len(wiring) != min(phases, 3):
        wiring = tuple(range(max(1, min(phases, 3))))
    return wiring[:1] if single_phase_car else wiring


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargerConfig:
    """How to read and command one charger, and its electrical limits."""

    charger_id: str
    name: str
    control: Control
    control_entity: str | None
    ocpp_device: str | None
    transaction_entity: str | None
    plug_entity: str | None
    plug_states: tuple[str, ...]
    power_entity: str | None
    session_energy_entity: str | None
    soc_entity: str | None
    battery_kwh: float
    target_soc: float
    default_energy_kwh: float
    default_departure: time
    min_current_a: float
    max_current_a: float
    phases: int
    voltage: float
    #: Optional on/off entity that pauses the charger (for a `number` that cannot reach 0).
    switch_entity: str | None = None
    #: Optional entity that reports the limit a script charger really applies (A or W).
    feedback_entity: str | None = None
    #: The OCPP integration's offered-current sensor of this charger, if configured.
    offered_entity: str | None = None
    #: The OCPP TxDefaultProfile's current (A): what a new session starts at before we plan it.
    safe_current_a: float | None = None
    #: The site phases (0 = L1) the car draws on, in the order of the charger's own phases; left
    #: out (configs made in code), the charger's default wiring.
    site_phases: tuple[int, ...] = ()
    #: Optional entity that switches a 3-phase charger between 1 and 3 phases (`phase_switch`).
    phase_switch_entity: str | None = None

    def __post_init__(self) -> None:
        """Fill in the default wiring when none is given."""
        if not self.site_phases:
            wiring = site_phases_of(None, self.phases, single_phase_car=False)
            object.__setattr__(self, "site_phases", wiring)  # frozen: set once, here

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> ChargerConfig:
        """Read a charger subentry, with defaults for what it leaves out.

        The name is the subentry's title: the flow stores it there and nowhere else.
        """
        return cls.from_data(subentry.subentry_id, subentry.title, subentry.data)

    @classmethod
    def from_data(
        cls, charger_id: str, name: str, data: MappingProxyType[str, Any] | dict[str, Any]
    ) -> ChargerConfig:
        """Read a charger's settings (`name` is the user's name for it)."""
        departure = dt_util.parse_time(str(data.get(CONF_DEFAULT_DEPARTURE, DEFAULT_DEPARTURE)))
        phases = int(data.get(CONF_PHASES, DEFAULT_CHARGER_PHASES))
        return cls(
            charger_id=charger_id,
            name=name,
            control=Control(data.get(CONF_CONTROL, Control.NUMBER)),
            control_entity=data.get(CONF_CONTROL_ENTITY),
            ocpp_device=data.get(CONF_OCPP_DEVICE),
            transaction_entity=data.get(CONF_TRANSACTION_ENTITY),
            plug_entity=data.get(CONF_PLUG_ENTITY),
            plug_states=tuple(
                state.lower() for state in data.get(CONF_PLUG_STATES) or DEFAULT_PLUG_STATES
            ),
            power_entity=data.get(CONF_POWER_ENTITY),
            session_energy_entity=data.get(CONF_SESSION_ENERGY_ENTITY),
            soc_entity=data.get(CONF_SOC_ENTITY),
            battery_kwh=float(data.get(CONF_BATTERY_KWH, DEFAULT_BATTERY_KWH)),
            target_soc=float(data.get(CONF_TARGET_SOC, DEFAULT_TARGET_SOC)),
            default_energy_kwh=float(data.get(CONF_DEFAULT_ENERGY_KWH, DEFAULT_ENERGY_KWH)),
            default_departure=departure or time.fromisoformat(DEFAULT_DEPARTURE),
            min_current_a=float(data.get(CONF_MIN_CURRENT_A, DEFAULT_MIN_CURRENT_A)),
            max_current_a=float(data.get(CONF_MAX_CURRENT_A, DEFAULT_MAX_CURRENT_A)),
            phases=phases,
            voltage=float(data.get(CONF_VOLTAGE, DEFAULT_VOLTAGE)),
            switch_entity=data.get(CONF_SWITCH_ENTITY),
            feedback_entity=data.get(CONF_FEEDBACK_ENTITY),
            offered_entity=data.get(CONF_OFFERED_ENTITY),
            safe_current_a=(
                float(data[CONF_SAFE_CURRENT_A]) if CONF_SAFE_CURRENT_A in data else None
            ),
            site_phases=site_phases_of(
                data.get(CONF_SITE_PHASES),
                phases,
                single_phase_car=bool(data.get(CONF_SINGLE_PHASE_CAR, DEFAULT_SINGLE_PHASE_CAR)),
            ),
            phase_switch_entity=data.get(CONF_PHASE_SWITCH_ENTITY),
        )

    @property
    def switches_phases(self) -> bool:
        """Whether it can be switched between 1 and 3 phases (a 3-phase car on a switch)."""
        return self.phase_switch_entity is not None and len(self.site_phases) > 1

    def on_phases(self, phases: int) -> ChargerConfig:
        """This charger drawing on the first `phases` of its site phases (a switched charger)."""
        return replace(self, site_phases=self.site_phases[:phases])

    @property
    def phases_used(self) -> int:
        """Phases its car draws on: a 1-phase car on a 3-phase charger draws on one.

        Every conversion between its current limit (A per phase) and power uses it.
        """
        return len(self.site_phases)

    @property
    def min_kw(self) -> float:
        """Lowest non-zero power (kW)."""
        return amps_to_kw(self.min_current_a, self.voltage, self.phases_used)

    @property
    def max_kw(self) -> float:
        """Highest power (kW)."""
        return amps_to_kw(self.max_current_a, self.voltage, self.phases_used)

    @property
    def safe_kw(self) -> float:
        """The power of the charger's safety-net default profile (kW): its minimum unless set."""
        amps = self.min_current_a if self.safe_current_a is None else self.safe_current_a
        return amps_to_kw(amps, self.voltage, self.phases_used)

    def trigger_entity_ids(self) -> set[str]:
        """Entities whose state changes re-plan at once: a car arriving, leaving or a new session.

        Not the control or power entities (our own writes would each trigger another cycle and
        flap), nor session energy or SoC (they tick while charging; the timer reads them).
        """
        return {e for e in (self.plug_entity, self.transaction_entity) if e}

    def readback_entity_ids(self) -> set[str]:
        """Entities that confirm (or refute) a write: read back when they change."""
        own = {self.phase_switch_entity} if self.phase_switch_entity else set()
        if self.control is Control.NUMBER:
            return own | {e for e in (self.control_entity, self.switch_entity) if e}
        return own | {e for e in (self.feedback_entity, self.offered_entity) if e}
