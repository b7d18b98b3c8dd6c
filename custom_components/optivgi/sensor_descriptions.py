"""What each sensor shows: its description, and the function that reads it from the plan."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)

from .models import ChargerPlan, ChargerStatus, SitePlan
from .reasons import render

ATTR_SCHEDULE: Final = "schedule"
#: Why a charger is in error or unresponsive (a translated state attribute).
ATTR_REASON: Final = "reason"
#: Why the plan is what it is, as a sentence in Home Assistant's language, and its stable key
#: (for automations; `reasons.explain` lists them).
ATTR_WHY: Final = "why"
ATTR_WHY_KEY: Final = "why_key"
#: The current set-point's attribute: the phases the charger charges on now.
ATTR_PHASES: Final = "phases"
#: The phase headroom sensor's attributes: each phase's (A).
PHASE_ATTRIBUTES: Final = ("l1", "l2", "l3")
#: Whether a planned cost covers the whole plan (every planned step has a known price).
ATTR_COMPLETE: Final = "complete"
#: The `schedule` attribute lists at most this many changes, the soonest first. One change is at
#: most ~60 bytes of JSON (`{"start":"2026-01-05T17:05:00.123456+00:00","kw":-12345.67}`), so
#: the attributes stay well under Home Assistant's 16 KiB limit. A 24 h plan at 1-minute
#: resolution can change 1440 times; the full schedule is the `get_schedule` action's response.
MAX_SCHEDULE_CHANGES: Final = 200

type SensorValue = float | str | datetime | None


def schedule_attribute(plan: ChargerPlan) -> list[dict[str, Any]]:
    """The plan as `ScheduleChange.as_dict`s to 10 W, capped in length."""
    return [change.as_dict(kw_digits=2) for change in plan.changes[:MAX_SCHEDULE_CHANGES]]


@dataclass(frozen=True, kw_only=True)
class OptiVgiSiteSensorDescription(SensorEntityDescription):
    """A sensor of the site, read from the site's plan."""

    value_fn: Callable[[SitePlan], SensorValue]
    attributes_fn: Callable[[SitePlan], dict[str, Any]] | None = None
    #: Only on a site with a price source, or with phase limits.
    needs_prices: bool = False
    needs_phases: bool = False


@dataclass(frozen=True, kw_only=True)
class OptiVgiChargerSensorDescription(SensorEntityDescription):
    """A sensor of one charger, read from that charger's plan."""

    value_fn: Callable[[ChargerPlan], SensorValue]
    #: Only on a site with a price source.
    needs_prices: bool = False
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
        value_fn=lambda plan: plan.requested_energy_met_pct,
    ),
    OptiVgiSiteSensorDescription(
        key="last_run",
        translation_key="last_run",
        device_class=SensorDeviceClass.TIMESTAMP,
        # Not every cycle's time: a timestamp that changes every few minutes floods the
        # logbook (which leaves out only sensors with a unit or state class).
        value_fn=lambda plan: plan.replanned_at,
    ),
    # A forecast of what the plans will cost, not a meter: no state class, no statistics.
    OptiVgiSiteSensorDescription(
        key="planned_cost",
        translation_key="planned_cost",
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        value_fn=lambda plan: plan.cost,
        needs_prices=True,
    ),
    OptiVgiSiteSensorDescription(
        key="prices_until",
        translation_key="prices_until",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda plan: plan.prices_until,
        needs_prices=True,
    ),
    OptiVgiSiteSensorDescription(
        key="phase_headroom",
        translation_key="phase_headroom",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        # The phase with the least: the one that decides; each phase's in the attributes.
        value_fn=lambda plan: min(plan.phase_headroom_a) if plan.phase_headroom_a else None,
        attributes_fn=lambda plan: (
            dict(zip(PHASE_ATTRIBUTES, plan.phase_headroom_a, strict=True))
            if plan.phase_headroom_a
            else {}
        ),
        needs_phases=True,
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
        # A switchable charger's set-point means three times the power on three phases.
        attributes_fn=lambda plan, _: {ATTR_PHASES: plan.phases},
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
        key="planned_cost",
        translation_key="planned_cost",
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        value_fn=lambda plan: plan.cost,
        # False: some planned steps have no known price yet, and the cost leaves them out.
        attributes_fn=lambda plan, _: {ATTR_COMPLETE: plan.cost_complete},
        needs_prices=True,
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
