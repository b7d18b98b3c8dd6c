"""Sessions in a real Home Assistant: nothing bad gets in, nothing good gets lost (issue 9).

A plug glitch, a restart, a counter reset, an absurd SoC or a clock step must neither drop a
car's request nor credit energy it never got; a reservation never overwrites a running
session's request.
"""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest

from custom_components.optivgi.const import (
    CONF_POWER_ENTITY,
    CONF_SESSION_ENERGY_ENTITY,
    CONF_SOC_ENTITY,
    DOMAIN,
)
from custom_components.optivgi.models import ChargerPlan
from custom_components.optivgi.sessions import PLUG_GRACE_S, SessionTracker
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

START = datetime.fromisoformat("2026-01-05T17:00:00+00:00")
DEPARTURE = datetime.fromisoformat("2026-01-06T07:00:00+00:00")
KW = 11.04  # 16 A on three phases at 230 V: what one car alone on the 22 kW site gets


@pytest.fixture(autouse=True)
def _start(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(START)


def plan_of(entry: ConfigEntry, name: str = "driveway") -> ChargerPlan:
    return entry.runtime_data.coordinator.data.chargers[subentry_id(entry, name)]


async def plug(hass: HomeAssistant, state: str, name: str = "driveway") -> None:
    hass.states.async_set(f"binary_sensor.{name}_plug", state)
    await settle(hass)


async def one_charger(hass: HomeAssistant, **settings: Any) -> ConfigEntry:
    """A site with the driveway charger alone, with `settings` on top of the defaults."""
    await async_setup_helpers(hass, ("driveway",))
    return await async_setup_site(hass, site_entry(("driveway",), charger=lambda _: settings))


async def test_a_one_second_unplug_keeps_the_request(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await one_charger(hass)
    cid = subentry_id(entry, "driveway")
    store = entry.runtime_data.store
    await plug(hass, "on")
    store.set_request(cid, ChargingRequest(energy_kwh=30.0, departure=DEPARTURE))
    await replan(hass, entry)
    session = store.session(cid)
    assert session is not None
    # The plug sensor reads off for one second: a glitch, not a departure.
    await plug(hass, "off")
    freezer.tick(timedelta(seconds=1))
    await plug(hass, "on")
    assert store.requests[cid] == ChargingRequest(energy_kwh=30.0, departure=DEPARTURE)
    assert store.session(cid) is not None
    assert store.session(cid).started == session.started  # type: ignore[union-attr]
    # One second at 11.04 kW counted; the plan shows the rest, rounded to Wh.
    assert store.session(cid).delivered_kwh == pytest.approx(KW / 3600)  # type: ignore[union-attr]
    assert plan_of(entry).requested_kwh == pytest.approx(30.0 - KW / 3600, abs=1e-3)
    assert plan_of(entry).departure == DEPARTURE
    # Off for longer than the grace: the car left, and its request with it.
    await plug(hass, "off")
    freezer.tick(timedelta(seconds=PLUG_GRACE_S + 1))
    await replan(hass, entry)
    assert store.session(cid) is None
    assert cid not in store.requests
    await plug(hass, "on")  # the next car gets the default, not the last car's 30 kWh
    assert plan_of(entry).requested_kwh == pytest.approx(10.0)


async def test_a_car_that_left_during_a_restart_ends_its_session(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    entry = await one_charger(hass)
    cid = subentry_id(entry, "driveway")
    assert await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass)
    key = f"{DOMAIN}.{entry.entry_id}"
    # What the store writes (version 2): a car plugged in until the stop, with its request.
    hass_storage[key] = {
        "version": 2,
        "minor_version": 1,
        "key": key,
        "data": {
            "requests": {
                cid: {"energy_kwh": 30.0, "target_soc": None, "departure": DEPARTURE.isoformat()}
            },
            "reservations": [],
            "sessions": {
                cid: {
                    "started": (START - timedelta(hours=1)).isoformat(),
                    "delivered_kwh": 5.0,
                    "meter_baseline_kwh": None,
                    "meter_last_kwh": None,
                    "transaction_id": None,
                    "last_plugged": START.isoformat(),
                }
            },
        },
    }
    # Home Assistant comes back ten minutes later; the plug reads off: the car is gone.
    freezer.tick(timedelta(minutes=10))
    await plug(hass, "off")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    store = entry.runtime_data.store
    assert store.session(cid) is None
    assert cid not in store.requests
    await plug(hass, "on")  # the next car is not given the 25 kWh still owed to the last one
    assert plan_of(entry).requested_kwh == pytest.approx(10.0)
    assert store.requests.get(cid) is None


async def test_the_stored_session_survives_the_restart_when_the_car_stays(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    # The counterpart of the test above: a car still plugged in keeps session and request.
    entry = await one_charger(hass)
    cid = subentry_id(entry, "driveway")
    store = entry.runtime_data.store
    await plug(hass, "on")
    store.set_request(cid, ChargingRequest(energy_kwh=30.0, departure=DEPARTURE))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    store = entry.runtime_data.store
    assert store.requests[cid] == ChargingRequest(energy_kwh=30.0, departure=DEPARTURE)
    assert store.session(cid) is not None
    assert plan_of(entry).requested_kwh == pytest.approx(30.0)


async def test_the_delivered_estimate_survives_a_restart(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    # A power sensor and no session-energy meter: the estimate is the integral of the power.
    hass.states.async_set("sensor.driveway_power", "0", {"unit_of_measurement": "W"})
    entry = await one_charger(hass, **{CONF_POWER_ENTITY: "sensor.driveway_power"})
    cid = subentry_id(entry, "driveway")
    entry.runtime_data.store.set_request(cid, ChargingRequest(energy_kwh=30.0))
    await plug(hass, "on")
    hass.states.async_set("sensor.driveway_power", "11040", {"unit_of_measurement": "W"})
    await settle(hass)
    for _ in range(3):  # three 5-minute cycles at 11.04 kW: 2.76 kWh
        freezer.tick(timedelta(minutes=5))
        await replan(hass, entry)
    session = entry.runtime_data.store.session(cid)
    assert session is not None
    assert session.delivered_kwh == pytest.approx(2.76)
    assert plan_of(entry).requested_kwh == pytest.approx(27.24)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    # The first reading after the restart only sets the baseline: nothing lost, nothing added.
    session = entry.runtime_data.store.session(cid)
    assert session is not None
    assert session.delivered_kwh == pytest.approx(2.76)
    assert plan_of(entry).requested_kwh == pytest.approx(27.24)
    freezer.tick(timedelta(minutes=5))
    await replan(hass, entry)
    assert entry.runtime_data.store.session(cid).delivered_kwh == pytest.approx(3.68)  # type: ignore[union-attr]


async def test_a_session_energy_counter_that_falls_was_reset(hass: HomeAssistant) -> None:
    energy = "sensor.driveway_energy"
    hass.states.async_set(energy, "0", {"unit_of_measurement": "kWh"})
    entry = await one_charger(hass, **{CONF_SESSION_ENERGY_ENTITY: energy})
    cid = subentry_id(entry, "driveway")
    entry.runtime_data.store.set_request(cid, ChargingRequest(energy_kwh=30.0))
    await plug(hass, "on")
    requested = []
    for reading in ("12", "0", "3"):
        hass.states.async_set(energy, reading, {"unit_of_measurement": "kWh"})
        await replan(hass, entry)
        requested.append(plan_of(entry).requested_kwh)
    # 12 kWh, then the counter restarts at 0 and counts 3 more: 15 delivered, 15 still wanted.
    assert requested == pytest.approx([18.0, 18.0, 15.0])
    assert entry.runtime_data.store.session(cid).delivered_kwh == pytest.approx(15.0)  # type: ignore[union-attr]


@pytest.mark.parametrize("soc", ["-50", "150"])
async def test_a_state_of_charge_outside_0_to_100_is_not_a_reading(
    hass: HomeAssistant, soc: str
) -> None:
    entity = "sensor.driveway_soc"
    hass.states.async_set(entity, "50", {"unit_of_measurement": "%"})
    entry = await one_charger(hass, **{CONF_SOC_ENTITY: entity})
    cid = subentry_id(entry, "driveway")
    await plug(hass, "on")
    # A real reading: 50 % to the 80 % target of a 60 kWh battery.
    assert plan_of(entry).requested_kwh == pytest.approx(18.0)
    hass.states.async_set(entity, soc, {"unit_of_measurement": "%"})
    await replan(hass, entry)
    assert plan_of(entry).requested_kwh == pytest.approx(10.0)  # the energy default
    entry.runtime_data.store.set_request(cid, ChargingRequest(target_soc=90.0))
    await replan(hass, entry)
    assert plan_of(entry).requested_kwh == pytest.approx(10.0)  # not (90 - soc) % of 60 kWh
    entry.runtime_data.store.set_request(cid, ChargingRequest(energy_kwh=30.0))
    await replan(hass, entry)
    assert plan_of(entry).requested_kwh == pytest.approx(30.0)  # the request, not 78 kWh


class SteppedClock:
    """A monotonic clock the test moves by hand, apart from the (frozen) wall clock."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def step_clock(entry: ConfigEntry) -> SteppedClock:
    """Give the site's session tracker a monotonic clock of its own."""
    clock = SteppedClock()
    translation = entry.runtime_data.coordinator.translation
    translation.sessions = SessionTracker(entry.runtime_data.store, monotonic=clock)
    translation.intake = replace(translation.intake, sessions=translation.sessions)
    return clock


async def test_a_wall_clock_step_forward_credits_only_the_time_that_passed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set("sensor.driveway_power", "0", {"unit_of_measurement": "W"})
    entry = await one_charger(hass, **{CONF_POWER_ENTITY: "sensor.driveway_power"})
    cid = subentry_id(entry, "driveway")
    clock = step_clock(entry)
    entry.runtime_data.store.set_request(cid, ChargingRequest(energy_kwh=30.0))
    await plug(hass, "on")
    hass.states.async_set("sensor.driveway_power", "11040", {"unit_of_measurement": "W"})
    await settle(hass)
    # The wall clock jumps an hour; only five minutes really passed: 11.04 kW * 5 min.
    freezer.tick(timedelta(hours=1))
    clock.seconds += 300
    await replan(hass, entry)
    assert entry.runtime_data.store.session(cid).delivered_kwh == pytest.approx(0.92)  # type: ignore[union-attr]
    assert plan_of(entry).requested_kwh == pytest.approx(29.08)


async def test_a_wall_clock_step_back_does_not_block_increases(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await one_charger(hass)
    cid = subentry_id(entry, "driveway")
    clock = step_clock(entry)
    await set_site_limit(hass, 4.83)  # 7 A on three phases
    await plug(hass, "on")
    assert current(hass, "driveway") == 7.0
    # The wall clock steps back ten minutes, one real minute later the limit goes up.
    freezer.move_to(dt_util.utcnow() - timedelta(minutes=10))
    clock.seconds += 61
    await set_site_limit(hass, 22.0)
    await settle(hass)
    assert current(hass, "driveway") == 16.0  # written at once, not a quarter of an hour on
    assert entry.runtime_data.store.session(cid) is not None  # and the session goes on


# --- reservations on a charger in use ------------------------------------------------------
async def reserved_site(hass: HomeAssistant) -> tuple[ConfigEntry, str]:
    entry = await one_charger(hass)
    return entry, subentry_id(entry, "driveway")


async def test_a_reservation_never_changes_a_running_sessions_request(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry, cid = await reserved_site(hass)
    store = entry.runtime_data.store
    await plug(hass, "on")  # the car arrives ten minutes before the reservation
    store.set_request(cid, ChargingRequest(energy_kwh=30.0, departure=DEPARTURE))
    reservation = store.add_reservation(
        cid, START + timedelta(minutes=10), START + timedelta(hours=3), 4.0
    )
    freezer.tick(timedelta(minutes=11))
    await replan(hass, entry)
    # Still its own 30 kWh by 07:00, less the 11 minutes at 11.04 kW: not the reserved 4 kWh.
    assert store.requests[cid] == ChargingRequest(energy_kwh=30.0, departure=DEPARTURE)
    assert plan_of(entry).requested_kwh == pytest.approx(30.0 - KW * 11 / 60)
    assert plan_of(entry).departure == DEPARTURE
    assert reservation.reservation_id in store.reservations


async def test_a_reservation_is_not_taken_by_a_car_that_came_long_before(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry, cid = await reserved_site(hass)
    store = entry.runtime_data.store
    await plug(hass, "on")  # another car, 40 minutes before the reserved arrival, no request
    store.add_reservation(cid, START + timedelta(minutes=40), START + timedelta(hours=3), 4.0)
    for _ in range(8):  # the 5-minute timer runs on
        freezer.tick(timedelta(minutes=5))
        await replan(hass, entry)
    freezer.tick(timedelta(minutes=1))
    await replan(hass, entry)
    assert cid not in store.requests
    # The running car keeps the 10 kWh default (less what it got), not the reserved 4 kWh.
    delivered = store.session(cid).delivered_kwh  # type: ignore[union-attr]
    assert delivered > 7.0
    assert plan_of(entry).requested_kwh == pytest.approx(10.0 - delivered, abs=1e-3)
    assert plan_of(entry).departure != START + timedelta(hours=3)


async def test_a_reservation_becomes_the_request_of_the_car_that_arrives(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry, cid = await reserved_site(hass)
    store = entry.runtime_data.store
    leaves = START + timedelta(hours=3)
    reservation = store.add_reservation(cid, START + timedelta(minutes=10), leaves, 4.0)
    await plug(hass, "on")  # within 30 minutes before its arrival, and no request
    freezer.tick(timedelta(minutes=11))
    await replan(hass, entry)
    assert store.requests[cid] == ChargingRequest(energy_kwh=4.0, departure=leaves)
    assert reservation.reservation_id not in store.reservations
    assert plan_of(entry).requested_kwh == pytest.approx(4.0 - KW * 11 / 60)
    assert plan_of(entry).departure == leaves


async def test_a_car_unplugged_within_the_grace_is_held_and_never_raised(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await one_charger(hass)
    cid = subentry_id(entry, "driveway")
    store = entry.runtime_data.store
    await set_site_limit(hass, 8.0)
    await plug(hass, "on")
    store.set_request(cid, ChargingRequest(energy_kwh=30.0, departure=DEPARTURE))
    await replan(hass, entry)
    assert 0 < current(hass, "driveway") < 16.0
    # The plug reads off (a glitch, or the car leaving) and the limit rises meanwhile.
    await plug(hass, "off")
    freezer.tick(timedelta(seconds=5))
    held = current(hass, "driveway")
    await set_site_limit(hass, 22.0)
    await replan(hass, entry)
    # Left at its last command (a glitch must not pause the car), and counted at it.
    assert current(hass, "driveway") == held
    assert entry.runtime_data.coordinator.data.reserved_kw >= held * 3 * 230 / 1000 - 1e-6
    assert store.requests[cid].energy_kwh == 30.0  # the request stays through the grace
    freezer.tick(timedelta(seconds=5))
    await plug(hass, "on")
    freezer.tick(timedelta(seconds=60))  # increases go out at most once a minute
    await replan(hass, entry)
    assert current(hass, "driveway") == 16.0
