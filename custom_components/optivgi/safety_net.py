"""The OCPP safety net: a TxDefaultProfile at a safe current, installed once per setting.

With it, a new session, an expired plan or Home Assistant being down never starts a car at the
charger's maximum. Every SetChargingProfile may be written to the charger's flash, so it is sent
only when the charger's settings differ from those it was last installed with (kept in a
`Store`), never on a schedule. A failed install is logged and tried again at the next setup.
"""

import asyncio
import hashlib
import json

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from .actuator import Actuator
from .const import DOMAIN, LOGGER, WRITE_TIMEOUT_S, Control

STORAGE_VERSION = 1


def storage_key(entry_id: str) -> str:
    """The storage key of a site's installed safety nets."""
    return f"{DOMAIN}.{entry_id}.safety_net"


async def async_install_safety_nets(
    hass: HomeAssistant, entry: ConfigEntry, actuator: Actuator
) -> None:
    """Install the default profile on every OCPP charger whose settings changed since."""
    store: Store[dict[str, str]] = Store(hass, STORAGE_VERSION, storage_key(entry.entry_id))
    installed = dict(await store.async_load() or {})
    changed = False
    for cid, control in actuator.controls.items():
        if control.charger.control is not Control.OCPP or actuator.closed:
            continue
        profile = control.default_profile()
        key = json.dumps([control.charger.ocpp_device, profile], sort_keys=True)
        fingerprint = hashlib.sha256(key.encode()).hexdigest()[:16]
        if installed.get(cid) == fingerprint:
            continue
        try:
            async with asyncio.timeout(WRITE_TIMEOUT_S):
                await control.async_install_default()
        except (HomeAssistantError, TimeoutError) as err:
            LOGGER.warning(
                "%s: installing the safe default profile on %s failed (%s); trying again at "
                "the next start",
                entry.title,
                control.charger.name,
                err or type(err).__name__,
            )
            continue
        installed[cid] = fingerprint
        changed = True
    if changed:
        await store.async_save(installed)


async def async_remove_safety_nets(hass: HomeAssistant, entry_id: str) -> None:
    """Forget what was installed (the site was deleted)."""
    await Store[dict[str, str]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()
