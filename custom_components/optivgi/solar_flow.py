"""The site's solar settings in the config flow: fields of the price section, storage, checks.

The fields join the collapsed price section (`price_flow`) and are stored flat with the other
site settings: `CONF_SOLAR_SOURCE` (a `SolarSourceKind` value) and the keys of `SOLAR_FIELDS`
that its kind uses; no solar source is stored as no solar key at all. A Solcast source is a list
of sensors (today's, tomorrow's, ...: Solcast has one per day), each with a `detailedForecast`.
"""

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    ConfigEntrySelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
from homeassistant.loader import IntegrationNotLoaded, async_get_loaded_integration
import probatio

from .const import (
    CONF_FEED_IN_PRICE,
    CONF_SOLAR_CONFIG_ENTRY,
    CONF_SOLAR_ENTITY,
    CONF_SOLAR_SOURCE,
    DEFAULT_SOLAR_SOURCE,
)
from .solar_forecast import (
    ENERGY_PLATFORM,
    SOLAR_FORECAST_FUNCTION,
    SolarReadError,
    SolarSourceKind,
    solcast_slots,
)

#: The feed-in price's bounds (currency per kWh): it may be negative, where exporting costs.
FEED_IN_PRICE_MIN: Final = -10.0
FEED_IN_PRICE_MAX: Final = 10.0
#: Each solar setting and the source kinds that use it; the others are not stored.
SOLAR_FIELDS: Final[Mapping[str, frozenset[SolarSourceKind]]] = {
    CONF_SOLAR_CONFIG_ENTRY: frozenset({SolarSourceKind.ENERGY}),
    CONF_SOLAR_ENTITY: frozenset({SolarSourceKind.SOLCAST}),
    CONF_FEED_IN_PRICE: frozenset({SolarSourceKind.ENERGY, SolarSourceKind.SOLCAST}),
}
#: Every stored solar setting.
SOLAR_KEYS: Final = frozenset({CONF_SOLAR_SOURCE, *SOLAR_FIELDS})

#: The solar fields of the price section's schema.
SOLAR_SCHEMA: Final[dict[probatio.Marker, Any]] = {
    probatio.Required(CONF_SOLAR_SOURCE, default=DEFAULT_SOLAR_SOURCE): SelectSelector(
        SelectSelectorConfig(
            options=[kind.value for kind in SolarSourceKind],
            translation_key=CONF_SOLAR_SOURCE,
            mode=SelectSelectorMode.DROPDOWN,
        )
    ),
    # Any integration may give the energy dashboard a forecast: `solar_error` checks the entry.
    probatio.Optional(CONF_SOLAR_CONFIG_ENTRY): ConfigEntrySelector(),
    probatio.Optional(CONF_SOLAR_ENTITY): EntitySelector(
        EntitySelectorConfig(domain=Platform.SENSOR, multiple=True)
    ),
    probatio.Optional(CONF_FEED_IN_PRICE): NumberSelector(
        NumberSelectorConfig(
            min=FEED_IN_PRICE_MIN, max=FEED_IN_PRICE_MAX, step=0.001, mode=NumberSelectorMode.BOX
        )
    ),
}


def solar_settings(section: Mapping[str, Any]) -> dict[str, Any]:
    """The stored solar settings of a validated price section: none at all without a source."""
    kind = SolarSourceKind(section.get(CONF_SOLAR_SOURCE, DEFAULT_SOLAR_SOURCE))
    if kind is SolarSourceKind.NONE:
        return {}
    settings: dict[str, Any] = {CONF_SOLAR_SOURCE: kind.value}
    for key, kinds in SOLAR_FIELDS.items():
        value = section.get(key)
        if key == CONF_SOLAR_ENTITY and value is not None:
            value = list(dict.fromkeys(value))  # picked twice is once
        if kind in kinds and value not in (None, "", []):
            settings[key] = value
    return settings


def solar_suggestions(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The solar fields' suggested values from the stored settings (the source's default aside)."""
    return {key: settings[key] for key in SOLAR_KEYS if key in settings}


def has_solar_forecast(hass: HomeAssistant, domain: str) -> bool:
    """Whether an integration gives the energy dashboard a solar forecast.

    Checked without importing anything (the flow's checks run in the event loop): the
    integration is loaded and has an `energy` platform, with `async_get_solar_forecast` if the
    platform was imported already.
    """
    try:
        integration = async_get_loaded_integration(hass, domain)
    except IntegrationNotLoaded:
        return False
    if (platform := integration.get_platform_cached(ENERGY_PLATFORM)) is not None:
        return callable(getattr(platform, SOLAR_FORECAST_FUNCTION, None))
    return bool(integration.platforms_exists((ENERGY_PLATFORM,)))


def _solcast_error(hass: HomeAssistant, entity_ids: list[str]) -> str | None:
    """Each Solcast sensor must exist and list its forecast in a `detailedForecast`."""
    if not entity_ids:
        return "solar_entity_required"
    for entity_id in entity_ids:
        if (state := hass.states.get(entity_id)) is None:
            return "entity_not_found"
        try:
            solcast_slots(state.attributes, entity_id)
        except SolarReadError:
            return "solar_entity_invalid"
    return None


def solar_error(hass: HomeAssistant, settings: Mapping[str, Any]) -> str | None:
    """Return why the stored solar settings cannot work, or None (shown on the price section)."""
    match settings.get(CONF_SOLAR_SOURCE, DEFAULT_SOLAR_SOURCE):
        case SolarSourceKind.ENERGY:
            entry = hass.config_entries.async_get_entry(settings.get(CONF_SOLAR_CONFIG_ENTRY, ""))
            if entry is None:
                return "solar_entry_required"
            if not has_solar_forecast(hass, entry.domain):
                return "solar_entry_no_forecast"
        case SolarSourceKind.SOLCAST:
            return _solcast_error(hass, settings.get(CONF_SOLAR_ENTITY, []))
    return None
