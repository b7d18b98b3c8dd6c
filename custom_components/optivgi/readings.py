"""Numbers from entity states: plain, power in kW, energy in kWh; None when there is none."""

import math

from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfEnergy,
    UnitOfPower,
)
from homeassistant.core import State
from homeassistant.util.unit_conversion import EnergyConverter, PowerConverter

#: States that carry no value.
MISSING_STATES = (None, STATE_UNAVAILABLE, STATE_UNKNOWN)


def state_number(state: State | None) -> float | None:
    """A state's numeric value, or None when it has none."""
    if state is None or state.state in MISSING_STATES:
        return None
    try:
        value = float(state.state)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def state_kw(state: State | None, default_unit: str = UnitOfPower.KILO_WATT) -> float | None:
    """A power state in kW (W, kW, MW ... by its unit; no unit: `default_unit`)."""
    value = state_number(state)
    if value is None or state is None:
        return None
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) or default_unit
    if unit not in PowerConverter.VALID_UNITS:
        return None
    return PowerConverter.convert(value, unit, UnitOfPower.KILO_WATT)


def state_kwh(state: State | None) -> float | None:
    """An energy state in kWh, or None."""
    value = state_number(state)
    if value is None or state is None:
        return None
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) or UnitOfEnergy.KILO_WATT_HOUR
    if unit not in EnergyConverter.VALID_UNITS:
        return None
    return EnergyConverter.convert(value, unit, UnitOfEnergy.KILO_WATT_HOUR)
