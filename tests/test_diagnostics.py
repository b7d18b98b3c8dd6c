"""Diagnostics of a site: settings, chargers, the last plan and the stored requests."""

from dataclasses import fields
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.matchers import path_type

from custom_components.optivgi.diagnostics import TO_REDACT
from custom_components.optivgi.models import ChargerPlan, SitePlan

from .test_sensor import DRIVEWAY_ID, ENTRY_ID, NOW, async_setup_site, charger_subentry

STREET_ID = "01KCHARGER0000000000STREET"
#: The OCPP charge point's device in the device registry (what the charger subentry stores).
OCPP_DEVICE_ID = "5f0c3a9e2b7d4e61a8c9f0e1d2c3b4a5"
STREET: dict[str, Any] = {
    "name": "Street",
    "control": "ocpp",
    "ocpp_device": OCPP_DEVICE_ID,
    "plug_entity": "binary_sensor.street_plug",
    "max_current_a": 32.0,
    "phases": 1,
}


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's snapshot format (`tests/snapshots/`)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def _start(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(NOW)


@pytest.fixture
def stored_requests(hass_storage: dict[str, Any]) -> None:
    """What the site saved before: the Driveway driver's request and a reservation on Street."""
    key = f"optivgi.{ENTRY_ID}"
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {
            "requests": {
                DRIVEWAY_ID: {
                    "energy_kwh": 8.0,
                    "target_soc": None,
                    "departure": "2026-01-05T22:00:00+00:00",
                }
            },
            "reservations": [
                {
                    "reservation_id": "3f9a1c2b7e4d",
                    "charger_id": STREET_ID,
                    "arrival": "2026-01-05T20:00:00+00:00",
                    "departure": "2026-01-06T02:00:00+00:00",
                    "energy_kwh": 12.0,
                }
            ],
        },
    }


async def async_setup_site_with_ocpp_charger(hass: HomeAssistant) -> None:
    """The Driveway site plus an OCPP charger on the street, its car not yet there."""

    async def set_charge_rate(call: ServiceCall) -> None:
        """The OCPP integration's action (nothing is written to a charger without a car)."""

    hass.services.async_register("ocpp", "set_charge_rate", set_charge_rate)
    hass.states.async_set("binary_sensor.street_plug", "off")
    await async_setup_site(hass, charger_subentry(STREET_ID, "Street", STREET))


@pytest.mark.usefixtures("stored_requests")
async def test_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, snapshot: SnapshotAssertion
) -> None:
    await async_setup_site_with_ocpp_charger(hass)
    entry = hass.config_entries.async_get_entry(ENTRY_ID)
    assert entry is not None

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    # The solve time is measured, so it differs from run to run.
    assert diagnostics == snapshot(matcher=path_type({"plan.solve_s": (float,)}))


@pytest.mark.usefixtures("stored_requests")
async def test_diagnostics_content(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    await async_setup_site_with_ocpp_charger(hass)
    entry = hass.config_entries.async_get_entry(ENTRY_ID)
    assert entry is not None

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert "ocpp_device" in TO_REDACT
    chargers = diagnostics["chargers"]
    assert isinstance(chargers, dict)
    assert chargers[STREET_ID]["data"]["ocpp_device"] == "**REDACTED**"
    assert chargers[DRIVEWAY_ID]["data"]["control_entity"] == "input_number.driveway_current"
    assert OCPP_DEVICE_ID not in str(diagnostics)

    plan = diagnostics["plan"]
    assert isinstance(plan, dict)
    assert plan["reason"] == "setup"
    assert plan["status"] == "optimal"
    assert plan["message"] is None
    assert plan["last_run"] == "2026-01-05T17:00:00+00:00"
    driveway = plan["chargers"][DRIVEWAY_ID]
    assert driveway["status"] == "charging"
    assert driveway["requested_kwh"] == 8.0
    assert driveway["departure"] == "2026-01-05T22:00:00+00:00"
    assert driveway["changes"][0] == {"start": "2026-01-05T17:00:00+00:00", "kw": 11.0}
    assert plan["chargers"][STREET_ID]["status"] == "idle"

    assert diagnostics["requests"] == {
        DRIVEWAY_ID: {
            "energy_kwh": 8.0,
            "target_soc": None,
            "departure": "2026-01-05T22:00:00+00:00",
        }
    }
    assert diagnostics["reservations"] == [
        {
            "reservation_id": "3f9a1c2b7e4d",
            "charger_id": STREET_ID,
            "arrival": "2026-01-05T20:00:00+00:00",
            "departure": "2026-01-06T02:00:00+00:00",
            "energy_kwh": 12.0,
        }
    ]


@pytest.mark.usefixtures("stored_requests")
async def test_plan_as_dict_has_every_field_as_json(hass: HomeAssistant) -> None:
    """The plan's one serializer leaves out no field (diagnostics show all of them)."""
    await async_setup_site_with_ocpp_charger(hass)
    entry = hass.config_entries.async_get_entry(ENTRY_ID)
    assert entry is not None
    plan: SitePlan = entry.runtime_data.coordinator.data

    shown = plan.as_dict()
    assert json.loads(json.dumps(shown)) == shown  # JSON as it is: no datetime, enum or tuple
    assert set(shown) == {field.name for field in fields(SitePlan)}
    for cid, charger in plan.chargers.items():
        assert set(shown["chargers"][cid]) == {field.name for field in fields(ChargerPlan)}
        assert shown["chargers"][cid]["changes"] == [c.as_dict() for c in charger.changes]
    why = plan.chargers[DRIVEWAY_ID].why
    assert why is not None
    assert shown["chargers"][DRIVEWAY_ID]["why"] == {
        "key": why.key,
        "placeholders": why.placeholders,
    }
