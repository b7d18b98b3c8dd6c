"""Requests, reservations and sessions: saved, loaded, expired, migrated, and never fatal."""

from datetime import UTC, datetime, timedelta
import math
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryDataWithId
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.optivgi.const import (
    CONF_ALGORITHM,
    CONF_SITE_LIMIT_KW,
    DOMAIN,
    SUBENTRY_TYPE_CHARGER,
)
from custom_components.optivgi.limits import LimitError
from custom_components.optivgi.site_controls import ChargeMode
from custom_components.optivgi.store import ChargingRequest, RequestStore, Reservation, Session

from .ha_site import async_setup_helpers, charger_data

NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
KEY = f"{DOMAIN}.site"


@pytest.fixture(autouse=True)
def _start(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(NOW)


def _stored(data: Any, version: Any = 2) -> dict[str, Any]:
    return {"version": version, "minor_version": 1, "key": KEY, "data": data}


def _site() -> MockConfigEntry:
    """A site with the entry id `site` and the chargers `driveway` and `garage` (their ids)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        entry_id="site",
        data={CONF_NAME: "Home"},
        options={CONF_SITE_LIMIT_KW: 22.0, CONF_ALGORITHM: "GoAlgorithm"},
        subentries_data=[
            ConfigSubentryDataWithId(
                data=charger_data(name),
                subentry_type=SUBENTRY_TYPE_CHARGER,
                title=name.title(),
                unique_id=name,
                subentry_id=name,
            )
            for name in ("driveway", "garage")
        ],
    )


async def _load_site(hass: HomeAssistant) -> MockConfigEntry:
    await async_setup_helpers(hass, ("driveway", "garage"))
    entry = _site()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


def _dropped(hass: HomeAssistant, entry_id: str = "site", site: str = "Home") -> str | None:
    """What the site's repair issue says was dropped; None if it raised none."""
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"dropped_stored_data_{entry_id}")
    if issue is None:
        return None
    assert issue.translation_key == "dropped_stored_data"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["site"] == site
    return issue.translation_placeholders["dropped"]


_SESSION = Session(
    started=NOW - timedelta(hours=1),
    delivered_kwh=3.5,
    meter_baseline_kwh=100.0,
    meter_last_kwh=103.5,
    transaction_id="42",
    last_plugged=NOW - timedelta(minutes=1),
)


async def test_saved_requests_reservations_and_sessions_load_back(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    store = RequestStore(hass, "entry")
    store.set_request("a", ChargingRequest(energy_kwh=12.5, departure=NOW + timedelta(hours=9)))
    reservation = store.add_reservation("b", NOW + timedelta(hours=1), NOW + timedelta(hours=4), 8)
    store.set_session("a", _SESSION)
    await store.async_flush()
    stored = hass_storage["optivgi.entry"]
    assert stored["version"] == 2
    assert stored["data"]["requests"]["a"]["energy_kwh"] == 12.5
    assert stored["data"]["sessions"]["a"]["started"] == "2026-01-05T16:00:00+00:00"
    loaded = RequestStore(hass, "entry")
    await loaded.async_load()
    assert loaded.requests == store.requests
    assert loaded.reservations == {reservation.reservation_id: reservation}
    assert loaded.sessions == {"a": _SESSION}
    assert loaded.session("a") == _SESSION
    assert loaded.session("b") is None
    assert _dropped(hass, "entry", "entry") is None


async def test_version_1_is_migrated_keeping_requests_and_reservations(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    reservation = {
        "reservation_id": "r1",
        "charger_id": "garage",
        "arrival": "2026-01-05T18:00:00+00:00",
        "departure": "2026-01-06T02:00:00+00:00",
        "energy_kwh": 10,
    }
    hass_storage[KEY] = _stored(
        {
            "requests": {
                "driveway": {"energy_kwh": 5.0, "target_soc": None, "departure": None},
                "garage": {"energy_kwh": None, "target_soc": 80, "departure": None},
            },
            "reservations": [reservation],
        },
        version=1,
    )
    store = RequestStore(hass, "site")
    await store.async_load()
    assert store.requests == {
        "driveway": ChargingRequest(energy_kwh=5.0),
        "garage": ChargingRequest(target_soc=80.0),
    }
    assert store.reservations == {
        "r1": Reservation(
            reservation_id="r1",
            charger_id="garage",
            arrival=datetime(2026, 1, 5, 18, tzinfo=UTC),
            departure=datetime(2026, 1, 6, 2, tzinfo=UTC),
            energy_kwh=10.0,
        )
    }
    assert store.sessions == {}
    assert hass_storage[KEY]["version"] == 2  # saved as version 2 at once
    assert hass_storage[KEY]["data"]["sessions"] == {}
    assert hass_storage[KEY]["data"]["reservations"] == [reservation]
    assert _dropped(hass) is None


async def test_a_corrupt_store_loads_the_site_with_the_good_entries(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    good = {
        "reservation_id": "good",
        "charger_id": "garage",
        "arrival": "2026-01-05T18:00:00+00:00",
        "departure": "2026-01-06T02:00:00+00:00",
        "energy_kwh": 10,
    }
    hass_storage[KEY] = _stored(
        {
            "requests": {
                "driveway": {"energy_kwh": 12.5, "departure": "2026-01-05T23:00:00+00:00"},
                "garage": {"energy_kwh": "5"},
                "x1": {"energy_kwh": True},
                "x2": {"energy_kwh": 5, "colour": "red"},
                "x3": {"departure": "2026-13-01T00:00:00+00:00"},
            },
            "reservations": [
                good,
                good | {"reservation_id": "null", "energy_kwh": None},
                good | {"reservation_id": "when", "arrival": "tomorrow"},
                good | {"reservation_id": "late", "arrival": "2026-01-06T01:00:00+00:00"},
                "junk",
            ],
            "sessions": {
                "driveway": {
                    "started": "2026-01-05T16:00:00+00:00",
                    "delivered_kwh": 3.5,
                    "meter_baseline_kwh": 100.0,
                    "meter_last_kwh": 103.5,
                    "transaction_id": "42",
                    "last_plugged": "2026-01-05T16:59:00+00:00",
                },
                "garage": {"started": "2026-01-05T16:00:00+00:00", "delivered_kwh": math.nan},
            },
            "colour": "red",
        }
    )
    entry = await _load_site(hass)
    store = entry.runtime_data.store
    assert store.requests == {
        "driveway": ChargingRequest(energy_kwh=12.5, departure=datetime(2026, 1, 5, 23, tzinfo=UTC))
    }
    assert set(store.reservations) == {"good"}
    assert store.sessions == {"driveway": _SESSION}
    assert _dropped(hass) == (
        "unknown part 'colour'; "
        "the request of Garage (energy_kwh is not a number); "
        "the request of x1 (energy_kwh is not a number); "
        "the request of x2 (unknown colour); "
        "the request of x3 (departure is not a date and time with a time zone); "
        "the session of Garage (delivered_kwh is not a finite number); "
        "reservation null (energy_kwh is not a number); "
        "reservation when (arrival is not a date and time with a time zone); "
        "reservation number 5 (not an object but str); "
        "reservation late (it overlaps reservation good)"
    )
    # The cleaned data is what is stored now.
    assert await hass.config_entries.async_unload(entry.entry_id)
    data = hass_storage[KEY]["data"]
    assert set(data) == {"requests", "reservations", "sessions", "controls"}
    assert data["controls"] == {
        "control_chargers": True,
        "modes": {},
        "price_cap": None,
        "solar_keep_min": [],
        "arrival_room": True,
    }
    assert set(data["requests"]) == {"driveway"}
    assert data["reservations"] == [good]
    assert set(data["sessions"]) == {"driveway"}


async def test_only_ten_dropped_entries_are_named(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    hass_storage[KEY] = _stored({"requests": {f"c{i:02}": {"energy_kwh": -1} for i in range(12)}})
    store = RequestStore(hass, "site")
    await store.async_load()
    assert store.requests == {}
    dropped = _dropped(hass, "site", "site")  # no such entry: the id names the site
    assert dropped is not None
    assert dropped.count("the request of") == 10
    assert dropped.endswith(
        "the request of c09 (energy_kwh -1 is not 0 or more and at most 250); and 2 more"
    )


@pytest.mark.parametrize(
    ("stored", "dropped"),
    [
        (_stored([]), "everything stored (not an object but list)"),
        (_stored("x"), "everything stored (not an object but str)"),
        (_stored(None), None),  # nothing stored is no loss
        (
            _stored({"requests": [], "reservations": {}, "sessions": 5, "controls": "off"}),
            (
                "all requests (not an object); all sessions (not an object); "
                "the site's controls (not an object); "
                "all reservations (not a list)"
            ),
        ),
        (
            _stored({}, version=99),
            (
                "everything stored (Storage file optivgi.site has version 99 which is newer "
                "than the max supported version 2; upgrade Home Assistant or restore from a backup)"
            ),
        ),
        (_stored({}, version=0), "everything stored (unknown storage version 0)"),
        (
            _stored({}, version="two"),
            "everything stored ('>' not supported between instances of 'str' and 'int')",
        ),
        ({"key": KEY, "data": {}}, 'everything stored (Mock data needs "version" and "data")'),
    ],
)
async def test_a_store_of_the_wrong_shape_loads_empty(
    hass: HomeAssistant, hass_storage: dict[str, Any], stored: Any, dropped: str | None
) -> None:
    hass_storage[KEY] = stored
    entry = await _load_site(hass)
    store = entry.runtime_data.store
    assert (store.requests, store.reservations, store.sessions) == ({}, {}, {})
    assert _dropped(hass) == dropped
    # What is stored now can be read: the site starts clean next time.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_removing_a_site_removes_its_store_and_its_issues(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    hass_storage[KEY] = _stored([])
    entry = await _load_site(hass)
    entry.runtime_data.store.set_request("driveway", ChargingRequest(energy_kwh=5))
    for domain, issue_id in [
        (DOMAIN, "missing_entity_site_sensor.gone"),
        (DOMAIN, "missing_entity_other_sensor.gone"),
        ("sun", "site"),
    ]:
        ir.async_create_issue(
            hass,
            domain,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="missing_entity",
        )
    assert (DOMAIN, "dropped_stored_data_site") in ir.async_get(hass).issues
    assert await hass.config_entries.async_remove(entry.entry_id) == {"require_restart": False}
    await hass.async_block_till_done()
    assert KEY not in hass_storage
    assert set(ir.async_get(hass).issues) == {
        (DOMAIN, "missing_entity_other_sensor.gone"),
        ("sun", "site"),
    }


@pytest.mark.parametrize(
    "request_",
    [
        ChargingRequest(energy_kwh=math.inf),
        ChargingRequest(energy_kwh=math.nan),
        ChargingRequest(energy_kwh=-0.1),
        ChargingRequest(energy_kwh=250.1),
        ChargingRequest(energy_kwh=True),
        ChargingRequest(target_soc=100.1),
        ChargingRequest(target_soc=math.nan),
        ChargingRequest(energy_kwh=5, target_soc=80),
        ChargingRequest(departure=datetime(2026, 1, 6, 7, 0)),  # noqa: DTZ001 - no time zone
        ChargingRequest(departure=NOW + timedelta(days=7, seconds=1)),
        ChargingRequest(departure=datetime(9999, 12, 31, tzinfo=UTC)),
    ],
)
async def test_set_request_refuses_what_is_out_of_bounds(
    hass: HomeAssistant, request_: ChargingRequest
) -> None:
    store = RequestStore(hass, "entry")
    store.set_request("a", ChargingRequest(energy_kwh=5))
    with pytest.raises(LimitError):
        store.set_request("a", request_)
    assert store.requests == {"a": ChargingRequest(energy_kwh=5)}
    with pytest.raises(LimitError):
        store.set_request("", ChargingRequest(energy_kwh=5))


@pytest.mark.parametrize(
    ("arrival", "departure", "energy_kwh"),
    [
        (NOW, NOW + timedelta(hours=1), math.inf),
        (NOW, NOW + timedelta(hours=1), math.nan),
        (NOW, NOW + timedelta(hours=1), 0.0),
        (NOW, NOW + timedelta(hours=1), 1e300),
        (NOW + timedelta(hours=1), NOW + timedelta(hours=1), 5.0),
        (NOW + timedelta(days=30, seconds=1), NOW + timedelta(days=31), 5.0),
        (NOW, NOW + timedelta(days=7, seconds=1), 5.0),
        (datetime(2026, 1, 6), datetime(2026, 1, 7), 5.0),  # noqa: DTZ001 - no time zone
    ],
)
async def test_add_reservation_refuses_what_is_out_of_bounds(
    hass: HomeAssistant, arrival: datetime, departure: datetime, energy_kwh: float
) -> None:
    store = RequestStore(hass, "entry")
    with pytest.raises(LimitError):
        store.add_reservation("a", arrival, departure, energy_kwh)
    assert store.reservations == {}


async def test_reservations_on_one_charger_never_overlap_and_a_site_holds_fifty(
    hass: HomeAssistant,
) -> None:
    store = RequestStore(hass, "entry")
    first = store.add_reservation("a", NOW + timedelta(hours=1), NOW + timedelta(hours=3), 5)
    with pytest.raises(LimitError) as raised:
        store.add_reservation("a", NOW + timedelta(hours=2), NOW + timedelta(hours=4), 5)
    assert raised.value.key == "reservation_overlaps"
    assert raised.value.placeholders["reservation_id"] == first.reservation_id
    store.add_reservation("a", NOW + timedelta(hours=3), NOW + timedelta(hours=4), 5)
    for index in range(48):
        store.add_reservation(f"c{index}", NOW, NOW + timedelta(hours=1), 1)
    assert len(store.reservations) == 50
    with pytest.raises(LimitError) as raised:
        store.add_reservation("other", NOW, NOW + timedelta(hours=1), 1)
    assert raised.value.key == "too_many_reservations"
    assert raised.value.placeholders == {"site": "entry", "max": "50"}
    assert len(store.reservations) == 50


async def test_sessions_end_with_their_request(hass: HomeAssistant) -> None:
    store = RequestStore(hass, "entry")
    store.set_request("a", ChargingRequest(energy_kwh=5))
    store.set_request("b", ChargingRequest(energy_kwh=7))
    store.set_session("a", _SESSION)
    store.set_session("b", Session(started=NOW))
    store.end_session("a")
    assert store.sessions == {"b": Session(started=NOW)}
    assert store.requests == {"b": ChargingRequest(energy_kwh=7)}
    store.end_session("never-started")
    assert set(store.sessions) == {"b"}
    for session in (
        Session(started=datetime(2026, 1, 5, 16)),  # noqa: DTZ001 - no time zone
        Session(started=NOW, delivered_kwh=math.nan),
        Session(started=NOW, delivered_kwh=-1),
        Session(started=NOW, meter_last_kwh=math.inf),
        Session(started=NOW, meter_baseline_kwh=math.nan),
        Session(started=NOW, transaction_id="x" * 256),
        Session(started=NOW, last_plugged=datetime(2026, 1, 5, 16)),  # noqa: DTZ001
    ):
        with pytest.raises(LimitError):
            store.set_session("b", session)
    assert store.sessions == {"b": Session(started=NOW)}


async def test_retain_chargers_drops_the_data_of_removed_chargers(hass: HomeAssistant) -> None:
    store = RequestStore(hass, "entry")
    store.set_request("kept", ChargingRequest(energy_kwh=5))
    store.set_request("removed", ChargingRequest(energy_kwh=7))
    kept = store.add_reservation("kept", NOW, NOW + timedelta(hours=1), 5)
    store.add_reservation("removed", NOW, NOW + timedelta(hours=1), 5)
    store.set_session("kept", Session(started=NOW))
    store.set_session("removed", Session(started=NOW))
    assert store.retain_chargers({"kept", "new"})
    assert set(store.requests) == {"kept"}
    assert store.reservations == {kept.reservation_id: kept}
    assert set(store.sessions) == {"kept"}
    assert not store.retain_chargers({"kept"})  # nothing more to drop


async def test_expired_requests_and_reservations_are_dropped(hass: HomeAssistant) -> None:
    store = RequestStore(hass, "entry")
    store.set_request("past", ChargingRequest(energy_kwh=5, departure=NOW - timedelta(minutes=1)))
    store.set_request("open", ChargingRequest(energy_kwh=5))
    store.set_request("future", ChargingRequest(target_soc=80, departure=NOW + timedelta(hours=1)))
    gone = store.add_reservation("b", NOW - timedelta(hours=3), NOW - timedelta(hours=1), 8)
    kept = store.add_reservation("b", NOW + timedelta(hours=1), NOW + timedelta(hours=3), 8)
    assert store.prune(NOW)
    assert set(store.requests) == {"open", "future"}
    assert set(store.reservations) == {kept.reservation_id}
    assert gone.reservation_id not in store.reservations
    assert not store.prune(NOW)  # nothing more to drop
    store.clear_request("open")
    store.clear_request("never-set")
    assert set(store.requests) == {"future"}
    assert store.cancel_reservation("no-such-id") is None


async def test_the_site_controls_load_back_and_bad_ones_are_dropped(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    hass_storage[KEY] = _stored(
        {
            "controls": {
                "control_chargers": "yes",
                "modes": {"driveway": "fast", "garage": "turbo", "": "off"},
                "price_cap": 1e9,
                "solar_keep_min": ["driveway", ""],
                "arrival_room": 0,
                "volume": 11,
            }
        }
    )
    entry = await _load_site(hass)
    controls = entry.runtime_data.store.controls
    assert controls.modes == {"driveway": ChargeMode.FAST}
    assert controls.control_chargers is True
    assert controls.price_cap is None
    assert controls.arrival_room is True  # the default, not the stored 0
    dropped = _dropped(hass)
    assert dropped is not None
    for what in (
        "unknown control 'volume'",
        "the control chargers switch (not true or false)",
        "the charge mode of charger garage ('turbo' is not a valid ChargeMode)",
        "the charge mode of charger  (",
        "the price cap (price_cap 1e+09 is not -1000 or more and at most 1000)",
        "a charger keeping its minimum on solar (",
        "the keep room for arriving cars switch (not true or false)",
    ):
        assert what in dropped, (what, dropped)
    # What is valid is stored again as it was read; a cap within bounds loads back.
    entry.runtime_data.store.set_price_cap(0.25)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert hass_storage[KEY]["data"]["controls"] == {
        "control_chargers": True,
        "modes": {"driveway": "fast"},
        "price_cap": 0.25,
        "solar_keep_min": ["driveway"],
        "arrival_room": True,
    }
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.runtime_data.store.controls.price_cap == 0.25
    with pytest.raises(LimitError):
        entry.runtime_data.store.set_price_cap(math.inf)


async def test_modes_that_are_not_an_object_are_dropped(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    hass_storage[KEY] = _stored({"controls": {"modes": ["fast"], "solar_keep_min": {}}})
    entry = await _load_site(hass)
    assert entry.runtime_data.store.controls.modes == {}
    assert _dropped(hass) == (
        "the charge modes (not an object); the chargers keeping their minimum on solar (not a list)"
    )
