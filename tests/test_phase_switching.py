"""1p/3p switching: a 3-phase charger charges on one phase when three would not fit its minimum.

The site is made through the real flows; the charger's limit is an input_number (A), its phase
switch an input_boolean (on = 3 phases). Every change of either is recorded with what the car
then draws (A x 230 V x the phases the switch really gives it), and that draw is checked against
the site limit at that moment: a switch under current, or a current planned for one phase and
applied on three, would show here.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
import itertools

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.optivgi.const import (
    CONF_PHASE_SWITCH_ENTITY,
    DECREASE_SETTLE_S,
    PHASE_SWITCH_INTERVAL_S,
)

from .ha_site import async_setup_helpers, async_setup_site, set_site_limit, settle, site_entry

START = datetime(2026, 12, 1, 20, 0, tzinfo=dt_util.UTC)
SWITCH = "input_boolean.garage_three_phase"
LIMIT = "input_number.garage_current"


@dataclass
class Draw:
    """One moment of the charger: when, its current, its phases, what the car draws (kW)."""

    at: datetime
    amps: float
    phases: int
    limit_kw: float

    @property
    def kw(self) -> float:
        return self.amps * 230 * self.phases / 1000


def phases(hass: HomeAssistant) -> int:
    state = hass.states.get(SWITCH)
    assert state is not None
    return 3 if state.state == "on" else 1


def amps(hass: HomeAssistant) -> float:
    state = hass.states.get(LIMIT)
    assert state is not None
    return float(state.state)


async def switching_site(hass: HomeAssistant, limit_kw: float) -> tuple[ConfigEntry, list[Draw]]:
    """One 3-phase 6-16 A charger with a phase switch; every change of what it draws recorded."""
    await async_setup_helpers(hass, ("garage",))
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"garage_three_phase": {"initial": True}}}
    )
    entry = await async_setup_site(
        hass, site_entry(("garage",), charger=lambda _: {CONF_PHASE_SWITCH_ENTITY: SWITCH})
    )
    await set_site_limit(hass, limit_kw)
    draws: list[Draw] = []

    def record(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] in (SWITCH, LIMIT):
            site = hass.states.get("input_number.site_limit")
            assert site is not None
            draws.append(Draw(dt_util.utcnow(), amps(hass), phases(hass), float(site.state)))

    hass.bus.async_listen("state_changed", record)
    return entry, draws


async def run_for(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let time pass in steps of a few seconds, the way the actuator's waits need it."""
    step = DECREASE_SETTLE_S
    for _ in range(int(seconds // step)):
        freezer.tick(timedelta(seconds=step))
        async_fire_time_changed(hass)
        await settle(hass)


@pytest.fixture(autouse=True)
def _start(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(START)


async def test_too_little_for_three_phases_charges_on_one(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry, draws = await switching_site(hass, 3.0)
    assert entry.subentries[next(iter(entry.subentries))].data[CONF_PHASE_SWITCH_ENTITY] == SWITCH
    hass.states.async_set("binary_sensor.garage_plug", "on")
    await settle(hass)
    # 3 kW cannot hold 6 A on three phases (4.14 kW): paused, and not switched yet, since the
    # switch changed (it was set up) less than the interval ago.
    assert (amps(hass), phases(hass)) == (0.0, 3)
    await run_for(hass, freezer, PHASE_SWITCH_INTERVAL_S + 120)
    # On one phase it takes the 3 kW: 13 A (2.99 kW), and its set-point sensor says so.
    assert (amps(hass), phases(hass)) == (13.0, 1)
    setpoint = hass.states.get("sensor.garage_current_set_point")
    assert setpoint is not None
    assert (float(setpoint.state), setpoint.attributes["phases"]) == (13.0, 1)
    # More room: it stays on one phase, at its 1-phase maximum, until the interval is over ...
    await set_site_limit(hass, 11.0)
    await run_for(hass, freezer, 120)
    assert (amps(hass), phases(hass)) == (16.0, 1)
    switched_down = next(d.at for d in draws if d.phases == 1)
    await run_for(hass, freezer, PHASE_SWITCH_INTERVAL_S + 600)
    # ... then it goes back to three phases, paused for the switch and its minimum off time.
    assert phases(hass) == 3
    assert amps(hass) == 15.0  # 10.35 kW within 11 kW
    switched_up = next(d.at for d in draws if d.at > switched_down and d.phases == 3)
    assert (switched_up - switched_down).total_seconds() >= PHASE_SWITCH_INTERVAL_S
    # What the car drew never passed the limit, and every switch happened at 0 A.
    assert all(d.kw <= d.limit_kw + 1e-9 for d in draws), draws
    for before, after in itertools.pairwise(draws):
        if before.phases != after.phases:
            assert before.amps == after.amps == 0.0, (before, after)


async def test_a_limit_that_keeps_moving_switches_at_most_once_per_interval(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    _, draws = await switching_site(hass, 3.0)
    hass.states.async_set("binary_sensor.garage_plug", "on")
    await settle(hass)
    await run_for(hass, freezer, PHASE_SWITCH_INTERVAL_S)
    # The limit swings between room for one phase and room for three every two minutes.
    for minute in range(0, 90, 2):
        await set_site_limit(hass, 3.0 if minute % 4 == 0 else 11.0)
        await run_for(hass, freezer, 120)
    switches = [
        after.at for before, after in itertools.pairwise(draws) if before.phases != after.phases
    ]
    assert len(switches) >= 2  # it did switch, both ways
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(switches)]
    assert min(gaps) >= PHASE_SWITCH_INTERVAL_S, gaps
    assert all(d.kw <= d.limit_kw + 1e-9 for d in draws), draws


async def test_a_phase_switch_that_fails_is_a_visible_fault_and_the_limit_holds(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    # A switch entity with nothing behind it: it is told, but nothing switches.
    hass.states.async_set("switch.garage_phases", "on")
    await async_setup_helpers(hass, ("garage",))
    entry = await async_setup_site(
        hass,
        site_entry(
            ("garage",), charger=lambda _: {CONF_PHASE_SWITCH_ENTITY: "switch.garage_phases"}
        ),
    )
    await set_site_limit(hass, 3.0)
    hass.states.async_set("binary_sensor.garage_plug", "on")
    await settle(hass)
    freezer.tick(timedelta(seconds=PHASE_SWITCH_INTERVAL_S))
    async_fire_time_changed(hass)
    await settle(hass)
    # It answers, but never reports one phase: after the confirmation window it is a fault.
    await run_for(hass, freezer, 24)
    plan = entry.runtime_data.coordinator.data.chargers[next(iter(entry.subentries))]
    assert plan.reason == "phase_switch_failed"
    assert amps(hass) == 0.0  # still on three phases as far as anyone knows: paused
