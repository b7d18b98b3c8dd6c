"""The Translation for Home Assistant: reads the site into one `SiteReading`, commands chargers.

Reading is conservative (DESIGN §5). A charger that cannot be read, commanded or confirmed is
not planned: it is counted at the most it may be drawing (`Actuator.bound_kw`) and the others are
planned around it; a charger that failed is sent its stop value until that is confirmed. A
`number` that cannot pause, and a charger that must stay on a little longer (`MIN_ON_S`), is
planned on top of a floor that is counted apart; a charger switched off stays off for
`MIN_OFF_S`. Writing goes through the `Actuator`, which confirms each command.
"""

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .actuator import Actuator
from .charger_config import ChargerConfig
from .charger_control import Command
from .charger_intake import ChargerIntake
from .charger_reader import ChargerReader
from .const import LOGGER, SUBENTRY_TYPE_CHARGER, ChargerFault, Control
from .input_watch import InputWatch
from .min_on_time import hold_on
from .ocpp_profiles import stop_profile, valid_transaction
from .phase_budget import PhaseBudget
from .phase_choice import phase_switches
from .phase_switch import PhaseSwitcher
from .price_source import PriceSource
from .scm.constants import TOLERANCE, SchedulingParameters
from .scm.ev import EV, ChargingProfile, ChargingRateUnit
from .sessions import SessionTracker
from .site_budget import SiteBudget
from .site_controls import ChargeMode
from .site_evs import Wanted, active_ev, idle_charger_kw, reservation_evs
from .site_reading import ChargerReading, SiteReading
from .solar_forecast import SolarForecast
from .solar_surplus import async_surplus
from .store import RequestStore
from .take_now import TakeNow, take_now
from .translation import CycleExtras, Translation


class HomeAssistantTranslation(Translation):
    """One site's chargers and meters, as entities of this Home Assistant."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        store: RequestStore,
        params: SchedulingParameters,
        *,
        request_replan: Callable[[str], None],
        retired: Mapping[str, ChargerConfig] | None = None,
    ) -> None:
        """Read the site's chargers from its subentries; `retired` were removed just now."""
        self.hass = hass
        self.entry = entry
        self.store = store
        self.params = params
        self.chargers = {
            subentry_id: ChargerConfig.from_subentry(subentry)
            for subentry_id, subentry in entry.subentries.items()
            if subentry.subentry_type == SUBENTRY_TYPE_CHARGER
        }
        self.retired = {cid: c for cid, c in (retired or {}).items() if cid not in self.chargers}
        self._retired_at = dt_util.utcnow()
        self.watch = InputWatch(hass, entry)
        self.site = SiteBudget(entry.options, self.watch.state)
        self.sessions = SessionTracker(store)
        self.phase_switcher = PhaseSwitcher(hass, self.chargers)
        self.actuator = Actuator(
            hass, {**self.chargers, **self.retired}, request_replan, self.phase_switcher
        )
        self.reader = ChargerReader(hass, self.watch, self.actuator)
        self.prices = PriceSource(hass, entry.options)
        self.solar = SolarForecast(hass, entry.options)
        self.phase_budget = PhaseBudget(entry.options, self.watch.state)
        self.intake = ChargerIntake(
            watch=self.watch,
            actuator=self.actuator,
            reader=self.reader,
            sessions=self.sessions,
            store=store,
        )
        self.reading: SiteReading | None = None
        self._wanted: dict[str, Wanted] = {}
        #: The chargers that can pause whose car wants energy and can be planned (all modes).
        self._wanting: set[str] = set()

    # --- what to watch ---------------------------------------------------------------------
    def trigger_entity_ids(self) -> set[str]:
        """Entities whose changes re-plan at once (the grid meter only past a threshold)."""
        chargers = {e for c in self.chargers.values() for e in c.trigger_entity_ids()}
        sources = self.prices.entity_ids() | self.solar.entity_ids()
        return self.site.entity_ids() | chargers | sources

    def control_entity_ids(self) -> set[str]:
        """Entities that command or report a limit: only their availability re-plans."""
        return {e for c in self.chargers.values() for e in c.readback_entity_ids()}

    def power_entity_ids(self) -> set[str]:
        """Power sensors: read on every change, but they re-plan only when one is over."""
        chargers = {c.power_entity for c in self.chargers.values() if c.power_entity}
        return chargers | self.phase_budget.entity_ids()

    def power_changed(self, entity_id: str) -> bool:
        """Whether a meter's or power sensor's new value is reason to re-plan now.

        The grid meter: the load beside the chargers left the band the plan uses
        (`SiteBudget.leaves_band`), or the site draws more than its limit. A charger's power
        sensor: it draws more than the limit it applies (and it had time to settle).
        """
        if self.reading is None:
            return True
        if entity_id == self.site.grid_entity:
            draw = sum(self.reader.drawing_kw(c) for c in self.chargers.values())
            solar = any(
                c.mode is ChargeMode.SOLAR and c.connected for c in self.reading.chargers.values()
            )
            return self.site.meter_moved(draw, self.reading.budget.limit_kw, follow_surplus=solar)
        now = dt_util.utcnow()
        if entity_id in self.phase_budget.sensors:
            return self.phase_budget.over_limit(now)
        for charger in self.chargers.values():
            if charger.power_entity == entity_id and self.reader.overdraws(charger, now):
                return True
        return False

    # --- the Translation ------------------------------------------------------------------------
    async def get_evs(self, group_name: str) -> tuple[list[EV], float | None]:  # noqa: ARG002
        """Read the whole site; plannable chargers as active EVs, reservations as future ones."""
        now = dt_util.utcnow()
        readings: dict[str, ChargerReading] = {}
        self._wanted = {}
        for cid, charger in self.phase_switcher.current().items():
            self.chargers[cid] = self.actuator.controls[cid].charger = charger
        for cid, charger in self.chargers.items():
            last = self.reading.chargers.get(cid) if self.reading is not None else None
            readings[cid], wanted = self.intake.read(charger, now, last)
            if wanted is not None:
                self._wanted[cid] = wanted
        for cid, charger in list(self.retired.items()):
            if (retired := self.intake.read_retired(charger, now, self._retired_at)) is None:
                del self.retired[cid]
            else:
                readings[cid] = retired
        draw = sum(self.reader.drawing_kw(c) for c in self.chargers.values())
        budget = self.site.read(draw, now)
        room = budget.ev_kw - sum(r.reserved_kw for r in readings.values())
        room -= sum(w.floor_kw for w in self._wanted.values())
        on = {cid for cid, link in self.actuator.links.items() if link.on_since is not None}
        self._wanting = {
            cid
            for cid, w in self._wanted.items()
            if w.energy_kwh > TOLERANCE and w.floor_kw <= TOLERANCE  # it can pause
        }
        room = take_now(
            self._wanted,
            readings,
            self.chargers,
            TakeNow(
                room_kw=room,
                surplus_kw=budget.surplus_kw,
                charging=on,
                now=now,
                keep_min=frozenset(self.store.controls.solar_keep_min),
            ),
            self.params,
        )
        evs = [
            active_ev(self.chargers[cid], w, now, self.reader.unit(self.chargers[cid]))
            for cid, w in self._wanted.items()
        ]
        evs.extend(reservation_evs(self.store, self.chargers, self.reader.unit, now))
        configs = dict(self.chargers)
        self.reading = SiteReading(
            now=now, budget=budget, plan_kw=max(0.0, room), chargers=readings, configs=configs
        )
        return evs, None

    async def get_peak_power_demand(
        self,
        group_name: str,  # noqa: ARG002
        now: datetime,
        voltage: float | None = None,  # noqa: ARG002
    ) -> list[float]:
        """The room for planned EVs per step (kW), from this cycle's reading."""
        del now  # the budget is flat over the horizon, but for the steps of *Fast* chargers
        if self.reading is None:
            return [0.0] * self.params.steps
        return self.reading.room_per_step(self.params.steps)

    async def get_prices(self, group_name: str, now: datetime) -> list[float] | None:  # noqa: ARG002
        """The source's price per step (the cap applied), None without prices (`price_source`)."""
        if self.reading is None:
            return None
        prices = await self.prices.async_step_prices(
            now, self.params, self.store.controls.price_cap
        )
        self.reading = replace(self.reading, prices=prices)
        return list(prices.planning) if prices is not None else None

    async def get_extras(self, group_name: str, now: datetime) -> CycleExtras:  # noqa: ARG002
        """The solar surplus forecast, its price, and the phase limits left for planned EVs."""
        if self.reading is None:
            return CycleExtras()
        chargers = {**self.chargers, **self.retired}
        phases = self.phase_budget.limits_a_per_step(
            self.reading, chargers, self.reader.drawing_kw, self.params.steps
        )
        if phases:
            self.reading = replace(self.reading, phase_room_a=tuple(phases[0]))
        surplus = await async_surplus(self.solar, now, self.params, self.reading.budget)
        faults = {"price_source": self.prices.fault, "solar_forecast": self.solar.fault}
        self.reading = replace(self.reading, source_faults=faults)
        return CycleExtras(
            surplus_kw=surplus,
            feed_in_price=self.solar.feed_in_price,
            phase_limits_a=phases,
            idle_kw=idle_charger_kw(self.reading, self.chargers, self.store),
        )

    def _hold_on(self, plans: dict[str, tuple[EV, ChargingProfile]]) -> None:
        """Keep chargers switched on less than `MIN_ON_S` ago on (`min_on_time.hold_on`)."""
        if self.reading is None:
            return
        held = {cid: w.floor_kw for cid, w in self._wanted.items() if w.held}
        self.reading = hold_on(self.reading, plans, held, self.chargers, self.actuator.links)

    async def send_power_to_evs(
        self,
        powers: dict[EV, ChargingProfile],
        unit: ChargingRateUnit | None = None,  # noqa: ARG002
    ) -> None:
        """Hand every commandable charger's command to the actuator (it sends and confirms)."""
        if self.actuator.closed or self.reading is None or not self.store.control_chargers:
            return  # closed, nothing read, or a dry run: plan and show, write nothing
        plans = {ev.ev_id: (ev, profile) for ev, profile in powers.items() if ev.active}
        self._hold_on(plans)
        switches = phase_switches(
            self.phase_switcher, self.reading, plans, self.chargers, self._wanting
        )
        now = dt_util.utcnow()
        commands: dict[str, tuple[Command, ChargingProfile | None]] = {}
        for cid, charger in {**self.chargers, **self.retired}.items():
            command = None
            try:
                plan = (None, None) if cid in switches else plans.get(cid, (None, None))
                command = self._command(charger, plan, now, pause=cid in switches)
                due = command is not None and self.actuator.due(cid, *command, now)
            except Exception:  # noqa: BLE001 - one charger must not keep the others back
                LOGGER.exception("Could not tell whether %s needs a command", charger.name)
                due = command is not None  # what the plan counted for it: safe to send
            if due and command is not None:
                commands[cid] = command
        self.actuator.async_apply(commands, switches)

    def _command(
        self,
        charger: ChargerConfig,
        plan: tuple[EV, ChargingProfile] | tuple[None, None],
        now: datetime,
        *,
        pause: bool = False,
    ) -> tuple[Command, ChargingProfile | None] | None:
        """What a charger is to be told now, or None when it is left alone.

        Left alone: unreadable or unplugged within the grace (both counted in the budget), or
        its last command is still being confirmed, or an OCPP charger without a running
        transaction. A charger whose last command failed, or that was removed, is told to stop;
        one to `pause` (to switch its phases) is paused.
        """
        cid, site = charger.charger_id, self.reading
        reading = site.chargers.get(cid) if site is not None else None
        if site is None or reading is None or reading.fault == ChargerFault.UNAVAILABLE:
            return None
        stopping = self.actuator.failing(cid) or cid in self.retired
        if not stopping and (reading.in_grace or not self.actuator.plannable(cid)):
            return None
        ev, profile = plan
        kw = 0.0 if stopping or pause else site.setpoint_kw(cid, ev)
        if charger.control is Control.NUMBER:
            profile = None  # a number takes one value: the plan ahead is not its business
        elif charger.control is Control.OCPP:
            # The transaction the plan was made for: one that started since gets its first
            # profile from the next cycle, which knows it.
            wanted = self._wanted.get(cid)
            transaction = (
                self.reader.transaction_id(charger)
                if stopping
                else (wanted.transaction_id if wanted else None)
            )
            if not valid_transaction(transaction):
                return None  # no TxProfile without a running transaction
            if stopping or profile is None:
                profile = stop_profile(transaction, now, charger.phases_used)
        try:
            return self.actuator.controls[cid].command(kw), profile
        except HomeAssistantError as err:  # its control cannot take a limit now
            self.actuator.record_failure(cid, ChargerFault.WRITE_FAILED, str(err))
            return None
