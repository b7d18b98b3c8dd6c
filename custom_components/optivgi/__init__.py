"""OptiVGI: smart charging for every charger on a site, within the site's power limit."""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .coordinator import OptiVgiConfigEntry, OptiVgiCoordinator, OptiVgiRuntimeData
from .services import async_setup_services
from .store import RequestStore

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS = [Platform.SENSOR]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:  # noqa: ARG001
    """Register the integration's actions once, for all sites."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> bool:
    """Load a site: its requests, its worker's first plan, its sensors and its triggers."""
    store = RequestStore(hass, entry.entry_id)
    await store.async_load()
    coordinator = OptiVgiCoordinator(hass, entry, store)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = OptiVgiRuntimeData(coordinator=coordinator, store=store)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.async_track_sources()
    # Options, chargers added, changed or removed: reload with the new settings.
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    return True


async def _async_reload(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> bool:
    """Unload a site; its requests are written to storage first."""
    await entry.runtime_data.store.async_flush()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
