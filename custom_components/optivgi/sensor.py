"""Sensors: what the plan does now, per charger and for the whole site.

Every value comes from the coordinator's last `SitePlan`; the sensors never read or write anything
themselves. A charger's power set-point also carries its upcoming schedule (`schedule`). What
each one shows is in `sensor_descriptions`.
"""

from collections.abc import Mapping
from typing import Any, override

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OptiVgiConfigEntry, OptiVgiCoordinator
from .entity import OptiVgiEntity, async_add_charger_entities, async_register_site_device
from .models import ChargerPlan, SitePlan
from .reasons import async_reason_texts
from .sensor_descriptions import (
    ATTR_SCHEDULE,
    CHARGER_SENSORS,
    MAX_SCHEDULE_CHANGES,
    SITE_SENSORS,
    OptiVgiChargerSensorDescription,
    OptiVgiSiteSensorDescription,
    SensorValue,
)

__all__ = ["CHARGER_SENSORS", "MAX_SCHEDULE_CHANGES", "SITE_SENSORS"]

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the site's sensors, then each charger's sensors to that charger's subentry."""
    coordinator = entry.runtime_data.coordinator
    priced = coordinator.translation.prices.configured
    phased = coordinator.translation.phase_budget.configured
    async_register_site_device(hass, entry)
    async_add_entities(
        OptiVgiSiteSensor(coordinator, description)
        for description in SITE_SENSORS
        if (priced or not description.needs_prices) and (phased or not description.needs_phases)
    )
    async_add_charger_entities(
        coordinator,
        async_add_entities,
        lambda subentry: [
            OptiVgiChargerSensor(coordinator, description, subentry)
            for description in CHARGER_SENSORS
            if priced or not description.needs_prices
        ],
    )


def _currency(coordinator: OptiVgiCoordinator) -> str:
    """The currency of costs: the price source's, else Home Assistant's (fixed per entity)."""
    data: SitePlan | None = coordinator.data
    return (data.currency if data is not None else None) or coordinator.hass.config.currency


class OptiVgiSiteSensor(OptiVgiEntity, SensorEntity):
    """A figure of the site's plan."""

    entity_description: OptiVgiSiteSensorDescription

    def __init__(
        self, coordinator: OptiVgiCoordinator, description: OptiVgiSiteSensorDescription
    ) -> None:
        """A sensor on the site's device; a cost in the prices' currency."""
        super().__init__(coordinator, description)
        if description.device_class is SensorDeviceClass.MONETARY:
            self._attr_native_unit_of_measurement = _currency(coordinator)

    @property
    @override
    def native_value(self) -> SensorValue:
        """The figure from the last cycle."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The figure's parts, on the sensors that have them."""
        attributes_fn = self.entity_description.attributes_fn
        return None if attributes_fn is None else attributes_fn(self.coordinator.data)


class OptiVgiChargerSensor(OptiVgiEntity, SensorEntity):
    """A figure of one charger's plan; unavailable while the plan has no such charger."""

    entity_description: OptiVgiChargerSensorDescription
    # The schedule changes every cycle and is in the `get_schedule` response: keep it out of
    # the recorder.
    _unrecorded_attributes = frozenset({ATTR_SCHEDULE})

    def __init__(
        self,
        coordinator: OptiVgiCoordinator,
        description: OptiVgiChargerSensorDescription,
        subentry: ConfigSubentry,
    ) -> None:
        """A sensor on the charger's device."""
        super().__init__(coordinator, description, subentry)
        self._subentry_id = subentry.subentry_id
        self._reason_texts: Mapping[str, str] = {}
        if description.device_class is SensorDeviceClass.MONETARY:
            self._attr_native_unit_of_measurement = _currency(coordinator)

    @override
    async def async_added_to_hass(self) -> None:
        """Load the reasons' texts before the first state is written."""
        if self.entity_description.attributes_fn is not None:
            self._reason_texts = await async_reason_texts(self.hass)
        await super().async_added_to_hass()

    @property
    def _plan(self) -> ChargerPlan:
        """This charger's plan: Home Assistant reads the state only while it is available."""
        return self.coordinator.data.chargers[self._subentry_id]

    @property
    @override
    def available(self) -> bool:
        """Unavailable also while the plan cannot know this figure."""
        return super().available and self.entity_description.known_fn(self._plan)

    @property
    @override
    def native_value(self) -> SensorValue:
        """The figure from the last cycle."""
        return self.entity_description.value_fn(self._plan)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The schedule, on the sensors that carry one."""
        attributes_fn = self.entity_description.attributes_fn
        return None if attributes_fn is None else attributes_fn(self._plan, self._reason_texts)
