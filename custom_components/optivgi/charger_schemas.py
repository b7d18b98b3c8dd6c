"""The charger's forms: its name and control kind, its control's step, and its details."""

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
)
from homeassistant.helpers.selector import (
    DeviceFilterSelectorConfig,
    DeviceSelector,
    DeviceSelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TimeSelector,
)
import probatio

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
    CONF_PHASES,
    CONF_PLUG_ENTITY,
    CONF_PLUG_STATES,
    CONF_POWER_ENTITY,
    CONF_SAFE_CURRENT_A,
    CONF_SESSION_ENERGY_ENTITY,
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
    DEFAULT_TARGET_SOC,
    OCPP_DOMAIN,
    Control,
)
from .flow_selectors import (
    INPUT_BOOLEAN,
    INPUT_NUMBER,
    POWER_SENSOR,
    dropdown,
    number_box,
    sensor_of,
)
from .phase_flow import CHARGER_PHASE_FIELDS
from .scm.constants import DEFAULT_VOLTAGE

SCRIPT: Final = "script"

#: Units a session energy entity may have.
ENERGY_UNITS: Final[frozenset[str | None]] = frozenset(
    {UnitOfEnergy.WATT_HOUR, UnitOfEnergy.KILO_WATT_HOUR}
)
#: Units a `number` control entity may have: a current limit in A or a power limit in W or kW.
CONTROL_UNITS: Final[frozenset[str | None]] = frozenset(
    {UnitOfElectricCurrent.AMPERE, UnitOfPower.WATT, UnitOfPower.KILO_WATT}
)

#: A charger's first step (subentry user/reconfigure, the site flow's `charger` step).
CHARGER_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_NAME): TextSelector(),
        probatio.Required(CONF_CONTROL): dropdown(
            [control.value for control in Control], "control"
        ),
    }
)

_CURRENT_A = number_box(minimum=0, maximum=80, step=0.1, unit=UnitOfElectricCurrent.AMPERE)

#: The step after `CHARGER_SCHEMA`, one per control kind; the step id is the `Control` value.
CONTROL_SCHEMAS: Final[Mapping[Control, probatio.Schema]] = {
    Control.NUMBER: probatio.Schema(
        {
            probatio.Required(CONF_CONTROL_ENTITY): EntitySelector(
                EntitySelectorConfig(domain=[Platform.NUMBER, INPUT_NUMBER])
            ),
            probatio.Optional(CONF_SWITCH_ENTITY): EntitySelector(
                EntitySelectorConfig(domain=[Platform.SWITCH, INPUT_BOOLEAN])
            ),
        }
    ),
    Control.OCPP: probatio.Schema(
        {
            probatio.Required(CONF_OCPP_DEVICE): DeviceSelector(
                DeviceSelectorConfig(filter=DeviceFilterSelectorConfig(integration=OCPP_DOMAIN))
            ),
            probatio.Optional(CONF_TRANSACTION_ENTITY): EntitySelector(
                EntitySelectorConfig(domain=Platform.SENSOR)
            ),
            probatio.Optional(CONF_OFFERED_ENTITY): sensor_of(SensorDeviceClass.CURRENT),
            probatio.Optional(CONF_SAFE_CURRENT_A): _CURRENT_A,
        }
    ),
    Control.SCRIPT: probatio.Schema(
        {
            probatio.Required(CONF_CONTROL_ENTITY): EntitySelector(
                EntitySelectorConfig(domain=SCRIPT)
            ),
            probatio.Optional(CONF_FEEDBACK_ENTITY): EntitySelector(
                EntitySelectorConfig(domain=[Platform.SENSOR, Platform.NUMBER, INPUT_NUMBER])
            ),
        }
    ),
}

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
            EntitySelectorConfig(filter=POWER_SENSOR)
        ),
        probatio.Optional(CONF_SESSION_ENERGY_ENTITY): sensor_of(SensorDeviceClass.ENERGY),
        probatio.Optional(CONF_SOC_ENTITY): sensor_of(SensorDeviceClass.BATTERY),
        probatio.Required(CONF_BATTERY_KWH): number_box(
            minimum=0.1, step=0.1, unit=UnitOfEnergy.KILO_WATT_HOUR
        ),
        probatio.Required(CONF_TARGET_SOC): number_box(
            minimum=0, maximum=100, step=1, unit=PERCENTAGE
        ),
        probatio.Required(CONF_DEFAULT_ENERGY_KWH): number_box(
            minimum=0, step=0.1, unit=UnitOfEnergy.KILO_WATT_HOUR
        ),
        probatio.Required(CONF_DEFAULT_DEPARTURE): TimeSelector(),
        probatio.Required(CONF_MIN_CURRENT_A): _CURRENT_A,
        probatio.Required(CONF_MAX_CURRENT_A): probatio.All(
            _CURRENT_A, probatio.Range(min=0, min_included=False)
        ),
        probatio.Required(CONF_PHASES): probatio.All(
            dropdown([str(phases) for phases in (1, 3)], CONF_PHASES), probatio.Coerce(int)
        ),
        **CHARGER_PHASE_FIELDS,
        probatio.Required(CONF_VOLTAGE): number_box(
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
    CONF_PHASES: DEFAULT_CHARGER_PHASES,
    CONF_VOLTAGE: DEFAULT_VOLTAGE,
}
