"""The forms of the config flow: selectors, schemas and their defaults (one place for each)."""

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import (
    CONF_NAME,
    PERCENTAGE,
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    DeviceFilterSelectorConfig,
    DeviceSelector,
    DeviceSelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    EntityWithDeviceFilterSelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TimeSelector,
)
from homeassistant.util.unit_conversion import PowerConverter
import probatio

from .const import (
    CONF_ALGORITHM,
    CONF_BATTERY_KWH,
    CONF_CONTROL,
    CONF_CONTROL_ENTITY,
    CONF_DEFAULT_DEPARTURE,
    CONF_DEFAULT_ENERGY_KWH,
    CONF_FEEDBACK_ENTITY,
    CONF_GRID_POWER_ENTITY,
    CONF_HORIZON_H,
    CONF_MAX_CURRENT_A,
    CONF_MIN_CURRENT_A,
    CONF_OCPP_DEVICE,
    CONF_OFFERED_ENTITY,
    CONF_PHASES,
    CONF_PLUG_ENTITY,
    CONF_PLUG_STATES,
    CONF_POWER_ENTITY,
    CONF_REPLAN_MIN,
    CONF_RESOLUTION_MIN,
    CONF_SAFE_CURRENT_A,
    CONF_SAFETY_MARGIN_KW,
    CONF_SESSION_ENERGY_ENTITY,
    CONF_SITE_LIMIT_ENTITY,
    CONF_SITE_LIMIT_KW,
    CONF_SOC_ENTITY,
    CONF_SWITCH_ENTITY,
    CONF_TARGET_SOC,
    CONF_TRANSACTION_ENTITY,
    CONF_VOLTAGE,
    DEFAULT_ALGORITHM,
    DEFAULT_BATTERY_KWH,
    DEFAULT_DEPARTURE,
    DEFAULT_ENERGY_KWH,
    DEFAULT_HORIZON_H,
    DEFAULT_MAX_CURRENT_A,
    DEFAULT_MIN_CURRENT_A,
    DEFAULT_PHASES,
    DEFAULT_PLUG_STATES,
    DEFAULT_REPLAN_MIN,
    DEFAULT_RESOLUTION_MIN,
    DEFAULT_SAFETY_MARGIN_KW,
    DEFAULT_SITE_LIMIT_KW,
    DEFAULT_TARGET_SOC,
    DEFAULT_VOLTAGE,
    RESOLUTIONS_MIN,
    AlgorithmChoice,
    Control,
)
from .phase_flow import CHARGER_PHASE_FIELDS, PHASE_SCHEMA, PHASES_SECTION
from .price_flow import PRICE_SCHEMA, PRICES_SECTION

#: The community OCPP integration (lbbrhzn/ocpp) whose devices an OCPP charger is picked from.
OCPP_INTEGRATION: Final = "ocpp"
_INPUT_NUMBER: Final = "input_number"
_INPUT_BOOLEAN: Final = "input_boolean"
SCRIPT: Final = "script"

#: Units a power entity may have; readers convert with `PowerConverter`.
POWER_UNITS: Final[frozenset[str | None]] = frozenset(PowerConverter.VALID_UNITS)
#: Units a session energy entity may have.
ENERGY_UNITS: Final[frozenset[str | None]] = frozenset(
    {UnitOfEnergy.WATT_HOUR, UnitOfEnergy.KILO_WATT_HOUR}
)
#: Units a `number` control entity may have: a current limit in A or a power limit in W or kW.
CONTROL_UNITS: Final[frozenset[str | None]] = frozenset(
    {UnitOfElectricCurrent.AMPERE, UnitOfPower.WATT, UnitOfPower.KILO_WATT}
)

#: The algorithm selector's option keys (translation keys must be lower case) and the
#: `AlgorithmChoice` each stands for; the stored value is the `AlgorithmChoice` value.
ALGORITHM_OPTIONS: Final[dict[str, AlgorithmChoice]] = {
    choice.name.lower(): choice for choice in AlgorithmChoice
}

_POWER_SENSOR = EntityWithDeviceFilterSelectorConfig(
    domain=Platform.SENSOR, device_class=SensorDeviceClass.POWER
)


def _box(*, minimum: float, maximum: float | None = None, step: float, unit: str) -> NumberSelector:
    """Return a number box from `minimum` to `maximum` (no upper bound if None) in `unit`."""
    config = NumberSelectorConfig(
        min=minimum, step=step, unit_of_measurement=unit, mode=NumberSelectorMode.BOX
    )
    if maximum is not None:
        config["max"] = maximum
    return NumberSelector(config)


def _select(options: list[str], translation_key: str) -> SelectSelector:
    """Return a drop-down of `options`, labelled by the `selector` translations."""
    return SelectSelector(
        SelectSelectorConfig(
            options=options, translation_key=translation_key, mode=SelectSelectorMode.DROPDOWN
        )
    )


SITE_SETTINGS_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_SITE_LIMIT_KW): _box(
            minimum=0.1, step=0.1, unit=UnitOfPower.KILO_WATT
        ),
        probatio.Optional(CONF_SITE_LIMIT_ENTITY): EntitySelector(
            EntitySelectorConfig(
                filter=[
                    _POWER_SENSOR,
                    EntityWithDeviceFilterSelectorConfig(domain=[Platform.NUMBER, _INPUT_NUMBER]),
                ]
            )
        ),
        probatio.Optional(CONF_GRID_POWER_ENTITY): EntitySelector(
            EntitySelectorConfig(filter=_POWER_SENSOR)
        ),
        probatio.Required(CONF_ALGORITHM): _select(list(ALGORITHM_OPTIONS), CONF_ALGORITHM),
        probatio.Required(CONF_RESOLUTION_MIN): probatio.All(
            _select([str(minutes) for minutes in RESOLUTIONS_MIN], "resolution"),
            probatio.Coerce(int),
        ),
        probatio.Required(CONF_HORIZON_H): probatio.All(
            _box(minimum=1, maximum=48, step=1, unit=UnitOfTime.HOURS), probatio.Coerce(int)
        ),
        probatio.Required(CONF_REPLAN_MIN): probatio.All(
            _box(minimum=1, maximum=60, step=1, unit=UnitOfTime.MINUTES), probatio.Coerce(int)
        ),
        probatio.Required(CONF_SAFETY_MARGIN_KW): _box(
            minimum=0, step=0.1, unit=UnitOfPower.KILO_WATT
        ),
        # Optional: a form sent without it (an older client) means no price source.
        probatio.Optional(PRICES_SECTION): section(PRICE_SCHEMA, {"collapsed": True}),
        probatio.Optional(PHASES_SECTION): section(PHASE_SCHEMA, {"collapsed": True}),
    }
)

#: The site's user and reconfigure steps: its name, then its settings.
SITE_SCHEMA = probatio.Schema({probatio.Required(CONF_NAME): TextSelector()}).extend(
    SITE_SETTINGS_SCHEMA.schema
)

DEFAULT_SITE_SETTINGS: Final[Mapping[str, Any]] = {
    CONF_SITE_LIMIT_KW: DEFAULT_SITE_LIMIT_KW,
    CONF_ALGORITHM: DEFAULT_ALGORITHM.value,
    CONF_RESOLUTION_MIN: DEFAULT_RESOLUTION_MIN,
    CONF_HORIZON_H: DEFAULT_HORIZON_H,
    CONF_REPLAN_MIN: DEFAULT_REPLAN_MIN,
    CONF_SAFETY_MARGIN_KW: DEFAULT_SAFETY_MARGIN_KW,
}

#: A charger's first step (subentry user/reconfigure, the site flow's `charger` step).
CHARGER_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_NAME): TextSelector(),
        probatio.Required(CONF_CONTROL): _select([control.value for control in Control], "control"),
    }
)

#: The step after `CHARGER_SCHEMA`, one per control kind; the step id is the `Control` value.
CONTROL_SCHEMAS: Final[Mapping[Control, probatio.Schema]] = {
    Control.NUMBER: probatio.Schema(
        {
            probatio.Required(CONF_CONTROL_ENTITY): EntitySelector(
                EntitySelectorConfig(domain=[Platform.NUMBER, _INPUT_NUMBER])
            ),
            probatio.Optional(CONF_SWITCH_ENTITY): EntitySelector(
                EntitySelectorConfig(domain=[Platform.SWITCH, _INPUT_BOOLEAN])
            ),
        }
    ),
    Control.OCPP: probatio.Schema(
        {
            probatio.Required(CONF_OCPP_DEVICE): DeviceSelector(
                DeviceSelectorConfig(
                    filter=DeviceFilterSelectorConfig(integration=OCPP_INTEGRATION)
                )
            ),
            probatio.Optional(CONF_TRANSACTION_ENTITY): EntitySelector(
                EntitySelectorConfig(domain=Platform.SENSOR)
            ),
            probatio.Optional(CONF_OFFERED_ENTITY): EntitySelector(
                EntitySelectorConfig(
                    filter=EntityWithDeviceFilterSelectorConfig(
                        domain=Platform.SENSOR, device_class=SensorDeviceClass.CURRENT
                    )
                )
            ),
            probatio.Optional(CONF_SAFE_CURRENT_A): NumberSelector(
                NumberSelectorConfig(
                    min=0,
                    max=80,
                    step=0.1,
                    unit_of_measurement=UnitOfElectricCurrent.AMPERE,
                    mode=NumberSelectorMode.BOX,
                )
            ),
        }
    ),
    Control.SCRIPT: probatio.Schema(
        {
            probatio.Required(CONF_CONTROL_ENTITY): EntitySelector(
                EntitySelectorConfig(domain=SCRIPT)
            ),
            probatio.Optional(CONF_FEEDBACK_ENTITY): EntitySelector(
                EntitySelectorConfig(domain=[Platform.SENSOR, Platform.NUMBER, _INPUT_NUMBER])
            ),
        }
    ),
}

_CURRENT_A = _box(minimum=0, maximum=80, step=0.1, unit=UnitOfElectricCurrent.AMPERE)

#: A charger's last step: how to see a car and what it needs, and the charger's electrical limits.
CHARGER_DETAILS_SCHEMA = probatio.Schema(
    {
        probatio.Optional(CONF_PLUG_ENTITY): EntitySelector(
            EntitySelectorConfig(domain=[Platform.BINARY_SENSOR, Platform.SENSOR])
        ),
        probatio.Optional(CONF_PLUG_STATES): SelectSelector(
            SelectSelectorConfig(
                options=list(DEFAULT_PLUG_STATES),
                multiple=True,
                custom_value=True,
                mode=SelectSelectorMode.DROPDOWN,
            )
        ),
        probatio.Optional(CONF_POWER_ENTITY): EntitySelector(
            EntitySelectorConfig(filter=_POWER_SENSOR)
        ),
        probatio.Optional(CONF_SESSION_ENERGY_ENTITY): EntitySelector(
            EntitySelectorConfig(
                filter=EntityWithDeviceFilterSelectorConfig(
                    domain=Platform.SENSOR, device_class=SensorDeviceClass.ENERGY
                )
            )
        ),
        probatio.Optional(CONF_SOC_ENTITY): EntitySelector(
            EntitySelectorConfig(
                filter=EntityWithDeviceFilterSelectorConfig(
                    domain=Platform.SENSOR, device_class=SensorDeviceClass.BATTERY
                )
            )
        ),
        probatio.Required(CONF_BATTERY_KWH): _box(
            minimum=0.1, step=0.1, unit=UnitOfEnergy.KILO_WATT_HOUR
        ),
        probatio.Required(CONF_TARGET_SOC): _box(minimum=0, maximum=100, step=1, unit=PERCENTAGE),
        probatio.Required(CONF_DEFAULT_ENERGY_KWH): _box(
            minimum=0, step=0.1, unit=UnitOfEnergy.KILO_WATT_HOUR
        ),
        probatio.Required(CONF_DEFAULT_DEPARTURE): TimeSelector(),
        probatio.Required(CONF_MIN_CURRENT_A): _CURRENT_A,
        probatio.Required(CONF_MAX_CURRENT_A): probatio.All(
            _CURRENT_A, probatio.Range(min=0, min_included=False)
        ),
        probatio.Required(CONF_PHASES): probatio.All(
            _select([str(phases) for phases in (1, 3)], CONF_PHASES), probatio.Coerce(int)
        ),
        **CHARGER_PHASE_FIELDS,
        probatio.Required(CONF_VOLTAGE): _box(
            minimum=100, maximum=480, step=1, unit=UnitOfElectricPotential.VOLT
        ),
    }
)

DEFAULT_CHARGER_DETAILS: Final[Mapping[str, Any]] = {
    CONF_PLUG_STATES: list(DEFAULT_PLUG_STATES),
    CONF_BATTERY_KWH: DEFAULT_BATTERY_KWH,
    CONF_TARGET_SOC: DEFAULT_TARGET_SOC,
    CONF_DEFAULT_ENERGY_KWH: DEFAULT_ENERGY_KWH,
    CONF_DEFAULT_DEPARTURE: DEFAULT_DEPARTURE,
    CONF_MIN_CURRENT_A: DEFAULT_MIN_CURRENT_A,
    CONF_MAX_CURRENT_A: DEFAULT_MAX_CURRENT_A,
    CONF_PHASES: DEFAULT_PHASES,
    CONF_VOLTAGE: DEFAULT_VOLTAGE,
}
