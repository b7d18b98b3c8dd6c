"""The bounds on what a driver may ask for and what a site stores, and the checks against them.

One definition, used twice: the services check a driver's input against it and turn a
`LimitError` into a translated message; the store checks every value it is given or reads back
against it, so nothing non-finite or absurd reaches the plan or the JSON file (JSON cannot hold
`inf`, and one absurd request would fail every later cycle of the site).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
import math
from typing import Final

from homeassistant.util import dt as dt_util

#: The most energy (kWh) one request or reservation may ask for. The largest car batteries on
#: sale hold about 200 kWh (electric pick-ups); the bound refuses typos and nonsense, not cars.
#: A charger with a state of charge sensor is also bounded by its configured battery capacity.
MAX_REQUEST_ENERGY_KWH: Final = 250.0

#: The longest stay: a request's departure is at most 7 days from now, and a reservation's
#: departure at most 7 days after its arrival. The plan looks at most 48 hours ahead anyway.
MAX_STAY: Final = timedelta(days=7)

#: How far ahead a reservation's arrival may be: 30 days.
MAX_RESERVATION_AHEAD: Final = timedelta(days=30)

#: The most reservations one site holds at a time. Each is an EV in every cycle's problem.
MAX_RESERVATIONS_PER_SITE: Final = 50

#: The longest reservation or charger id (characters) the store keeps.
MAX_ID_LENGTH: Final = 64
#: The longest other text (an OCPP transaction id) the store keeps: a state's length in HA.
MAX_TEXT_LENGTH: Final = 255


class LimitError(ValueError):
    """A value out of its bounds.

    `str()` says why in English (for logs and repair issues); `key` and `placeholders` are the
    translation (under `exceptions` in `translations/en.json`) a service shows the driver.
    """

    def __init__(self, message: str, *, key: str, **placeholders: str) -> None:
        """Say what is wrong; `key` and `placeholders` translate it."""
        super().__init__(message)
        self.key = key
        self.placeholders = placeholders


def format_time(value: datetime) -> str:
    """A datetime as ISO 8601 in Home Assistant's time zone (as given, if it cannot be)."""
    try:
        return dt_util.as_local(value).isoformat()
    except OverflowError, ValueError:  # year 9999 in a time zone east of UTC, say
        return value.isoformat()


def _text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def check_number(value: float, *, field: str, low: float, high: float, low_included: bool) -> None:
    """`value` is finite and within `[low, high]` (or `(low, high]`), else a `LimitError`."""
    # A bool is an int to Python, but `true` is not 1 kWh.
    number = not isinstance(value, bool) and isinstance(value, int | float)
    if (
        not number
        or not math.isfinite(value)
        or (value < low if low_included else value <= low)
        or value > high
    ):
        low_text = f"{low:g} or more" if low_included else f"more than {low:g}"
        msg = f"{field} {_text(value)} is not {low_text} and at most {high:g}"
        raise LimitError(
            msg,
            key="number_out_of_range" if low_included else "number_not_positive",
            field=field,
            value=_text(value),
            min=f"{low:g}",
            max=f"{high:g}",
        )


def check_energy(value: float, *, field: str = "energy_kwh", positive: bool = False) -> None:
    """An energy (kWh): finite, 0 (or more than 0) up to `MAX_REQUEST_ENERGY_KWH`."""
    check_number(
        value, field=field, low=0.0, high=MAX_REQUEST_ENERGY_KWH, low_included=not positive
    )


def check_soc(value: float, *, field: str = "target_soc") -> None:
    """A state of charge (%): finite, 0 to 100."""
    check_number(value, field=field, low=0.0, high=100.0, low_included=True)


def check_aware(value: datetime, *, field: str) -> None:
    """A datetime with a time zone (the store keeps instants, not wall-clock times)."""
    if value.utcoffset() is None:
        msg = f"{field} {value.isoformat()} has no time zone"
        raise LimitError(
            msg,
            key="invalid_datetime",
            field=field,
            value=value.isoformat(),
        )


def check_not_after(
    value: datetime,
    latest: datetime,
    *,
    field: str,
    limit: timedelta,
    key: str = "too_far_ahead",
) -> None:
    """`value` is not after `latest` (= a reference time + `limit`), else a `LimitError`."""
    check_aware(value, field=field)
    if value > latest:
        msg = f"{field} {value.isoformat()} is after {latest.isoformat()}"
        raise LimitError(
            msg,
            key=key,
            field=field,
            value=format_time(value),
            days=str(limit.days),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Window:
    """A stay on a charger: arrival (inclusive) to departure (exclusive), UTC."""

    arrival: datetime
    departure: datetime

    def overlaps(self, other: Window) -> bool:
        """Whether the two stays share any time."""
        return self.arrival < other.departure and other.arrival < self.departure


def check_window(window: Window, now: datetime) -> None:
    """A reservation's stay: arrival before departure, at most 30 days ahead, 7 days long."""
    check_aware(window.arrival, field="arrival")
    check_aware(window.departure, field="departure")
    if window.arrival >= window.departure:
        msg = f"arrival {window.arrival.isoformat()} is not before departure"
        raise LimitError(
            msg,
            key="arrival_not_before_departure",
            arrival=format_time(window.arrival),
            departure=format_time(window.departure),
        )
    check_not_after(
        window.arrival,
        now + MAX_RESERVATION_AHEAD,
        field="arrival",
        limit=MAX_RESERVATION_AHEAD,
    )
    check_not_after(
        window.departure,
        max(window.arrival, now) + MAX_STAY,
        field="departure",
        limit=MAX_STAY,
        key="stay_too_long",
    )


def check_id(value: object, *, field: str) -> str:
    """An id: a non-empty string of at most `MAX_ID_LENGTH` characters."""
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise LimitError(f"{field} is not an id: {value!r}"[:200], key="invalid_id", field=field)
    return value


def check_text(value: object, *, field: str) -> str:
    """A string of at most `MAX_TEXT_LENGTH` characters."""
    if not isinstance(value, str) or len(value) > MAX_TEXT_LENGTH:
        msg = f"{field} is not a text of at most {MAX_TEXT_LENGTH} characters"
        raise LimitError(msg, key="invalid_field", field=field)
    return value
