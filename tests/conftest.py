"""Shared fixtures: the custom integration, and the default site as Home Assistant tests build one.

`mock_config_entry` is the site "Home" with one charger, Driveway (`tests/ha_site.py`): 22 kW
from `input_number.site_limit`, a 3-phase 6-16 A charger controlled through
`input_number.driveway_current`, its plug off. `init_integration` loads it. A module narrows the
platforms loaded by overriding the `platforms` fixture, as Home Assistant's own tests do.
"""

from collections.abc import AsyncGenerator
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState, ConfigSubentryDataWithId
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.optivgi import PLATFORMS
from custom_components.optivgi.const import DOMAIN

from .ha_site import async_setup_helpers, async_setup_site, settle, site_entry

#: Fixed ids, so that unique ids (and the snapshots that show them) are the same every run.
ENTRY_ID = "01KSITE0000000000000000000"
DRIVEWAY_ID = "01KCHARGER00000000DRIVEWAY"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let the `hass` fixture find `custom_components/optivgi`."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's snapshot format, kept in `tests/snapshots/` (volatile fields as ANY).

    Syrupy's own fixture would otherwise win over the plugin's, in syrupy's format.
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
async def mock_config_entry(hass: HomeAssistant) -> MockConfigEntry:
    """The default site, holding exactly what the real config and subentry flows store.

    The flows run here, on this test's helpers; their entry is then removed and its contents
    given fixed ids. The entry returned is not added to Home Assistant yet.
    """
    await async_setup_helpers(hass, ("driveway",))
    made = await async_setup_site(hass, site_entry(("driveway",)))
    [charger] = made.subentries.values()
    await hass.config_entries.async_remove(made.entry_id)
    await hass.async_block_till_done()
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=ENTRY_ID,
        title=made.title,
        data=dict(made.data),
        options=dict(made.options),
        version=made.version,
        minor_version=made.minor_version,
        unique_id=made.unique_id,
        subentries_data=[
            ConfigSubentryDataWithId(
                data=dict(charger.data),
                subentry_id=DRIVEWAY_ID,
                subentry_type=charger.subentry_type,
                title=charger.title,
                unique_id=charger.unique_id,
            )
        ],
    )


@pytest.fixture
def platforms() -> list[Platform]:
    """The platforms `init_integration` loads: all of them unless a module says otherwise."""
    return list(PLATFORMS)


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, platforms: list[Platform]
) -> AsyncGenerator[MockConfigEntry]:
    """The default site set up, its first plan made and written, with only `platforms`.

    The platforms stay narrowed for the whole test and its teardown, so that a reload or an
    unload handles the same platforms as the setup.
    """
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.optivgi.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await settle(hass)
        yield mock_config_entry
        if mock_config_entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
