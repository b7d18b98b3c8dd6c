"""The base entity: every OptiVGI entity belongs to its site's device or to one charger's device.

The site is a service device of the config entry; each charger is a device of its config subentry,
linked to the site's device. OptiVGI never attaches entities to another integration's device.
"""

from collections.abc import Callable, Iterable
from typing import override

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .charger_config import ChargerConfig
from .const import DOMAIN
from .coordinator import OptiVgiCoordinator

MANUFACTURER = "OptiVGI"
SITE_MODEL = "Charging site"
CHARGER_MODEL = "Scheduled charger"


def site_device_info(entry: ConfigEntry) -> DeviceInfo:
    """The site's device, named like the site: the hub its chargers' devices are under."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        # None, not left out: a site registered as a service by an earlier version becomes a
        # hub's device (the integration page counted it as "1 service").
        entry_type=None,
        manufacturer=MANUFACTURER,
        model=SITE_MODEL,
    )


@callback
def async_register_site_device(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """Register the site's device (again is harmless) and return its id.

    Charger devices link to it by id (`via_device_id`), so it must exist before any charger
    entity is created.
    """
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **site_device_info(entry)
    )
    return device.id


def charger_subentries(coordinator: OptiVgiCoordinator) -> list[ConfigSubentry]:
    """The charger subentries the site's worker was built with.

    A charger added since (its reload is on the way) gets its entities from that reload: until
    then the worker knows nothing of it, and an entity that reads its settings would fail.
    """
    chargers = coordinator.translation.chargers
    return [
        subentry
        for subentry_id, subentry in coordinator.config_entry.subentries.items()
        if subentry_id in chargers
    ]


@callback
def async_add_charger_entities(
    coordinator: OptiVgiCoordinator,
    async_add_entities: AddConfigEntryEntitiesCallback,
    make: Callable[[ConfigSubentry], Iterable[Entity]],
) -> None:
    """Add `make(subentry)` to each known charger's subentry (`charger_subentries`)."""
    for subentry in charger_subentries(coordinator):
        async_add_entities(make(subentry), config_subentry_id=subentry.subentry_id)


class OptiVgiEntity(CoordinatorEntity[OptiVgiCoordinator]):
    """An entity of a site (`subentry` None) or of one of its chargers (a charger subentry)."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: OptiVgiCoordinator,
        description: EntityDescription,
        subentry: ConfigSubentry | None = None,
    ) -> None:
        """Describe the entity and place it on the site's or the charger's device."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        #: The charger's id (its subentry id), or None for a site entity.
        self.charger_id = subentry.subentry_id if subentry is not None else None
        if subentry is None:
            self._attr_unique_id = f"{entry.entry_id}_{description.key}"
            self._attr_device_info = site_device_info(entry)
            return
        self._attr_unique_id = f"{entry.entry_id}_{subentry.subentry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{entry.entry_id}_{subentry.subentry_id}")},
            name=subentry.title,
            manufacturer=MANUFACTURER,
            model=CHARGER_MODEL,
            via_device_id=dr.async_get_device_id_by_identifier(
                coordinator.hass, (DOMAIN, entry.entry_id), config_entry_id=entry.entry_id
            ),
        )

    @property
    @override
    def available(self) -> bool:
        """Unavailable when the last cycle failed, or when it did not plan this charger."""
        return super().available and (
            self.charger_id is None or self.charger_id in self.coordinator.data.chargers
        )


class OptiVgiControlEntity(OptiVgiEntity):
    """An entity a user sets (a mode, a request): kept in the site's store, re-plans at once.

    Always available: a failed cycle is exactly when a user may want to stop or change a car.
    """

    @property
    @override
    def available(self) -> bool:
        return True

    @property
    def charger(self) -> ChargerConfig:
        """The charger this entity belongs to (only for entities of a charger)."""
        assert self.charger_id is not None  # noqa: S101 - set for every charger entity
        return self.coordinator.translation.chargers[self.charger_id]

    async def async_changed(self, what: str) -> None:
        """Show the new value and re-plan for it."""
        self.async_write_ha_state()
        await self.coordinator.async_replan_for_user(f"{what} set")
