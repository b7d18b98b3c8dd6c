"""Loading and unloading the integration in a real Home Assistant."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_custom_components
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.optivgi.const import CONF_SITE_LIMIT_KW, DOMAIN


async def test_found_as_custom_integration(hass: HomeAssistant) -> None:
    custom = await async_get_custom_components(hass)
    assert DOMAIN in custom
    assert custom[DOMAIN].version is not None
    assert str(custom[DOMAIN].version) == "0.1.0"
    assert custom[DOMAIN].config_flow is True


async def test_setup_and_unload_entry(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="home",
        data={CONF_NAME: "Home", CONF_SITE_LIMIT_KW: 11.0},
    )
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
