"""Read the price shapes of Home Assistant price sources into a `PriceSeries`.

Entity attributes (each read from the integration's own source):

- HACS Nord Pool (`custom-components/nordpool`): `raw_today`/`raw_tomorrow`, items
  `{start, end, value}`; the unit in `unit_of_measurement` ("EUR/kWh", "Øre/kWh" when shown in
  cents) with the currency also in `currency`; `value` is null where the market sent none.
- ENTSO-e (`JaccoR/hass-entso-e`): `prices_today`/`prices_tomorrow`/`prices`, items
  `{time, price}` with `time` as "2025-10-26 00:00:00+02:00"; no end: each price lasts one
  period (60 or 15 minutes); the unit in `unit_of_measurement` ("€/kWh", "€/MWh").
- Energi Data Service (`MTrab/energidataservice`): `raw_today`/`raw_tomorrow`, items
  `{hour, price}` (hourly or 15-minute despite the name), null when not yet known; the unit
  in `unit_of_measurement` ("DKK/kWh", "Øre/kWh") and the currency in `currency`. Its
  `forecast` (a prediction, not a price) is not mixed in while `raw_today` is present.
- Anything else: a `prices` or `forecast` list of items with a start (`start`, `time`, `from`,
  `start_time`, `startsAt`, `hour`), an optional end (`end`, `end_time`, `to`, `endsAt`) and a
  price (`value`, `price`, `total`).

Action responses: core `nordpool.get_prices_for_date` (`{area: [{start, end, price}]}`, price
per MWh, currency as asked in the call) and core `tibber.get_prices`
(`{"prices": {home: [{start_time, price}]}}`, price per kWh in the home's currency).

Malformed data is refused as a whole with `PriceFormatError`: an item that cannot be read
means the list is not what we think it is, and a schedule built on a guessed price is worse
than one that knows it has none. A price that is explicitly null is not malformed: that slot is
simply unknown, as sources publish it before the market has cleared.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
import itertools
import math
from typing import Any

from homeassistant.util import dt as dt_util

from .prices import PriceFormatError, PriceSeries, PriceSlot, build_series

#: Attribute groups in the order they are tried; the first group with any key present is read.
#: Day lists come first: ENTSO-e repeats them in `prices`, and Energi Data Service's `forecast`
#: is a prediction that must not stand in for a published price.
ATTRIBUTE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("raw_today", "raw_tomorrow"),
    ("prices_today", "prices_tomorrow"),
    ("prices",),
    ("forecast",),
)
START_KEYS = ("start", "time", "from", "start_time", "startsAt", "hour")
END_KEYS = ("end", "end_time", "to", "endsAt")
PRICE_KEYS = ("value", "price", "total")

_ENERGY_PER_KWH = {"wh": 1000.0, "kwh": 1.0, "mwh": 0.001}
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP"}
#: Hundredth units and the currency they imply (None: used by several currencies).
_SUBUNITS: dict[str, str | None] = {
    "c": None,
    "ct": None,
    "cent": None,
    "cents": None,
    "¢": None,
    "öre": "SEK",
    "øre": None,
    "ore": None,
    "p": "GBP",
    "pence": "GBP",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class PriceUnit:
    """How to turn a source's number into currency per kWh: multiply by `factor`."""

    factor: float
    currency: str | None


def parse_unit(unit: str, currency: str | None = None) -> PriceUnit:
    """Read a unit such as "EUR/kWh", "€/MWh", "öre/kWh" or a bare "kWh".

    Prices per MWh are divided by 1000 and prices in cents or öre by 100. `currency`, when the
    source states it separately, names the currency: "Øre" alone could be Danish or Norwegian.
    """
    money, _, energy = unit.strip().rpartition("/")
    per_kwh = _ENERGY_PER_KWH.get(energy.strip().lower())
    if per_kwh is None:
        msg = f"unit {unit!r} is not a price per Wh, kWh or MWh"
        raise PriceFormatError(msg)
    money = money.strip()
    label = money.lower()
    if label in _SUBUNITS:
        return PriceUnit(factor=per_kwh / 100, currency=currency or _SUBUNITS[label])
    named = _SYMBOLS.get(money, money.upper() if len(money) == 3 else money)  # noqa: PLR2004
    return PriceUnit(factor=per_kwh, currency=currency or named or None)


def _first(item: Mapping[str, Any], keys: Sequence[str]) -> tuple[str, Any] | None:
    for key in keys:
        if key in item:
            return key, item[key]
    return None


def _time(value: object, where: str) -> datetime:
    """A time from a datetime (live attributes) or an ISO string (stored or JSON), in UTC."""
    parsed = value if isinstance(value, datetime) else None
    if isinstance(value, str):
        parsed = dt_util.parse_datetime(value)
    if parsed is None:
        msg = f"{where}: {value!r} is not a date and time"
        raise PriceFormatError(msg)
    if parsed.tzinfo is None:
        # A local time without offset is ambiguous on the night the clocks go back.
        msg = f"{where}: {value!r} has no UTC offset"
        raise PriceFormatError(msg)
    return dt_util.as_utc(parsed)


def _price(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        msg = f"{where}: price {value!r} is not a number"
        raise PriceFormatError(msg)
    try:
        price = float(value)
    except ValueError:
        msg = f"{where}: price {value!r} is not a number"
        raise PriceFormatError(msg) from None
    if not math.isfinite(price):
        msg = f"{where}: price {value!r} is not finite"
        raise PriceFormatError(msg)
    return price


type _Row = tuple[datetime, datetime | None, float | None]


def _rows(items: object, name: str) -> list[_Row]:
    """(start, end or None, price or None) for each item of one list."""
    if items is None:
        return []  # not published yet (Energi Data Service's tomorrow before 13:00)
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Sequence):
        msg = f"{name} is not a list but {type(items).__name__}"
        raise PriceFormatError(msg)
    rows: list[_Row] = []
    for index, item in enumerate(items):
        where = f"{name}[{index}]"
        if not isinstance(item, Mapping):
            msg = f"{where} is not a mapping but {type(item).__name__}"
            raise PriceFormatError(msg)
        start = _first(item, START_KEYS)
        price = _first(item, PRICE_KEYS)
        if start is None or price is None:
            missing = "start time" if start is None else "price"
            msg = f"{where} has no {missing} (keys: {', '.join(map(str, item)) or 'none'})"
            raise PriceFormatError(msg)
        end = _first(item, END_KEYS)
        rows.append(
            (
                _time(start[1], f"{where}.{start[0]}"),
                None if end is None else _time(end[1], f"{where}.{end[0]}"),
                _price(price[1], f"{where}.{price[0]}"),
            )
        )
    return rows


def _slots(rows: list[_Row], factor: float, name: str) -> list[PriceSlot]:
    """Slots from rows, the ends of rows without one taken from the list's own period.

    The period is the most common distance between starts (the shorter one on a tie), so a
    missing item leaves a gap instead of stretching its neighbour, and a day that mixes hourly
    and 15-minute prices loses price coverage rather than gaining a wrong one.
    """
    # Repeated rows (a list that overlaps another at the seam) count once.
    rows = sorted(dict.fromkeys(rows), key=lambda row: row[0])
    starts = [row[0] for row in rows]
    for earlier, later in itertools.pairwise(rows):
        if earlier[0] == later[0]:
            msg = f"{name}: two different prices for {later[0].isoformat()}"
            raise PriceFormatError(msg)
    gaps = Counter(b - a for a, b in itertools.pairwise(starts) if b > a)
    period = min(gaps, key=lambda gap: (-gaps[gap], gap)) if gaps else None
    slots: list[PriceSlot] = []
    for index, (start, given_end, price) in enumerate(rows):
        end = given_end
        if end is None:
            if period is None:
                msg = f"{name}: a single price without an end time has no known length"
                raise PriceFormatError(msg)
            end = start + period
            if index + 1 < len(rows):
                end = min(end, rows[index + 1][0])
        if end <= start:
            msg = f"{name}: the slot from {start.isoformat()} ends at {end.isoformat()}"
            raise PriceFormatError(msg)
        if price is not None:
            slots.append(PriceSlot(start=start, end=end, price=price * factor))
    return slots


def prices_from_attributes(
    attributes: Mapping[str, Any], unit: str | None = None, currency: str | None = None
) -> PriceSeries:
    """The prices in a price entity's state attributes (shapes in the module docstring).

    `unit` and `currency` override what the attributes say, for sources that state neither.
    """
    group = next((g for g in ATTRIBUTE_GROUPS if any(key in attributes for key in g)), None)
    if group is None:
        expected = ", ".join(key for g in ATTRIBUTE_GROUPS for key in g)
        msg = f"no price list in the attributes; expected one of: {expected}"
        raise PriceFormatError(msg)
    unit = unit or attributes.get("unit_of_measurement") or attributes.get("unit")
    if not isinstance(unit, str):
        msg = "the price unit is unknown: no unit_of_measurement such as 'EUR/kWh'"
        raise PriceFormatError(msg)
    stated = currency or attributes.get("currency")
    parsed = parse_unit(unit, stated if isinstance(stated, str) and stated else None)
    # Today's and tomorrow's lists are read as one so that today's last slot ends where
    # tomorrow's first starts.
    rows = [row for key in group for row in _rows(attributes.get(key), key)]
    return build_series(_slots(rows, parsed.factor, "/".join(group)), parsed.currency)


def _pick(response: Mapping[str, Any], key: str | None, what: str) -> tuple[str, Any]:
    if key is not None:
        if key not in response:
            msg = f"no {what} {key!r} in the response (has: {', '.join(map(str, response))})"
            raise PriceFormatError(msg)
        return key, response[key]
    if len(response) != 1:
        msg = f"the response has {len(response)} {what}s; say which one to use"
        raise PriceFormatError(msg)
    return next(iter(response.items()))


def prices_from_nordpool(
    response: object, currency: str | None, area: str | None = None
) -> PriceSeries:
    """The prices of one area in a `nordpool.get_prices_for_date` response.

    The response gives prices per MWh and does not name its currency: pass the one the call
    asked for (or the config entry's). `area` may be left out when the response has one area.
    """
    if not isinstance(response, Mapping):
        msg = f"the Nord Pool response is not a mapping but {type(response).__name__}"
        raise PriceFormatError(msg)
    name, items = _pick(response, area, "area")
    return build_series(_slots(_rows(items, name), 0.001, name), currency)


def prices_from_tibber(
    response: object, currency: str | None, home: str | None = None
) -> PriceSeries:
    """The prices of one home in a `tibber.get_prices` response (per kWh, total with taxes).

    The response does not name the currency (it is the home's, usually Home Assistant's).
    `home` is the home's nickname; it may be left out when the account has one home.
    """
    homes = response.get("prices") if isinstance(response, Mapping) else None
    if not isinstance(homes, Mapping):
        msg = "the Tibber response has no 'prices' mapping of homes"
        raise PriceFormatError(msg)
    name, items = _pick(homes, home, "home")
    return build_series(_slots(_rows(items, name), 1.0, name), currency)
