"""Charging requests and reservations that survive restarts (a `Store` per site)."""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TypedDict
import uuid

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN

STORAGE_VERSION = 1
SAVE_DELAY_S = 5


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargingRequest:
    """What the driver asked for the current session on a charger.

    Either an energy (kWh) or a target state of charge (%), and optionally a departure.
    """

    energy_kwh: float | None = None
    target_soc: float | None = None
    departure: datetime | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Reservation:
    """A future arrival on a charger (Opti-VGI's inactive EV): capacity is held for it."""

    reservation_id: str
    charger_id: str
    arrival: datetime
    departure: datetime
    energy_kwh: float


class _Stored(TypedDict):
    requests: dict[str, dict[str, Any]]
    reservations: list[dict[str, Any]]


def _to_json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def _parse(value: Any) -> datetime | None:  # noqa: ANN401 - JSON value
    return dt_util.parse_datetime(value) if isinstance(value, str) else None


class RequestStore:
    """Requests per charger and reservations of one site, saved in `.storage`."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Use the storage file of this site."""
        self._store: Store[_Stored] = Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}")
        self.requests: dict[str, ChargingRequest] = {}
        self.reservations: dict[str, Reservation] = {}

    async def async_load(self) -> None:
        """Read what was saved; a missing or unreadable entry starts empty."""
        stored = await self._store.async_load()
        if not stored:
            return
        for charger_id, values in stored.get("requests", {}).items():
            self.requests[charger_id] = ChargingRequest(
                energy_kwh=values.get("energy_kwh"),
                target_soc=values.get("target_soc"),
                departure=_parse(values.get("departure")),
            )
        for values in stored.get("reservations", []):
            arrival, departure = _parse(values.get("arrival")), _parse(values.get("departure"))
            if arrival is None or departure is None:
                continue
            reservation = Reservation(
                reservation_id=values["reservation_id"],
                charger_id=values["charger_id"],
                arrival=arrival,
                departure=departure,
                energy_kwh=float(values["energy_kwh"]),
            )
            self.reservations[reservation.reservation_id] = reservation

    def _save(self) -> None:
        self._store.async_delay_save(self._data, SAVE_DELAY_S)

    def _data(self) -> _Stored:
        return {
            "requests": {k: _to_json(asdict(v)) for k, v in self.requests.items()},
            "reservations": [_to_json(asdict(v)) for v in self.reservations.values()],
        }

    def set_request(self, charger_id: str, request: ChargingRequest) -> None:
        """Replace the request of a charger's session."""
        self.requests[charger_id] = request
        self._save()

    def clear_request(self, charger_id: str) -> None:
        """Forget a charger's request (its car left)."""
        if self.requests.pop(charger_id, None) is not None:
            self._save()

    def add_reservation(
        self, charger_id: str, arrival: datetime, departure: datetime, energy_kwh: float
    ) -> Reservation:
        """Hold capacity for a future arrival; returns it with its new id."""
        reservation = Reservation(
            reservation_id=uuid.uuid4().hex[:12],
            charger_id=charger_id,
            arrival=arrival,
            departure=departure,
            energy_kwh=energy_kwh,
        )
        self.reservations[reservation.reservation_id] = reservation
        self._save()
        return reservation

    def cancel_reservation(self, reservation_id: str) -> Reservation | None:
        """Drop a reservation; None if there is none with that id."""
        reservation = self.reservations.pop(reservation_id, None)
        if reservation is not None:
            self._save()
        return reservation

    def prune(self, now: datetime) -> bool:
        """Drop requests and reservations whose departure has passed; whether any was."""
        expired_requests = [
            charger_id
            for charger_id, request in self.requests.items()
            if request.departure is not None and request.departure <= now
        ]
        expired_reservations = [
            key for key, reservation in self.reservations.items() if reservation.departure <= now
        ]
        for charger_id in expired_requests:
            del self.requests[charger_id]
        for key in expired_reservations:
            del self.reservations[key]
        if expired_requests or expired_reservations:
            self._save()
            return True
        return False

    async def async_flush(self) -> None:
        """Write pending changes now (on unload)."""
        await self._store.async_save(self._data())
