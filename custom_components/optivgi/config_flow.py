"""Config flow for OptiVGI: a site is a config entry, each of its chargers a config subentry.

Stored shapes (others read them):

- `entry.data = {CONF_NAME: name}`, `entry.title = name`, `entry.unique_id = slugify(name)`.
- `entry.options` = the site settings of `SITE_SETTINGS_SCHEMA`: floats in kW, ints in minutes or
  hours, `CONF_ALGORITHM` an `AlgorithmChoice` value. An optional entity that is not set is absent.
- `subentry.title` = the charger's name, `subentry.data` = its settings: `CONF_CONTROL` (a `Control`
  value), the keys of that control's step, and the keys of `CHARGER_DETAILS_SCHEMA` (floats in kWh,
  %, A and V, `CONF_PHASES` an int, `CONF_DEFAULT_DEPARTURE` as "HH:MM:SS"). An optional entity that
  is not set is absent, and so is `CONF_PLUG_STATES` when no state is chosen.
"""

from collections.abc import Mapping
from typing import Any, Final, override

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowContext,
    ConfigFlowResult,
    ConfigSubentryData,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowContext,
    SubentryFlowResult,
)
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    CONF_NAME,
    PERCENTAGE,
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowContext, FlowHandler, FlowResult
from homeassistant.helpers import config_validation as cv, device_registry as dr
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
from homeassistant.util import slugify
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
    DOMAIN,
    RESOLUTIONS_MIN,
    SUBENTRY_TYPE_CHARGER,
    AlgorithmChoice,
    Control,
)

#: The community OCPP integration (lbbrhzn/ocpp) whose devices an OCPP charger is picked from.
OCPP_INTEGRATION: Final = "ocpp"
_INPUT_NUMBER: Final = "input_number"
_INPUT_BOOLEAN: Final = "input_boolean"
_SCRIPT: Final = "script"

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
                EntitySelectorConfig(domain=_SCRIPT)
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

#: Per optional entity key: the units its state may have (None: any) and the error otherwise.
type _EntityRules = Mapping[str, tuple[frozenset[str | None] | None, str]]

_DETAILS_ENTITY_RULES: Final[_EntityRules] = {
    CONF_PLUG_ENTITY: (None, ""),
    CONF_POWER_ENTITY: (POWER_UNITS, "unit_not_power"),
    CONF_SESSION_ENERGY_ENTITY: (ENERGY_UNITS, "unit_not_energy"),
    CONF_SOC_ENTITY: (None, ""),
}
_CONTROL_ENTITY_RULES: Final[Mapping[Control, _EntityRules]] = {
    Control.NUMBER: {
        CONF_CONTROL_ENTITY: (CONTROL_UNITS, "unit_not_current_or_power"),
        CONF_SWITCH_ENTITY: (None, ""),
    },
    Control.OCPP: {
        CONF_TRANSACTION_ENTITY: (None, ""),
        CONF_OFFERED_ENTITY: (CONTROL_UNITS, "unit_not_current_or_power"),
    },
    Control.SCRIPT: {
        CONF_CONTROL_ENTITY: (None, ""),
        CONF_FEEDBACK_ENTITY: (CONTROL_UNITS, "unit_not_current_or_power"),
    },
}


def _entity_errors(
    hass: HomeAssistant, values: Mapping[str, Any], rules: _EntityRules
) -> dict[str, str]:
    """Check each entity of `values` named in `rules`: it exists and its unit is allowed."""
    errors: dict[str, str] = {}
    for key, (units, unit_error) in rules.items():
        if (entity_id := values.get(key)) is None:
            continue
        if (state := hass.states.get(entity_id)) is None:
            errors[key] = "entity_not_found"
        elif units is not None and state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) not in units:
            errors[key] = unit_error
    return errors


def _settings_from_input(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the stored site settings of a validated form (the name, if any, left out)."""
    settings = {
        str(key): user_input[str(key)]
        for key in SITE_SETTINGS_SCHEMA.schema
        if str(key) in user_input
    }
    settings[CONF_ALGORITHM] = ALGORITHM_OPTIONS[user_input[CONF_ALGORITHM]].value
    return settings


def _settings_suggestions(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Return stored site settings (and a name, if given) as the form's suggested values."""
    return {
        **settings,
        CONF_ALGORITHM: AlgorithmChoice(settings[CONF_ALGORITHM]).name.lower(),
        CONF_RESOLUTION_MIN: str(settings[CONF_RESOLUTION_MIN]),
    }


def _validate_settings(hass: HomeAssistant, settings: Mapping[str, Any]) -> dict[str, str]:
    """Return the errors of stored site settings, by field."""
    # A number or input_number without a unit is read as kW; a sensor must say its unit.
    limit_entity = str(settings.get(CONF_SITE_LIMIT_ENTITY, ""))
    limit_units = POWER_UNITS if limit_entity.startswith("sensor.") else POWER_UNITS | {None}
    errors = _entity_errors(
        hass,
        settings,
        {
            CONF_SITE_LIMIT_ENTITY: (limit_units, "unit_not_power"),
            CONF_GRID_POWER_ENTITY: (POWER_UNITS, "unit_not_power"),
        },
    )
    if settings[CONF_REPLAN_MIN] < settings[CONF_RESOLUTION_MIN]:
        errors[CONF_REPLAN_MIN] = "replan_shorter_than_resolution"
    if settings[CONF_SAFETY_MARGIN_KW] >= settings[CONF_SITE_LIMIT_KW]:
        errors[CONF_SAFETY_MARGIN_KW] = "margin_not_below_limit"
    return errors


def _details_from_input(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the stored charger details of a validated details form."""
    details = {
        str(key): user_input[str(key)]
        for key in CHARGER_DETAILS_SCHEMA.schema
        if user_input.get(str(key)) not in (None, [])
    }
    details[CONF_DEFAULT_DEPARTURE] = cv.time(user_input[CONF_DEFAULT_DEPARTURE]).isoformat()
    return details


class _ChargerSteps[
    ContextT: FlowContext,
    ResultT: FlowResult[Any, Any],
    HandlerT,
](FlowHandler[ContextT, ResultT, HandlerT]):
    """The steps that describe one charger, shared by the site flow and the charger subentry flow.

    The first step (`CHARGER_SCHEMA`) asks for the name and the control kind; then the step of
    that control kind (`number`, `ocpp` or `script`); then `details`. A subclass sets
    `_charger_previous` (the charger being reconfigured, or empty) and finishes the charger in
    `_async_finish_charger`.
    """

    _charger_previous: Mapping[str, Any] = {}
    _charger_name: str
    _charger_data: dict[str, Any]

    def _charger_name_taken(self, name: str) -> bool:  # noqa: ARG002 - overridden by subentries
        """Return whether another charger of the site already has this name."""
        return False

    async def _async_finish_charger(self, title: str, data: dict[str, Any]) -> ResultT:
        """Create or update the charger called `title` with settings `data`."""
        raise NotImplementedError

    async def _async_step_charger(self, step_id: str, user_input: dict[str, Any] | None) -> ResultT:
        """Ask for the charger's name and how its limit is written."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            if not name:
                errors[CONF_NAME] = "invalid_name"
            elif self._charger_name_taken(name):
                errors[CONF_NAME] = "charger_name_taken"
            else:
                self._charger_name = name
                self._charger_data = {CONF_CONTROL: user_input[CONF_CONTROL]}
                control_steps = {
                    Control.NUMBER: self.async_step_number,
                    Control.OCPP: self.async_step_ocpp,
                    Control.SCRIPT: self.async_step_script,
                }
                return await control_steps[Control(user_input[CONF_CONTROL])]()
        suggestions = user_input or {
            CONF_NAME: self._charger_previous.get(CONF_NAME, ""),
            CONF_CONTROL: self._charger_previous.get(CONF_CONTROL, Control.NUMBER.value),
        }
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(CHARGER_SCHEMA, suggestions),
            errors=errors,
        )

    async def async_step_number(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Ask for the number entity that takes the charger's limit in A, W or kW."""
        return await self._async_step_control(Control.NUMBER, user_input)

    async def async_step_ocpp(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Ask for the OCPP charger's device and its transaction ID sensor."""
        return await self._async_step_control(Control.OCPP, user_input)

    async def async_step_script(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Ask for the script that writes the charger's limit."""
        return await self._async_step_control(Control.SCRIPT, user_input)

    async def _async_step_control(
        self, control: Control, user_input: dict[str, Any] | None
    ) -> ResultT:
        """Ask for what the chosen control kind writes to; shown prefilled if it is unchanged."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _entity_errors(self.hass, user_input, _CONTROL_ENTITY_RULES[control])
            device_id = user_input.get(CONF_OCPP_DEVICE)
            if device_id is not None and dr.async_get(self.hass).async_get(device_id) is None:
                errors[CONF_OCPP_DEVICE] = "device_not_found"
            if not errors and self._script_drops_calls(user_input.get(CONF_CONTROL_ENTITY)):
                # A warning, not a refusal: submitting the same script again accepts it.
                self._warned_script = user_input.get(CONF_CONTROL_ENTITY)
                errors[CONF_CONTROL_ENTITY] = "script_mode_drops_calls"
            if not errors:
                self._charger_data.update(user_input)
                return await self.async_step_details()
            suggestions: Mapping[str, Any] = user_input
        elif self._charger_previous.get(CONF_CONTROL) == control:
            suggestions = self._charger_previous
        else:
            suggestions = {}
        return self.async_show_form(
            step_id=control.value,
            data_schema=self.add_suggested_values_to_schema(CONTROL_SCHEMAS[control], suggestions),
            errors=errors,
        )

    _warned_script: str | None = None

    def _script_drops_calls(self, entity_id: str | None) -> bool:
        """Whether the script runs in mode `single` (a call while it runs is dropped).

        Only the first time it is chosen: the user was told and may keep it.
        """
        if (
            entity_id is None
            or not entity_id.startswith(f"{_SCRIPT}.")
            or entity_id == self._warned_script
        ):
            return False
        state = self.hass.states.get(entity_id)
        return state is not None and state.attributes.get("mode", "single") == "single"

    async def async_step_details(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Ask how a car is seen and what it needs, and the charger's electrical limits."""
        errors: dict[str, str] = {}
        suggestions: Mapping[str, Any]
        if user_input is not None:
            details = _details_from_input(user_input)
            errors = _entity_errors(self.hass, details, _DETAILS_ENTITY_RULES)
            if details[CONF_MIN_CURRENT_A] > details[CONF_MAX_CURRENT_A]:
                errors[CONF_MIN_CURRENT_A] = "min_above_max"
            if not errors:
                return await self._async_finish_charger(
                    self._charger_name, self._charger_data | details
                )
            suggestions = details
        else:
            suggestions = {**DEFAULT_CHARGER_DETAILS, **self._charger_previous}
        return self.async_show_form(
            step_id="details",
            data_schema=self.add_suggested_values_to_schema(
                CHARGER_DETAILS_SCHEMA,
                {**suggestions, CONF_PHASES: str(suggestions[CONF_PHASES])},
            ),
            errors=errors,
        )


class OptiVgiConfigFlow(
    _ChargerSteps[ConfigFlowContext, ConfigFlowResult, str], ConfigFlow, domain=DOMAIN
):
    """Create a site with its first charger, or change a site's name and settings."""

    VERSION = 1

    _name: str
    _settings: dict[str, Any]

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OptiVgiOptionsFlow:
        """Return the flow that changes a site's settings."""
        return OptiVgiOptionsFlow()

    @classmethod
    @callback
    @override
    def async_get_supported_subentry_types(
        cls,
        config_entry: ConfigEntry,
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentry flows of a site: one charger each."""
        return {SUBENTRY_TYPE_CHARGER: ChargerSubentryFlowHandler}

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the site's name and settings; a site name can be used once."""
        errors: dict[str, str] = {}
        suggestions: Mapping[str, Any] = DEFAULT_SITE_SETTINGS
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            settings = _settings_from_input(user_input)
            errors = _validate_settings(self.hass, settings)
            if not name:
                errors[CONF_NAME] = "invalid_name"
            else:
                await self.async_set_unique_id(slugify(name))
                self._abort_if_unique_id_configured()
            if not errors:
                self._name, self._settings = name, settings
                return await self.async_step_charger()
            suggestions = {CONF_NAME: name, **settings}
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                SITE_SCHEMA, _settings_suggestions(suggestions)
            ),
            errors=errors,
        )

    async def async_step_charger(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the site's first charger; later ones are added as subentries."""
        return await self._async_step_charger("charger", user_input)

    @override
    async def _async_finish_charger(self, title: str, data: dict[str, Any]) -> ConfigFlowResult:
        """Create the site together with its first charger."""
        return self.async_create_entry(
            title=self._name,
            data={CONF_NAME: self._name},
            options=self._settings,
            subentries=[
                ConfigSubentryData(
                    subentry_type=SUBENTRY_TYPE_CHARGER, title=title, data=data, unique_id=None
                )
            ],
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the site's name and settings; the new name must not be another site's."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        suggestions: Mapping[str, Any] = {
            CONF_NAME: entry.data.get(CONF_NAME, entry.title),
            **DEFAULT_SITE_SETTINGS,
            **entry.options,
        }
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            settings = _settings_from_input(user_input)
            errors = _validate_settings(self.hass, settings)
            unique_id = slugify(name)
            other = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
            if not name:
                errors[CONF_NAME] = "invalid_name"
            elif other is not None and other.entry_id != entry.entry_id:
                errors[CONF_NAME] = "already_configured"
            if not errors:
                changes: dict[str, Any] = {
                    "unique_id": unique_id,
                    "title": name,
                    "data": {CONF_NAME: name},
                    "options": settings,
                }
                if entry.update_listeners:
                    # The site's update listener reloads it; reloading here as well is
                    # deprecated (Home Assistant logs it and stops allowing it in 2026.12).
                    return self.async_update_and_abort(entry, **changes)
                return self.async_update_reload_and_abort(entry, **changes)
            suggestions = {CONF_NAME: name, **settings}
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                SITE_SCHEMA, _settings_suggestions(suggestions)
            ),
            errors=errors,
        )


class OptiVgiOptionsFlow(OptionsFlow):
    """Change a site's settings (its name is changed by reconfiguring it)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the site settings prefilled and store them as the entry's options."""
        errors: dict[str, str] = {}
        settings: Mapping[str, Any] = {**DEFAULT_SITE_SETTINGS, **self.config_entry.options}
        if user_input is not None:
            settings = _settings_from_input(user_input)
            if not (errors := _validate_settings(self.hass, settings)):
                return self.async_create_entry(data=settings)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                SITE_SETTINGS_SCHEMA, _settings_suggestions(settings)
            ),
            errors=errors,
        )


class ChargerSubentryFlowHandler(
    _ChargerSteps[SubentryFlowContext, SubentryFlowResult, tuple[str, str]], ConfigSubentryFlow
):
    """Add a charger to a site, or change one; a charger's name is unique within its site."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Ask for a new charger's name and control kind."""
        return await self._async_step_charger("user", user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Show the charger's steps prefilled with its current settings."""
        subentry = self._get_reconfigure_subentry()
        self._charger_previous = {**subentry.data, CONF_NAME: subentry.title}
        return await self._async_step_charger("reconfigure", user_input)

    @override
    def _charger_name_taken(self, name: str) -> bool:
        """Return whether another charger of this site has a name with the same slug."""
        own = self.context.get("subentry_id")
        return any(
            slugify(subentry.title) == slugify(name) and subentry.subentry_id != own
            for subentry in self._get_entry().get_subentries_of_type(SUBENTRY_TYPE_CHARGER)
        )

    @override
    async def _async_finish_charger(self, title: str, data: dict[str, Any]) -> SubentryFlowResult:
        """Add the new charger, or replace the reconfigured charger's name and settings."""
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_and_abort(
                self._get_entry(), self._get_reconfigure_subentry(), title=title, data=data
            )
        return self.async_create_entry(title=title, data=data)
