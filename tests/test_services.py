"""The services in a real Home Assistant: their effect on store and plan, and every error."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import json
import math
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, translation
from homeassistant.helpers.service import async_get_all_descriptions
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.optivgi.const import (
    CONF_BATTERY_KWH,
    CONF_SITE_LIMIT_KW,
    CONF_SOC_ENTITY,
    DOMAIN,
    SUBENTRY_TYPE_CHARGER,
)
from custom_components.optivgi.coordinator import OptiVgiRuntimeData
from custom_components.optivgi.hass_translation import HomeAssistantTranslation
from custom_components.optivgi.store import ChargingRequest, Reservation

from .ha_site import async_setup_helpers, charger_data, subentry_id

INTEGRATION = Path(__file__).resolve().parent.parent / "custom_components" / DOMAIN
SERVICES_YAML = INTEGRATION / "services.yaml"
EXCEPTIONS = json.loads((INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8"))[
    "exceptions"
]
NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)  # 09:00 in the test time zone (US/Pacific)


@dataclass(kw_only=True)
class Site:
    """A loaded site with two chargers; the driveway car is plugged in, the garage has SoC."""

    hass: HomeAssistant
    entry: MockConfigEntry
    driveway: str  # device ids
    garage: str

    def charger_id(self, name: str) -> str:
        return subentry_id(self.entry, name)

    @property
    def runtime(self) -> OptiVgiRuntimeData:
        runtime: OptiVgiRuntimeData = self.entry.runtime_data
        return runtime

    def stored(self) -> tuple[dict[str, ChargingRequest], dict[str, Reservation]]:
        return dict(self.runtime.store.requests), dict(self.runtime.store.reservations)


def _entry(*chargers: ConfigSubentryData, title: str = "Home") -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        data={CONF_NAME: title},
        options={CONF_SITE_LIMIT_KW: 22.0},
        subentries_data=list(chargers),
    )


def _charger(key: str, *, title: str | None = None, **overrides: Any) -> ConfigSubentryData:
    """A charger subentry; its title is its name (`key.title()` unless given)."""
    return ConfigSubentryData(
        data=charger_data(key) | overrides,
        subentry_type=SUBENTRY_TYPE_CHARGER,
        title=title or key.title(),
        unique_id=key,
    )


def _device_id(hass: HomeAssistant, entry_id: str, charger_id: str | None = None) -> str:
    """The id of a site's device, or of one of its chargers'."""
    identifier = entry_id if charger_id is None else f"{entry_id}_{charger_id}"
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, identifier), entry_id)
    assert device is not None
    return device.id


async def _schedule(hass: HomeAssistant, entry_id: str) -> dict[str, Any]:
    response = await _call(hass, "get_schedule", {"config_entry_id": entry_id}, response=True)
    assert response is not None
    return dict(response)


async def _call(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = False
) -> ServiceResponse:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


@pytest.fixture(autouse=True)
def _start(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(NOW)


@pytest.fixture
async def site(hass: HomeAssistant) -> Site:
    await async_setup_helpers(hass, ("driveway", "garage"))
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    hass.states.async_set("sensor.garage_soc", "50", {"unit_of_measurement": "%"})
    entry = _entry(
        _charger("driveway"),
        _charger("garage", **{CONF_SOC_ENTITY: "sensor.garage_soc", CONF_BATTERY_KWH: 60.0}),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return Site(
        hass=hass,
        entry=entry,
        driveway=_device_id(hass, entry.entry_id, subentry_id(entry, "driveway")),
        garage=_device_id(hass, entry.entry_id, subentry_id(entry, "garage")),
    )


async def test_services_are_described_as_in_services_yaml(site: Site) -> None:
    described = (await async_get_all_descriptions(site.hass))[DOMAIN]
    expected = yaml.safe_load(SERVICES_YAML.read_text(encoding="utf-8"))
    assert set(described) == set(expected)
    for name, service in site.hass.services.async_services_for_domain(DOMAIN).items():
        assert service.schema is not None
        assert {str(key) for key in service.schema.schema} == set(expected[name]["fields"])
        assert set(described[name]["fields"]) == set(expected[name]["fields"])


# Good input


async def test_recalculate_replans(site: Site) -> None:
    assert site.runtime.coordinator.data.reason == "setup"
    await _call(site.hass, "recalculate", {"config_entry_id": site.entry.entry_id})
    assert site.runtime.coordinator.data.reason == "service recalculate"


async def test_a_replan_that_fails_is_the_actions_translated_error(site: Site) -> None:
    # The site cannot be read: the action must not report success for a plan never made.
    with (
        patch.object(HomeAssistantTranslation, "get_evs", side_effect=RuntimeError("meter gone")),
        pytest.raises(HomeAssistantError) as raised,
    ):
        await _call(site.hass, "recalculate", {"config_entry_id": site.entry.entry_id})
    assert raised.value.translation_key == "replan_failed"
    assert raised.value.translation_placeholders == {
        "site": site.entry.title,
        "error": "RuntimeError('meter gone')",
    }
    # Once the site can be read again, the same action succeeds.
    await _call(site.hass, "recalculate", {"config_entry_id": site.entry.entry_id})
    assert site.runtime.coordinator.last_update_success


async def test_set_charging_request_energy_changes_the_plan(site: Site) -> None:
    driveway = site.charger_id("driveway")
    assert site.runtime.coordinator.data.chargers[driveway].requested_kwh == pytest.approx(10.0)
    await _call(site.hass, "set_charging_request", {"device_id": site.driveway, "energy_kwh": 5})
    assert site.runtime.store.requests == {driveway: ChargingRequest(energy_kwh=5.0)}
    plan = site.runtime.coordinator.data
    assert plan.reason == "service set_charging_request"
    assert plan.chargers[driveway].requested_kwh == pytest.approx(5.0)
    assert plan.chargers[driveway].planned_kwh == pytest.approx(5.0, abs=1e-3)


async def test_set_charging_request_target_soc(site: Site) -> None:
    site.hass.states.async_set("binary_sensor.garage_plug", "on")
    # The plug-in re-plans at once, so the service's re-plan waits out the debounce cooldown.
    await site.hass.async_block_till_done()
    await _call(
        site.hass,
        "set_charging_request",
        {"device_id": site.garage, "target_soc": 90, "departure": "2026-01-05 20:00:00"},
    )
    garage = site.charger_id("garage")
    # A departure without a time zone is local time: 20:00 in US/Pacific is 04:00 UTC.
    departure = datetime(2026, 1, 6, 4, 0, tzinfo=UTC)
    assert site.runtime.store.requests == {
        garage: ChargingRequest(target_soc=90.0, departure=departure)
    }
    await site.runtime.coordinator.async_refresh()
    plan = site.runtime.coordinator.data.chargers[garage]
    assert plan.requested_kwh == pytest.approx(24.0)  # (90 - 50) % of 60 kWh
    assert plan.departure == departure


async def test_set_charging_request_departure_only(site: Site) -> None:
    await _call(
        site.hass,
        "set_charging_request",
        {"device_id": site.driveway, "departure": "2026-01-05T19:30:00+00:00"},
    )
    driveway = site.charger_id("driveway")
    departure = datetime(2026, 1, 5, 19, 30, tzinfo=UTC)
    assert site.runtime.store.requests == {driveway: ChargingRequest(departure=departure)}
    plan = site.runtime.coordinator.data.chargers[driveway]
    assert plan.departure == departure
    assert plan.requested_kwh == pytest.approx(10.0)  # the charger's default energy


async def test_add_reservation_returns_its_id(site: Site) -> None:
    response = await _call(
        site.hass,
        "add_reservation",
        {
            "device_id": site.garage,
            "arrival": "2026-01-05T18:00:00+00:00",
            "departure": "2026-01-06T02:00:00+00:00",
            "energy_kwh": 12.5,
        },
        response=True,
    )
    assert response is not None
    reservation_id = response["reservation_id"]
    assert isinstance(reservation_id, str)
    assert site.runtime.store.reservations == {
        reservation_id: Reservation(
            reservation_id=reservation_id,
            charger_id=site.charger_id("garage"),
            arrival=datetime(2026, 1, 5, 18, 0, tzinfo=UTC),
            departure=datetime(2026, 1, 6, 2, 0, tzinfo=UTC),
            energy_kwh=12.5,
        )
    }
    assert site.runtime.coordinator.data.reason == "service add_reservation"


async def test_add_reservation_without_response(site: Site) -> None:
    response = await _call(
        site.hass,
        "add_reservation",
        {
            "device_id": site.garage,
            "arrival": "2026-01-05 12:00:00",
            "departure": "2026-01-05 18:00:00",
            "energy_kwh": 8,
        },
    )
    assert response is None
    (reservation,) = site.runtime.store.reservations.values()
    assert reservation.arrival == datetime(2026, 1, 5, 20, 0, tzinfo=UTC)
    assert reservation.departure == datetime(2026, 1, 6, 2, 0, tzinfo=UTC)


async def test_cancel_reservation(site: Site) -> None:
    reservation = site.runtime.store.add_reservation(
        site.charger_id("garage"),
        datetime(2026, 1, 5, 18, 0, tzinfo=UTC),
        datetime(2026, 1, 6, 2, 0, tzinfo=UTC),
        10.0,
    )
    await _call(
        site.hass,
        "cancel_reservation",
        {"config_entry_id": site.entry.entry_id, "reservation_id": reservation.reservation_id},
    )
    assert site.runtime.store.reservations == {}
    assert site.runtime.coordinator.data.reason == "service cancel_reservation"


async def test_get_schedule(site: Site) -> None:
    response = await _schedule(site.hass, site.entry.entry_id)
    assert json.loads(json.dumps(response)) == response  # JSON as it is
    plan = site.runtime.coordinator.data
    site_figures = {key: value for key, value in response.items() if key != "chargers"}
    assert site_figures == {
        "site": "Home",
        "start": plan.start.isoformat(),
        "last_run": "2026-01-05T17:00:00+00:00",
        "reason": "setup",
        "algorithm": plan.algorithm,
        "status": plan.status,
        "message": plan.message,
        "resolution_min": 5,
        "budget_kw": pytest.approx(21.5),  # 22 kW less the default 0.5 kW safety margin
        "planned_kw": pytest.approx(11.04),
        "requested_energy_met_pct": plan.requested_energy_met_pct,
        "budget_per_step_kw": list(plan.budget_per_step_kw),
    }
    chargers = response["chargers"]
    assert set(chargers) == {"Driveway", "Garage"}
    driveway = plan.chargers[site.charger_id("driveway")]
    assert driveway.changes  # charging now, then done
    assert driveway.departure is not None
    assert chargers["Driveway"] == {
        "charger_id": driveway.charger_id,
        "status": "charging",
        "connected": True,
        "setpoint_kw": pytest.approx(11.04),
        "setpoint_a": pytest.approx(16.0),
        "requested_kwh": pytest.approx(10.0),
        "planned_kwh": driveway.planned_kwh,
        "shortfall_kwh": driveway.shortfall_kwh,
        "departure": driveway.departure.isoformat(),
        "next_change": None if driveway.next_change is None else driveway.next_change.isoformat(),
        "error": None,
        "periods": [{"start": c.start.isoformat(), "kw": c.kw} for c in driveway.changes],
        "profile": driveway.profile,
    }
    assert chargers["Driveway"]["periods"][0] == {
        "start": plan.start.isoformat(),
        "kw": pytest.approx(11.04),
    }
    assert chargers["Garage"]["status"] == "idle"
    assert chargers["Garage"]["departure"] is None


async def test_get_schedule_keeps_chargers_with_the_same_name_apart(hass: HomeAssistant) -> None:
    await async_setup_helpers(hass, ("driveway", "garage"))
    entry = _entry(_charger("driveway"), _charger("garage", title="Driveway"))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    chargers = (await _schedule(hass, entry.entry_id))["chargers"]
    ids = {sub.unique_id: sid for sid, sub in entry.subentries.items()}
    driveway, garage = ids["driveway"], ids["garage"]
    assert set(chargers) == {"Driveway", f"Driveway ({garage})"}
    assert chargers["Driveway"]["charger_id"] == driveway
    assert chargers[f"Driveway ({garage})"]["charger_id"] == garage


async def test_requests_survive_a_reload(site: Site, hass_storage: dict[str, Any]) -> None:
    await _call(site.hass, "set_charging_request", {"device_id": site.driveway, "energy_kwh": 5})
    reservation = site.runtime.store.add_reservation(
        site.charger_id("garage"),
        datetime(2026, 1, 5, 18, 0, tzinfo=UTC),
        datetime(2026, 1, 6, 2, 0, tzinfo=UTC),
        10.0,
    )
    old_store = site.runtime.store
    assert await site.hass.config_entries.async_reload(site.entry.entry_id)
    await site.hass.async_block_till_done()
    assert site.runtime.store is not old_store
    driveway = site.charger_id("driveway")
    assert site.runtime.store.requests == {driveway: ChargingRequest(energy_kwh=5.0)}
    assert site.runtime.store.reservations == {reservation.reservation_id: reservation}
    assert site.runtime.coordinator.data.chargers[driveway].requested_kwh == pytest.approx(5.0)
    stored = hass_storage[f"{DOMAIN}.{site.entry.entry_id}"]["data"]
    assert stored["requests"][driveway]["energy_kwh"] == 5.0


# Bad input: a translated error, and nothing stored


def _other_entry(hass: HomeAssistant, domain: str, title: str) -> MockConfigEntry:
    entry = MockConfigEntry(domain=domain, title=title)
    entry.add_to_hass(hass)
    return entry


def _device(hass: HomeAssistant, entry_id: str, identifier: tuple[str, str]) -> str:
    return (
        dr.async_get(hass)
        .async_get_or_create(config_entry_id=entry_id, identifiers={identifier})
        .id
    )


_FUTURE = "2026-01-06T02:00:00+00:00"
_PAST = "2026-01-05T16:00:00+00:00"

type Case = tuple[str, Callable[[Site], dict[str, Any]], str, dict[str, str] | None]

ERRORS: list[Case] = [
    (
        "recalculate",
        lambda _: {"config_entry_id": "not-an-entry"},
        "entry_not_found",
        {"entry_id": "not-an-entry"},
    ),
    (
        "get_schedule",
        lambda s: {"config_entry_id": _other_entry(s.hass, "sun", "Sun").entry_id},
        "entry_not_found",
        None,
    ),
    (
        "recalculate",
        lambda s: {"config_entry_id": _other_entry(s.hass, DOMAIN, "Away").entry_id},
        "entry_not_loaded",
        {"site": "Away"},
    ),
    (
        "set_charging_request",
        lambda _: {"device_id": "not-a-device", "energy_kwh": 5},
        "charger_not_found",
        {"device_id": "not-a-device"},
    ),
    (
        "set_charging_request",
        lambda s: {"device_id": _device_id(s.hass, s.entry.entry_id), "energy_kwh": 5},
        "charger_not_found",
        None,
    ),
    (
        "add_reservation",
        lambda s: {
            "device_id": _device(
                s.hass, _other_entry(s.hass, "sun", "Sun").entry_id, ("sun", "charger")
            ),
            "arrival": "2026-01-05T18:00:00+00:00",
            "departure": _FUTURE,
            "energy_kwh": 5,
        },
        "charger_not_found",
        None,
    ),
    (
        "set_charging_request",  # a charger that has since been removed from the site
        lambda s: {
            "device_id": _device(s.hass, s.entry.entry_id, (DOMAIN, f"{s.entry.entry_id}_removed")),
            "energy_kwh": 5,
        },
        "charger_not_found",
        None,
    ),
    (
        "set_charging_request",
        lambda s: {"device_id": s.driveway, "energy_kwh": 5, "target_soc": 80},
        "energy_and_target_soc",
        None,
    ),
    (
        "set_charging_request",
        lambda s: {"device_id": s.driveway},
        "empty_request",
        None,
    ),
    (
        "set_charging_request",
        lambda s: {"device_id": s.driveway, "target_soc": 80},
        "no_soc_entity",
        {"charger": "Driveway"},
    ),
    (
        "set_charging_request",
        lambda s: {"device_id": s.garage, "target_soc": 80, "departure": _PAST},
        "departure_in_past",
        {"departure": "2026-01-05T08:00:00-08:00"},
    ),
    (
        "set_charging_request",
        lambda s: {"device_id": s.driveway, "departure": "2026-01-05T17:00:00+00:00"},
        "departure_in_past",
        None,
    ),
    (
        "add_reservation",
        lambda s: {
            "device_id": s.garage,
            "arrival": "2026-01-05T12:00:00+00:00",
            "departure": _PAST,
            "energy_kwh": 5,
        },
        "departure_in_past",
        None,
    ),
    (
        "add_reservation",
        lambda s: {
            "device_id": s.garage,
            "arrival": _FUTURE,
            "departure": _FUTURE,
            "energy_kwh": 5,
        },
        "arrival_not_before_departure",
        {"arrival": "2026-01-05T18:00:00-08:00", "departure": "2026-01-05T18:00:00-08:00"},
    ),
    (
        "cancel_reservation",
        lambda s: {"config_entry_id": s.entry.entry_id, "reservation_id": "nope"},
        "reservation_not_found",
        {"reservation_id": "nope", "site": "Home"},
    ),
    (
        "cancel_reservation",
        lambda _: {"config_entry_id": "not-an-entry", "reservation_id": "nope"},
        "entry_not_found",
        None,
    ),
]

# Out of bounds: every number finite and bounded, every datetime usable, the field named.
_BOUNDS = {"min": "0", "max": "250"}


def _request(device: str, **data: Any) -> Callable[[Site], dict[str, Any]]:
    return lambda s: {"device_id": getattr(s, device), **data}


def _reservation(device: str = "driveway", **data: Any) -> Callable[[Site], dict[str, Any]]:
    # The driveway is free all day (the garage holds the reservation the test adds).
    defaults = {"arrival": "2026-01-05T18:00:00+00:00", "departure": _FUTURE, "energy_kwh": 5}
    return lambda s: {"device_id": getattr(s, device), **(defaults | data)}


BOUNDS: list[Case] = [
    *(
        (
            "set_charging_request",
            _request("driveway", energy_kwh=value),
            "invalid_number",
            {"field": "energy_kwh", "value": shown},
        )
        for value, shown in [
            (math.inf, "inf"),
            (float("1e999"), "inf"),
            ("1e999", "1e999"),
            (-math.inf, "-inf"),
            (math.nan, "nan"),
            (True, "True"),
            ("twenty", "twenty"),
            ([5], "[5]"),
            (10**400, str(10**400)[:60]),
        ]
    ),
    *(
        (
            "set_charging_request",
            _request("driveway", energy_kwh=value),
            "number_out_of_range",
            {"field": "energy_kwh", "value": shown, **_BOUNDS},
        )
        for value, shown in [(-1, "-1"), (250.5, "250.5"), (1e300, "1e+300")]
    ),
    (
        "set_charging_request",
        _request("garage", energy_kwh=60.5),
        "energy_above_battery",
        {"charger": "Garage", "value": "60.5", "battery": "60"},
    ),
    (
        "set_charging_request",
        _request("garage", target_soc=100.5),
        "number_out_of_range",
        {"field": "target_soc", "value": "100.5", "min": "0", "max": "100"},
    ),
    (
        "set_charging_request",
        _request("garage", target_soc=-1),
        "number_out_of_range",
        {"field": "target_soc", "value": "-1", "min": "0", "max": "100"},
    ),
    (
        "set_charging_request",
        _request("garage", target_soc=False),
        "invalid_number",
        {"field": "target_soc", "value": "False"},
    ),
    *(
        (
            "set_charging_request",
            _request("driveway", departure=value),
            "invalid_datetime",
            {"field": "departure", "value": value},
        )
        # Year 9999 local is year 10000 in UTC; month 13 is well formed but no date.
        for value in ["soon", "9999-12-31 23:59:59", "2026-13-01 07:00:00"]
    ),
    (
        "set_charging_request",
        _request("driveway", departure="9999-12-31T23:59:59+00:00"),
        "too_far_ahead",
        {"field": "departure", "value": "9999-12-31T15:59:59-08:00", "days": "7"},
    ),
    (
        "set_charging_request",
        _request("driveway", departure="2026-01-12T17:00:01+00:00"),  # 7 days and a second
        "too_far_ahead",
        {"field": "departure", "value": "2026-01-12T09:00:01-08:00", "days": "7"},
    ),
    (
        "set_charging_request",
        _request("driveway", energy=5),
        "unknown_field",
        {"field": "energy"},
    ),
    (
        "set_charging_request",
        lambda _: {"energy_kwh": 5},
        "missing_field",
        {"field": "device_id"},
    ),
    (
        "set_charging_request",
        lambda _: {"device_id": 5, "energy_kwh": 5},
        "invalid_field",
        {"field": "device_id"},
    ),
    (
        "add_reservation",
        _reservation(energy_kwh=0),
        "number_not_positive",
        {"field": "energy_kwh", "value": "0", **_BOUNDS},
    ),
    (
        "add_reservation",
        _reservation(energy_kwh=math.inf),
        "invalid_number",
        {"field": "energy_kwh", "value": "inf"},
    ),
    (
        "add_reservation",
        _reservation(energy_kwh=True),
        "invalid_number",
        {"field": "energy_kwh", "value": "True"},
    ),
    (
        "add_reservation",
        _reservation(energy_kwh=1e300),
        "number_not_positive",
        {"field": "energy_kwh", "value": "1e+300", **_BOUNDS},
    ),
    (
        "add_reservation",
        _reservation(
            "garage",
            arrival="2026-01-06T03:00:00+00:00",
            departure="2026-01-06T09:00:00+00:00",
            energy_kwh=61,
        ),
        "energy_above_battery",
        {"charger": "Garage", "value": "61", "battery": "60"},
    ),
    (
        "add_reservation",
        _reservation(arrival="2026-02-04T17:00:01+00:00", departure="2026-02-05T02:00:00+00:00"),
        "too_far_ahead",
        {"field": "arrival", "value": "2026-02-04T09:00:01-08:00", "days": "30"},
    ),
    (
        "add_reservation",
        _reservation(arrival="2026-01-06T00:00:00+00:00", departure="2026-01-13T00:00:01+00:00"),
        "stay_too_long",
        {"field": "departure", "value": "2026-01-12T16:00:01-08:00", "days": "7"},
    ),
    (
        "add_reservation",
        _reservation(arrival="9999-12-31 23:59:59"),
        "invalid_datetime",
        {"field": "arrival", "value": "9999-12-31 23:59:59"},
    ),
    (
        "add_reservation",
        _reservation(departure="9999-12-31T23:59:59+00:00"),
        "stay_too_long",
        {"field": "departure", "value": "9999-12-31T15:59:59-08:00", "days": "7"},
    ),
    (
        "add_reservation",
        lambda s: {"device_id": s.driveway, "departure": _FUTURE, "energy_kwh": 5},
        "missing_field",
        {"field": "arrival"},
    ),
    (
        "add_reservation",  # overlaps the reservation every case starts with
        _reservation(
            "garage", arrival="2026-01-06T01:00:00+00:00", departure="2026-01-06T03:00:00+00:00"
        ),
        "reservation_overlaps",
        None,
    ),
    (
        "cancel_reservation",
        lambda s: {"config_entry_id": s.entry.entry_id, "reservation_id": 5},
        "invalid_field",
        {"field": "reservation_id"},
    ),
    (
        "get_schedule",
        lambda _: {"config_entry_id": ["a", "b"]},
        "invalid_field",
        {"field": "config_entry_id"},
    ),
]


@pytest.mark.parametrize(("service", "data", "key", "placeholders"), ERRORS + BOUNDS)
async def test_bad_input_is_refused(
    site: Site,
    service: str,
    data: Callable[[Site], dict[str, Any]],
    key: str,
    placeholders: dict[str, str] | None,
) -> None:
    site.runtime.store.add_reservation(
        site.charger_id("garage"),
        datetime(2026, 1, 5, 18, 0, tzinfo=UTC),
        datetime(2026, 1, 6, 2, 0, tzinfo=UTC),
        10.0,
    )
    before = site.stored()
    plan = site.runtime.coordinator.data
    await translation.async_load_integrations(site.hass, {DOMAIN})
    with pytest.raises(ServiceValidationError) as raised:
        await _call(site.hass, service, data(site), response=service == "get_schedule")
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == key
    if placeholders is not None:
        assert raised.value.translation_placeholders == placeholders
    # The message is the translation (HA drops its final full stop), every placeholder filled.
    message = (
        EXCEPTIONS[key]["message"].rstrip(".").format(**raised.value.translation_placeholders or {})
    )
    assert str(raised.value) == message
    assert site.stored() == before
    assert site.runtime.coordinator.data is plan  # no re-plan


async def test_charger_of_an_unloaded_site(site: Site) -> None:
    assert await site.hass.config_entries.async_unload(site.entry.entry_id)
    await site.hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as raised:
        await _call(
            site.hass, "set_charging_request", {"device_id": site.driveway, "energy_kwh": 5}
        )
    assert raised.value.translation_key == "entry_not_loaded"
    assert raised.value.translation_placeholders == {"site": "Home"}


async def test_the_bounds_themselves_are_accepted(site: Site) -> None:
    """Each bound is inclusive: 250 kWh, the garage's 60 kWh battery, 7 and 30 days ahead."""
    week = "2026-01-12T17:00:00+00:00"
    await _call(site.hass, "set_charging_request", {"device_id": site.driveway, "energy_kwh": 250})
    await _call(
        site.hass,
        "set_charging_request",
        {"device_id": site.garage, "energy_kwh": "60", "departure": week},
    )
    driveway, garage = site.charger_id("driveway"), site.charger_id("garage")
    assert site.runtime.store.requests == {
        driveway: ChargingRequest(energy_kwh=250.0),
        garage: ChargingRequest(energy_kwh=60.0, departure=datetime(2026, 1, 12, 17, tzinfo=UTC)),
    }
    # 0 kWh is a request too: this car needs nothing more.
    await _call(site.hass, "set_charging_request", {"device_id": site.driveway, "energy_kwh": 0})
    assert site.runtime.store.requests[driveway] == ChargingRequest(energy_kwh=0.0)
    response = await _call(
        site.hass,
        "add_reservation",
        {
            "device_id": site.driveway,
            "arrival": "2026-02-04T17:00:00+00:00",  # 30 days ahead
            "departure": "2026-02-11T17:00:00+00:00",  # a 7-day stay
            "energy_kwh": 250,
        },
        response=True,
    )
    assert response is not None
    reservation = site.runtime.store.reservations[str(response["reservation_id"])]
    assert reservation.arrival == datetime(2026, 2, 4, 17, tzinfo=UTC)
    assert reservation.departure == datetime(2026, 2, 11, 17, tzinfo=UTC)
    assert reservation.energy_kwh == 250.0


async def _reserve(site: Site, device: str, arrival: str, departure: str) -> str:
    response = await _call(
        site.hass,
        "add_reservation",
        {"device_id": device, "arrival": arrival, "departure": departure, "energy_kwh": 5},
        response=True,
    )
    assert response is not None
    return str(response["reservation_id"])


async def test_an_overlapping_reservation_is_refused_naming_the_other(site: Site) -> None:
    first = await _reserve(site, site.garage, "2026-01-05T18:00:00+00:00", _FUTURE)
    before = site.stored()
    await translation.async_load_integrations(site.hass, {DOMAIN})
    with pytest.raises(ServiceValidationError) as raised:
        await _reserve(site, site.garage, "2026-01-06T01:59:00+00:00", "2026-01-06T04:00:00+00:00")
    assert raised.value.translation_key == "reservation_overlaps"
    assert raised.value.translation_placeholders == {
        "charger": "Garage",
        "reservation_id": first,
        "arrival": "2026-01-05T10:00:00-08:00",
        "departure": "2026-01-05T18:00:00-08:00",
    }
    assert str(raised.value) == (
        f"The charger Garage is already reserved from 2026-01-05T10:00:00-08:00 to "
        f"2026-01-05T18:00:00-08:00 (reservation {first}). Cancel that reservation first, "
        "or choose another time"
    )
    assert site.stored() == before
    # Back to back on the same charger, or the same time on another charger: both fine.
    after = await _reserve(site, site.garage, _FUTURE, "2026-01-06T04:00:00+00:00")
    beside = await _reserve(site, site.driveway, "2026-01-05T18:00:00+00:00", _FUTURE)
    assert set(site.runtime.store.reservations) == {first, after, beside}


async def test_the_51st_reservation_is_refused(site: Site) -> None:
    store = site.runtime.store
    garage = site.charger_id("garage")
    for hour in range(50):  # one an hour, back to back
        start = datetime(2026, 1, 6, tzinfo=UTC) + timedelta(hours=hour)
        store.add_reservation(garage, start, start + timedelta(hours=1), 1.0)
    assert len(store.reservations) == 50
    before = site.stored()
    with pytest.raises(ServiceValidationError) as raised:
        await _reserve(site, site.driveway, "2026-01-05T18:00:00+00:00", _FUTURE)
    assert raised.value.translation_key == "too_many_reservations"
    assert raised.value.translation_placeholders == {"site": "Home", "max": "50"}
    assert site.stored() == before
    # Once one is cancelled there is room again.
    store.cancel_reservation(next(iter(store.reservations)))
    await _reserve(site, site.driveway, "2026-01-05T18:00:00+00:00", _FUTURE)
    assert len(store.reservations) == 50


async def test_a_bad_value_in_a_schema_is_a_translated_error_not_a_schema_error(
    site: Site,
) -> None:
    """What the UI or a script sees: a `ServiceValidationError`, never `probatio.Invalid`."""
    with pytest.raises(ServiceValidationError) as raised:
        await _call(
            site.hass, "set_charging_request", {"device_id": site.driveway, "energy_kwh": "inf"}
        )
    assert raised.value.translation_key == "invalid_number"
    assert str(raised.value) == "The field energy_kwh must be a finite number, not inf"
    assert site.runtime.store.requests == {}
