"""What a plugged-in car wants: energy by a departure, from its request, its SoC or defaults."""

from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from homeassistant.util import dt as dt_util

from .charger_config import ChargerConfig
from .store import ChargingRequest, RequestStore, Session

#: A reservation is taken by a session that started at most this long before its arrival.
RESERVATION_EARLY = timedelta(minutes=30)


def energy_wanted(
    charger: ChargerConfig,
    request: ChargingRequest | None,
    delivered_kwh: float,
    soc: float | None,
) -> float:
    """Energy still wanted (kWh): to the target SoC, else the request (or default) - delivered.

    A SoC outside 0-100 % is not a reading; no request asks for more than the battery holds.
    """
    if soc is not None and not 0 <= soc <= 100:  # noqa: PLR2004 - percent
        soc = None
    if soc is not None and (request is None or request.energy_kwh is None):
        target = charger.target_soc
        if request is not None and request.target_soc is not None:
            target = request.target_soc
        return max(0.0, (target - soc) / 100 * charger.battery_kwh)
    wanted = charger.default_energy_kwh
    if request is not None and request.energy_kwh is not None:
        wanted = request.energy_kwh
    return max(0.0, wanted - delivered_kwh)


def departure_for(
    charger: ChargerConfig, request: ChargingRequest | None, now: datetime
) -> datetime:
    """The request's departure if still ahead, else the next default departure (UTC).

    Compared as instants: a default departure at 01:30 in the hour that autumn repeats is the
    next of its two instants still ahead (after the first 01:30 the second is 20 minutes away
    at 01:10, not a day); one in the hour that spring skips is when that wall time would have
    been (02:30 CET is 03:30 CEST).
    """
    if request is not None and request.departure is not None and request.departure > now:
        return request.departure
    return next_occurrence(charger.default_departure, now)


def next_occurrence(wall: time, now: datetime) -> datetime:
    """The next instant (UTC) after `now` at which Home Assistant's clock reads `wall`.

    Today if that is still ahead, else tomorrow; see `departure_for` for the DST days.
    """
    return _next_occurrence(wall, now, dt_util.get_default_time_zone())


@lru_cache(maxsize=64)
def _next_occurrence(wall: time, now: datetime, zone: tzinfo) -> datetime:
    """`next_occurrence` in `zone`; cached: every charger of a site asks with the same `now`."""
    local = now.astimezone(zone)
    for day in (local.date(), local.date() + timedelta(days=1)):
        ahead = [c for c in _instants(day, wall, local.tzinfo) if c > now]
        if ahead:
            return min(ahead)
    return now + timedelta(days=1)  # pragma: no cover - tomorrow's instant is always ahead


@lru_cache(maxsize=256)
def _instants(day: date, wall: time, zone: tzinfo | None) -> tuple[datetime, ...]:
    """The instants (UTC) at which the clock of `zone` reads `wall` on `day`.

    Two in the hour that autumn repeats (fold 0 and 1); none in the hour that spring skips,
    then the one the wall time would have had with the offset before the change (fold 0).
    Cached: every charger asks every cycle, and the answer for a day never changes.
    """
    first, second = (
        dt_util.as_utc(datetime.combine(day, wall, zone).replace(fold=fold)) for fold in (0, 1)
    )
    real = [
        c
        for c in (first, second)
        if c.astimezone(zone).replace(tzinfo=None) == datetime.combine(day, wall)
    ]
    return tuple(sorted(set(real))) or (first,)


def take_arrived_reservation(
    store: RequestStore, cid: str, session: Session, now: datetime
) -> None:
    """A reservation whose car has arrived becomes the session's request.

    Never one that overlaps a session that was already running (another car is on the charger),
    and never over a request the running session already has.
    """
    for reservation in list(store.reservations.values()):
        if reservation.charger_id != cid or reservation.arrival > now:
            continue
        if session.started < reservation.arrival - RESERVATION_EARLY or cid in store.requests:
            continue
        store.set_request(
            cid,
            ChargingRequest(energy_kwh=reservation.energy_kwh, departure=reservation.departure),
        )
        store.cancel_reservation(reservation.reservation_id)
