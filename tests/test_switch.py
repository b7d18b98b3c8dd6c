"""The site's "control chargers" switch (a dry run); without a grid meter, no Solar minimum switch.

The Solar minimum switch is tested in `test_charger_controls.py`
(`test_solar_can_keep_its_minimum_below_the_surplus`).
"""

from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from .ha_site import current, set_site_limit, settle

SWITCH = "switch.home_control_chargers"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.SWITCH]


async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_a_dry_run_plans_but_writes_nothing_and_survives_a_restart(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
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
