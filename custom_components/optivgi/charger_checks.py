"""Checks of a charger against the rest of Home Assistant: the OCPP integration, other chargers."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .const import (
    CONF_CONTROL_ENTITY,
    CONF_OCPP_DEVICE,
    CONF_PHASE_SWITCH_ENTITY,
    CONF_SWITCH_ENTITY,
    DOMAIN,
    OCPP_DOMAIN,
    SUBENTRY_TYPE_CHARGER,
)

#: A charger's settings that name what its plan writes to (an entity, or an OCPP device). Two
#: chargers writing to one would overwrite each other's limits, every cycle.
WRITTEN_KEYS: Final = (
    CONF_CONTROL_ENTITY,
    CONF_SWITCH_ENTITY,
    CONF_OCPP_DEVICE,
    CONF_PHASE_SWITCH_ENTITY,
)


def ocpp_has_chargers(hass: HomeAssistant) -> bool:
    """Whether the OCPP integration is set up with a charger device to pick in the OCPP step."""
    registry = dr.async_get(hass)
    return any(
        dr.async_entries_for_config_entry(registry, entry.entry_id)
        for entry in hass.config_entries.async_entries(OCPP_DOMAIN)
    )


@dataclass(frozen=True, kw_only=True)
class TargetClash:
    """Settings of a charger that another charger already writes to."""

    #: The fields, each with the error shown on it.
    errors: dict[str, str]
    #: The other charger's name and its site's, for the error text.
    placeholders: dict[str, str]


def target_clash(
    hass: HomeAssistant, values: Mapping[str, Any], own_subentry_id: str | None
) -> TargetClash | None:
    """Return which of `values`' written targets another charger of any site writes to.

    `own_subentry_id` is the charger being changed (None for a new one): its own targets are not
    a clash. The placeholders name the first other charger found.
    """
    wanted = {key: values[key] for key in WRITTEN_KEYS if values.get(key)}
    errors: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    for entry in hass.config_entries.async_entries(DOMAIN):
        for subentry in entry.get_subentries_of_type(SUBENTRY_TYPE_CHARGER):
            if subentry.subentry_id == own_subentry_id:
                continue
            taken = {subentry.data.get(key) for key in WRITTEN_KEYS} - {None}
            for key, target in wanted.items():
                if target in taken and key not in errors:
                    errors[key] = "target_used_by_other_charger"
                    placeholders = placeholders or {
                        "charger": subentry.title,
                        "site": entry.title,
                    }
    return TargetClash(errors=errors, placeholders=placeholders) if errors else None
