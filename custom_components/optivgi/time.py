"""Each charger's departure time: when the car on it leaves (the next time the clock says so).

The same request the `set_charging_request` action sets: a time that has passed today means
tomorrow. A departure further ahead than a day is set with that action; the time then shows
its time of day.
"""

from datetime import time
from typing import override

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import OptiVgiConfigEntry
from .entity import OptiVgiControlEntity, async_add_charger_entities, async_register_site_device
from .request_entities import async_update_request
from .requests import departure_for, next_occurrence

PARALLEL_UPDATES = 0

DEPARTURE = TimeEntityDescription(key="departure", translation_key="departure")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each charger's departure time to its device."""
    coordinator = entry.runtime_data.coordinator
    async_register_site_device(hass, entry)
    async_add_charger_entities(
        coordinator,
        async_add_entities,
        lambda subentry: [OptiVgiDepartureTime(coordinator, DEPARTURE, subentry)],
    )


class OptiVgiDepartureTime(OptiVgiControlEntity, TimeEntity):
    """When the car leaves: its request's departure, else the charger's default."""

    @property
    @override
    def native_value(self) -> time:
        charger = self.charger
        request = self.coordinator.store.requests.get(charger.charger_id)
        departure = departure_for(charger, request, dt_util.utcnow())
        return dt_util.as_local(departure).time().replace(second=0, microsecond=0)

    @override
    async def async_set_value(self, value: time) -> None:
        departure = next_occurrence(value, dt_util.utcnow())
        await async_update_request(self, departure=departure)
