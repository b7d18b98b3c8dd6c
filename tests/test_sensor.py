"""The sensors of a site and its chargers, in a real Home Assistant with a real charger control.

The site: an 11 kW limit (no safety margin) and one 3-phase, 6-16 A, 230 V charger, plugged in,
wanting its default 10 kWh, controlled through an `input_number` in A. 16 A would be 11.04 kW, so
the plan charges at the limit, 11 kW (15.9 A), for 50 minutes (9.17 kWh), then 10 kW for one
5-minute step (the last 0.83 kWh), then nothing.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.logbook.helpers import is_sensor_continuous
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType
from homeassistant.helpers.entity import EntityCategory
from homeassistant.helpers.icon import async_get_icons
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.translation import async_get_translations
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.matchers import path_type

from custom_components.optivgi.const import DOMAIN, SUBENTRY_TYPE_CHARGER
from custom_components.optivgi.coordinator import OptiVgiCoordinator
from custom_components.optivgi.models import ChargerStatus, ScheduleChange
from custom_components.optivgi.sensor import CHARGER_SENSORS, MAX_SCHEDULE_CHANGES, SITE_SENSORS

from .ha_site import async_setup_site as async_setup_flow_site, site_entry

ENTRY_ID = "01KSITE0000000000000000000"
DRIVEWAY_ID = "01KCHARGER00000000DRIVEWAY"
NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)

SITE_OPTIONS: dict[str, Any] = {
    "site_limit_kw": 11.0,
    "safety_margin_kw": 0.0,
    "algorithm": "PulpNumericalAlgorithm",
    "resolution_min": 5,
    "horizon_h": 12,
    "replan_min": 5,
}
#: Exactly what the charger subentry flow stores for this charger (checked below).
DRIVEWAY: dict[str, Any] = {
    "control": "number",
    "control_entity": "input_number.driveway_current",
    "plug_entity": "binary_sensor.driveway_plug",
    "default_energy_kwh": 10.0,
    "default_departure": "07:00:00",
    "min_current_a": 6.0,
    "max_current_a": 16.0,
    "phases": 3,
    "voltage": 230.0,
    "site_phases": "L1L2L3",
}

SITE_SENSOR_IDS = {
    "planned_power": "sensor.home_planned_power",
    "ev_budget": "sensor.home_ev_power_budget",
    "requests_met": "sensor.home_requested_energy_met",
    "last_run": "sensor.home_last_re_plan",
    "solve_time": "sensor.home_solve_time",
}
DRIVEWAY_SENSOR_IDS = {
    "power_setpoint": "sensor.driveway_power_set_point",
    "current_setpoint": "sensor.driveway_current_set_point",
    "planned_energy": "sensor.driveway_planned_energy",
    "shortfall": "sensor.driveway_energy_shortfall",
    "next_change": "sensor.driveway_next_change",
    "status": "sensor.driveway_charging_status",
}


def charger_subentry(
    subentry_id: str, title: str, data: dict[str, Any]
) -> ConfigSubentryDataWithId:
    """A charger subentry with a fixed id (stable unique ids and snapshots)."""
    return ConfigSubentryDataWithId(
        data=data,
        subentry_id=subentry_id,
        subentry_type=SUBENTRY_TYPE_CHARGER,
        title=title,
        unique_id=None,
    )


async def async_setup_site(
    hass: HomeAssistant, *extra_chargers: ConfigSubentryDataWithId
) -> MockConfigEntry:
    """The Driveway charger's control and plug (plugged in), then the site "Home"."""
    assert await async_setup_component(
        hass,
        "input_number",
        {
            "input_number": {
                "driveway_current": {"min": 0, "max": 32, "step": 1, "unit_of_measurement": "A"}
            }
        },
    )
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=ENTRY_ID,
        title="Home",
        data={"name": "Home"},
        options=SITE_OPTIONS,
        subentries_data=[charger_subentry(DRIVEWAY_ID, "Driveway", DRIVEWAY), *extra_chargers],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def coordinator_of(entry: MockConfigEntry) -> OptiVgiCoordinator:
    coordinator: OptiVgiCoordinator = entry.runtime_data.coordinator
    return coordinator


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} has no state"
    return state.state


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's snapshot format (`tests/snapshots/`, volatile fields as ANY)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def _start(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(NOW)


async def test_charger_sensors_show_the_plan(hass: HomeAssistant) -> None:
    await async_setup_site(hass)

    assert state_of(hass, DRIVEWAY_SENSOR_IDS["power_setpoint"]) == "11.0"
    assert state_of(hass, DRIVEWAY_SENSOR_IDS["current_setpoint"]) == "15.9"
    assert state_of(hass, DRIVEWAY_SENSOR_IDS["planned_energy"]) == "10.0"
    assert state_of(hass, DRIVEWAY_SENSOR_IDS["shortfall"]) == "0.0"
    assert state_of(hass, DRIVEWAY_SENSOR_IDS["next_change"]) == "2026-01-05T17:50:00+00:00"
    assert state_of(hass, DRIVEWAY_SENSOR_IDS["status"]) == "charging"

    power = hass.states.get(DRIVEWAY_SENSOR_IDS["power_setpoint"])
    assert power is not None
    assert power.attributes["unit_of_measurement"] == "kW"
    assert power.attributes["schedule"] == [
        {"start": "2026-01-05T17:00:00+00:00", "kw": 11.0},
        {"start": "2026-01-05T17:50:00+00:00", "kw": 10.0},
        {"start": "2026-01-05T17:55:00+00:00", "kw": 0.0},
    ]
    # Only the power set-point carries the schedule.
    for key, entity_id in DRIVEWAY_SENSOR_IDS.items():
        state = hass.states.get(entity_id)
        assert state is not None
        assert ("schedule" in state.attributes) is (key == "power_setpoint")
    status = hass.states.get(DRIVEWAY_SENSOR_IDS["status"])
    assert status is not None
    assert status.attributes["options"] == [status.value for status in ChargerStatus]


async def test_site_sensors_show_the_plan(hass: HomeAssistant) -> None:
    await async_setup_site(hass)

    assert state_of(hass, SITE_SENSOR_IDS["planned_power"]) == "11.0"
    assert state_of(hass, SITE_SENSOR_IDS["ev_budget"]) == "11.0"
    assert state_of(hass, SITE_SENSOR_IDS["requests_met"]) == "100.0"
    assert state_of(hass, SITE_SENSOR_IDS["last_run"]) == "2026-01-05T17:00:00+00:00"
    friendly = hass.states.get(SITE_SENSOR_IDS["ev_budget"])
    assert friendly is not None
    assert friendly.attributes["friendly_name"] == "Home EV power budget"


async def test_unplugged_charger_is_idle_with_no_next_change(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await async_setup_site(hass)

    hass.states.async_set("binary_sensor.driveway_plug", "off")
    await hass.async_block_till_done()
    assert state_of(hass, DRIVEWAY_SENSOR_IDS["status"]) == "charging"  # a glitch, so far
    freezer.tick(timedelta(seconds=61))
    await coordinator_of(entry).async_refresh()
    await hass.async_block_till_done()

    assert state_of(hass, DRIVEWAY_SENSOR_IDS["status"]) == "idle"
    assert state_of(hass, DRIVEWAY_SENSOR_IDS["power_setpoint"]) == "0.0"
    assert state_of(hass, DRIVEWAY_SENSOR_IDS["next_change"]) == STATE_UNKNOWN
    assert state_of(hass, SITE_SENSOR_IDS["planned_power"]) == "0.0"
    power = hass.states.get(DRIVEWAY_SENSOR_IDS["power_setpoint"])
    assert power is not None
    assert power.attributes["schedule"] == [{"start": "2026-01-05T17:00:00+00:00", "kw": 0.0}]


async def test_the_fixture_holds_what_the_flow_stores(hass: HomeAssistant) -> None:
    """The charger subentry above is what the real flows make of the same answers."""
    await async_setup_component(
        hass,
        "input_number",
        {"input_number": {"driveway_current": {"min": 0, "max": 32, "unit_of_measurement": "A"}}},
    )
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    spec = site_entry(
        ("driveway",),
        site_limit_entity=None,
        site_limit_kw=SITE_OPTIONS["site_limit_kw"],
    )
    entry = await async_setup_flow_site(hass, spec)
    [subentry] = entry.subentries.values()
    assert subentry.title == "Driveway"
    stored = {k: v for k, v in subentry.data.items() if k in DRIVEWAY}
    assert stored == DRIVEWAY
    assert set(subentry.data) - set(DRIVEWAY) <= {"plug_states", "battery_kwh", "target_soc"}
    assert "name" not in subentry.data


async def test_long_schedule_is_capped_and_not_recorded(hass: HomeAssistant) -> None:
    entry = await async_setup_site(hass)
    coordinator = coordinator_of(entry)
    plan = coordinator.data
    # A day at 1-minute resolution that changes every minute, with awkward figures.
    changes = tuple(
        ScheduleChange(
            start=NOW + timedelta(minutes=minute, microseconds=123456), kw=-12345.678 + minute
        )
        for minute in range(1440)
    )
    charger = replace(plan.chargers[DRIVEWAY_ID], changes=changes)
    coordinator.async_set_updated_data(replace(plan, chargers={DRIVEWAY_ID: charger}))
    await hass.async_block_till_done()

    state = hass.states.get(DRIVEWAY_SENSOR_IDS["power_setpoint"])
    assert state is not None
    schedule = state.attributes["schedule"]
    assert len(schedule) == MAX_SCHEDULE_CHANGES
    assert schedule[0] == {"start": "2026-01-05T17:00:00.123456+00:00", "kw": -12345.68}
    assert schedule[-1]["start"] == "2026-01-05T20:19:00.123456+00:00"
    assert len(json_bytes(dict(state.attributes))) < 16 * 1024
    assert state.state_info is not None
    assert "schedule" in state.state_info["unrecorded_attributes"]


async def test_charger_missing_from_the_plan_is_unavailable(hass: HomeAssistant) -> None:
    entry = await async_setup_site(hass)
    coordinator = coordinator_of(entry)
    plan = coordinator.data

    coordinator.async_set_updated_data(replace(plan, chargers={}))
    await hass.async_block_till_done()
    for entity_id in DRIVEWAY_SENSOR_IDS.values():
        assert state_of(hass, entity_id) == STATE_UNAVAILABLE
    assert state_of(hass, SITE_SENSOR_IDS["planned_power"]) == "11.0"

    coordinator.async_set_updated_data(plan)
    await hass.async_block_till_done()
    assert state_of(hass, DRIVEWAY_SENSOR_IDS["power_setpoint"]) == "11.0"


async def test_failed_cycle_makes_every_sensor_unavailable(hass: HomeAssistant) -> None:
    entry = await async_setup_site(hass)

    coordinator_of(entry).async_set_update_error(UpdateFailed("solver crashed"))
    await hass.async_block_till_done()

    for entity_id in (*DRIVEWAY_SENSOR_IDS.values(), SITE_SENSOR_IDS["planned_power"]):
        assert state_of(hass, entity_id) == STATE_UNAVAILABLE


async def test_routine_cycles_leave_the_logbook_alone(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entity_registry: er.EntityRegistry
) -> None:
    """Half an hour of timer cycles with nothing changed logs nothing; a re-plan still shows."""
    entry = await async_setup_site(hass)
    coordinator = coordinator_of(entry)
    # What the logbook lists: every state change but those of sensors it calls continuous.
    logged = [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if entity.domain != "sensor"
        or not is_sensor_continuous(hass, entity_registry, entity.entity_id)
    ]
    assert {SITE_SENSOR_IDS["last_run"], DRIVEWAY_SENSOR_IDS["next_change"]} <= set(logged)

    def changed() -> dict[str, Any]:
        # The logbook lists a new state value (`last_changed`), never new attributes alone.
        states = {entity_id: hass.states.get(entity_id) for entity_id in logged}
        return {entity_id: state and state.last_changed for entity_id, state in states.items()}

    before = changed()

    for _ in range(6):
        freezer.tick(timedelta(minutes=5))
        await coordinator.async_refresh()  # the timer's cycle
        await hass.async_block_till_done()
        assert coordinator.data.last_run == dt_util.utcnow()
        assert changed() == before

    await coordinator.async_request_replan("service recalculate")
    await hass.async_block_till_done()
    assert state_of(hass, SITE_SENSOR_IDS["last_run"]) == dt_util.utcnow().isoformat()


async def test_solve_time_is_a_disabled_diagnostic(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    entry = await async_setup_site(hass)

    solve_time = entity_registry.async_get(SITE_SENSOR_IDS["solve_time"])
    assert solve_time is not None
    assert solve_time.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert solve_time.entity_category is EntityCategory.DIAGNOSTIC
    assert hass.states.get(SITE_SENSOR_IDS["solve_time"]) is None

    entity_registry.async_update_entity(SITE_SENSOR_IDS["solve_time"], disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    # The clock is frozen here (stable snapshots), so the measured time may read 0; that it is
    # measured is tested in test_scm_runner.
    seconds = float(state_of(hass, SITE_SENSOR_IDS["solve_time"]))
    assert 0 <= seconds < 60
    state = hass.states.get(SITE_SENSOR_IDS["solve_time"])
    assert state is not None
    assert state.attributes["unit_of_measurement"] == "s"
    assert state.attributes["device_class"] == "duration"


async def test_a_site_registered_as_a_service_becomes_a_hub_device(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry
) -> None:
    # What an earlier version registered: the integration page counted the site as a service.
    await async_setup_site(hass)
    site = device_registry.async_get_device_by_identifier((DOMAIN, ENTRY_ID), ENTRY_ID)
    assert site is not None
    device_registry.async_update_device(site.id, entry_type=DeviceEntryType.SERVICE)
    assert await hass.config_entries.async_reload(ENTRY_ID)
    await hass.async_block_till_done()
    site = device_registry.async_get(site.id)
    assert site is not None
    assert site.entry_type is None


async def test_devices_and_subentries(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await async_setup_site(hass)

    site = device_registry.async_get_device_by_identifier((DOMAIN, ENTRY_ID), ENTRY_ID)
    assert site is not None
    assert site.name == "Home"
    assert site.entry_type is None  # the hub of its chargers, not a service
    assert (site.manufacturer, site.model) == ("OptiVGI", "Charging site")
    assert site.via_device_id is None
    assert (site.config_entry_id, site.config_subentry_id) == (ENTRY_ID, None)

    charger = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{ENTRY_ID}_{DRIVEWAY_ID}"), ENTRY_ID
    )
    assert charger is not None
    assert charger.name == "Driveway"
    assert (charger.manufacturer, charger.model) == ("OptiVGI", "Scheduled charger")
    assert charger.via_device_id == site.id
    assert (charger.config_entry_id, charger.config_subentry_id) == (ENTRY_ID, DRIVEWAY_ID)
    # Only OptiVGI's own two devices: nothing attached to the control's or the plug's device.
    devices = dr.async_entries_for_config_entry(device_registry, ENTRY_ID)
    assert len(devices) == 2
    for device in sorted(devices, key=lambda device: device.name or ""):
        assert device == snapshot(name=f"device-{device.name}")

    for key, entity_id in SITE_SENSOR_IDS.items():
        entity = entity_registry.async_get(entity_id)
        assert entity is not None
        assert entity.unique_id == f"{ENTRY_ID}_{key}"
        assert entity.device_id == site.id
        assert entity.config_subentry_id is None
    for key, entity_id in DRIVEWAY_SENSOR_IDS.items():
        entity = entity_registry.async_get(entity_id)
        assert entity is not None
        assert entity.unique_id == f"{ENTRY_ID}_{DRIVEWAY_ID}_{key}"
        assert entity.device_id == charger.id
        assert entity.config_subentry_id == DRIVEWAY_ID


async def test_names_states_and_icons_are_translated(hass: HomeAssistant) -> None:
    await async_setup_site(hass)
    names = await async_get_translations(hass, "en", "entity", [DOMAIN])
    icons = (await async_get_icons(hass, "entity", [DOMAIN]))[DOMAIN]["sensor"]

    prefix = f"component.{DOMAIN}.entity.sensor"
    for description in (*SITE_SENSORS, *CHARGER_SENSORS):
        assert description.translation_key == description.key
        assert names[f"{prefix}.{description.key}.name"]
        assert icons[description.key]["default"].startswith("mdi:")
    for status in ChargerStatus:
        assert names[f"{prefix}.status.state.{status.value}"]
        assert icons["status"]["state"][status.value].startswith("mdi:")
    assert names[f"{prefix}.status.state.paused_by_limit"] == "Paused by site limit"
    assert names[f"{prefix}.power_setpoint.state_attributes.schedule.name"] == "Schedule"


async def test_entities_snapshot(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, snapshot: SnapshotAssertion
) -> None:
    entry = await async_setup_site(hass)
    # Everything, the disabled diagnostic included.
    entity_registry.async_update_entity(SITE_SENSOR_IDS["solve_time"], disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    entities = [
        entity
        for entity in er.async_entries_for_config_entry(entity_registry, ENTRY_ID)
        # The site's button and switch: tests/test_button.py and tests/test_switch.py.
        if entity.domain == "sensor"
    ]
    unpriced = [
        d
        for d in (*SITE_SENSORS, *CHARGER_SENSORS)
        if not d.needs_prices and not getattr(d, "needs_phases", False)
    ]
    assert len(entities) == len(unpriced)  # the others: test_site_prices.py, test_site_phases.py
    for entity in entities:
        assert entity == snapshot(name=f"{entity.entity_id}-entry")
        state = hass.states.get(entity.entity_id)
        assert state is not None
        # The solve time is measured, so it differs from run to run.
        matcher = path_type({"state": (str,)}) if entity.entity_id.endswith("_solve_time") else None
        assert state == snapshot(name=f"{entity.entity_id}-state", matcher=matcher)
