"""Switches: the site's "control chargers" and "keep room for arriving cars", a Solar minimum.

"Keep room for arriving cars" exists with prices or a solar forecast, each charger's Solar
minimum with a grid meter.

"Control chargers" off: the site plans and shows but writes nothing.

A dry run for a new install: the plan, its sensors and its reasons are all there, and no
charger is told anything (not even the OCPP safety net). Turned on again, every charger's
command goes out at once, whatever was sent before.
"""

from abc import abstractmethod
from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OptiVgiConfigEntry
from .entity import (
    OptiVgiControlEntity,
    OptiVgiEntity,
    async_add_charger_entities,
    async_register_site_device,
)

PARALLEL_UPDATES = 0

CONTROL_CHARGERS = SwitchEntityDescription(
    key="control_chargers",
    translation_key="control_chargers",
    entity_category=EntityCategory.CONFIG,
)
ARRIVAL_ROOM = SwitchEntityDescription(
    key="arrival_room",
    translation_key="arrival_room",
    entity_category=EntityCategory.CONFIG,
)
SOLAR_KEEP_MIN = SwitchEntityDescription(
    key="solar_keep_min",
    translation_key="solar_keep_min",
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the site's control switch."""
    coordinator = entry.runtime_data.coordinator
    async_register_site_device(hass, entry)
    async_add_entities([OptiVgiControlSwitch(coordinator, CONTROL_CHARGERS)])
    translation = coordinator.translation
    if translation.prices.configured or translation.solar.configured:
        async_add_entities([OptiVgiArrivalRoomSwitch(coordinator, ARRIVAL_ROOM)])
    if coordinator.translation.site.grid_entity is None:
        return  # no Solar mode without a grid meter
    async_add_charger_entities(
        coordinator,
        async_add_entities,
        lambda subentry: [OptiVgiSolarKeepMinSwitch(coordinator, SOLAR_KEEP_MIN, subentry)],
    )


class _OptiVgiSiteSwitch(OptiVgiEntity, SwitchEntity):
    """A site setting in the site's store: set, shown at once, and re-planned for."""

    #: Why the site re-plans when it is switched (the logbook's reason).
    _replan_reason: str

    @abstractmethod
    def _store(self, *, on: bool) -> None:
        """Keep the new setting in the site's store."""

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        await self._async_set(on=True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        await self._async_set(on=False)

    async def _async_set(self, *, on: bool) -> None:
        self._store(on=on)
        self.async_write_ha_state()
        await self.coordinator.async_replan_for_user(self._replan_reason)


class OptiVgiControlSwitch(_OptiVgiSiteSwitch):
    """Whether the site's chargers are commanded; kept in the site's store across restarts."""

    _replan_reason = "control chargers switched"

    @property
    @override
    def available(self) -> bool:
        """Always: it must be possible to stop writing while the plan fails."""
        return True

    @property
    @override
    def is_on(self) -> bool:
        return self.coordinator.store.control_chargers

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        translation = self.coordinator.translation
        for cid in translation.actuator.links:
            translation.actuator.new_session(cid)  # what was sent may be stale: send it all
        await super().async_turn_on(**kwargs)

    @override
    def _store(self, *, on: bool) -> None:
        self.coordinator.store.set_control_chargers(control=on)


class OptiVgiArrivalRoomSwitch(_OptiVgiSiteSwitch):
    """With prices or a solar forecast: keep room on chargers without a car (off: use it all).

    On, energy is moved to cheaper (or sunnier) steps only where the chargers without a car
    leave room, so a car that arrives there later finds what it needs; off, a site whose
    chargers rarely get another car saves more.
    """

    _replan_reason = "keep room for arriving cars switched"

    @property
    @override
    def is_on(self) -> bool:
        return self.coordinator.store.controls.arrival_room

    @override
    def _store(self, *, on: bool) -> None:
        self.coordinator.store.set_arrival_room(keep=on)


class OptiVgiSolarKeepMinSwitch(OptiVgiControlEntity, SwitchEntity):
    """In *Solar* mode: keep the charger's minimum when the surplus is below it (off: wait)."""

    @property
    @override
    def is_on(self) -> bool:
        return self.charger.charger_id in self.coordinator.store.controls.solar_keep_min

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        self.coordinator.store.set_solar_keep_min(self.charger.charger_id, keep=True)
        await self.async_changed("solar minimum")

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        self.coordinator.store.set_solar_keep_min(self.charger.charger_id, keep=False)
        await self.async_changed("solar minimum")
