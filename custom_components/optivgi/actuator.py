"""The actuator: commands a site's chargers and confirms what each really does (DESIGN §5).

Per charger it keeps what was *sent* and what is *confirmed* by reading the charger back. A write
is pending until its read-back matches; unconfirmed within `CONFIRM_WINDOW_S`, failed or timed
out, it counts as a failure: the charger is taken out of the plan, counted at the most it may be
drawing, retried with backoff (with its stop value) and, after `UNRESPONSIVE_AFTER` failures in a
row, reported `unresponsive`. A late read-back that matches recovers it by itself.

Writes run in one background batch per plan: decreases first, all at once, each with its own
timeout, and confirmed; then the phase switches of chargers whose pause is confirmed
(`phase_switch`); then the increases. If a decrease is not confirmed the increases are not sent
(they were planned on the room it would free) and a re-plan is asked for.
"""

import asyncio
from collections.abc import Callable, Mapping
import contextlib
from datetime import datetime, timedelta
import math

from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later, async_track_state_change_event
from homeassistant.util import dt as dt_util

from .charger_config import ChargerConfig
from .charger_control import ChargerControl, Command
from .charger_link import Link, LinkState, Observed, observe, write_wait
from .charger_write import async_write
from .const import DECREASE_SETTLE_S, LOGGER, RETRY_BACKOFF_S, UNRESPONSIVE_AFTER, ChargerFault
from .phase_switch import PhaseSwitcher
from .scm.constants import TOLERANCE
from .scm.ev import ChargingProfile


class Actuator:
    """Sends one site's commands and closes the loop on each charger."""

    def __init__(
        self,
        hass: HomeAssistant,
        chargers: Mapping[str, ChargerConfig],
        request_replan: Callable[[str], None],
        phase_switcher: PhaseSwitcher | None = None,
    ) -> None:
        """One link per charger; nothing is sent before `async_start`."""
        self.hass = hass
        self.phase_switcher = phase_switcher
        self.controls = {cid: ChargerControl(hass, c) for cid, c in chargers.items()}
        self.links = {cid: Link() for cid in chargers}
        self._request_replan = request_replan
        self._batch: asyncio.Task[None] | None = None
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._wakers: dict[str, CALLBACK_TYPE] = {}
        self._changed = asyncio.Event()
        self.closed = False

    # --- lifecycle ------------------------------------------------------------------------------
    @callback
    def async_start(self) -> None:
        """Read back what every charger applies now, and follow its read-back from then on."""
        now = dt_util.utcnow()
        for cid, control in self.controls.items():
            self._observe(cid, control.readback_kw(), now)
        entities = sorted(
            {e for c in self.controls.values() for e in c.charger.readback_entity_ids()}
        )
        if entities:
            self._unsubscribe.append(
                async_track_state_change_event(self.hass, entities, self._readback_changed)
            )

    async def async_close(self) -> None:
        """Stop for good: cancel the batch in flight; nothing is written after this."""
        self.closed = True
        for unsubscribe in (*self._unsubscribe, *self._wakers.values()):
            unsubscribe()
        self._unsubscribe.clear()
        self._wakers.clear()
        if self._batch is not None and not self._batch.done():
            self._batch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._batch

    # --- what the planner needs to know ---------------------------------------------------------
    def plannable(self, cid: str) -> bool:
        """Whether the charger can be planned freely: confirmed, and following its limit."""
        link = self.links[cid]
        return link.state is LinkState.CONFIRMED and link.reason != ChargerFault.NOT_FOLLOWING

    def bound_kw(self, cid: str, drawing_kw: float | None, max_kw: float) -> float:
        """The most a charger that is not plannable may be drawing (kW).

        Its measured draw if it has a power sensor (at least the limit it reports); else the
        highest of what it reports, what it was last told and what it was confirmed at, and
        its maximum when it cannot report its limit.
        """
        link = self.links[cid]
        readback = self.controls[cid].readback_kw()
        if drawing_kw is not None:
            return max(drawing_kw, readback or 0.0)
        sent = link.sent.kw if link.sent is not None else None
        known = [v for v in (readback, link.confirmed_kw, sent) if v is not None]
        if readback is None:
            known.append(max_kw)  # it cannot tell its limit: it may be at its maximum
        return max(known)

    def new_session(self, cid: str) -> None:
        """A new car or transaction: forget what was sent, so its first command goes out."""
        link = self.links[cid]
        link.sent, link.sent_at, link.sent_profile = None, None, None
        link.on_since = link.off_since = None

    def mark_not_following(self, cid: str, detail: str) -> None:
        """The charger draws more than it was told: count it at its draw and stop it."""
        link = self.links[cid]
        if link.reason != ChargerFault.NOT_FOLLOWING:
            LOGGER.warning(
                "%s is not following its limit (%s); stopping it", self._name(cid), detail
            )
        link.state, link.reason, link.detail = LinkState.FAILED, ChargerFault.NOT_FOLLOWING, detail
        link.sent = None  # the stop must go out, whatever was sent before

    def failing(self, cid: str) -> bool:
        """Whether the charger's last command failed (it is sent its stop value until fixed)."""
        link = self.links[cid]
        return link.reason == ChargerFault.NOT_FOLLOWING or link.state in (
            LinkState.FAILED,
            LinkState.UNRESPONSIVE,
        )

    # --- read-back ------------------------------------------------------------------------------
    @callback
    def _readback_changed(self, event: Event[EventStateChangedData]) -> None:
        now = dt_util.utcnow()
        for cid, control in self.controls.items():
            if event.data["entity_id"] in control.charger.readback_entity_ids():
                self._observe(cid, control.readback_kw(), now)
        self._changed.set()

    def _observe(self, cid: str, readback: float | None, now: datetime) -> None:
        """A read-back: confirm, recover, or catch a charger that raised its limit itself."""
        if readback is None:
            return
        was = self.links[cid].state
        observed = observe(self.links[cid], readback, self.controls[cid].deadband_kw, now)
        name = self._name(cid)
        if observed is Observed.RAISED:
            LOGGER.warning("%s changed its limit by itself to %.2f kW; stopping it", name, readback)
            self._ask(f"{name} changed its limit")
        elif observed is Observed.RECOVERED:
            if was is LinkState.UNRESPONSIVE:
                LOGGER.info("%s responds again", name)
            self._ask(f"{name} responds again")

    def _ask(self, reason: str) -> None:
        if not self.closed:
            self._request_replan(reason)

    # --- writing --------------------------------------------------------------------------------
    def due(
        self, cid: str, command: Command, profile: ChargingProfile | None, now: datetime
    ) -> bool:
        """Whether `command` must be sent now; an increase held back wakes a re-plan later."""
        wait = write_wait(self.links[cid], command, profile, now, self.controls[cid].deadband_kw)
        if 0 < wait < math.inf:
            self._wake_in(cid, wait, "an increase held back a minute")
        return wait == 0

    @callback
    def async_apply(
        self,
        commands: Mapping[str, tuple[Command, ChargingProfile | None]],
        switches: Mapping[str, int] | None = None,
    ) -> None:
        """Send a plan's commands in the background; a batch still in flight is superseded.

        `switches`: chargers to switch to that many phases once their pause is confirmed.
        """
        if self.closed:
            return
        if self._batch is not None and not self._batch.done():
            self._batch.cancel()
        self._batch = self.hass.async_create_background_task(
            self._async_batch(dict(commands), dict(switches or {})),
            "optivgi actuation",
            eager_start=True,
        )

    async def _async_batch(
        self, commands: dict[str, tuple[Command, ChargingProfile | None]], switches: dict[str, int]
    ) -> None:
        now = dt_util.utcnow()
        decreases: dict[str, tuple[Command, ChargingProfile | None]] = {}
        increases: dict[str, tuple[Command, ChargingProfile | None]] = {}
        for cid, (command, profile) in commands.items():
            link = self.links[cid]
            current = self.controls[cid].charger.max_kw
            current = link.confirmed_kw if link.confirmed_kw is not None else current
            down = command.kw < current or link.state is not LinkState.CONFIRMED
            (decreases if down else increases)[cid] = (command, profile)
        if not await self._async_send_all(decreases, now):
            self._request_replan("a decrease was not confirmed")
            return
        if decreases and (increases or switches):
            # A charger applies a lower limit at once, its car follows within seconds: the
            # room it frees is only there after that, and its contactor is open.
            await asyncio.sleep(DECREASE_SETTLE_S)
        if switches:
            await self._async_switch_phases(switches)
        if not await self._async_send_all(increases, now):
            self._request_replan("a write was not confirmed")

    async def _async_send_all(
        self, commands: dict[str, tuple[Command, ChargingProfile | None]], now: datetime
    ) -> bool:
        results = await asyncio.gather(
            *(
                self._async_send(cid, command, profile, now)
                for cid, (command, profile) in commands.items()
            )
        )
        return all(results)

    async def _async_switch_phases(self, switches: dict[str, int]) -> None:
        """Switch the chargers whose pause is confirmed; the next plan counts their phases."""
        paused = {
            cid: phases
            for cid, phases in switches.items()
            if self.links[cid].state is LinkState.CONFIRMED
            and (self.links[cid].confirmed_kw or 0.0) <= TOLERANCE
        }
        if self.phase_switcher is None or not paused:
            return
        for cid, failure in await self.phase_switcher.async_switch_all(paused, self._changed):
            self._fail(cid, *failure)
        self._ask("phases switched")

    async def _async_send(
        self, cid: str, command: Command, profile: ChargingProfile | None, now: datetime
    ) -> bool:
        """Send one command and wait for its read-back; never raises."""
        if self.closed:
            return False
        link, control = self.links[cid], self.controls[cid]
        link.sent, link.sent_at, link.sent_profile = command, now, profile
        link.state = LinkState.PENDING
        failure = await async_write(control, command, profile, self._changed)
        if failure is not None:
            return self._fail(cid, *failure)
        readback = control.readback_kw() if control.can_read_back() else command.kw
        self._observe(cid, readback, dt_util.utcnow())
        return True

    def record_failure(self, cid: str, reason: ChargerFault, detail: str) -> None:
        """A command that could not even be made (its control cannot take a limit).

        It counts once per retry, like a write that failed, however often a cycle asks.
        """
        retry_at = self.links[cid].retry_at
        if retry_at is None or dt_util.utcnow() >= retry_at:
            self._fail(cid, reason, detail)

    def _fail(self, cid: str, reason: ChargerFault, detail: str) -> bool:
        link = self.links[cid]
        link.failures += 1
        link.reason, link.detail = reason, detail
        delay = RETRY_BACKOFF_S[min(link.failures, len(RETRY_BACKOFF_S)) - 1]
        link.retry_at = dt_util.utcnow() + timedelta(seconds=delay)
        if link.failures >= UNRESPONSIVE_AFTER:
            if link.state is not LinkState.UNRESPONSIVE:
                LOGGER.warning("%s is unresponsive: %s", self._name(cid), detail)
            link.state = LinkState.UNRESPONSIVE
        else:
            if link.failures == 1:
                LOGGER.info(
                    "Writing to %s failed (%s); retrying in %.0f s", self._name(cid), detail, delay
                )
            link.state = LinkState.FAILED
        self._wake_in(cid, delay, f"retry {self._name(cid)}")
        return False

    def _wake_in(self, cid: str, seconds: float, reason: str) -> None:
        """Re-plan in `seconds`, for this charger (one pending wake-up per charger)."""
        if self.closed:
            return
        if (cancel := self._wakers.pop(cid, None)) is not None:
            cancel()

        @callback
        def wake(_: datetime) -> None:
            self._wakers.pop(cid, None)
            self._request_replan(reason)

        self._wakers[cid] = async_call_later(self.hass, seconds, wake)

    def _name(self, cid: str) -> str:
        return self.controls[cid].charger.name
