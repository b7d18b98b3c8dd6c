"""Sessions: one car's stay on a charger, kept in the store so that it survives restarts.

A session starts when a car is first seen plugged in and ends when it has been seen unplugged
for longer than `PLUG_GRACE_S` (a glitch of the plug sensor is not a departure); at start-up, a
car that is no longer there ends its session. The energy delivered is counted from the
charger's session-energy meter when there is one (a counter that falls was reset: what it showed
is kept) and otherwise integrated from its power. The time integrated is read from a monotonic
clock and capped, so a step of the wall clock neither credits energy nor blocks it; the
monotonic reading is not stored, so after a restart the first reading only sets the baseline
(DESIGN §5, issue "nothing good gets lost").
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
import time

from .store import RequestStore, Session

#: An unplug shorter than this is a glitch: the session and its request stay (s).
PLUG_GRACE_S = 60.0
#: At most this much time is integrated between two readings (s): a clock step forward, or
#: Home Assistant being stopped, must not credit energy that was never delivered.
MAX_INTEGRATION_S = 900.0
#: A meter reading this much below the last one is a counter reset, not noise (kWh).
METER_RESET_KWH = 0.05


class SessionTracker:
    """Keeps each charger's session in the store, up to date with what is read."""

    def __init__(
        self, store: RequestStore, *, monotonic: Callable[[], float] | None = None
    ) -> None:
        """Sessions live in `store`; here only when each charger was last read, monotonic (s).

        `monotonic` defaults to `time.monotonic`, looked up at each call (so a frozen test
        clock is seen); a test passes its own to step the wall clock alone.
        """
        self.store = store
        self._monotonic = monotonic or _monotonic
        #: The monotonic time of each charger's last plugged-in reading in this run.
        self._read_at: dict[str, float] = {}

    def update(
        self,
        cid: str,
        *,
        plugged: bool,
        now: datetime,
        meter_kwh: float | None,
        power_kw: float,
        transaction_id: str | None,
    ) -> tuple[Session | None, bool]:
        """Advance the charger's session by one reading; the session and whether it is new.

        New means a car arrived or a new transaction started: its first command must go out.
        """
        session = self.store.session(cid)
        clock = self._monotonic()
        if not plugged:
            if session is not None and self._gone(cid, session, now, clock):
                self.store.end_session(cid)  # the car left: its request ends with it
                self._read_at.pop(cid, None)
                return None, False
            return session, False
        read_at, self._read_at[cid] = self._read_at.get(cid), clock
        # Seen before in this run: the monotonic time since; else (a new session, or the first
        # reading after a restart) none: this reading only sets the baseline.
        seconds = 0.0 if read_at is None else min(max(clock - read_at, 0.0), MAX_INTEGRATION_S)
        if session is None:
            session = Session(
                started=now,
                last_plugged=now,
                meter_baseline_kwh=None if meter_kwh is None else -meter_kwh,
                meter_last_kwh=meter_kwh,
                transaction_id=transaction_id,
            )
            self.store.set_session(cid, session)
            return session, True
        new_transaction = (
            transaction_id is not None
            and session.transaction_id is not None
            and transaction_id != session.transaction_id
        )
        delivered = self._delivered(session, seconds, meter_kwh, power_kw)
        session = replace(
            session,
            delivered_kwh=delivered[0],
            meter_baseline_kwh=delivered[1],
            meter_last_kwh=meter_kwh if meter_kwh is not None else session.meter_last_kwh,
            last_plugged=now,
            transaction_id=transaction_id or session.transaction_id,
        )
        self.store.set_session(cid, session)
        return session, new_transaction

    def _gone(self, cid: str, session: Session, now: datetime, clock: float) -> bool:
        """Whether an unplugged car has been away longer than the grace: it left.

        Timed on the monotonic clock when it was seen plugged in during this run (a step of the
        wall clock is no departure). At start-up only the stored wall-clock time is known: past
        the grace, or in the future (the clock cannot be trusted), the car left while Home
        Assistant was down.
        """
        read_at = self._read_at.get(cid)
        if read_at is not None:
            return clock - read_at > PLUG_GRACE_S
        last = session.last_plugged or session.started
        return (now - last).total_seconds() > PLUG_GRACE_S or now < last

    @staticmethod
    def _delivered(
        session: Session, seconds: float, meter_kwh: float | None, power_kw: float
    ) -> tuple[float, float | None]:
        """Energy delivered so far (kWh) and the meter's new baseline."""
        baseline = session.meter_baseline_kwh
        if meter_kwh is not None:
            if baseline is None:  # the meter appeared mid-session: count on from our estimate
                baseline = session.delivered_kwh - meter_kwh
            last = session.meter_last_kwh
            if last is not None and meter_kwh < last - METER_RESET_KWH:
                baseline += last  # the counter restarted from 0: keep what it had counted
            return max(0.0, baseline + meter_kwh), baseline
        added = max(power_kw, 0.0) * seconds / 3600
        # While the meter is away, integrate; when it is back it tells the truth again.
        return session.delivered_kwh + added, baseline

    @staticmethod
    def hold_until(session: Session) -> datetime:
        """Until when an unplugged car's session is kept."""
        return (session.last_plugged or session.started) + timedelta(seconds=PLUG_GRACE_S)


def _monotonic() -> float:
    """`time.monotonic()`, looked up when called (a test's frozen clock replaces it)."""
    return time.monotonic()
