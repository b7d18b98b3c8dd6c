"""What a site stores (requests, reservations, sessions): the values, their bounds, their JSON.

Every value is checked against `limits` when it is made (`check`) and when it is read back from
JSON (`from_json`, strict about types and keys), so an entry that is wrong on disk is refused
with a reason instead of failing the site, and nothing non-finite is ever written.
"""

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime
import math
from typing import Any

from homeassistant.util import dt as dt_util

from .limits import (
    MAX_ID_LENGTH,
    MAX_STAY,
    LimitError,
    Window,
    check_aware,
    check_energy,
    check_id,
    check_not_after,
    check_number,
    check_soc,
    check_text,
    check_window,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargingRequest:
    """What the driver asked for the current session on a charger.

    Either an energy (kWh) or a target state of charge (%), and optionally a departure (UTC).
    """

    energy_kwh: float | None = None
    target_soc: float | None = None
    departure: datetime | None = None

    def check(self, now: datetime) -> None:
        """Within the bounds of `limits`: a `LimitError` if not."""
        if self.energy_kwh is not None:
            check_energy(self.energy_kwh)
        if self.target_soc is not None:
            check_soc(self.target_soc)
        if self.energy_kwh is not None and self.target_soc is not None:
            msg = "a request has an energy and a target state of charge"
            raise LimitError(msg, key="energy_and_target_soc")
        if self.departure is not None:
            check_not_after(self.departure, now + MAX_STAY, field="departure", limit=MAX_STAY)

    @classmethod
    def from_json(cls, raw: object, now: datetime) -> ChargingRequest:
        """A stored request; a `ValueError` says why it cannot be one."""
        values = _object(raw, keys=frozenset(f.name for f in fields(cls)))
        request = cls(
            energy_kwh=_optional(_float, values, "energy_kwh"),
            target_soc=_optional(_float, values, "target_soc"),
            departure=_optional(_datetime, values, "departure"),
        )
        request.check(now)
        return request


@dataclass(frozen=True, kw_only=True, slots=True)
class Reservation:
    """A future arrival on a charger (Opti-VGI's inactive EV): capacity is held for it.

    Arrival (inclusive) and departure (exclusive) in UTC; the energy (kWh) it should get.
    """

    reservation_id: str
    charger_id: str
    arrival: datetime
    departure: datetime
    energy_kwh: float

    @property
    def window(self) -> Window:
        """Its stay on the charger."""
        return Window(arrival=self.arrival, departure=self.departure)

    def check(self, now: datetime) -> None:
        """Within the bounds of `limits`: a `LimitError` if not."""
        check_id(self.reservation_id, field="reservation_id")
        check_id(self.charger_id, field="charger_id")
        check_energy(self.energy_kwh, positive=True)
        check_window(self.window, now)

    @classmethod
    def from_json(cls, raw: object, now: datetime) -> Reservation:
        """A stored reservation; a `ValueError` says why it cannot be one."""
        keys = frozenset(f.name for f in fields(cls))
        values = _object(raw, keys=keys, required=keys)
        reservation = cls(
            reservation_id=check_id(values["reservation_id"], field="reservation_id"),
            charger_id=check_id(values["charger_id"], field="charger_id"),
            arrival=_datetime(values["arrival"], "arrival"),
            departure=_datetime(values["departure"], "departure"),
            energy_kwh=_float(values["energy_kwh"], "energy_kwh"),
        )
        reservation.check(now)
        return reservation


@dataclass(frozen=True, kw_only=True, slots=True)
class Session:
    """One car's stay on a charger."""

    started: datetime  # UTC, when the car was first seen plugged in
    delivered_kwh: float = 0.0  # own estimate of energy delivered this session (kWh)
    meter_baseline_kwh: float | None = None  # session-energy reading at start / after a reset
    meter_last_kwh: float | None = None  # last session-energy reading seen (kWh)
    transaction_id: str | None = None  # OCPP transaction id, if any
    last_plugged: datetime | None = None  # UTC, last time it was seen plugged in (unplug grace)

    def check(self) -> None:
        """Finite readings, datetimes with a time zone: a `LimitError` if not.

        No tighter bounds: a session is the integration's own bookkeeping, from whatever the
        charger's meter says, and refusing a large but finite reading would stop the cycle.
        """
        check_aware(self.started, field="started")
        if self.last_plugged is not None:
            check_aware(self.last_plugged, field="last_plugged")
        check_number(
            self.delivered_kwh, field="delivered_kwh", low=0.0, high=math.inf, low_included=True
        )
        for field, value in (
            ("meter_baseline_kwh", self.meter_baseline_kwh),
            ("meter_last_kwh", self.meter_last_kwh),
        ):
            if value is not None:
                check_number(value, field=field, low=-math.inf, high=math.inf, low_included=True)
        if self.transaction_id is not None:
            check_text(self.transaction_id, field="transaction_id")

    @classmethod
    def from_json(cls, raw: object) -> Session:
        """A stored session; a `ValueError` says why it cannot be one."""
        values = _object(raw, keys=frozenset(f.name for f in fields(cls)), required={"started"})
        transaction_id = values.get("transaction_id")
        session = cls(
            started=_datetime(values["started"], "started"),
            delivered_kwh=_float(values.get("delivered_kwh", 0.0), "delivered_kwh"),
            meter_baseline_kwh=_optional(_float, values, "meter_baseline_kwh"),
            meter_last_kwh=_optional(_float, values, "meter_last_kwh"),
            transaction_id=None
            if transaction_id is None
            else check_text(transaction_id, field="transaction_id"),
            last_plugged=_optional(_datetime, values, "last_plugged"),
        )
        session.check()
        return session


def as_json(value: ChargingRequest | Reservation | Session) -> dict[str, Any]:
    """A stored value as JSON: datetimes as ISO 8601 strings."""
    return {
        key: item.isoformat() if isinstance(item, datetime) else item
        for key, item in asdict(value).items()
    }


def _object(
    raw: object, *, keys: frozenset[str], required: frozenset[str] | set[str] = frozenset()
) -> dict[str, object]:
    """A JSON object with only known keys and every required one."""
    if not isinstance(raw, dict):
        msg = f"not an object but {type(raw).__name__}"
        raise TypeError(msg)
    if unknown := sorted(str(key) for key in raw if key not in keys):
        msg = f"unknown {', '.join(unknown)}"[: MAX_ID_LENGTH * 2]
        raise ValueError(msg)
    if missing := sorted(required - set(raw)):
        msg = f"no {', '.join(missing)}"
        raise ValueError(msg)
    return raw


def _float(raw: object, field: str) -> float:
    """A JSON number (not a boolean) as a finite float."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        msg = f"{field} is not a number"
        raise TypeError(msg)
    try:
        value = float(raw)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        msg = f"{field} is not a finite number"
        raise ValueError(msg)
    return value


def _datetime(raw: object, field: str) -> datetime:
    """An ISO 8601 string with a time zone."""
    parsed = None
    if isinstance(raw, str):
        try:
            parsed = dt_util.parse_datetime(raw)
        except ValueError:  # well formed but not a date, such as month 13
            parsed = None
    if parsed is None or parsed.utcoffset() is None:
        msg = f"{field} is not a date and time with a time zone"
        raise ValueError(msg)
    return parsed


def _optional[T](
    parse: Callable[[object, str], T], values: Mapping[str, object], field: str
) -> T | None:
    """`parse(value, field)`, or None when the value is absent or null."""
    value = values.get(field)
    return None if value is None else parse(value, field)
