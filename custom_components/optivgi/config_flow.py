"""Config flow for OptiVGI: one config entry per site."""

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_NAME, UnitOfPower
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)
from homeassistant.util import slugify
import probatio

from .const import CONF_SITE_LIMIT_KW, DEFAULT_SITE_LIMIT_KW, DOMAIN

SITE_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_NAME): TextSelector(),
        probatio.Required(CONF_SITE_LIMIT_KW, default=DEFAULT_SITE_LIMIT_KW): NumberSelector(
            NumberSelectorConfig(
                min=0.1,
                max=10000,
                step=0.1,
                unit_of_measurement=UnitOfPower.KILO_WATT,
                mode=NumberSelectorMode.BOX,
            )
        ),
    }
)


class OptiVgiConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create a site: its name and the power limit all its chargers share."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the site's name and limit; a site name can be used once."""
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            await self.async_set_unique_id(slugify(name))
            self._abort_if_unique_id_configured()
            return self.async_create_entry(title=name, data={**user_input, CONF_NAME: name})
        return self.async_show_form(step_id="user", data_schema=SITE_SCHEMA)
