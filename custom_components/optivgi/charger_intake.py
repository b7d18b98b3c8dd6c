"""One charger in one cycle: its reading, and what its car wants if the charger can be planned.

Conservative (DESIGN §5): a charger that cannot be read, commanded or confirmed is not planned but
counted at the most it may be drawing (`Actuator.bound_kw`); one unplugged within the grace is
held as it was; an OCPP charger without a transaction is left to its default profile. A charger
whose mode is *Off* is not planned either: only a floor it cannot go below is counted.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .actuator import Actuator
from .charger_config import ChargerConfig
from .charger_reader import ChargerReader
from .const import CONFIRM_WINDOW_S, MIN_OFF_S, MIN_ON_S, ChargerFault, Control
from .input_watch import InputWatch
from .ocpp_profiles import valid_transaction
from .readings import state_kwh, state_number
from .requests import departure_for, energy_wanted, take_arrived_reservation
from .scm.constants import TOLERANCE
from .sessions import SessionTracker
from .site_controls import ChargeMode
from .site_evs import Wanted
from .site_reading import ChargerReading
from .store import RequestStore, Session


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargerIntake:
    """Reads the site's chargers, one at a time, with the translation's parts."""

    watch: InputWatch
    actuator: Actuator
    reader: ChargerReader
    sessions: SessionTracker
    store: RequestStore

    def read(
        self, charger: ChargerConfig, now: datetime, last: ChargerReading | None
    ) -> tuple[ChargerReading, Wanted | None]:
        """One charger's reading (`last` is the previous cycle's), and what it wants."""
        cid = charger.charger_id
        link = self.actuator.links[cid]
        plugged = self.reader.plugged_in(charger)
        if plugged is None or not self.reader.controllable(charger):
            reading = ChargerReading(
                connected=False, fault=ChargerFault.UNAVAILABLE, reserved_kw=self._bound(charger)
            )
            return reading, None
        transaction = self.reader.transaction_id(charger)
        session, new = self.sessions.update(
            cid,
            plugged=plugged,
            now=now,
            meter_kwh=state_kwh(self.watch.state(charger.session_energy_entity)),
            power_kw=self.reader.drawing_kw(charger),
            transaction_id=str(transaction) if valid_transaction(transaction) else None,
        )
        if new:
            self.actuator.new_session(cid)
        self.reader.check_following(charger, now)
        fault = link.reason  # the last failure stands until a command is confirmed
        if session is None:
            return ChargerReading(connected=False, fault=fault, unresponsive=False), None
        if not plugged:  # within the grace: held as it was (`ChargerReading.in_grace`)
            reading = ChargerReading(
                connected=True,
                requested_kwh=last.requested_kwh if last is not None else 0.0,
                departure=last.departure if last is not None else None,
                fault=fault,
                reserved_kw=(bound := self._bound(charger)),
                floor_kw=bound,  # shown as what it draws; counted once, as reserved
                in_grace=True,
            )
            return reading, None
        if not self.actuator.plannable(cid):
            reading = ChargerReading(
                connected=True,
                fault=fault,
                fault_detail=link.detail,
                unresponsive=link.state == "unresponsive",
                reserved_kw=self._bound(charger),
            )
            return reading, None
        if charger.control is Control.OCPP and not valid_transaction(transaction):
            # No transaction yet: nothing can be sent; the charger's default profile decides.
            return ChargerReading(connected=True, reserved_kw=charger.safe_kw), None
        return self._wants(charger, session, transaction, now)

    def read_retired(
        self, charger: ChargerConfig, now: datetime, since: datetime
    ) -> ChargerReading | None:
        """A charger removed at `since`: counted at its bound until its stop is confirmed.

        None once it is (or after `CONFIRM_WINDOW_S`): it is then forgotten.
        """
        link = self.actuator.links[charger.charger_id]
        settled = (
            link.sent is not None
            and link.state == "confirmed"
            and (link.confirmed_kw or 0.0) <= TOLERANCE
        )
        if settled or now - since > timedelta(seconds=CONFIRM_WINDOW_S):
            return None
        return ChargerReading(connected=False, reserved_kw=self._bound(charger))

    def _bound(self, charger: ChargerConfig) -> float:
        """The most a charger that is not planned may be drawing (kW): it is counted at that."""
        measured = self.reader.measured_kw(charger)
        return self.actuator.bound_kw(charger.charger_id, measured, charger.max_kw)

    def _wants(
        self, charger: ChargerConfig, session: Session, transaction: int | None, now: datetime
    ) -> tuple[ChargerReading, Wanted | None]:
        """A plugged-in charger that can be planned: its car's request, floor and on/off times."""
        cid = charger.charger_id
        link = self.actuator.links[cid]
        take_arrived_reservation(self.store, cid, session, now)
        request = self.store.requests.get(cid)
        energy = energy_wanted(
            charger,
            request,
            session.delivered_kwh,
            state_number(self.watch.state(charger.soc_entity)),
        )
        departure = departure_for(charger, request, now)
        floor = self.actuator.controls[cid].floor_kw()
        mode = self.store.controls.mode(cid)
        if mode is ChargeMode.OFF:  # paused: only a floor it cannot go below is counted
            off = ChargerReading(
                connected=True,
                requested_kwh=energy,
                departure=departure,
                floor_kw=floor,
                reserved_kw=floor,  # shown as what it draws; counted once, as reserved
                mode=mode,
            )
            return off, None
        arrival = now
        if link.off_since is not None and (now - link.off_since).total_seconds() < MIN_OFF_S:
            arrival = link.off_since + timedelta(seconds=MIN_OFF_S)
        wanted = Wanted(
            energy_kwh=energy,
            departure=departure,
            arrival=arrival,
            floor_kw=floor,
            held=link.on_since is not None
            and (now - link.on_since).total_seconds() < MIN_ON_S
            and energy > 0,
            on=link.on_since is not None,
            transaction_id=transaction,
        )
        reading = ChargerReading(
            connected=True, requested_kwh=energy, departure=departure, floor_kw=floor, mode=mode
        )
        return reading, wanted
