"""The Translation for Home Assistant: reads chargers, meters and requests; writes set-points.

Reading is conservative. A charger whose plug or control entity is unavailable is not scheduled
and is counted as drawing its last commanded power (its maximum if it was never commanded). An
unavailable grid meter is replaced by its last good reading for a grace period, then ignored:
the budget is then the fixed limit minus the safety margin. Inputs that go away are logged once,
and once when they return; a configured entity that no longer exists raises a repair issue.

Writing goes through `ChargerCommands`, which spares the chargers' flash.
"""

from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE, UnitOfPower
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .charger_commands import ChargerCommands
from .charger_config import ChargerConfig
from .const import (
    CONF_GRID_POWER_ENTITY,
    CONF_SAFETY_MARGIN_KW,
    CONF_SITE_LIMIT_ENTITY,
    CONF_SITE_LIMIT_KW,
    DEFAULT_SAFETY_MARGIN_KW,
    DEFAULT_SITE_LIMIT_KW,
    DOMAIN,
    FOLLOW_GRACE_S,
    FOLLOW_TOLERANCE_KW,
    LOGGER,
    METER_GRACE_S,
    SUBENTRY_TYPE_CHARGER,
    Control,
)
from .readings import MISSING_STATES, state_kw, state_kwh, state_number
from .scm.constants import SchedulingParameters
from .scm.ev import EV, ChargingProfile, ChargingRateUnit
from .store import ChargingRequest, RequestStore
from .translation import Translation

RESERVATION_PREFIX = "reservation-"


class HomeAssistantTranslation(Translation):
    """One site's chargers and meters, as entities of this Home Assistant."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        store: RequestStore,
        params: SchedulingParameters,
    ) -> None:
        """Read the site's chargers from its subentries."""
        self.hass = hass
        self.entry = entry
        self.store = store
        self.params = params
        self.chargers = {
            subentry_id: ChargerConfig.from_subentry(subentry)
            for subentry_id, subentry in entry.subentries.items()
            if subentry.subentry_type == SUBENTRY_TYPE_CHARGER
        }
        self.commands = ChargerCommands(hass)
        #: Per charger: plugged in now, energy delivered this session (kWh, own estimate).
        self.connected: dict[str, bool] = {}
        self._session_kwh: dict[str, float] = {}
        self._last_read: datetime | None = None
        #: Per charger: why it cannot be scheduled or commanded; requested energy (kWh).
        self.errors: dict[str, str] = {}
        self.requested_kwh: dict[str, float] = {}
        self.departures: dict[str, datetime] = {}
        #: Budget for EVs now (kW), and what unavailable chargers are assumed to draw.
        self.budget_kw = 0.0
        self.reserved_kw = 0.0
        self._meter: tuple[float, datetime] | None = None
        self._gone: set[str] = set()
        #: Chargers that drew more than they were told, and how much.
        self.not_following: dict[str, str] = {}

    # --- what to watch -------------------------------------------------------------------
    def source_entity_ids(self) -> set[str]:
        """Every entity whose state changes should trigger a re-plan."""
        options = self.entry.options
        site = {options.get(CONF_SITE_LIMIT_ENTITY), options.get(CONF_GRID_POWER_ENTITY)}
        chargers = {e for c in self.chargers.values() for e in c.source_entity_ids()}
        return {entity_id for entity_id in site | chargers if entity_id}

    def _state(self, entity_id: str | None) -> State | None:
        """The entity's state; logs once when it goes away and once when it returns."""
        if entity_id is None:
            return None
        state = self.hass.states.get(entity_id)
        missing = state is None or state.state == STATE_UNAVAILABLE
        issue_id = f"missing_entity_{self.entry.entry_id}_{entity_id}"
        if missing and entity_id not in self._gone:
            self._gone.add(entity_id)
            LOGGER.warning(
                "%s: %s is unavailable; planning conservatively", self.entry.title, entity_id
            )
        elif not missing and entity_id in self._gone:
            self._gone.discard(entity_id)
            LOGGER.info("%s: %s is available again", self.entry.title, entity_id)
        if state is None and self.hass.is_running:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="missing_entity",
                translation_placeholders={"entity_id": entity_id, "site": self.entry.title},
            )
        elif state is not None:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        return state

    # --- reading ---------------------------------------------------------------------------
    def _plugged_in(self, charger: ChargerConfig) -> bool | None:
        """Whether a car is plugged in; None when the plug entity is unavailable."""
        if charger.plug_entity is None:
            return True  # a charger without a plug sensor always has its car
        state = self._state(charger.plug_entity)
        if state is None or state.state in MISSING_STATES:
            return None
        return state.state.lower() in charger.plug_states

    def _controllable(self, charger: ChargerConfig) -> bool:
        """Whether the charger's control can be used now."""
        if charger.control is Control.OCPP:
            return self.hass.services.has_service("ocpp", "set_charge_rate")
        state = self._state(charger.control_entity)
        return state is not None and state.state != STATE_UNAVAILABLE

    def _track_session(self, charger: ChargerConfig, *, plugged: bool, now: datetime) -> None:
        """Start, continue or end a session: integrate delivered energy, drop a finished request."""
        was = self.connected.get(charger.charger_id)
        if plugged and not was:
            self._session_kwh[charger.charger_id] = 0.0
        elif plugged and self._last_read is not None:
            actual = state_kw(self._state(charger.power_entity))
            kw = (
                actual
                if actual is not None
                else self.commands.commanded_kw.get(charger.charger_id, 0.0)
            )
            hours = (now - self._last_read) / timedelta(hours=1)
            self._session_kwh[charger.charger_id] = self._session_kwh.get(
                charger.charger_id, 0.0
            ) + max(kw, 0.0) * max(hours, 0.0)
        if was and not plugged:
            self.store.clear_request(charger.charger_id)  # the car left: its request ends
        self.connected[charger.charger_id] = plugged

    def _drawing_kw(self, charger: ChargerConfig) -> float:
        """What a charger draws now: its power sensor, else what it was last told (kW)."""
        actual = state_kw(self._state(charger.power_entity))
        if actual is not None:
            return actual
        return self.commands.commanded_kw.get(charger.charger_id, 0.0)

    def _delivered_kwh(self, charger: ChargerConfig) -> float:
        """Energy delivered in this session: the charger's meter, else our own estimate."""
        metered = state_kwh(self._state(charger.session_energy_entity))
        return metered if metered is not None else self._session_kwh.get(charger.charger_id, 0.0)

    def _energy_kwh(self, charger: ChargerConfig, request: ChargingRequest | None) -> float:
        """Energy still wanted: from the SoC, else the request (or default) minus delivered."""
        soc = state_number(self._state(charger.soc_entity))
        if soc is not None and (request is None or request.energy_kwh is None):
            target = charger.target_soc
            if request is not None and request.target_soc is not None:
                target = request.target_soc
            return max(0.0, (target - soc) / 100 * charger.battery_kwh)
        wanted = charger.default_energy_kwh
        if request is not None and request.energy_kwh is not None:
            wanted = request.energy_kwh
        return max(0.0, wanted - self._delivered_kwh(charger))

    def _departure(
        self, charger: ChargerConfig, request: ChargingRequest | None, now: datetime
    ) -> datetime:
        """The request's departure if still ahead, else the next default departure time."""
        if request is not None and request.departure is not None and request.departure > now:
            return request.departure
        local = dt_util.as_local(now)
        candidate = datetime.combine(local.date(), charger.default_departure, local.tzinfo)
        if candidate <= local:
            tomorrow = local.date() + timedelta(days=1)
            candidate = datetime.combine(tomorrow, charger.default_departure, local.tzinfo)
        return candidate

    def _unit(self, charger: ChargerConfig) -> ChargingRateUnit:
        if charger.control is Control.NUMBER:
            state = self.hass.states.get(charger.control_entity or "")
            unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) if state else None
            return ChargingRateUnit.A if unit == "A" else ChargingRateUnit.W
        return ChargingRateUnit.A if charger.control is Control.OCPP else ChargingRateUnit.W

    def _transaction_id(self, charger: ChargerConfig) -> int | None:
        value = state_number(self._state(charger.transaction_entity))
        return int(value) if value is not None else None

    def _ignored_command(
        self, charger: ChargerConfig, now: datetime, verdict: str | None
    ) -> str | None:
        """Why the charger is not following its last command, or None if it is (or can't tell).

        A charger is given `FOLLOW_GRACE_S` after a write to settle (meanwhile the last `verdict`
        stands); then drawing more than the command plus `FOLLOW_TOLERANCE_KW` (or 10 %) means it
        ignored it (the OCPP integration, for one, reports a rejected profile as a success).
        """
        actual = state_kw(self._state(charger.power_entity))
        written = self.commands.written.get(charger.charger_id)
        commanded = self.commands.commanded_kw.get(charger.charger_id)
        if actual is None or written is None or commanded is None:
            return None
        if now - written[1] < timedelta(seconds=FOLLOW_GRACE_S):
            return verdict
        if actual <= commanded + max(FOLLOW_TOLERANCE_KW, 0.1 * commanded):
            return None
        return f"not following its limit: draws {actual:.2f} kW, told {commanded:.2f} kW"

    def _take_arrived_reservations(self, now: datetime) -> None:
        """A reservation whose car has arrived becomes the session's request."""
        for reservation in list(self.store.reservations.values()):
            cid = reservation.charger_id
            if reservation.arrival <= now and self.connected.get(cid):
                self.store.set_request(
                    cid,
                    ChargingRequest(
                        energy_kwh=reservation.energy_kwh, departure=reservation.departure
                    ),
                )
                self.store.cancel_reservation(reservation.reservation_id)

    async def get_evs(self, group_name: str) -> tuple[list[EV], float | None]:  # noqa: ARG002
        """Plugged-in chargers as active EVs, reservations as future ones."""
        now = dt_util.utcnow()
        evs: list[EV] = []
        self.errors.clear()
        previously, self.not_following = self.not_following, {}
        self.requested_kwh.clear()
        self.departures.clear()
        self.reserved_kw = 0.0
        for charger in self.chargers.values():
            cid = charger.charger_id
            plugged = self._plugged_in(charger)
            if plugged is None or not self._controllable(charger):
                self.errors[cid] = "unavailable"
                self.reserved_kw += self.commands.commanded_kw.get(cid, charger.max_kw)
                continue
            self._track_session(charger, plugged=plugged, now=now)
            excess = self._ignored_command(charger, now, previously.get(cid))
            if plugged and excess is not None:
                # It draws more than it was told: count what it draws, tell it to stop.
                if cid not in previously:
                    LOGGER.warning(
                        "%s: %s is %s; stopping it", self.entry.title, charger.name, excess
                    )
                self.errors[cid] = excess
                drawn = state_kw(self._state(charger.power_entity))
                self.reserved_kw += charger.max_kw if drawn is None else drawn
                self.not_following[cid] = excess
            elif cid in previously:
                LOGGER.info("%s: %s follows its limit again", self.entry.title, charger.name)
        self._take_arrived_reservations(now)
        for charger in self.chargers.values():
            cid = charger.charger_id
            if cid in self.errors or not self.connected.get(cid):
                continue
            request = self.store.requests.get(cid)
            energy = self._energy_kwh(charger, request)
            departure = self._departure(charger, request, now)
            plug = self.hass.states.get(charger.plug_entity or "")
            arrival = min(plug.last_changed if plug else now, now)
            self.requested_kwh[cid] = energy
            self.departures[cid] = departure
            evs.append(self._ev(charger, cid, arrival, departure, energy, active=True))
        for reservation in self.store.reservations.values():
            reserved = self.chargers.get(reservation.charger_id)
            if reserved is None or reservation.departure <= now:
                continue
            evs.append(
                self._ev(
                    reserved,
                    f"{RESERVATION_PREFIX}{reservation.reservation_id}",
                    max(reservation.arrival, now),
                    reservation.departure,
                    reservation.energy_kwh,
                    active=False,
                )
            )
        self._last_read = now
        return evs, None

    def _ev(
        self,
        charger: ChargerConfig,
        ev_id: str,
        arrival: datetime,
        departure: datetime,
        energy: float,
        *,
        active: bool,
    ) -> EV:
        return EV(
            ev_id=ev_id,
            active=active,
            station_id=charger.charger_id,
            min_power=min(charger.min_kw, charger.max_kw),
            max_power=charger.max_kw,
            arrival_time=arrival,
            departure_time=departure,
            energy=energy,
            unit=self._unit(charger),
            voltage=charger.voltage,
            phases=charger.phases,
            transaction_id=self._transaction_id(charger) if active else None,
        )

    def _site_limit_kw(self) -> float:
        """The limit entity's value (kW), or the fixed limit when it has none."""
        options = self.entry.options
        fixed = float(options.get(CONF_SITE_LIMIT_KW, DEFAULT_SITE_LIMIT_KW))
        entity = options.get(CONF_SITE_LIMIT_ENTITY)
        if entity is None:
            return fixed
        value = state_kw(self._state(entity))
        return fixed if value is None else value

    def _non_ev_kw(self, now: datetime) -> float | None:
        """The site's load other than the EVs (kW): grid import minus the EVs' draw.

        An unavailable meter's last good value stands for `METER_GRACE_S`; then None.
        """
        entity = self.entry.options.get(CONF_GRID_POWER_ENTITY)
        if entity is None:
            return 0.0
        grid = state_kw(self._state(entity), UnitOfPower.WATT)
        if grid is None:
            if self._meter and now - self._meter[1] <= timedelta(seconds=METER_GRACE_S):
                grid = self._meter[0]
            else:
                return None
        else:
            self._meter = (grid, now)
        ev_draw = sum(self._drawing_kw(charger) for charger in self.chargers.values())
        return max(0.0, grid - ev_draw)

    async def get_peak_power_demand(
        self,
        group_name: str,  # noqa: ARG002
        now: datetime,
        voltage: float | None = None,  # noqa: ARG002
    ) -> list[float]:
        """The EV budget per step (kW): limit - other load - margin - unavailable chargers."""
        del now  # the budget is flat over the horizon; the meter's age counts in real time
        margin = float(self.entry.options.get(CONF_SAFETY_MARGIN_KW, DEFAULT_SAFETY_MARGIN_KW))
        non_ev = self._non_ev_kw(dt_util.utcnow())
        if non_ev is None:
            fixed = float(self.entry.options.get(CONF_SITE_LIMIT_KW, DEFAULT_SITE_LIMIT_KW))
            budget = fixed - margin
        else:
            budget = self._site_limit_kw() - non_ev - margin
        self.budget_kw = max(0.0, budget - self.reserved_kw)
        return [self.budget_kw] * self.params.steps

    # --- writing -----------------------------------------------------------------------------
    async def send_power_to_evs(
        self,
        powers: dict[EV, ChargingProfile],
        unit: ChargingRateUnit | None = None,  # noqa: ARG002
    ) -> None:
        """Command every readable charger: its plan's first step, or 0 without a car."""
        plans = {ev.ev_id: (ev, profile) for ev, profile in powers.items() if ev.active}
        now = dt_util.utcnow()
        for charger in self.chargers.values():
            cid = charger.charger_id
            if cid in self.errors and cid not in self.not_following:
                continue  # unreadable: leave it at its last command (counted in the budget)
            ev, profile = plans.get(cid, (None, None))
            kw = ev.power[0] if ev is not None and ev.power else 0.0
            try:
                await self.commands.async_command(charger, kw, profile, now)
            except (HomeAssistantError, ValueError) as err:
                self.errors[cid] = f"write failed: {err}"
                LOGGER.warning("%s: writing to %s failed: %s", self.entry.title, charger.name, err)
