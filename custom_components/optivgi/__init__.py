"""OptiVGI: smart charging for every charger on a site, within the site's power limit."""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, issue_registry as ir
from homeassistant.helpers.typing import ConfigType

from .card import async_register_card
from .charger_config import ChargerConfig
from .const import CONF_GRID_POWER_ENTITY, DOMAIN, LOGGER, SUBENTRY_TYPE_CHARGER
from .coordinator import OptiVgiConfigEntry, OptiVgiCoordinator, OptiVgiRuntimeData
from .safety_net import async_install_safety_nets, async_remove_safety_nets
from .services import async_setup_services
from .site_controls import ChargeMode
from .site_name import async_sync_site_name
from .store import RequestStore, async_remove_store
from .websocket import async_setup_websocket

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS = [
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TIME,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:  # noqa: ARG001
    """Register the integration's actions, websocket commands and card once, for all sites."""
    async_setup_services(hass)
    async_setup_websocket(hass)
    await async_register_card(hass)
    return True


def _retired_key(entry_id: str) -> str:
    return f"{DOMAIN}_retired_{entry_id}"


async def async_setup_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> bool:
    """Load a site: its requests, its worker's first plan, its sensors and its triggers."""
    async_sync_site_name(hass, entry)  # before the update listener: no reload for it
    store = RequestStore(hass, entry.entry_id)
    await store.async_load()
    store.retain_chargers(set(entry.subentries))
    if not entry.options.get(CONF_GRID_POWER_ENTITY) and store.drop_mode(ChargeMode.SOLAR):
        LOGGER.info(
            "%s: chargers in Solar mode are Smart again: it needs a grid meter", entry.title
        )
    retired: dict[str, ChargerConfig] = hass.data.pop(_retired_key(entry.entry_id), {})
    coordinator = OptiVgiCoordinator(hass, entry, store, retired)
    # The actuator reads back what each charger applies before the first plan is made.
    coordinator.translation.actuator.async_start()
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = OptiVgiRuntimeData(coordinator=coordinator, store=store)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.async_track_sources()
    if store.control_chargers:  # a dry run writes nothing, not even the safety net
        entry.async_create_background_task(
            hass,
            async_install_safety_nets(hass, entry, coordinator.translation.actuator),
            "optivgi safety nets",
        )
    # Options, chargers added, changed or removed: reload with the new settings.
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    known = set(coordinator.translation.chargers)
    if known != {s.subentry_id for s in entry.get_subentries_of_type(SUBENTRY_TYPE_CHARGER)}:
        # A charger was added or removed while this setup ran, before the listener was there
        # to see it (a script adding chargers one after another): reload for it now.
        hass.config_entries.async_schedule_reload(entry.entry_id)
    return True


async def _async_reload(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> None:
    # A charger removed while charging is stopped and counted by the next instance until its
    # draw is seen to fall: hand its settings over.
    chargers = entry.runtime_data.coordinator.translation.chargers
    removed = {cid: c for cid, c in chargers.items() if cid not in entry.subentries}
    if removed:
        hass.data[_retired_key(entry.entry_id)] = removed
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> bool:
    """Unload a site; its requests are written to storage first."""
    await entry.runtime_data.store.async_flush()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> None:
    """A site was deleted: delete its stored requests and every repair issue it raised."""
    await async_remove_store(hass, entry.entry_id)
    await async_remove_safety_nets(hass, entry.entry_id)
    # Every issue a site raises has the site's entry id in its issue id.
    registry = ir.async_get(hass)
    for domain, issue_id in list(registry.issues):
        if domain == DOMAIN and entry.entry_id in issue_id:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
