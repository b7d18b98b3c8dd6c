"""A charger's settings (one config subentry), typed, with the figures derived from them."""

from dataclasses import dataclass
from datetime import time
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_NAME
from homeassistant.util import dt as dt_util

from .const import (
    CONF_BATTERY_KWH,
    CONF_CONTROL,
    CONF_CONTROL_ENTITY,
    CONF_DEFAULT_DEPARTURE,
    CONF_DEFAULT_ENERGY_KWH,
    CONF_MAX_CURRENT_A,
    CONF_MIN_CURRENT_A,
    CONF_OCPP_DEVICE,
    CONF_PHASES,
    CONF_PLUG_ENTITY,
    CONF_PLUG_STATES,
    CONF_POWER_ENTITY,
    CONF_SESSION_ENERGY_ENTITY,
    CONF_SOC_ENTITY,
    CONF_TARGET_SOC,
    CONF_TRANSACTION_ENTITY,
    CONF_VOLTAGE,
    DEFAULT_BATTERY_KWH,
    DEFAULT_DEPARTURE,
    DEFAULT_ENERGY_KWH,
    DEFAULT_MAX_CURRENT_A,
    DEFAULT_MIN_CURRENT_A,
    DEFAULT_PHASES,
    DEFAULT_PLUG_STATES,
    DEFAULT_TARGET_SOC,
    DEFAULT_VOLTAGE,
    Control,
)
from .scm.ev import amps_to_kw


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

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> ChargerConfig:
        """Read a charger subentry, with defaults for what it leaves out."""
        return cls.from_data(subentry.subentry_id, subentry.data)

    @classmethod
    def from_data(
        cls, charger_id: str, data: MappingProxyType[str, Any] | dict[str, Any]
    ) -> ChargerConfig:
        """Read a charger's settings."""
        departure = dt_util.parse_time(str(data.get(CONF_DEFAULT_DEPARTURE, DEFAULT_DEPARTURE)))
        return cls(
            charger_id=charger_id,
            name=str(data.get(CONF_NAME, charger_id)),
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
            default_departure=departure or time(7, 30),
            min_current_a=float(data.get(CONF_MIN_CURRENT_A, DEFAULT_MIN_CURRENT_A)),
            max_current_a=float(data.get(CONF_MAX_CURRENT_A, DEFAULT_MAX_CURRENT_A)),
            phases=int(data.get(CONF_PHASES, DEFAULT_PHASES)),
            voltage=float(data.get(CONF_VOLTAGE, DEFAULT_VOLTAGE)),
        )

    @property
    def min_kw(self) -> float:
        """Lowest non-zero power (kW)."""
        return amps_to_kw(self.min_current_a, self.voltage, self.phases)

    @property
    def max_kw(self) -> float:
        """Highest power (kW)."""
        return amps_to_kw(self.max_current_a, self.voltage, self.phases)

    def source_entity_ids(self) -> set[str]:
        """Entities whose state changes should trigger a re-plan.

        Not the control entity: our own writes would each trigger another cycle.
        """
        entities = (self.plug_entity, self.power_entity, self.session_energy_entity)
        return {entity_id for entity_id in (*entities, self.soc_entity) if entity_id}
