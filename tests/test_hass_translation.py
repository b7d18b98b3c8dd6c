"""Reading the site from Home Assistant and writing set-points: meters, outages, controls."""

from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.optivgi.const import (
    CONF_CONTROL,
    CONF_CONTROL_ENTITY,
    CONF_OCPP_DEVICE,
    CONF_POWER_ENTITY,
    CONF_TRANSACTION_ENTITY,
    DOMAIN,
    NON_EV_HEADROOM_KW,
)
from custom_components.optivgi.coordinator import OptiVgiCoordinator
from custom_components.optivgi.models import ChargerStatus, ScheduleChange
from custom_components.optivgi.store import ChargingRequest

from .ha_site import (
    async_setup_helpers,
    async_setup_site,
    current,
    replan,
    set_site_limit,
    settle,
    site_entry,
    subentry_id,
)


@pytest.fixture(autouse=True)
def _start(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to("2026-01-05 17:00:00+00:00")


def coordinator(entry: ConfigEntry) -> OptiVgiCoordinator:
    return entry.runtime_data.coordinator


async def test_grid_meter_leaves_the_house_load_out_of_the_budget(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass)
    hass.states.async_set("sensor.grid_power", "5000", {"unit_of_measurement": "W"})
    spec = site_entry(grid=True, safety_margin_kw=1.0)
    entry = await async_setup_site(hass, spec)
    # 22 kW limit - 5 kW house (and its headroom) - 1 kW margin.
    assert coordinator(entry).data.budget_kw == pytest.approx(16.0 - NON_EV_HEADROOM_KW)


async def test_lost_meter_keeps_the_last_house_load_and_the_lower_limit(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await async_setup_helpers(hass)

    async def set_limit(kw: float) -> None:
        await set_site_limit(hass, kw)

    await set_limit(30)
    hass.states.async_set("sensor.grid_power", "4", {"unit_of_measurement": "kW"})
    spec = site_entry(grid=True, safety_margin_kw=1.0)
    entry = await async_setup_site(hass, spec)
    # The fixed 22 kW is the fuse: a limit entity of 30 kW cannot raise it. 22 - 4 - 1.
    assert coordinator(entry).data.budget_kw == pytest.approx(17.0 - NON_EV_HEADROOM_KW)
    await set_limit(20)
    await replan(hass, entry)
    budget = 20 - 4 - 1 - NON_EV_HEADROOM_KW
    assert coordinator(entry).data.budget_kw == pytest.approx(budget)
    hass.states.async_set("sensor.grid_power", "unavailable")
    await replan(hass, entry)
    assert coordinator(entry).data.budget_kw == pytest.approx(budget)  # grace period
    freezer.tick(timedelta(minutes=3))
    await replan(hass, entry)
    plan = coordinator(entry).data
    # Past the grace the house load is still the last good 4 kW, never 0.
    assert plan.budget_kw == pytest.approx(budget)
    assert plan.degraded == ("meter_lost",)
    # The limit entity goes too: the lower of the fixed limit and its last good 20 kW.
    hass.states.async_set("input_number.site_limit", "unavailable")
    await replan(hass, entry)
    assert coordinator(entry).data.budget_kw == pytest.approx(budget)
    hass.states.async_set("input_number.site_limit", "nan", {"unit_of_measurement": "kW"})
    await replan(hass, entry)
    assert coordinator(entry).data.budget_kw == pytest.approx(budget)
    hass.states.async_set("sensor.grid_power", "1e9", {"unit_of_measurement": "kW"})
    await replan(hass, entry)
    assert coordinator(entry).data.budget_kw == pytest.approx(budget)  # absurd: not a value
    hass.states.async_set("input_number.site_limit", "18", {"unit_of_measurement": "kW"})
    hass.states.async_set("sensor.grid_power", "2", {"unit_of_measurement": "kW"})
    await replan(hass, entry)
    plan = coordinator(entry).data
    # Recovered by itself: 18 - 2 - 1 (the house load fell by more than its band).
    assert plan.budget_kw == pytest.approx(18 - 2 - 1 - NON_EV_HEADROOM_KW)
    assert plan.degraded == ()


async def test_unavailable_charger_counts_as_drawing_its_last_command(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await async_setup_helpers(hass)
    spec = site_entry(("driveway", "garage"))
    entry = await async_setup_site(hass, spec)
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await settle(hass)
    assert current(hass, "driveway") == 16.0
    hass.states.async_set("binary_sensor.driveway_plug", "unavailable")
    hass.states.async_set("binary_sensor.garage_plug", "on")
    await settle(hass)
    await replan(hass, entry)
    plan = coordinator(entry).data
    assert plan.chargers[subentry_id(entry, "driveway")].status is ChargerStatus.ERROR
    # 22 kW minus the 11.04 kW the driveway was last told to draw.
    assert plan.budget_kw == pytest.approx(22.0 - 11.04)
    assert current(hass, "garage") * 3 * 230 / 1000 <= plan.budget_kw + 1e-6
    assert current(hass, "driveway") == 16.0  # not written while unreadable


async def test_reservation_holds_capacity_for_its_arrival(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass)
    spec = site_entry(("driveway", "garage"))
    entry = await async_setup_site(hass, spec)
    await hass.services.async_call(
        "input_number",
        "set_value",
        {"entity_id": "input_number.site_limit", "value": 11.04},
        blocking=True,
    )
    store = entry.runtime_data.store
    now = dt_util.utcnow()
    store.set_request(subentry_id(entry, "driveway"), ChargingRequest(energy_kwh=60.0))
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await settle(hass)
    await replan(hass, entry)  # the limit change started the debounce cooldown
    alone = coordinator(entry).data.chargers[subentry_id(entry, "driveway")]
    store.add_reservation(
        subentry_id(entry, "garage"), now + timedelta(hours=1), now + timedelta(hours=4), 15.0
    )
    await replan(hass, entry)
    shared = coordinator(entry).data.chargers[subentry_id(entry, "driveway")]

    # The driveway car still gets all it asked for by morning, but from the reserved arrival
    # on it leaves room for the garage car: 15 kWh within three hours.
    def kw_at(changes: tuple[ScheduleChange, ...], moment: datetime) -> float:
        return [change.kw for change in changes if change.start <= moment][-1]

    after_arrival = now + timedelta(hours=1, minutes=5)
    assert kw_at(alone.changes, after_arrival) == pytest.approx(11.04, abs=1e-3)
    assert kw_at(shared.changes, after_arrival) < 11.04 - 1
    assert shared.planned_kwh == pytest.approx(60.0, abs=1e-3)


async def test_departure_across_a_daylight_saving_change(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    freezer.move_to("2026-03-28 19:00:00+00:00")  # 20:00 CET; clocks go forward at 02:00
    await async_setup_helpers(hass, ("driveway",))
    spec = site_entry(("driveway",))
    entry = await async_setup_site(hass, spec)
    entry.runtime_data.store.set_request(
        subentry_id(entry, "driveway"), ChargingRequest(energy_kwh=120.0)
    )
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await settle(hass)
    charger = coordinator(entry).data.chargers[subentry_id(entry, "driveway")]
    # 07:00 CEST is 05:00 UTC: 10 real hours, not 11 wall-clock ones.
    assert charger.departure == datetime.fromisoformat("2026-03-29T07:00:00+02:00")
    assert charger.planned_kwh == pytest.approx(11.04 * 10, abs=1e-3)
    assert charger.shortfall_kwh == pytest.approx(120 - 110.4, abs=1e-3)


async def test_control_in_watts_is_clamped_to_range_and_step(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass, ("driveway",))
    hass.states.async_set(
        "input_number.wallbox_power",
        "0",
        {"unit_of_measurement": "W", "min": 0, "max": 7400, "step": 100},
    )
    calls: list[ServiceCall] = []

    async def record(call: ServiceCall) -> None:
        calls.append(call)

    hass.services.async_register("input_number", "set_value", record)
    spec = site_entry(
        ("driveway",),
        charger=lambda _: {CONF_CONTROL_ENTITY: "input_number.wallbox_power"},
        site_limit_kw=5.0,
        site_limit_entity=None,
    )
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await async_setup_site(hass, spec)
    # 5 kW budget, 11.04 kW charger: 5000 W, a multiple of the 100 W step, within 0..7400.
    assert [call.data["value"] for call in calls] == [5000.0]


async def test_ocpp_charger_gets_a_tx_profile_on_connector_one(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass, ("driveway",))
    ocpp_entry = MockConfigEntry(domain="ocpp")
    ocpp_entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=ocpp_entry.entry_id, identifiers={("ocpp", "CP-1")}
    )
    hass.states.async_set("sensor.cp_1_transaction_id", "4711")
    calls: list[ServiceCall] = []

    async def record(call: ServiceCall) -> None:
        calls.append(call)

    hass.services.async_register("ocpp", "set_charge_rate", record)
    spec = site_entry(
        ("driveway",),
        charger=lambda _: {
            CONF_CONTROL: "ocpp",
            CONF_CONTROL_ENTITY: None,
            CONF_OCPP_DEVICE: device.id,
            CONF_TRANSACTION_ENTITY: "sensor.cp_1_transaction_id",
        },
        site_limit_kw=11.0,
        site_limit_entity=None,
        safety_margin_kw=0.5,
    )
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await async_setup_site(hass, spec)
    # The safety net once (see test_ocpp_actuation.py), then the plan for the transaction.
    purposes = [c.data["custom_profile"]["chargingProfilePurpose"] for c in calls]
    assert sorted(purposes) == ["TxDefaultProfile", "TxProfile"]
    data = next(c.data for c in calls if c.data["custom_profile"].get("transactionId"))
    assert data["devid"] == "CP-1"
    assert data["conn_id"] == 1
    profile = data["custom_profile"]
    assert profile["transactionId"] == 4711
    assert profile["chargingProfilePurpose"] == "TxProfile"
    periods = profile["chargingSchedule"]["chargingSchedulePeriod"]
    # 11 kW less the 0.5 kW margin, on 3 x 230 V: 15.2 A (rounded down).
    assert periods[0] == {"startPeriod": 0, "limit": 15.2, "numberPhases": 3}
    assert all(isinstance(p["startPeriod"], int) for p in periods)


async def test_script_control_gets_power_current_and_profile(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass, ("driveway",))
    hass.states.async_set("script.wallbox", "off", {"mode": "queued"})
    calls: list[ServiceCall] = []

    async def record(call: ServiceCall) -> None:
        calls.append(call)

    # Called by its own action, so that the call returns when the script has run.
    hass.services.async_register("script", "wallbox", record)
    spec = site_entry(
        ("driveway",),
        charger=lambda _: {CONF_CONTROL: "script", CONF_CONTROL_ENTITY: "script.wallbox"},
        site_limit_kw=7.36,
        site_limit_entity=None,
        resolution_min=15,
        replan_min=15,
        horizon_h=4,
    )
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await async_setup_site(hass, spec)
    variables = calls[0].data
    assert variables["power_w"] == 7360
    assert variables["current_a"] == pytest.approx(10.7)
    assert variables["profile"]["chargingSchedule"]["chargingRateUnit"] == "W"


async def test_a_missing_entity_raises_a_repair_issue_until_it_returns(
    hass: HomeAssistant,
) -> None:
    await async_setup_helpers(hass, ("driveway",))
    spec = site_entry(("driveway",), grid=True)
    hass.states.async_set("sensor.grid_power", "1000", {"unit_of_measurement": "W"})
    entry = await async_setup_site(hass, spec)
    registry = ir.async_get(hass)
    issue_id = f"missing_entity_{entry.entry_id}_sensor.grid_power"
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    hass.states.async_remove("sensor.grid_power")
    await replan(hass, entry)
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "missing_entity"
    assert issue.translation_placeholders == {"entity_id": "sensor.grid_power", "site": "Home"}
    hass.states.async_set("sensor.grid_power", "1000", {"unit_of_measurement": "W"})
    await replan(hass, entry)
    assert registry.async_get_issue(DOMAIN, issue_id) is None


async def test_reservation_becomes_the_request_when_its_car_arrives(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await async_setup_helpers(hass, ("garage",))
    spec = site_entry(("garage",))
    entry = await async_setup_site(hass, spec)
    store = entry.runtime_data.store
    now = dt_util.utcnow()
    garage = subentry_id(entry, "garage")
    store.add_reservation(garage, now + timedelta(minutes=30), now + timedelta(hours=3), 7.5)
    store.add_reservation("removed-charger", now, now + timedelta(hours=3), 5.0)
    freezer.tick(timedelta(minutes=31))
    hass.states.async_set("binary_sensor.garage_plug", "on")
    await settle(hass)
    await replan(hass, entry)
    assert store.requests[garage] == ChargingRequest(
        energy_kwh=7.5, departure=now + timedelta(hours=3)
    )
    assert [r.charger_id for r in store.reservations.values()] == ["removed-charger"]
    plan = coordinator(entry).data.chargers[garage]
    assert plan.requested_kwh == pytest.approx(7.5)
    assert plan.departure == now + timedelta(hours=3)


async def test_bad_readings_are_ignored_and_bad_controls_reported(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass, ("driveway",))
    hass.states.async_set("sensor.grid_power", "0", {"unit_of_measurement": "W"})
    spec = site_entry(("driveway",), grid=True)
    entry = await async_setup_site(hass, spec)
    # A limit entity in a unit that is no power, a meter that is not a number, a control
    # entity whose unit is neither a current nor a power: ignored or reported, never used.
    hass.states.async_set("sensor.grid_power", "n/a", {"unit_of_measurement": "W"})
    hass.states.async_set("input_number.site_limit", "9", {"unit_of_measurement": "A"})
    hass.states.async_set("input_number.driveway_current", "0", {"unit_of_measurement": "%"})
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await replan(hass, entry)
    await replan(hass, entry)
    plan = coordinator(entry).data
    # The last good limit and meter stand in; the charger that cannot be commanded is counted
    # at its 11.04 kW maximum (its limit cannot be read), the rest is left for the others.
    assert plan.budget_kw == pytest.approx(22.0 - 11.04 - NON_EV_HEADROOM_KW)
    charger = plan.chargers[subentry_id(entry, "driveway")]
    assert charger.status is ChargerStatus.ERROR
    assert "not A, W or kW" in (charger.error or "")


async def test_attribute_changes_do_not_replan_and_options_reload(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass, ("driveway",))
    spec = site_entry(("driveway",))
    entry = await async_setup_site(hass, spec)
    first = coordinator(entry).data.last_run
    hass.states.async_set("binary_sensor.driveway_plug", "off", {"friendly_name": "Plug"})
    await settle(hass)
    assert coordinator(entry).data.last_run == first
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "site_limit_entity": None, "site_limit_kw": 7.0}
    )
    await settle(hass)
    assert coordinator(entry).data.budget_kw == pytest.approx(7.0)


async def test_missing_ocpp_device_is_a_charger_error(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass, ("driveway",))

    async def accept(call: ServiceCall) -> None:
        """The OCPP integration's action, present but never reached."""

    hass.services.async_register("ocpp", "set_charge_rate", accept)
    ocpp_entry = MockConfigEntry(domain="ocpp")
    ocpp_entry.add_to_hass(hass)
    devices = dr.async_get(hass)
    device = devices.async_get_or_create(
        config_entry_id=ocpp_entry.entry_id, identifiers={("ocpp", "CP-1")}
    )
    hass.states.async_set("sensor.cp_1_transaction_id", "4711")
    spec = site_entry(
        ("driveway",),
        charger=lambda _: {
            CONF_CONTROL: "ocpp",
            CONF_CONTROL_ENTITY: None,
            CONF_OCPP_DEVICE: device.id,
            CONF_TRANSACTION_ENTITY: "sensor.cp_1_transaction_id",
        },
        site_limit_kw=11.0,
        site_limit_entity=None,
    )
    entry = await async_setup_site(hass, spec)
    devices.async_remove_device(device.id)  # the OCPP integration dropped the charger
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await replan(hass, entry)
    await replan(hass, entry)
    charger = coordinator(entry).data.chargers[subentry_id(entry, "driveway")]
    assert charger.status is ChargerStatus.ERROR
    assert "not found" in (charger.error or "")


async def test_an_input_going_away_is_logged_once_and_once_when_back(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    await async_setup_helpers(hass, ("driveway",))
    spec = site_entry(("driveway",))
    entry = await async_setup_site(hass, spec)
    hass.states.async_set("binary_sensor.driveway_plug", "unavailable")
    for _ in range(3):
        await replan(hass, entry)
    hass.states.async_set("binary_sensor.driveway_plug", "off")
    for _ in range(2):
        await replan(hass, entry)
    gone = [r for r in caplog.records if "binary_sensor.driveway_plug is unavailable" in r.message]
    back = [
        r for r in caplog.records if "binary_sensor.driveway_plug is available again" in r.message
    ]
    assert [r.levelname for r in gone] == ["WARNING"]
    assert [r.levelname for r in back] == ["INFO"]


async def test_a_charger_that_ignores_its_limit_is_counted_and_stopped(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    await async_setup_helpers(hass, ("driveway", "garage"))
    hass.states.async_set("sensor.garage_power", "0", {"unit_of_measurement": "kW"})
    spec = site_entry(
        ("driveway", "garage"),
        charger=lambda name: {CONF_POWER_ENTITY: f"sensor.{name}_power"},
        site_limit_entity=None,
        site_limit_kw=5.0,
    )
    hass.states.async_set("sensor.driveway_power", "0", {"unit_of_measurement": "kW"})
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    entry = await async_setup_site(hass, spec)
    assert current(hass, "driveway") == 7.0  # 5 kW on 3 x 230 V, whole amperes
    driveway = subentry_id(entry, "driveway")
    # The driveway charger ignores its limit and draws its full 11.04 kW.
    hass.states.async_set("sensor.driveway_power", "11.04", {"unit_of_measurement": "kW"})
    freezer.tick(timedelta(seconds=20))
    await replan(hass, entry)
    assert coordinator(entry).data.chargers[driveway].status is ChargerStatus.CHARGING  # settling
    freezer.tick(timedelta(minutes=2))
    hass.states.async_set("binary_sensor.garage_plug", "on")
    for _ in range(2):
        await replan(hass, entry)
    plan = coordinator(entry).data
    assert plan.chargers[driveway].status is ChargerStatus.ERROR
    assert plan.chargers[driveway].reason == "not_following"
    assert plan.chargers[driveway].error == "draws 11.04 kW, limited to 4.83 kW"
    assert plan.budget_kw == pytest.approx(0.0, abs=1e-6)  # its draw takes the whole limit
    assert current(hass, "driveway") == 0.0  # told to stop
    assert current(hass, "garage") == 0.0  # no room left for the other car
    assert len([r for r in caplog.records if "not following its limit" in r.message]) == 1
    # It stops drawing: after it has had time to settle, it is scheduled again.
    hass.states.async_set("sensor.driveway_power", "0", {"unit_of_measurement": "kW"})
    await replan(hass, entry)
    assert coordinator(entry).data.chargers[driveway].status is ChargerStatus.ERROR
    freezer.tick(timedelta(minutes=2))
    await replan(hass, entry)
    assert coordinator(entry).data.chargers[driveway].status is not ChargerStatus.ERROR
    assert any("follows its limit again" in r.message for r in caplog.records)


async def test_one_chargers_failure_to_work_out_its_command_keeps_no_other_back(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    await async_setup_helpers(hass)
    spec = site_entry(("driveway", "garage"))
    entry = await async_setup_site(hass, spec)
    driveway = subentry_id(entry, "driveway")
    actuator = coordinator(entry).translation.actuator
    due = actuator.due

    def broken_for_driveway(cid: str, *args: Any) -> bool:
        if cid == driveway:
            raise OverflowError("cannot convert float infinity to integer")
        return due(cid, *args)

    with patch.object(actuator, "due", broken_for_driveway):
        hass.states.async_set("binary_sensor.driveway_plug", "on")
        hass.states.async_set("binary_sensor.garage_plug", "on")
        await settle(hass)
    # Both get what the plan counted for them (22 kW shared); the bug is in the log.
    assert min(current(hass, "garage"), current(hass, "driveway")) >= 15.0
    assert "Could not tell whether Driveway needs a command" in caplog.text


async def test_the_plan_is_built_from_the_cycles_reading_alone(hass: HomeAssistant) -> None:
    """What the plan and the repairs use after a cycle is in its immutable reading."""
    await async_setup_helpers(hass)
    entry = await async_setup_site(hass, site_entry())
    site = coordinator(entry)
    reading = site.translation.reading
    assert reading is not None
    assert reading.configs == site.translation.chargers
    assert reading.configs is not site.translation.chargers  # a copy: later cycles leave it
    assert set(site.data.chargers) == set(reading.configs)
    assert reading.source_faults == {"price_source": None, "solar_forecast": None}
    with pytest.raises(AttributeError):
        reading.plan_kw = 0.0  # type: ignore[misc]
