"""A site's storage file: its key, version and migrations, and the issue of what it lost."""

from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER

#: Version 1 had no sessions.
STORAGE_VERSION: Final = 2
#: The repair issue (per site) that says which stored entries could not be read.
ISSUE_DROPPED_STORED_DATA: Final = "dropped_stored_data"
_MAX_LISTED: Final = 10  # dropped entries named in the repair issue; the rest are counted


class SiteStore(Store[dict[str, Any]]):
    """A site's storage file, migrated version by version on load."""

    async def _async_migrate_func(
        self,
        old_major_version: int,
        old_minor_version: int,  # noqa: ARG002 - no minor versions yet
        old_data: Any,  # noqa: ANN401 - whatever JSON the file holds; checked after migration
    ) -> Any:  # noqa: ANN401
        if old_major_version == 1:  # version 2 added the sessions
            return {**old_data, "sessions": {}} if isinstance(old_data, dict) else old_data
        if old_major_version == STORAGE_VERSION:  # a later minor version reads as this one
            return old_data
        msg = f"unknown storage version {old_major_version}"
        raise ValueError(msg)


def storage_key(entry_id: str) -> str:
    """The `.storage` key of a site's file."""
    return f"{DOMAIN}.{entry_id}"


async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
    """Delete a site's storage file (the site was removed)."""
    await SiteStore(hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()


def report_dropped(hass: HomeAssistant, entry_id: str, site: str, dropped: list[str]) -> None:
    """Log what was dropped from a site's file, and say so in a repair issue until dismissed."""
    listed = "; ".join(dropped[:_MAX_LISTED])
    if len(dropped) > _MAX_LISTED:
        listed += f"; and {len(dropped) - _MAX_LISTED} more"
    LOGGER.warning("%s: dropped stored data that is not valid: %s", site, "; ".join(dropped))
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{ISSUE_DROPPED_STORED_DATA}_{entry_id}",
        is_fixable=False,
        is_persistent=True,  # the data is gone after this load: say so until dismissed
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_DROPPED_STORED_DATA,
        translation_placeholders={"site": site, "dropped": listed},
    )
