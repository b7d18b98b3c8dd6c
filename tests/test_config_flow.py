"""The site config flow, every path."""

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.optivgi.const import CONF_SITE_LIMIT_KW, DOMAIN


async def test_user_creates_site(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] is None

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "  Home  ", CONF_SITE_LIMIT_KW: 11.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home"
    assert result["data"] == {CONF_NAME: "Home", CONF_SITE_LIMIT_KW: 11.0}
    assert result["result"].unique_id == "home"


async def test_duplicate_site_name_aborts(hass: HomeAssistant) -> None:
    for expected in (FlowResultType.CREATE_ENTRY, FlowResultType.ABORT):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_NAME: "Office car park", CONF_SITE_LIMIT_KW: 50.0}
        )
        assert result["type"] is expected
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1
