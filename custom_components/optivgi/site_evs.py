"""The EVs a site's reading gives the scheduler: plugged-in cars, reservations, empty chargers."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
import math

from .charger_config import ChargerConfig
from .scm.constants import TOLERANCE, SchedulingParameters
from .scm.ev import EV, ChargingRateUnit
from .site_controls import ChargeMode
from .site_reading import SiteReading
from .store import RequestStore

RESERVATION_PREFIX = "reservation-"


@dataclass(frozen=True, kw_only=True, slots=True)
class Wanted:
    """A plugged-in, plannable charger before the floors are settled."""

    energy_kwh: float
    departure: datetime
    arrival: datetime
    floor_kw: float
    #: It was switched on less than `MIN_ON_S` ago: kept at its minimum if the plan pauses it.
    held: bool
    #: It is charging now (it applies a limit above 0).
    on: bool
    transaction_id: int | None


def active_ev(charger: ChargerConfig, wanted: Wanted, now: datetime, unit: ChargingRateUnit) -> EV:
    """A plugged-in car, planned on top of its charger's floor (counted apart, until departure)."""
    floor = wanted.floor_kw
    hours = max(0.0, (wanted.departure - now).total_seconds() / 3600)
    return EV(
        ev_id=charger.charger_id,
        active=True,
        station_id=charger.charger_id,
        min_power=max(0.0, min(charger.min_kw, charger.max_kw) - floor),
        max_power=max(0.0, charger.max_kw - floor),
        arrival_time=min(wanted.arrival, now) if wanted.arrival <= now else wanted.arrival,
        departure_time=wanted.departure,
        energy=max(0.0, wanted.energy_kwh - floor * hours),
        unit=unit,
        voltage=charger.voltage,
        phases=charger.phases,
        site_phases=charger.site_phases,
        # Charging now: when minimums do not all fit, it keeps the room it has rather than
        # hand it to another car that could use it just as well (no flapping).
        priority=1 if wanted.on else 0,
        transaction_id=wanted.transaction_id,
    )


def fast_floor(
    charger: ChargerConfig,
    wanted: Wanted,
    room_kw: float,
    now: datetime,
    params: SchedulingParameters,
) -> tuple[float, int]:
    """A *Fast* charger's power (kW, its own floor included) and for how many steps.

    As much as its charger takes within the room left now (`room_kw`, beside its floor); nothing
    beyond its floor below its charger's minimum, while it must stay off, or once its request
    is met. It lasts the steps its car needs at that power: the others are planned after them.
    """
    extra = 0.0
    if wanted.arrival <= now and wanted.energy_kwh > TOLERANCE:
        extra = max(0.0, min(charger.max_kw - wanted.floor_kw, room_kw))
        if wanted.floor_kw + extra < charger.min_kw - TOLERANCE:
            extra = 0.0
    kw = wanted.floor_kw + extra
    if kw <= TOLERANCE:
        return 0.0, 1
    steps = math.ceil(wanted.energy_kwh / (kw * params.step_hours) - TOLERANCE)
    return kw, max(1, min(params.steps, steps))


def reservation_evs(
    store: RequestStore,
    chargers: Mapping[str, ChargerConfig],
    unit_of: Callable[[ChargerConfig], ChargingRateUnit],
    now: datetime,
) -> list[EV]:
    """The reservations still ahead, as Opti-VGI's inactive EVs (capacity held for them)."""
    evs: list[EV] = []
    for reservation in store.reservations.values():
        reserved = chargers.get(reservation.charger_id)
        if reserved is None or reservation.departure <= now:
            continue
        evs.append(
            EV(
                ev_id=f"{RESERVATION_PREFIX}{reservation.reservation_id}",
                active=False,
                station_id=reserved.charger_id,
                min_power=min(reserved.min_kw, reserved.max_kw),
                max_power=reserved.max_kw,
                arrival_time=max(reservation.arrival, now),
                departure_time=reservation.departure,
                energy=reservation.energy_kwh,
                unit=unit_of(reserved),
                voltage=reserved.voltage,
                phases=reserved.phases,
                site_phases=reserved.site_phases,
            )
        )
    return evs


def idle_charger_kw(
    reading: SiteReading, chargers: Mapping[str, ChargerConfig], store: RequestStore
) -> float:
    """What the chargers without a car could draw once one arrives (kW; 0: no room kept).

    Only while the site keeps room for arriving cars. Not a charger that is counted apart (a
    fault, or unplugged a moment ago), one whose car would get nothing (*Off*), nor one with a
    reservation ahead: the reservation is already planned as the car that will come.
    """
    controls = store.controls
    if not controls.arrival_room:
        return 0.0
    reserved = {r.charger_id for r in store.reservations.values()}
    return sum(
        charger.max_kw
        for cid, charger in chargers.items()
        if (charger_reading := reading.chargers.get(cid)) is not None
        and not charger_reading.connected
        and charger_reading.fault is None
        and not charger_reading.in_grace
        and controls.mode(cid) is not ChargeMode.OFF
        and cid not in reserved
    )
