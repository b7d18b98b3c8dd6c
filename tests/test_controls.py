"""The site's controls: a re-plan button and the "control chargers" switch (a dry run)."""

from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant

from .ha_site import (
    async_setup_helpers,
    async_setup_site,
    current,
    set_site_limit,
    settle,
    site_entry,
)

BUTTON = "button.home_re_plan_now"
SWITCH = "switch.home_control_chargers"


async def test_the_button_runs_a_cycle(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass, ("driveway",))
    entry = await async_setup_site(hass, site_entry(("driveway",)))
    coordinator = entry.runtime_data.coordinator
    before = coordinator.cycles
    await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: BUTTON}, blocking=True)
    await settle(hass)
    assert coordinator.cycles == before + 1
    assert coordinator.data.reason == "button"


async def test_a_dry_run_plans_but_writes_nothing_and_survives_a_restart(
    hass: HomeAssistant,
) -> None:
    await async_setup_helpers(hass, ("driveway",))
    entry = await async_setup_site(hass, site_entry(("driveway",)))
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await settle(hass)
    assert current(hass, "driveway") == 16.0
    assert hass.states.get(SWITCH).state == STATE_ON  # type: ignore[union-attr]
    await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: SWITCH}, blocking=True)
    await settle(hass)
    # The limit drops: the plan follows it, the charger is not told.
    await set_site_limit(hass, 5.0)
    await settle(hass)
    plan = entry.runtime_data.coordinator.data
    assert plan.planned_kw <= 5.0 + 1e-6
    assert current(hass, "driveway") == 16.0
    # Off stays off through a reload (it is in the site's store).
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert hass.states.get(SWITCH).state == STATE_OFF  # type: ignore[union-attr]
    assert current(hass, "driveway") == 16.0
    # On again: the plan's command goes out at once.
    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: SWITCH}, blocking=True)
    await settle(hass)
    assert current(hass, "driveway") * 3 * 230 / 1000 <= 5.0 + 1e-6
    assert hass.states.get(SWITCH).state == STATE_ON  # type: ignore[union-attr]
