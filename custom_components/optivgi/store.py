"""Charging requests, reservations and sessions that survive restarts (a `Store` per site).

The file is at version 2 (version 1 had no sessions). Whatever is on disk, loading never stops
the site: an entry that is not valid is dropped, the cleaned data is saved, and a repair issue
says what was dropped. Setters refuse out-of-bounds values with a `LimitError` (a ValueError),
so nothing non-finite or absurd is ever written (JSON has no `inf`: it would come back `null`).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final
import uuid

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .limits import MAX_RESERVATIONS_PER_SITE, LimitError, Window, check_id, format_time
from .site_controls import ChargeMode, SiteControls
from .store_file import STORAGE_VERSION, SiteStore, async_remove_store, report_dropped, storage_key
from .stored import ChargingRequest, Reservation, Session, as_json

__all__ = ["ChargingRequest", "RequestStore", "Reservation", "Session", "async_remove_store"]

SAVE_DELAY_S: Final = 5
_PARTS: Final = ("requests", "reservations", "sessions", "controls")


class RequestStore:
    """Requests and sessions per charger and the reservations of one site, in `.storage`."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Use the storage file of this site."""
        self._hass = hass
        self._entry_id = entry_id
        self._store = SiteStore(hass, STORAGE_VERSION, storage_key(entry_id))
        self.requests: dict[str, ChargingRequest] = {}
        self.reservations: dict[str, Reservation] = {}
        self.sessions: dict[str, Session] = {}
        #: What the site's control entities set (its switch, the chargers' modes, the cap).
        self.controls = SiteControls()
        self._save_pending = False

    @property
    def control_chargers(self) -> bool:
        """Whether the chargers are commanded; off, the site plans and shows, writes nothing."""
        return self.controls.control_chargers

    async def async_load(self) -> None:
        """Read what was saved; never raises. What cannot be read is dropped, and reported."""
        dropped: list[str] = []
        try:
            stored = await self._store.async_load()
        except Exception as err:  # noqa: BLE001 - no file content may stop the site loading
            dropped.append(f"everything stored ({err})")
            stored = None
        if stored is not None:
            dropped.extend(self._read(stored, dt_util.utcnow()))
        if dropped:
            report_dropped(self._hass, self._entry_id, self._site_name(), dropped)
            self._save()

    def _read(self, stored: object, now: datetime) -> list[str]:
        """Take every valid entry of the stored data; what was dropped, and why."""
        if not isinstance(stored, dict):
            return [f"everything stored (not an object but {type(stored).__name__})"]
        dropped = [f"unknown part {key!r}" for key in stored if key not in _PARTS]
        requests = stored.get("requests", {})
        if isinstance(requests, dict):
            for charger_id, raw in requests.items():
                try:
                    check_id(charger_id, field="charger_id")
                    self.requests[charger_id] = ChargingRequest.from_json(raw, now)
                except (TypeError, ValueError) as err:
                    dropped.append(f"the request of {self._charger_name(charger_id)} ({err})")
        else:
            dropped.append("all requests (not an object)")
        sessions = stored.get("sessions", {})
        if isinstance(sessions, dict):
            for charger_id, raw in sessions.items():
                try:
                    check_id(charger_id, field="charger_id")
                    self.sessions[charger_id] = Session.from_json(raw)
                except (TypeError, ValueError) as err:
                    dropped.append(f"the session of {self._charger_name(charger_id)} ({err})")
        else:
            dropped.append("all sessions (not an object)")
        self.controls, dropped_controls = SiteControls.from_json(stored.get("controls", {}))
        dropped.extend(dropped_controls)
        reservations = stored.get("reservations", [])
        if isinstance(reservations, list):
            dropped.extend(self._read_reservations(reservations, now))
        else:
            dropped.append("all reservations (not a list)")
        return dropped

    def _read_reservations(self, stored: list[Any], now: datetime) -> Iterable[str]:
        valid: list[Reservation] = []
        for index, raw in enumerate(stored):
            try:
                valid.append(Reservation.from_json(raw, now))
            except (TypeError, ValueError) as err:
                name = raw.get("reservation_id") if isinstance(raw, dict) else None
                label = name if isinstance(name, str) else f"number {index + 1}"
                yield f"reservation {label[:40]} ({err})"
        # Earliest first: of two that overlap, the one whose car comes first is kept.
        for reservation in sorted(valid, key=lambda r: (r.arrival, r.reservation_id)):
            try:
                self._check_room(reservation)
            except LimitError as err:
                yield f"reservation {reservation.reservation_id} ({err})"
            else:
                self.reservations[reservation.reservation_id] = reservation

    def _site_name(self) -> str:
        entry = self._hass.config_entries.async_get_entry(self._entry_id)
        return entry.title if entry is not None else self._entry_id

    def _charger_name(self, charger_id: object) -> str:
        entry = self._hass.config_entries.async_get_entry(self._entry_id)
        subentry = entry.subentries.get(str(charger_id)) if entry is not None else None
        return subentry.title if subentry is not None else str(charger_id)[:40]

    def _save(self) -> None:
        # Once until it is written: every cycle updates each plugged-in car's session, and
        # re-arming the delayed write 50 times a cycle is the loop's time, not the disk's.
        if not self._save_pending:
            self._save_pending = True
            self._store.async_delay_save(self._data, SAVE_DELAY_S)

    def _data(self) -> dict[str, Any]:
        self._save_pending = False  # read at write time: later changes schedule a new write
        return {
            "requests": {k: as_json(v) for k, v in self.requests.items()},
            "reservations": [as_json(v) for v in self.reservations.values()],
            "sessions": {k: as_json(v) for k, v in self.sessions.items()},
            "controls": self.controls.as_json(),
        }

    def set_request(self, charger_id: str, request: ChargingRequest) -> None:
        """Replace the request of a charger's session; a `LimitError` if out of bounds."""
        check_id(charger_id, field="charger_id")
        request.check(dt_util.utcnow())
        self.requests[charger_id] = request
        self._save()

    def set_control_chargers(self, *, control: bool) -> None:
        """Command the chargers (True) or only plan and show (False); saved."""
        self.controls.control_chargers = control
        self._save()

    def set_arrival_room(self, *, keep: bool) -> None:
        """Keep room on chargers without a car when prices move energy (True); saved."""
        self.controls.arrival_room = keep
        self._save()

    def set_mode(self, charger_id: str, mode: ChargeMode) -> None:
        """Set a charger's charge mode (kept across sessions); saved."""
        self.controls.set_mode(charger_id, mode)
        self._save()

    def set_solar_keep_min(self, charger_id: str, *, keep: bool) -> None:
        """Whether a *Solar* charger keeps its minimum below the surplus; saved."""
        self.controls.set_solar_keep_min(charger_id, keep=keep)
        self._save()

    def drop_mode(self, mode: ChargeMode) -> list[str]:
        """Set the chargers in `mode` back to *Smart* (the site lost what it needs); their ids."""
        if dropped := self.controls.drop_mode(mode):
            self._save()
        return dropped

    def set_price_cap(self, cap: float | None) -> None:
        """Set the site's price cap (None: none); a `LimitError` if out of bounds; saved."""
        self.controls.set_price_cap(cap)
        self._save()

    def clear_request(self, charger_id: str) -> None:
        """Forget a charger's request (its car left)."""
        if self.requests.pop(charger_id, None) is not None:
            self._save()

    def overlapping(self, charger_id: str, window: Window) -> Reservation | None:
        """The charger's reservation whose stay overlaps `window`, if any."""
        return next(
            (
                other
                for other in self.reservations.values()
                if other.charger_id == charger_id and other.window.overlaps(window)
            ),
            None,
        )

    def _check_room(self, reservation: Reservation) -> None:
        """There is room for `reservation`: a new id, under the cap, no overlap on its charger."""
        if reservation.reservation_id in self.reservations:
            msg = f"reservation id {reservation.reservation_id} is taken"
            raise LimitError(msg, key="invalid_id", field="reservation_id")
        if len(self.reservations) >= MAX_RESERVATIONS_PER_SITE:
            msg = f"the site holds {MAX_RESERVATIONS_PER_SITE} reservations already"
            raise LimitError(
                msg,
                key="too_many_reservations",
                site=self._site_name(),
                max=str(MAX_RESERVATIONS_PER_SITE),
            )
        other = self.overlapping(reservation.charger_id, reservation.window)
        if other is not None:
            msg = f"it overlaps reservation {other.reservation_id}"
            raise LimitError(
                msg,
                key="reservation_overlaps",
                charger=self._charger_name(reservation.charger_id),
                reservation_id=other.reservation_id,
                arrival=format_time(other.arrival),
                departure=format_time(other.departure),
            )

    def add_reservation(
        self, charger_id: str, arrival: datetime, departure: datetime, energy_kwh: float
    ) -> Reservation:
        """Hold capacity for a future arrival; returns it with its new id.

        A `LimitError` if it is out of bounds, the site is full, or the charger is reserved
        for part of the same time.
        """
        reservation = Reservation(
            reservation_id=uuid.uuid4().hex[:12],
            charger_id=charger_id,
            arrival=arrival,
            departure=departure,
            energy_kwh=energy_kwh,
        )
        reservation.check(dt_util.utcnow())
        self._check_room(reservation)
        self.reservations[reservation.reservation_id] = reservation
        self._save()
        return reservation

    def cancel_reservation(self, reservation_id: str) -> Reservation | None:
        """Drop a reservation; None if there is none with that id."""
        reservation = self.reservations.pop(reservation_id, None)
        if reservation is not None:
            self._save()
        return reservation

    def session(self, charger_id: str) -> Session | None:
        """The charger's running session, if a car is plugged in."""
        return self.sessions.get(charger_id)

    def set_session(self, charger_id: str, session: Session) -> None:
        """Start or update a charger's session; a `LimitError` if a value is not sane."""
        check_id(charger_id, field="charger_id")
        session.check()
        self.sessions[charger_id] = session
        self._save()

    def end_session(self, charger_id: str) -> None:
        """The car left: drop the charger's session and its request."""
        ended = self.sessions.pop(charger_id, None) is not None
        if self.requests.pop(charger_id, None) is not None or ended:
            self._save()

    def retain_chargers(self, charger_ids: set[str]) -> bool:
        """Drop the requests, reservations and sessions of chargers not in `charger_ids`.

        Returns whether anything was dropped (a charger was removed from the site).
        """
        gone_requests = [cid for cid in self.requests if cid not in charger_ids]
        gone_sessions = [cid for cid in self.sessions if cid not in charger_ids]
        gone_reservations = [
            key for key, r in self.reservations.items() if r.charger_id not in charger_ids
        ]
        for cid in gone_requests:
            del self.requests[cid]
        for cid in gone_sessions:
            del self.sessions[cid]
        for key in gone_reservations:
            del self.reservations[key]
        gone_controls = self.controls.retain(charger_ids)
        if gone_requests or gone_sessions or gone_reservations or gone_controls:
            self._save()
            return True
        return False

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
