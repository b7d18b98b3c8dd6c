"""Setting a charger's request from its entities: the same request its action sets.

One source of truth: a number or time changes one part of the request kept in the site's store
and leaves the rest as it was (an energy replaces a target state of charge, and the other way
round, as the action does). Out of bounds is refused with the action's translated errors.
"""

from dataclasses import replace
from datetime import datetime

from .entity import OptiVgiControlEntity
from .service_validation import translated
from .store import ChargingRequest


async def async_update_request(
    entity: OptiVgiControlEntity,
    *,
    energy_kwh: float | None = None,
    target_soc: float | None = None,
    departure: datetime | None = None,
) -> None:
    """Change the given part of the charger's request, save it and re-plan."""
    cid = entity.charger.charger_id
    store = entity.coordinator.store
    request = store.requests.get(cid) or ChargingRequest()
    if energy_kwh is not None:
        request = replace(request, energy_kwh=energy_kwh, target_soc=None)
    if target_soc is not None:
        request = replace(request, energy_kwh=None, target_soc=target_soc)
    if departure is not None:
        request = replace(request, departure=departure)
    with translated():
        store.set_request(cid, request)
    await entity.async_changed("charging request")
