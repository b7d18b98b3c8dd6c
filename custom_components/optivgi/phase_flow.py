"""Per-phase fuses in the config flow: the site's phase section and each charger's wiring.

Site: a collapsed section of the site's form, stored flat with the other site settings and only
with the keys that are set (a site without per-phase fuses has no phase key at all):

- `CONF_PHASE_LIMIT_A` (A, float): the fuse of every phase; `CONF_PHASE_LIMIT_L2_A` and
  `CONF_PHASE_LIMIT_L3_A` only where L2's or L3's differs (absent: the same as L1's). The
  per-phase figures need the common one: a lone L3 figure would leave L1 unlimited by mistake.
- `CONF_PHASE_CURRENT_L1_ENTITY`, `..._L2_...`, `..._L3_...`: the grid meter's current sensor of
  each phase (import positive, A or mA), for the non-EV load per phase; all three or none. They
  need a phase limit: without one there is nothing to take the load off.

Charger: the details step's `CONF_SITE_PHASES`, always stored for a new charger as an upper-case
`SITE_PHASES_WIRING` key that fits its phases (left empty: L1, or L1L2L3), and
`CONF_SINGLE_PHASE_CAR`, stored (True) only when ticked on a 3-phase charger, and
`CONF_PHASE_SWITCH_ENTITY`, stored only when set (a 3-phase charger with a 3-phase car).
"""

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, UnitOfElectricCurrent
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import probatio

from .charger_config import SITE_PHASES_WIRING, default_site_phases
from .const import (
    CONF_PHASE_CURRENT_L1_ENTITY,
    CONF_PHASE_CURRENT_L2_ENTITY,
    CONF_PHASE_CURRENT_L3_ENTITY,
    CONF_PHASE_LIMIT_A,
    CONF_PHASE_LIMIT_L2_A,
    CONF_PHASE_LIMIT_L3_A,
    CONF_PHASE_SWITCH_ENTITY,
    CONF_PHASES,
    CONF_SINGLE_PHASE_CAR,
    CONF_SITE_PHASES,
)
from .flow_selectors import number_box, sensor_of
from .phase_switch import PHASE_SWITCH_DOMAINS, phase_switch_error

#: The site form's collapsed section of per-phase settings (a form key: they are stored flat).
PHASES_SECTION: Final = "phases"
PHASE_LIMIT_KEYS: Final = (CONF_PHASE_LIMIT_A, CONF_PHASE_LIMIT_L2_A, CONF_PHASE_LIMIT_L3_A)
PHASE_SENSOR_KEYS: Final = (
    CONF_PHASE_CURRENT_L1_ENTITY,
    CONF_PHASE_CURRENT_L2_ENTITY,
    CONF_PHASE_CURRENT_L3_ENTITY,
)
#: Every stored setting of the phase section.
PHASE_KEYS: Final = frozenset({*PHASE_LIMIT_KEYS, *PHASE_SENSOR_KEYS})
#: Units a phase current sensor may have.
PHASE_SENSOR_UNITS: Final = frozenset(
    {UnitOfElectricCurrent.AMPERE, UnitOfElectricCurrent.MILLIAMPERE}
)

_LIMIT_A = number_box(minimum=1, maximum=1000, step=1, unit=UnitOfElectricCurrent.AMPERE)
_CURRENT_SENSOR = sensor_of(SensorDeviceClass.CURRENT)

PHASE_SCHEMA = probatio.Schema(
    {
        **{probatio.Optional(key): _LIMIT_A for key in PHASE_LIMIT_KEYS},
        **{probatio.Optional(key): _CURRENT_SENSOR for key in PHASE_SENSOR_KEYS},
    }
)

#: The charger details' phase fields. Both optional: an empty wiring is the default of the
#: charger's phases, which a fixed suggestion could not be (it would be wrong for the other).
CHARGER_PHASE_FIELDS: Final[dict[probatio.Marker, Any]] = {
    probatio.Optional(CONF_SITE_PHASES): SelectSelector(
        SelectSelectorConfig(
            # Option keys are lower case (hassfest); the stored values are the upper-case keys.
            options=[wiring.lower() for wiring in SITE_PHASES_WIRING],
            translation_key=CONF_SITE_PHASES,
            mode=SelectSelectorMode.DROPDOWN,
        )
    ),
    probatio.Optional(CONF_SINGLE_PHASE_CAR): BooleanSelector(),
    probatio.Optional(CONF_PHASE_SWITCH_ENTITY): EntitySelector(
        EntitySelectorConfig(domain=PHASE_SWITCH_DOMAINS)
    ),
}
CHARGER_PHASE_KEYS: Final = frozenset(
    {CONF_SITE_PHASES, CONF_SINGLE_PHASE_CAR, CONF_PHASE_SWITCH_ENTITY}
)


def phase_settings(section: Mapping[str, Any]) -> dict[str, Any]:
    """The stored settings of a validated phase section: only those that are set."""
    return {
        key: section[key] for key in (*PHASE_LIMIT_KEYS, *PHASE_SENSOR_KEYS) if section.get(key)
    }


def phase_suggestions(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The phase section's suggested values from the stored settings."""
    return {key: settings[key] for key in PHASE_KEYS if key in settings}


def phase_error(hass: HomeAssistant, settings: Mapping[str, Any]) -> str | None:
    """Return why the stored phase settings cannot work, or None (shown on the phase section)."""
    if CONF_PHASE_LIMIT_A not in settings and PHASE_KEYS & set(settings):
        return "phase_limit_required"
    sensors = [settings[key] for key in PHASE_SENSOR_KEYS if key in settings]
    if len(sensors) not in (0, len(PHASE_SENSOR_KEYS)):
        return "phase_sensors_incomplete"
    for entity_id in sensors:
        if (state := hass.states.get(entity_id)) is None:
            return "entity_not_found"
        if state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) not in PHASE_SENSOR_UNITS:
            return "phase_sensor_unit"
    return None


def charger_phase_details(user_input: Mapping[str, Any], phases: int) -> dict[str, Any]:
    """The stored phase details of a validated details form with `phases` phases."""
    wiring = user_input.get(CONF_SITE_PHASES)
    details: dict[str, Any] = {
        CONF_SITE_PHASES: wiring.upper() if wiring else default_site_phases(phases)
    }
    # A 1-phase charger's car draws on one phase anyway: the box means nothing there.
    if phases != 1 and user_input.get(CONF_SINGLE_PHASE_CAR):
        details[CONF_SINGLE_PHASE_CAR] = True
    if user_input.get(CONF_PHASE_SWITCH_ENTITY):
        details[CONF_PHASE_SWITCH_ENTITY] = user_input[CONF_PHASE_SWITCH_ENTITY]
    return details


def charger_phase_errors(hass: HomeAssistant, details: Mapping[str, Any]) -> dict[str, str]:
    """The wiring must fit the charger (one phase, or a rotation), and so must its switch."""
    errors: dict[str, str] = {}
    one_phase = details[CONF_PHASES] == 1
    if (len(SITE_PHASES_WIRING[details[CONF_SITE_PHASES]]) == 1) != one_phase:
        wrong = "site_phases_not_one" if one_phase else "site_phases_not_rotation"
        errors[CONF_SITE_PHASES] = wrong
    if (error := phase_switch_error(hass, details)) is not None:
        errors[CONF_PHASE_SWITCH_ENTITY] = error
    return errors


def charger_phase_suggestions(details: Mapping[str, Any]) -> dict[str, Any]:
    """The phase fields' suggested values from stored details (an older charger has none)."""
    if CONF_SITE_PHASES not in details:
        return {}
    return {CONF_SITE_PHASES: str(details[CONF_SITE_PHASES]).lower()}
