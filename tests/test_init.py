"""Loading a site in a real Home Assistant: the worker plans and commands the chargers."""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.loader import async_get_custom_components
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.optivgi.const import (
    CONF_ALGORITHM,
    CONF_HORIZON_H,
    CONF_REPLAN_MIN,
    CONF_RESOLUTION_MIN,
    CONF_SAFETY_MARGIN_KW,
    CONF_SITE_LIMIT_KW,
    DOMAIN,
    EVENT_SCHEDULE_UPDATED,
)
from custom_components.optivgi.models import ChargerStatus

from .ha_site import (
    async_setup_helpers,
    async_setup_site,
    current,
    replan,
    settle,
    site_entry,
    subentry_id,
)


@pytest.fixture(autouse=True)
def _start(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to("2026-01-05 17:00:00+00:00")


async def test_found_as_custom_integration(hass: HomeAssistant) -> None:
    custom = await async_get_custom_components(hass)
    assert DOMAIN in custom
    assert str(custom[DOMAIN].version) == "0.1.0"
    assert custom[DOMAIN].config_flow is True


async def test_setup_plans_and_unload_stops(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass)
    spec = site_entry()
    entry = await async_setup_site(hass, spec)
    assert entry.state is ConfigEntryState.LOADED
    plan = entry.runtime_data.coordinator.data
    assert plan.reason == "setup"
    assert plan.budget_kw == pytest.approx(22.0)
    assert {p.status for p in plan.chargers.values()} == {ChargerStatus.IDLE}
    assert await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass)
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_plug_in_is_commanded_within_one_cycle(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await async_setup_helpers(hass)
    spec = site_entry()
    entry = await async_setup_site(hass, spec)
    events = []
    hass.bus.async_listen(EVENT_SCHEDULE_UPDATED, events.append)
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await settle(hass)
    # One EV alone on a 22 kW limit: its maximum, 16 A on three phases.
    assert current(hass, "driveway") == 16.0
    plan = entry.runtime_data.coordinator.data
    charger = plan.chargers[subentry_id(entry, "driveway")]
    assert charger.status is ChargerStatus.CHARGING
    assert charger.setpoint_kw == pytest.approx(11.04)
    assert charger.requested_kwh == pytest.approx(10.0)
    assert charger.planned_kwh == pytest.approx(10.0, abs=1e-3)
    assert plan.reason == "state change of binary_sensor.driveway_plug"
    assert events
    assert events[-1].data["site"] == "Home"


async def test_three_cars_share_a_lowered_limit(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await async_setup_helpers(hass)
    spec = site_entry()
    entry = await async_setup_site(hass, spec)
    for name in ("driveway", "garage", "street"):
        hass.states.async_set(f"binary_sensor.{name}_plug", "on")
    await settle(hass)
    freezer.tick(timedelta(seconds=11))
    async_fire_time_changed(hass)
    await settle(hass)
    total = sum(current(hass, n) for n in ("driveway", "garage", "street")) * 3 * 230 / 1000
    assert total <= 22.0 + 1e-6
    # The limit drops to 12 kW: every set-point goes down at once (no write interval for that).
    await hass.services.async_call(
        "input_number",
        "set_value",
        {"entity_id": "input_number.site_limit", "value": 12},
        blocking=True,
    )
    await settle(hass)
    freezer.tick(timedelta(seconds=11))
    async_fire_time_changed(hass)
    await settle(hass)
    amps = [current(hass, n) for n in ("driveway", "garage", "street")]
    assert sum(amps) * 3 * 230 / 1000 <= 12.0 + 1e-6
    assert entry.runtime_data.coordinator.data.budget_kw == pytest.approx(12.0)


async def test_unplug_sets_zero_and_drops_the_ev(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await async_setup_helpers(hass)
    spec = site_entry(("driveway",))
    entry = await async_setup_site(hass, spec)
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await settle(hass)
    assert current(hass, "driveway") == 16.0
    hass.states.async_set("binary_sensor.driveway_plug", "off")
    await settle(hass)
    # Within the plug grace the session stands (a glitch is not a departure); then it ends.
    freezer.tick(timedelta(seconds=61))
    await replan(hass, entry)
    assert current(hass, "driveway") == 0.0
    charger = entry.runtime_data.coordinator.data.chargers[subentry_id(entry, "driveway")]
    assert charger.status is ChargerStatus.IDLE
    assert charger.planned_kwh == 0.0


async def test_removing_a_charger_removes_its_device_and_entities(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass)
    spec = site_entry()
    entry = await async_setup_site(hass, spec)
    devices = dr.async_get(hass)
    garage = subentry_id(entry, "garage")
    identifier = (DOMAIN, f"{entry.entry_id}_{garage}")
    assert devices.async_get_device_by_identifier(identifier, entry.entry_id) is not None
    assert hass.config_entries.async_remove_subentry(entry, garage)
    await settle(hass)
    assert devices.async_get_device_by_identifier(identifier, entry.entry_id) is None
    assert garage not in entry.runtime_data.coordinator.data.chargers
    registry = er.async_get(hass)
    assert not [
        e
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if garage in e.unique_id
    ]


async def test_a_site_renamed_in_home_assistants_menu_takes_the_new_name_for_good(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    # Home Assistant's Rename changes the title; the reload it starts brings the rest in line,
    # so the old name is free for another site.
    site = init_integration
    hass.config_entries.async_update_entry(site, title="Home North")
    await hass.async_block_till_done()
    assert site.state is ConfigEntryState.LOADED
    assert (site.unique_id, site.data[CONF_NAME]) == ("home_north", "Home North")

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    settings = {
        CONF_ALGORITHM: "pulp",
        CONF_RESOLUTION_MIN: "5",
        CONF_HORIZON_H: 12,
        CONF_REPLAN_MIN: 5,
        CONF_SAFETY_MARGIN_KW: 0.0,
        CONF_SITE_LIMIT_KW: 11.0,
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Home", **settings}
    )
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "charger")
