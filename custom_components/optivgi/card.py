"""Serve the plan card and load it in every dashboard, so it is in the card picker at once.

The card is a plain web component in `frontend/` (no build step, nothing fetched at run time);
the folder is served as it is. The card's URL carries the integration's version, which it passes
on to its parts, so a browser never keeps an old card after an update.
"""

from pathlib import Path
from typing import Final

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http.server import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

from .const import DOMAIN

FRONTEND_DIR: Final = Path(__file__).parent / "frontend"
FRONTEND_URL: Final = f"/{DOMAIN}/frontend"
CARD_URL: Final = f"{FRONTEND_URL}/optivgi-plan-card.js"


async def async_register_card(hass: HomeAssistant) -> str | None:
    """Serve the card and add it to the frontend's modules; its URL, or None without HTTP.

    Without the frontend (a headless set-up) the file is still served, for a manual resource.
    """
    # `hass.http` is typed as always set, but it is None until the http integration is loaded.
    if getattr(hass, "http", None) is None:
        return None
    await hass.http.async_register_static_paths(
        [StaticPathConfig(FRONTEND_URL, str(FRONTEND_DIR), cache_headers=True)]
    )
    integration = await async_get_integration(hass, DOMAIN)
    url = f"{CARD_URL}?v={integration.version}"
    if "frontend" in hass.config.components:
        add_extra_js_url(hass, url)
    return url
