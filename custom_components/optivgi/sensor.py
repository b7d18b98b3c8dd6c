"""Sensors: what the plan does now, per charger and for the whole site.

Every value comes from the coordinator's last `SitePlan`; the sensors never read or write anything
themselves. A charger's power set-point also carries its upcoming schedule (`schedule`).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SUBENTRY_TYPE_CHARGER
from .coordinator import OptiVgiConfigEntry, OptiVgiCoordinator
from .entity import OptiVgiEntity, async_register_site_device
from .models import ChargerPlan, ChargerStatus, SitePlan
from .reasons import async_reason_texts, render

PARALLEL_UPDATES = 0

ATTR_SCHEDULE: Final = "schedule"
#: Why a charger is in error or unresponsive (a translated state attribute).
ATTR_REASON: Final = "reason"
#: Why the plan is what it is, as a sentence in Home Assistant's language, and its stable key
#: (for automations; `reasons.explain` lists them).
ATTR_WHY: Final = "why"
ATTR_WHY_KEY: Final = "why_key"
#: The `schedule` attribute lists at most this many changes, the soonest first. One change is at
#: most ~60 bytes of JSON (`{"start":"2026-01-05T17:05:00.123456+00:00","kw":-12345.67}`), so
#: the attributes stay well under Home Assistant's 16 KiB limit. A 24 h plan at 1-minute
#: resolution can change 1440 times; the full schedule is the `get_schedule` action's response.
MAX_SCHEDULE_CHANGES: Final = 200

type SensorValue = float | str | datetime | None


def schedule_attribute(plan: ChargerPlan) -> list[dict[str, Any]]:
    """The plan as `{"start": ISO 8601, "kw": planned power from then on}`, capped in length."""
    return [
        {"start": change.start.isoformat(), "kw": round(change.kw, 2)}
        for change in plan.changes[:MAX_SCHEDULE_CHANGES]
    ]


@dataclass(frozen=True, kw_only=True)
class OptiVgiSiteSensorDescription(SensorEntityDescription):
    """A sensor of the site, read from the site's plan."""

    value_fn: Callable[[SitePlan], SensorValue]


@dataclass(frozen=True, kw_only=True)
class OptiVgiChargerSensorDescription(SensorEntityDescription):
    """A sensor of one charger, read from that charger's plan."""

    value_fn: Callable[[ChargerPlan], SensorValue]
    #: The plan and the reasons' texts in Home Assistant's language to the attributes.
    attributes_fn: Callable[[ChargerPlan, Mapping[str, str]], dict[str, Any]] | None = None
    #: Whether the plan knows the value: a set-point is unknown while the charger cannot be
    #: read or confirmed (unavailable, never a plausible wrong 0).
    known_fn: Callable[[ChargerPlan], bool] = lambda _: True


SITE_SENSORS: tuple[OptiVgiSiteSensorDescription, ...] = (
    OptiVgiSiteSensorDescription(
        key="planned_power",
        translation_key="planned_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=lambda plan: plan.planned_kw,
    ),
    OptiVgiSiteSensorDescription(
        key="ev_budget",
        translation_key="ev_budget",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=lambda plan: plan.budget_kw,
    ),
    OptiVgiSiteSensorDescription(
        key="requests_met",
        translation_key="requests_met",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda plan: plan.fairness_pct,
    ),
    OptiVgiSiteSensorDescription(
        key="last_run",
        translation_key="last_run",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda plan: plan.last_run,
    ),
    OptiVgiSiteSensorDescription(
        key="solve_time",
        translation_key="solve_time",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda plan: plan.solve_s,
    ),
)

CHARGER_SENSORS: tuple[OptiVgiChargerSensorDescription, ...] = (
    OptiVgiChargerSensorDescription(
        key="power_setpoint",
        translation_key="power_setpoint",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=lambda plan: plan.setpoint_kw,
        attributes_fn=lambda plan, _: {ATTR_SCHEDULE: schedule_attribute(plan)},
        known_fn=lambda plan: plan.setpoint_kw is not None,
    ),
    OptiVgiChargerSensorDescription(
        key="current_setpoint",
        translation_key="current_setpoint",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda plan: plan.setpoint_a,
        known_fn=lambda plan: plan.setpoint_a is not None,
    ),
    # Planned and missing energy are forecasts, not meters: no state class, no statistics.
    OptiVgiChargerSensorDescription(
        key="planned_energy",
        translation_key="planned_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda plan: plan.planned_kwh,
    ),
    OptiVgiChargerSensorDescription(
        key="shortfall",
        translation_key="shortfall",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda plan: plan.shortfall_kwh,
    ),
    OptiVgiChargerSensorDescription(
        key="next_change",
        translation_key="next_change",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda plan: plan.next_change,
    ),
    OptiVgiChargerSensorDescription(
        key="status",
        translation_key="status",
        device_class=SensorDeviceClass.ENUM,
        options=[status.value for status in ChargerStatus],
        value_fn=lambda plan: plan.status.value,
        attributes_fn=lambda plan, texts: {
            ATTR_REASON: plan.reason,
            ATTR_WHY: render(plan.why, texts),
            ATTR_WHY_KEY: plan.why.key if plan.why is not None else None,
        },
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the site's sensors, then each charger's sensors to that charger's subentry."""
    coordinator = entry.runtime_data.coordinator
    async_register_site_device(hass, entry)
    async_add_entities(OptiVgiSiteSensor(coordinator, description) for description in SITE_SENSORS)
    for subentry in entry.get_subentries_of_type(SUBENTRY_TYPE_CHARGER):
        async_add_entities(
            (
                OptiVgiChargerSensor(coordinator, description, subentry)
                for description in CHARGER_SENSORS
            ),
            config_subentry_id=subentry.subentry_id,
        )


class OptiVgiSiteSensor(OptiVgiEntity, SensorEntity):
    """A figure of the site's plan."""

    entity_description: OptiVgiSiteSensorDescription

    @property
    @override
    def native_value(self) -> SensorValue:
        """The figure from the last cycle."""
        return self.entity_description.value_fn(self.coordinator.data)


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
