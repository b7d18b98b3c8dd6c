"""OCPP TxProfiles in time: when a plan ahead differs from the one a charger holds.

A TxProfile is absolute (`startSchedule` + `startPeriod` seconds) and expires after its
`duration`. It is re-sent when its limits from now on differ from the held one's by more than the
dead-band at any moment both cover, and before the held one runs out.
"""

from datetime import datetime, timedelta
import math

from homeassistant.util import dt as dt_util

from .const import WRITE_DEADBAND_A
from .scm.ev import ChargingProfile, ChargingRateUnit, tx_profile

#: A held profile is re-sent when less than this much of it is left.
RESEND_BEFORE_EXPIRY = timedelta(hours=1)


def _periods(profile: ChargingProfile) -> tuple[datetime | None, list[tuple[float, float]], float]:
    """Start, (seconds from start, limit) per period, and duration (s; inf if none)."""
    schedule = profile.get("chargingSchedule", {})
    start = dt_util.parse_datetime(str(schedule.get("startSchedule", "")))
    periods = [
        (float(p["startPeriod"]), float(p["limit"]))
        for p in schedule.get("chargingSchedulePeriod", [])
    ]
    return start, periods, float(schedule.get("duration", float("inf")))


def _limit_at(periods: list[tuple[float, float]], offset: float) -> float:
    limit = periods[0][1] if periods else 0.0
    for start, value in periods:
        if start <= offset:
            limit = value
    return limit


def valid_transaction(transaction_id: int | None) -> bool:
    """Whether an OCPP transaction id is a running transaction (0 or none is not one)."""
    return transaction_id is not None and transaction_id > 0


def profile_changed(held: ChargingProfile | None, new: ChargingProfile, now: datetime) -> bool:
    """Whether `new` must replace `held`: a new transaction, a changed plan ahead, or expiry."""
    if held is None or held.get("transactionId") != new.get("transactionId"):
        return True
    held_start, held_periods, held_duration = _periods(held)
    new_start, new_periods, _ = _periods(new)
    if held_start is None or new_start is None:
        return True
    # A profile without a duration (the stop profile) never runs out.
    ends = math.isfinite(held_duration)
    if ends and held_start + timedelta(seconds=held_duration) - now < RESEND_BEFORE_EXPIRY:
        return True
    shift = (new_start - held_start).total_seconds()
    moments = {s for s, _ in new_periods} | {s - shift for s, _ in held_periods}
    for offset in sorted(m for m in moments if m >= 0):
        if offset + shift >= held_duration:
            break
        if (
            abs(_limit_at(new_periods, offset) - _limit_at(held_periods, offset + shift))
            >= WRITE_DEADBAND_A
        ):
            return True
    return False


def stop_profile(transaction_id: int | None, now: datetime, phases: int) -> ChargingProfile:
    """A TxProfile that holds the running transaction at 0 A: how an OCPP charger is stopped."""
    period = {"startPeriod": 0, "limit": 0.0, "numberPhases": phases}
    return tx_profile(now, [period], ChargingRateUnit.A, transaction_id=transaction_id)
