"""Checks of the config flow's answers, and the stored shapes made of them."""

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv

from .charger_schemas import CHARGER_DETAILS_SCHEMA, CONTROL_UNITS, ENERGY_UNITS
from .const import (
    CONF_ALGORITHM,
    CONF_CONTROL_ENTITY,
    CONF_DEFAULT_DEPARTURE,
    CONF_FEEDBACK_ENTITY,
    CONF_GRID_POWER_ENTITY,
    CONF_OFFERED_ENTITY,
    CONF_PHASES,
    CONF_PLUG_ENTITY,
    CONF_POWER_ENTITY,
    CONF_REPLAN_MIN,
    CONF_RESOLUTION_MIN,
    CONF_SAFETY_MARGIN_KW,
    CONF_SESSION_ENERGY_ENTITY,
    CONF_SITE_LIMIT_ENTITY,
    CONF_SITE_LIMIT_KW,
    CONF_SOC_ENTITY,
    CONF_SWITCH_ENTITY,
    CONF_TRANSACTION_ENTITY,
    AlgorithmChoice,
    Control,
)
from .flow_selectors import POWER_UNITS
from .phase_flow import (
    CHARGER_PHASE_KEYS,
    PHASE_KEYS,
    PHASES_SECTION,
    charger_phase_details,
    phase_error,
    phase_settings,
    phase_suggestions,
)
from .price_flow import PRICE_KEYS, PRICES_SECTION, price_error, price_settings, price_suggestions
from .site_schemas import ALGORITHM_OPTIONS, SITE_SETTINGS_SCHEMA

type _EntityRules = Mapping[str, tuple[frozenset[str | None] | None, str]]

DETAILS_ENTITY_RULES: Final[_EntityRules] = {
    CONF_PLUG_ENTITY: (None, ""),
    CONF_POWER_ENTITY: (POWER_UNITS, "unit_not_power"),
    CONF_SESSION_ENERGY_ENTITY: (ENERGY_UNITS, "unit_not_energy"),
    CONF_SOC_ENTITY: (None, ""),
}
CONTROL_ENTITY_RULES: Final[Mapping[Control, _EntityRules]] = {
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


def entity_errors(
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


def settings_from_input(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the stored site settings of a validated form (the name, if any, left out).

    The price section's settings are stored flat, like the others, and only those its source
    kind uses: a Nord Pool entry left in the form after switching to an entity is not kept. The
    phase section's are stored flat too, those that are set.
    """
    settings = {
        str(key): user_input[str(key)]
        for key in SITE_SETTINGS_SCHEMA.schema
        if str(key) in user_input and str(key) not in (PRICES_SECTION, PHASES_SECTION)
    }
    settings[CONF_ALGORITHM] = ALGORITHM_OPTIONS[user_input[CONF_ALGORITHM]].value
    settings.update(price_settings(user_input.get(PRICES_SECTION) or {}))
    settings.update(phase_settings(user_input.get(PHASES_SECTION) or {}))
    return settings


def settings_suggestions(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Return stored site settings (and a name, if given) as the form's suggested values."""
    return {
        **{key: value for key, value in settings.items() if key not in PRICE_KEYS | PHASE_KEYS},
        CONF_ALGORITHM: AlgorithmChoice(settings[CONF_ALGORITHM]).name.lower(),
        CONF_RESOLUTION_MIN: str(settings[CONF_RESOLUTION_MIN]),
        PRICES_SECTION: price_suggestions(settings),
        PHASES_SECTION: phase_suggestions(settings),
    }


def validate_settings(hass: HomeAssistant, settings: Mapping[str, Any]) -> dict[str, str]:
    """Return the errors of stored site settings, by field."""
    # A number or input_number without a unit is read as kW; a sensor must say its unit.
    limit_entity = str(settings.get(CONF_SITE_LIMIT_ENTITY, ""))
    limit_units = POWER_UNITS if limit_entity.startswith("sensor.") else POWER_UNITS | {None}
    errors = entity_errors(
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
    if (error := price_error(hass, settings)) is not None:
        errors[PRICES_SECTION] = error
    if (error := phase_error(hass, settings)) is not None:
        errors[PHASES_SECTION] = error
    return errors


def details_from_input(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the stored charger details of a validated details form."""
    details = {
        str(key): user_input[str(key)]
        for key in CHARGER_DETAILS_SCHEMA.schema
        if user_input.get(str(key)) not in (None, []) and str(key) not in CHARGER_PHASE_KEYS
    }
    details[CONF_DEFAULT_DEPARTURE] = cv.time(user_input[CONF_DEFAULT_DEPARTURE]).isoformat()
    details.update(charger_phase_details(user_input, details[CONF_PHASES]))
    return details
