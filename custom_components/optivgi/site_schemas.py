"""The site's forms: its name (the reconfigure step), its settings (the options) and both (user).

One editor for each: the name identifies the entry (its title and unique ID), so reconfiguring
changes it; the settings change how the site is planned and take effect on its reload, so the
options flow changes them. Only creating a site asks for both at once.
"""

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.const import CONF_NAME, Platform, UnitOfPower, UnitOfTime
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    EntityWithDeviceFilterSelectorConfig,
    TextSelector,
)
import probatio

from .const import (
    CONF_ALGORITHM,
    CONF_GRID_POWER_ENTITY,
    CONF_HORIZON_H,
    CONF_REPLAN_MIN,
    CONF_RESOLUTION_MIN,
    CONF_SAFETY_MARGIN_KW,
    CONF_SITE_LIMIT_ENTITY,
    CONF_SITE_LIMIT_KW,
    DEFAULT_ALGORITHM,
    DEFAULT_HORIZON_H,
    DEFAULT_REPLAN_MIN,
    DEFAULT_RESOLUTION_MIN,
    DEFAULT_SAFETY_MARGIN_KW,
    DEFAULT_SITE_LIMIT_KW,
    RESOLUTIONS_MIN,
    AlgorithmChoice,
)
from .flow_selectors import INPUT_NUMBER, POWER_SENSOR, dropdown, number_box
from .phase_flow import PHASE_SCHEMA, PHASES_SECTION
from .price_flow import PRICE_SCHEMA, PRICES_SECTION

#: The algorithm selector's option keys (translation keys must be lower case) and the
#: `AlgorithmChoice` each stands for; the stored value is the `AlgorithmChoice` value.
ALGORITHM_OPTIONS: Final[dict[str, AlgorithmChoice]] = {
    choice.name.lower(): choice for choice in AlgorithmChoice
}

#: The site's reconfigure step: only what identifies the site.
SITE_NAME_SCHEMA = probatio.Schema({probatio.Required(CONF_NAME): TextSelector()})

#: The options flow: how the site is planned.
SITE_SETTINGS_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_SITE_LIMIT_KW): number_box(
            minimum=0.1, step=0.1, unit=UnitOfPower.KILO_WATT
        ),
        probatio.Optional(CONF_SITE_LIMIT_ENTITY): EntitySelector(
            EntitySelectorConfig(
                filter=[
                    POWER_SENSOR,
                    EntityWithDeviceFilterSelectorConfig(domain=[Platform.NUMBER, INPUT_NUMBER]),
                ]
            )
        ),
        probatio.Optional(CONF_GRID_POWER_ENTITY): EntitySelector(
            EntitySelectorConfig(filter=POWER_SENSOR)
        ),
        probatio.Required(CONF_ALGORITHM): dropdown(list(ALGORITHM_OPTIONS), CONF_ALGORITHM),
        probatio.Required(CONF_RESOLUTION_MIN): probatio.All(
            dropdown([str(minutes) for minutes in RESOLUTIONS_MIN], "resolution"),
            probatio.Coerce(int),
        ),
        probatio.Required(CONF_HORIZON_H): probatio.All(
            number_box(minimum=1, maximum=48, step=1, unit=UnitOfTime.HOURS),
            probatio.Coerce(int),
        ),
        probatio.Required(CONF_REPLAN_MIN): probatio.All(
            number_box(minimum=1, maximum=60, step=1, unit=UnitOfTime.MINUTES),
            probatio.Coerce(int),
        ),
        probatio.Required(CONF_SAFETY_MARGIN_KW): number_box(
            minimum=0, step=0.1, unit=UnitOfPower.KILO_WATT
        ),
        # Optional: a form sent without it (an older client) means no price source.
        probatio.Optional(PRICES_SECTION): section(PRICE_SCHEMA, {"collapsed": True}),
        probatio.Optional(PHASES_SECTION): section(PHASE_SCHEMA, {"collapsed": True}),
    }
)

#: The site's user step: creating a site asks for its name and its settings.
SITE_SCHEMA = SITE_NAME_SCHEMA.extend(SITE_SETTINGS_SCHEMA.schema)

DEFAULT_SITE_SETTINGS: Final[Mapping[str, Any]] = {
    CONF_SITE_LIMIT_KW: DEFAULT_SITE_LIMIT_KW,
    CONF_ALGORITHM: DEFAULT_ALGORITHM.value,
    CONF_RESOLUTION_MIN: DEFAULT_RESOLUTION_MIN,
    CONF_HORIZON_H: DEFAULT_HORIZON_H,
    CONF_REPLAN_MIN: DEFAULT_REPLAN_MIN,
    CONF_SAFETY_MARGIN_KW: DEFAULT_SAFETY_MARGIN_KW,
}
