"""The site's price settings in the config flow: their collapsed section, what is stored, checks.

The settings are shown in a section of the site's form and stored flat with the other site
settings, and only those the chosen source kind uses (`PRICE_FIELDS`). The section holds the
solar settings too (`solar_flow`), stored the same way.
"""

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    ConfigEntrySelector,
    ConfigEntrySelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio

from .const import (
    CONF_PRICE_AREA,
    CONF_PRICE_CONFIG_ENTRY,
    CONF_PRICE_ENTITY,
    CONF_PRICE_HOME,
    CONF_PRICE_SOURCE,
    DEFAULT_PRICE_SOURCE,
)
from .price_shapes import prices_from_attributes
from .price_source import NORDPOOL_DOMAIN, TIBBER_DOMAIN, PriceSourceKind
from .prices import PriceFormatError
from .solar_flow import SOLAR_KEYS, SOLAR_SCHEMA, solar_error, solar_settings, solar_suggestions

#: The site form's collapsed section of price settings (a form key: the settings are stored flat).
PRICES_SECTION: Final = "prices"
#: The bidding areas `nordpool.get_prices_for_date` accepts (its `areas` field; pynordpool's
#: `AREAS`, which is only installed with the Nord Pool integration).
NORDPOOL_AREAS: Final = (
    *("EE", "LT", "LV", "AT", "BE", "FR", "GER", "NL", "PL", "DK1", "DK2", "FI"),
    *("NO1", "NO2", "NO3", "NO4", "NO5", "SE1", "SE2", "SE3", "SE4", "BG", "TEL", "SYS"),
)
#: Each price setting and the source kinds that use it; the others are not stored.
PRICE_FIELDS: Final[Mapping[str, frozenset[PriceSourceKind]]] = {
    CONF_PRICE_ENTITY: frozenset({PriceSourceKind.ENTITY}),
    CONF_PRICE_CONFIG_ENTRY: frozenset({PriceSourceKind.NORDPOOL}),
    CONF_PRICE_AREA: frozenset({PriceSourceKind.NORDPOOL}),
    CONF_PRICE_HOME: frozenset({PriceSourceKind.TIBBER}),
}

PRICE_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_PRICE_SOURCE, default=DEFAULT_PRICE_SOURCE): SelectSelector(
            SelectSelectorConfig(
                options=[kind.value for kind in PriceSourceKind],
                translation_key=CONF_PRICE_SOURCE,
                mode=SelectSelectorMode.DROPDOWN,
            )
        ),
        probatio.Optional(CONF_PRICE_ENTITY): EntitySelector(
            EntitySelectorConfig(domain=Platform.SENSOR)
        ),
        probatio.Optional(CONF_PRICE_CONFIG_ENTRY): ConfigEntrySelector(
            ConfigEntrySelectorConfig(integration=NORDPOOL_DOMAIN)
        ),
        probatio.Optional(CONF_PRICE_AREA): SelectSelector(
            SelectSelectorConfig(options=list(NORDPOOL_AREAS), mode=SelectSelectorMode.DROPDOWN)
        ),
        probatio.Optional(CONF_PRICE_HOME): TextSelector(),
        **SOLAR_SCHEMA,
    }
)

#: Every stored setting of the price section: the price settings and the solar ones.
PRICE_KEYS: Final = frozenset({CONF_PRICE_SOURCE, *PRICE_FIELDS, *SOLAR_KEYS})


def price_settings(prices: Mapping[str, Any]) -> dict[str, Any]:
    """The stored settings of a validated price section: its price and solar settings."""
    return _price_source_settings(prices) | solar_settings(prices)


def _price_source_settings(prices: Mapping[str, Any]) -> dict[str, Any]:
    """The stored price settings: none at all without a source.

    Only those its source kind uses: a Nord Pool entry left in the form after switching to an
    entity is not kept.
    """
    kind = PriceSourceKind(prices.get(CONF_PRICE_SOURCE, DEFAULT_PRICE_SOURCE))
    if kind is PriceSourceKind.NONE:
        return {}
    settings: dict[str, Any] = {CONF_PRICE_SOURCE: kind.value}
    for key, kinds in PRICE_FIELDS.items():
        value = prices.get(key)
        value = value.strip() if isinstance(value, str) else value
        if kind in kinds and value:
            settings[key] = value
    return settings


def price_suggestions(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The price section's suggested values from the stored settings."""
    return {
        CONF_PRICE_SOURCE: settings.get(CONF_PRICE_SOURCE, DEFAULT_PRICE_SOURCE),
        **{key: settings[key] for key in PRICE_FIELDS if key in settings},
        **solar_suggestions(settings),
    }


def _price_entity_error(hass: HomeAssistant, entity_id: str | None) -> str | None:
    """A price entity must exist and hold prices in a shape that `price_shapes` reads."""
    if entity_id is None:
        return "price_entity_required"
    if (state := hass.states.get(entity_id)) is None:
        return "entity_not_found"
    try:
        prices_from_attributes(state.attributes)
    except PriceFormatError:
        return "price_entity_invalid"
    return None


def price_error(hass: HomeAssistant, settings: Mapping[str, Any]) -> str | None:
    """Return why the stored price (or else solar) settings cannot work, or None.

    The error is shown on the price section, not on its field: Home Assistant's frontend shows
    the errors of a section's fields only on the section.
    """
    return _price_source_error(hass, settings) or solar_error(hass, settings)


def _price_source_error(hass: HomeAssistant, settings: Mapping[str, Any]) -> str | None:
    match settings.get(CONF_PRICE_SOURCE, DEFAULT_PRICE_SOURCE):
        case PriceSourceKind.ENTITY:
            return _price_entity_error(hass, settings.get(CONF_PRICE_ENTITY))
        case PriceSourceKind.NORDPOOL:
            entry = hass.config_entries.async_get_entry(settings.get(CONF_PRICE_CONFIG_ENTRY, ""))
            if entry is None or entry.domain != NORDPOOL_DOMAIN:
                return "price_nordpool_entry_required"
            # The action answers every area of its entry; only one can price the site.
            if CONF_PRICE_AREA not in settings and len(entry.data.get("areas") or ()) > 1:
                return "price_area_required"
        case PriceSourceKind.TIBBER:
            if not hass.config_entries.async_entries(TIBBER_DOMAIN):
                return "price_tibber_not_set_up"
    return None
