"""The selectors and units the site and charger forms share."""

from typing import Final

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import Platform
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    EntityWithDeviceFilterSelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
from homeassistant.util.unit_conversion import PowerConverter

INPUT_NUMBER: Final = "input_number"
INPUT_BOOLEAN: Final = "input_boolean"

#: Units a power entity may have; readers convert with `PowerConverter`.
POWER_UNITS: Final[frozenset[str | None]] = frozenset(PowerConverter.VALID_UNITS)

POWER_SENSOR: Final = EntityWithDeviceFilterSelectorConfig(
    domain=Platform.SENSOR, device_class=SensorDeviceClass.POWER
)


def sensor_of(device_class: SensorDeviceClass) -> EntitySelector:
    """Return a picker of the sensors of `device_class`."""
    return EntitySelector(
        EntitySelectorConfig(
            filter=EntityWithDeviceFilterSelectorConfig(
                domain=Platform.SENSOR, device_class=device_class
            )
        )
    )


def number_box(
    *, minimum: float, maximum: float | None = None, step: float, unit: str
) -> NumberSelector:
    """Return a number box from `minimum` to `maximum` (no upper bound if None) in `unit`."""
    config = NumberSelectorConfig(
        min=minimum, step=step, unit_of_measurement=unit, mode=NumberSelectorMode.BOX
    )
    if maximum is not None:
        config["max"] = maximum
    return NumberSelector(config)


def dropdown(options: list[str], translation_key: str) -> SelectSelector:
    """Return a drop-down of `options`, labelled by the `selector` translations."""
    return SelectSelector(
        SelectSelectorConfig(
            options=options, translation_key=translation_key, mode=SelectSelectorMode.DROPDOWN
        )
    )
