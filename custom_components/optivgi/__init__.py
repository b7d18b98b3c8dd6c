"""OptiVGI: smart charging for every charger on a site, within the site's power limit."""

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

type OptiVgiConfigEntry = ConfigEntry[None]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:  # noqa: ARG001
    """Set up the integration (services are registered here once they exist)."""
    return True


async def async_setup_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> bool:  # noqa: ARG001
    """Set up one site from its config entry."""
    entry.runtime_data = None
    return True


async def async_unload_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> bool:  # noqa: ARG001
    """Unload one site."""
    return True
