"""A site's name: its config entry's title, which Home Assistant's own Rename also changes.

The entry keeps the name in `data` and its slug as `unique_id` too (`config_flow.py`); a site
renamed with Home Assistant's Rename brings them in line when it is set up again, which the
rename itself starts (the site's update listener reloads it).
"""

from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import slugify

from .const import DOMAIN
from .coordinator import OptiVgiConfigEntry


@callback
def site_name_taken(hass: HomeAssistant, name: str, own_entry_id: str | None = None) -> bool:
    """Whether a site other than `own_entry_id` shows this name, or holds its slug as its id.

    Names compare by slug ("Home" and "home" are one name), as the unique id does.
    """
    slug = slugify(name)
    return any(
        entry.entry_id != own_entry_id and slug in (slugify(entry.title), entry.unique_id)
        for entry in hass.config_entries.async_entries(DOMAIN)
    )


@callback
def async_sync_site_name(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> None:
    """Bring `data` and `unique_id` in line with the title (a Rename in Home Assistant's menu)."""
    name = entry.title
    slug = slugify(name)
    unique_id = entry.unique_id
    if unique_id != slug and not site_name_taken(hass, name, entry.entry_id):
        unique_id = slug
    if entry.data.get(CONF_NAME) != name or unique_id != entry.unique_id:
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_NAME: name}, unique_id=unique_id
        )
