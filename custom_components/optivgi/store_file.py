"""A site's storage file: its key, its version and the migration from older versions."""

from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN

#: Version 1 had no sessions.
STORAGE_VERSION: Final = 2


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
