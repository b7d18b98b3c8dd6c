"""Diagnostics: a site's settings, its chargers, its last plan, its stored requests and controls."""

from dataclasses import asdict
from datetime import datetime
from enum import Enum
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_OCPP_DEVICE
from .coordinator import OptiVgiConfigEntry

#: Nothing OptiVGI stores is secret; the OCPP charger's device id is redacted as a precaution.
TO_REDACT = {CONF_OCPP_DEVICE}


def _jsonable(value: Any) -> Any:  # noqa: ANN401 - walks any dataclass-made structure
    """`value` with datetimes as ISO 8601, enums as their values and tuples as lists."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OptiVgiConfigEntry,
) -> dict[str, Any]:
    """The site as configured, its last plan (with why it ran) and its requests."""
    coordinator = entry.runtime_data.coordinator
    store = entry.runtime_data.store
    actuator = coordinator.translation.actuator
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(entry.data, TO_REDACT),
            "options": async_redact_data(entry.options, TO_REDACT),
        },
        "chargers": {
            subentry_id: {
                "title": subentry.title,
                "subentry_type": subentry.subentry_type,
                "data": async_redact_data(subentry.data, TO_REDACT),
            }
            for subentry_id, subentry in entry.subentries.items()
        },
        "last_update_success": coordinator.last_update_success,
        "plan": coordinator.data.as_dict(),
        "requests": {
            charger_id: _jsonable(asdict(request)) for charger_id, request in store.requests.items()
        },
        "actuation": {
            actuator.controls[cid].charger.name: _jsonable(asdict(link))
            for cid, link in actuator.links.items()
        },
        "reservations": [
            _jsonable(asdict(reservation)) for reservation in store.reservations.values()
        ],
        # The site's switches and selects: what the plan was asked to do (and to keep room for).
        "controls": store.controls.as_json(),
    }
