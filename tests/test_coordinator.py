"""The SCM worker: what re-plans, what does not, failures the Home Assistant way, unloading."""

from datetime import timedelta
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.optivgi.const import (
    CONF_POWER_ENTITY,
    EVENT_SCHEDULE_UPDATED,
    NON_EV_HEADROOM_KW,
)
from custom_components.optivgi.hass_translation import HomeAssistantTranslation

from .ha_site import async_setup_helpers, async_setup_site, current, settle, site_entry


@pytest.fixture(autouse=True)
def _start(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to("2026-01-05 17:00:00+00:00")


async def test_a_site_that_cannot_be_read_fails_the_home_assistant_way(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    coordinator = entry.runtime_data.coordinator
    with patch.object(HomeAssistantTranslation, "get_evs", side_effect=RuntimeError("boom")):
        await coordinator.async_refresh()
    assert not coordinator.last_update_success
    error = coordinator.last_exception
    assert error is not None
    assert getattr(error, "translation_key", None) == "cycle_failed"
    assert error.translation_placeholders == {"site": "Home", "error": "RuntimeError('boom')"}
    state = hass.states.get("sensor.home_planned_power")
    assert state is not None
    assert state.state == STATE_UNAVAILABLE
    await coordinator.async_refresh()
    assert coordinator.last_update_success  # and it recovers by itself


async def test_the_meter_and_power_sensors_do_not_feed_back_into_the_plan(
    hass: HomeAssistant,
) -> None:
    """A command moves the grid meter and the charger's power: neither re-plans by itself."""
    await async_setup_helpers(hass, ("driveway",))
    hass.states.async_set("sensor.grid_power", "2000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.driveway_power", "0", {"unit_of_measurement": "kW"})
    spec = site_entry(
        ("driveway",),
        grid=True,
        charger=lambda _: {CONF_POWER_ENTITY: "sensor.driveway_power"},
    )
    entry = await async_setup_site(hass, spec)
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await settle(hass)
    assert current(hass, "driveway") == 16.0
    events: list[object] = []
    hass.bus.async_listen(EVENT_SCHEDULE_UPDATED, events.append)
    # The car follows: its power and the meter rise together (the house stays at 2 kW).
    for kw in (5.0, 11.04):
        hass.states.async_set("sensor.driveway_power", str(kw), {"unit_of_measurement": "kW"})
        hass.states.async_set(
            "sensor.grid_power", str(2000 + kw * 1000), {"unit_of_measurement": "W"}
        )
        await settle(hass)
    assert events == []
    # The house load rises above what the plan counts (2 kW and its headroom): that re-plans.
    hass.states.async_set("sensor.grid_power", "15540", {"unit_of_measurement": "W"})
    await settle(hass)
    assert len(events) == 1
    budget = 22.0 - 4.5 - NON_EV_HEADROOM_KW
    assert entry.runtime_data.coordinator.data.budget_kw == pytest.approx(budget)


async def test_a_replan_asked_for_during_a_cycle_runs_right_after_it(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    coordinator = entry.runtime_data.coordinator
    read = HomeAssistantTranslation.get_evs
    asked: list[str] = []

    async def read_while_the_limit_drops(self: HomeAssistantTranslation, group_name: str) -> object:
        if not asked:  # the limit drops while the cycle is reading the site
            asked.append("limit dropped")
            await coordinator.async_request_replan("limit dropped")
        return await read(self, group_name)

    cycles = coordinator.cycles
    with patch.object(HomeAssistantTranslation, "get_evs", read_while_the_limit_drops):
        await coordinator.async_request_replan("timer")
        await settle(hass)
    # Not dropped, and not left for the next timer: one more cycle right after.
    assert coordinator.cycles == cycles + 2
    assert coordinator.data.reason == "limit dropped"


async def test_an_unloaded_site_never_writes_again(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    translation = entry.runtime_data.coordinator.translation
    assert await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass)
    assert translation.actuator.closed
    # A plan that reaches the old instance afterwards (a cycle that was in flight) is dropped.
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await translation.get_evs("Home")
    await translation.send_power_to_evs({})
    freezer.tick(timedelta(minutes=10))
    async_fire_time_changed(hass)
    await settle(hass)
    assert current(hass, "driveway") == 0.0
