"""Each charger's request numbers; the default site has no SoC sensor and no prices: energy only.

What setting one does to the store and the next plan is tested in `test_charger_controls.py`
(`test_the_energy_number_is_the_request`, `test_a_target_soc_needs_a_soc_sensor_and_...`).
"""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.NUMBER]


async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
