"""A charger's controls on its device: charge mode, energy, target SoC and departure.

Asserted on what the simulated chargers are told (their input_number), on the store that
restarts read back, and on the plan; every entity is changed the way the frontend changes it.
"""

from datetime import datetime, time, timedelta
from types import MappingProxyType
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.optivgi.const import (
    CONF_BATTERY_KWH,
    CONF_SOC_ENTITY,
    DECREASE_SETTLE_S,
    MIN_WRITE_INTERVAL_S,
)
from custom_components.optivgi.coordinator import OptiVgiCoordinator
from custom_components.optivgi.entity import charger_subentries
from custom_components.optivgi.models import ChargerPlan, ChargerStatus
from custom_components.optivgi.site_controls import ChargeMode
from custom_components.optivgi.store import ChargingRequest

from .ha_site import (
    async_setup_helpers,
    async_setup_site,
    charger_data,
    current,
    replan,
    set_site_limit,
    settle,
    site_entry,
    subentry_id,
)

#: Noon in the tests' time zone (US/Pacific): the default departure (07:00) is tomorrow.
NOON = datetime(2026, 12, 1, 20, 0, tzinfo=dt_util.UTC)
MODE = "select.{}_charge_mode"
ENERGY = "number.{}_energy_for_this_session"
TARGET = "number.{}_target_state_of_charge"
DEPARTURE = "time.{}_departure"


@pytest.fixture(autouse=True)
def _noon(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(NOON)


def kw(hass: HomeAssistant, name: str) -> float:
    """What the simulated charger draws: its current limit on three phases at 230 V (kW)."""
    return current(hass, name) * 3 * 230 / 1000


def plan_of(entry: ConfigEntry, name: str) -> ChargerPlan:
    return entry.runtime_data.coordinator.data.chargers[subentry_id(entry, name)]


async def plug(hass: HomeAssistant, name: str, state: str = "on") -> None:
    hass.states.async_set(f"binary_sensor.{name}_plug", state)
    await settle(hass)


async def select_mode(hass: HomeAssistant, name: str, mode: str) -> None:
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: MODE.format(name), "option": mode},
        blocking=True,
    )
    await settle(hass)


async def set_number(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        "number", "set_value", {ATTR_ENTITY_ID: entity_id, "value": value}, blocking=True
    )
    await settle(hass)


async def after_increases(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the increases go out: at most once a minute, once the cars followed decreases."""
    for seconds in (MIN_WRITE_INTERVAL_S, DECREASE_SETTLE_S + 1):
        freezer.tick(timedelta(seconds=seconds))
        async_fire_time_changed(hass, dt_util.utcnow())
        await settle(hass)


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


# --- charge mode -----------------------------------------------------------------------------
async def test_off_pauses_the_car_survives_a_restart_and_the_next_car(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    await plug(hass, "driveway")
    assert state(hass, MODE.format("driveway")) == "smart"
    assert current(hass, "driveway") == 16.0
    await select_mode(hass, "driveway", "off")
    assert current(hass, "driveway") == 0.0
    plan = plan_of(entry, "driveway")
    assert plan.status is ChargerStatus.OFF
    assert plan.why is not None
    assert plan.why.key == "mode_off"
    assert entry.runtime_data.coordinator.data.planned_kw == 0.0  # it holds no budget
    # A restart reads the mode back; the car stays paused.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert state(hass, MODE.format("driveway")) == "off"
    assert current(hass, "driveway") == 0.0
    # The car leaves and another comes: the charger is still off.
    await plug(hass, "driveway", "off")
    freezer.tick(timedelta(minutes=2))
    await replan(hass, entry)
    await plug(hass, "driveway")
    await replan(hass, entry)
    assert current(hass, "driveway") == 0.0
    # Smart again: it charges (once its minimum off-time is over).
    await select_mode(hass, "driveway", "smart")
    freezer.tick(timedelta(minutes=6))
    await replan(hass, entry)
    assert current(hass, "driveway") == 16.0
    assert entry.runtime_data.store.controls.modes == {}  # the default is not stored


async def test_fast_takes_what_the_site_has_now_and_frees_it_when_done(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await async_setup_helpers(hass, ("driveway", "garage"))
    entry = await async_setup_site(hass, site_entry(("driveway", "garage")))
    await set_site_limit(hass, 15.0)
    store = entry.runtime_data.store
    driveway = subentry_id(entry, "driveway")
    # The driveway's car leaves in an hour and needs 10 kWh: planned, it comes first.
    departure = dt_util.utcnow() + timedelta(hours=1)
    store.set_request(driveway, ChargingRequest(energy_kwh=10.0, departure=departure))
    await plug(hass, "driveway")
    await plug(hass, "garage")
    await replan(hass, entry)
    assert kw(hass, "driveway") > 9.0
    assert kw(hass, "garage") < 6.0
    # The garage's driver wants it now: it gets its charger's most, within the limit.
    await select_mode(hass, "garage", "fast")
    await after_increases(hass, freezer)
    assert current(hass, "garage") == 16.0
    assert kw(hass, "driveway") + kw(hass, "garage") <= 15.0 + 1e-6
    assert plan_of(entry, "garage").status is ChargerStatus.CHARGING
    # The others are planned around it for as long as it needs that power (10 kWh at 11.04 kW:
    # 11 five-minute steps), and after that get its room back.
    translation = entry.runtime_data.coordinator.translation
    room = await translation.get_peak_power_demand("", dt_util.utcnow())
    assert room[0] == pytest.approx(15.0 - 11.04)
    assert room[11] == pytest.approx(15.0)
    assert plan_of(entry, "garage").changes[1].start == (
        entry.runtime_data.coordinator.data.start + timedelta(minutes=55)
    )
    # A lower limit lowers it too; under its minimum it pauses.
    await set_site_limit(hass, 8.0)
    await settle(hass)
    assert kw(hass, "garage") <= 8.0 + 1e-6
    assert current(hass, "garage") == 11.0
    assert current(hass, "driveway") == 0.0
    await set_site_limit(hass, 3.0)
    await settle(hass)
    assert current(hass, "garage") == 0.0
    assert plan_of(entry, "garage").status is ChargerStatus.PAUSED_BY_LIMIT


async def test_a_mode_of_a_removed_charger_goes_with_it(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass, ("driveway", "garage"))
    entry = await async_setup_site(hass, site_entry(("driveway", "garage")))
    await select_mode(hass, "garage", "fast")
    garage = subentry_id(entry, "garage")
    assert entry.runtime_data.store.controls.modes == {garage: ChargeMode.FAST}
    assert hass.config_entries.async_remove_subentry(entry, garage)
    await settle(hass)
    assert entry.runtime_data.store.controls.modes == {}


# --- the request: energy, target SoC, departure ---------------------------------------------
async def test_the_energy_number_is_the_request(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    cid = subentry_id(entry, "driveway")
    entity_id = ENERGY.format("driveway")
    await plug(hass, "driveway")
    assert float(state(hass, entity_id)) == 10.0  # the charger's default
    cycles = entry.runtime_data.coordinator.cycles
    await set_number(hass, entity_id, 30.0)
    assert entry.runtime_data.coordinator.cycles == cycles + 1  # re-planned at once
    assert entry.runtime_data.store.requests[cid] == ChargingRequest(energy_kwh=30.0)
    assert plan_of(entry, "driveway").requested_kwh == 30.0
    # Beyond the bound: refused, and nothing changes.
    with pytest.raises(ServiceValidationError):
        await set_number(hass, entity_id, 300.0)
    assert entry.runtime_data.store.requests[cid] == ChargingRequest(energy_kwh=30.0)
    # A restart keeps it; the car leaving ends it.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert float(state(hass, entity_id)) == 30.0
    await plug(hass, "driveway", "off")
    freezer.tick(timedelta(minutes=2))
    await replan(hass, entry)
    assert cid not in entry.runtime_data.store.requests
    assert float(state(hass, entity_id)) == 10.0


async def test_a_target_soc_needs_a_soc_sensor_and_replaces_the_energy(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    await async_setup_helpers(hass, ("driveway", "garage"))
    hass.states.async_set("sensor.garage_soc", "50", {"unit_of_measurement": "%"})
    soc = {CONF_SOC_ENTITY: "sensor.garage_soc", CONF_BATTERY_KWH: 60.0}
    entry = await async_setup_site(
        hass,
        site_entry(("driveway", "garage"), charger=lambda name: soc if name == "garage" else {}),
    )
    assert entity_registry.async_get(TARGET.format("driveway")) is None
    target, energy = TARGET.format("garage"), ENERGY.format("garage")
    assert float(state(hass, target)) == 80.0  # the charger's target
    assert state(hass, energy) == "unknown"  # it asks by SoC, not by energy
    garage = subentry_id(entry, "garage")
    await plug(hass, "garage")
    await set_number(hass, target, 90.0)
    assert entry.runtime_data.store.requests[garage] == ChargingRequest(target_soc=90.0)
    assert plan_of(entry, "garage").requested_kwh == pytest.approx(24.0)  # 40 % of 60 kWh
    assert state(hass, energy) == "unknown"
    await set_number(hass, energy, 20.0)
    assert entry.runtime_data.store.requests[garage] == ChargingRequest(energy_kwh=20.0)
    assert state(hass, target) == "unknown"
    # No more than its battery holds.
    with pytest.raises(ServiceValidationError):
        await set_number(hass, energy, 61.0)


async def test_the_departure_time_is_the_next_time_the_clock_says_so(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    cid = subentry_id(entry, "driveway")
    store = entry.runtime_data.store
    entity_id = DEPARTURE.format("driveway")
    assert state(hass, entity_id) == "07:00:00"  # the charger's default
    store.set_request(cid, ChargingRequest(energy_kwh=12.0))
    await plug(hass, "driveway")

    async def set_time(value: str) -> None:
        await hass.services.async_call(
            "time", "set_value", {ATTR_ENTITY_ID: entity_id, "time": value}, blocking=True
        )
        await settle(hass)

    # It is noon: 18:30 is tonight, 06:00 is tomorrow morning.
    await set_time("18:30:00")
    tonight = dt_util.as_utc(datetime(2026, 12, 1, 18, 30, tzinfo=dt_util.get_default_time_zone()))
    assert store.requests[cid] == ChargingRequest(energy_kwh=12.0, departure=tonight)
    assert plan_of(entry, "driveway").departure == tonight
    assert state(hass, entity_id) == "18:30:00"
    await set_time("06:00:00")
    tomorrow = dt_util.as_utc(datetime(2026, 12, 2, 6, 0, tzinfo=dt_util.get_default_time_zone()))
    assert store.requests[cid].departure == tomorrow
    assert dt_util.as_local(tomorrow).time() == time(6, 0)
    # A restart keeps it.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert state(hass, entity_id) == "06:00:00"
    assert entry.runtime_data.store.requests[cid].departure == tomorrow


# --- solar ---------------------------------------------------------------------------------
async def meter(hass: HomeAssistant, house_net_kw: float, chargers: tuple[str, ...]) -> None:
    """The grid meter as the hardware shows it: the house (less its PV) plus what cars draw.

    It follows every change of the cars' draw, as a real meter does within a second or two.
    """
    for _ in range(5):
        grid = house_net_kw + sum(kw(hass, name) for name in chargers)
        hass.states.async_set(
            "sensor.grid_power", f"{grid * 1000:.0f}", {"unit_of_measurement": "W"}
        )
        await settle(hass)


async def test_solar_needs_a_grid_meter(
    hass: HomeAssistant,
    hass_storage: dict,  # type: ignore[type-arg]
    init_integration: MockConfigEntry,
) -> None:
    entry = init_integration
    found = hass.states.get(MODE.format("driveway"))
    assert found is not None
    assert found.attributes["options"] == ["smart", "fast", "off"]
    with pytest.raises(ServiceValidationError):
        await select_mode(hass, "driveway", "solar")
    # A site whose meter was removed: a stored Solar mode is Smart again.
    cid = subentry_id(entry, "driveway")
    entry.runtime_data.store.set_mode(cid, ChargeMode.SOLAR)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert entry.runtime_data.store.controls.mode(cid) is ChargeMode.SMART
    assert state(hass, MODE.format("driveway")) == "smart"


async def test_solar_follows_the_surplus_with_a_hysteresis(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await async_setup_helpers(hass, ("driveway", "garage"))
    hass.states.async_set("sensor.grid_power", "0", {"unit_of_measurement": "W"})
    entry = await async_setup_site(hass, site_entry(("driveway", "garage"), grid=True))
    both = ("driveway", "garage")
    await select_mode(hass, "driveway", "solar")
    await plug(hass, "driveway")
    await plug(hass, "garage")
    await meter(hass, 0.0, both)
    assert current(hass, "driveway") == 0.0  # no surplus: it waits
    assert plan_of(entry, "driveway").status is ChargerStatus.WAITING
    assert plan_of(entry, "driveway").why.key == "solar_wait"  # type: ignore[union-attr]
    garage_before = current(hass, "garage")
    assert garage_before == 16.0  # the garage is planned on the import limit
    # The sun comes out: 5 kW exported. The driveway takes it (7 A, 4.83 kW, within it).
    await meter(hass, -5.0, both)
    await after_increases(hass, freezer)
    assert current(hass, "driveway") == 7.0
    assert current(hass, "garage") == garage_before  # the surplus is no part of its room
    # More sun: 7.8 kW; re-planned from the meter alone, in 1 A steps.
    await meter(hass, -7.8, both)
    await after_increases(hass, freezer)
    assert current(hass, "driveway") == 11.0
    # A cloud: 3.8 kW, 0.3 kW under its minimum of 4.14 kW: it keeps its minimum.
    freezer.tick(timedelta(minutes=6))  # past its minimum on-time
    await meter(hass, -3.8, both)
    await replan(hass, entry)
    await meter(hass, -3.8, both)
    assert current(hass, "driveway") == 6.0
    # A thick cloud: 2 kW: it stops; the import stays the garage's.
    await meter(hass, -2.0, both)
    await replan(hass, entry)
    await meter(hass, -2.0, both)
    assert current(hass, "driveway") == 0.0
    # The meter goes away: no surplus is assumed. Just switched on, the car keeps its minimum
    # for its minimum on-time (counted against the import limit), then stops.
    freezer.tick(timedelta(minutes=6))
    await meter(hass, -9.0, both)
    await after_increases(hass, freezer)
    assert current(hass, "driveway") == 13.0
    hass.states.async_set("sensor.grid_power", "unavailable")
    await replan(hass, entry)
    assert current(hass, "driveway") == 6.0
    freezer.tick(timedelta(minutes=5))
    await replan(hass, entry)
    assert current(hass, "driveway") == 0.0


async def test_a_charger_added_while_the_site_sets_up_gets_its_entities(
    hass: HomeAssistant,
) -> None:
    """The demo adds chargers one after another: one may come while the site still sets up.

    Before its update listener is there to see it: the site must reload for it by itself, and
    no entity may be made for a charger its worker does not know.
    """
    await async_setup_helpers(hass, ("driveway", "garage"))
    entry = await async_setup_site(hass, site_entry(("driveway",)))
    first_refresh = OptiVgiCoordinator.async_config_entry_first_refresh
    seen: list[list[str]] = []

    async def add_a_charger_meanwhile(coordinator: OptiVgiCoordinator) -> None:
        await first_refresh(coordinator)
        seen.append([s.title for s in charger_subentries(coordinator)])
        if len(seen) == 1:
            hass.config_entries.async_add_subentry(
                entry,
                ConfigSubentry(
                    data=MappingProxyType(charger_data("garage")),
                    subentry_type="charger",
                    title="Garage",
                    unique_id=None,
                ),
            )

    with patch.object(
        OptiVgiCoordinator, "async_config_entry_first_refresh", add_a_charger_meanwhile
    ):
        assert await hass.config_entries.async_reload(entry.entry_id)
        await settle(hass)
    assert seen == [["Driveway"], ["Driveway", "Garage"]]  # reloaded for it
    assert state(hass, MODE.format("garage")) == "smart"
    assert state(hass, DEPARTURE.format("garage")) == "07:00:00"
    assert state(hass, "sensor.garage_charging_status") == "idle"


async def test_solar_can_keep_its_minimum_below_the_surplus(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await async_setup_helpers(hass, ("driveway",))
    hass.states.async_set("sensor.grid_power", "0", {"unit_of_measurement": "W"})
    entry = await async_setup_site(hass, site_entry(("driveway",), grid=True))
    keep = "switch.driveway_solar_keep_minimum"
    assert state(hass, keep) == "off"
    await select_mode(hass, "driveway", "solar")
    await plug(hass, "driveway")
    await meter(hass, -1.0, ("driveway",))  # 1 kW of sun: below its 4.14 kW minimum
    assert current(hass, "driveway") == 0.0
    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: keep}, blocking=True)
    await after_increases(hass, freezer)
    await meter(hass, -1.0, ("driveway",))
    assert current(hass, "driveway") == 6.0  # its minimum, the rest from the grid
    cid = subentry_id(entry, "driveway")
    assert entry.runtime_data.store.controls.solar_keep_min == {cid}
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert state(hass, keep) == "on"
    await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: keep}, blocking=True)
    freezer.tick(timedelta(minutes=6))  # past its minimum on-time
    await replan(hass, entry)
    await meter(hass, -1.0, ("driveway",))
    assert current(hass, "driveway") == 0.0
