"""The site's re-plan button: it runs a cycle now, and is there even when a cycle failed."""

from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from .ha_site import settle

BUTTON = "button.home_re_plan_now"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.BUTTON]


async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_the_button_runs_a_cycle(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    coordinator = init_integration.runtime_data.coordinator
    before = coordinator.cycles
    await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: BUTTON}, blocking=True)
    await settle(hass)
    assert coordinator.cycles == before + 1
    assert coordinator.data.reason == "button"
