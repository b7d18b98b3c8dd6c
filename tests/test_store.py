"""Requests and reservations: saved, loaded, expired."""

from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.optivgi.store import ChargingRequest, RequestStore

NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)


async def test_saved_requests_and_reservations_load_back(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    store = RequestStore(hass, "entry")
    store.set_request("a", ChargingRequest(energy_kwh=12.5, departure=NOW + timedelta(hours=9)))
    reservation = store.add_reservation("b", NOW + timedelta(hours=1), NOW + timedelta(hours=4), 8)
    await store.async_flush()
    assert hass_storage["optivgi.entry"]["data"]["requests"]["a"]["energy_kwh"] == 12.5
    loaded = RequestStore(hass, "entry")
    await loaded.async_load()
    assert loaded.requests == store.requests
    assert loaded.reservations == {reservation.reservation_id: reservation}


async def test_unreadable_reservations_are_skipped_and_nothing_is_fine(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    empty = RequestStore(hass, "nothing")
    await empty.async_load()
    assert empty.requests == {}
    assert empty.reservations == {}
    hass_storage["optivgi.broken"] = {
        "version": 1,
        "key": "optivgi.broken",
        "data": {
            "requests": {},
            "reservations": [
                {
                    "reservation_id": "x",
                    "charger_id": "b",
                    "arrival": None,
                    "departure": "2026-01-05T20:00:00+00:00",
                    "energy_kwh": 3,
                },
            ],
        },
    }
    broken = RequestStore(hass, "broken")
    await broken.async_load()
    assert broken.reservations == {}


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
