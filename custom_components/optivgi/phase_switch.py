"""A charger's 1p/3p switch entity: how many phases it reports, and how it is told.

A `switch` or `input_boolean` is on for 3 phases and off for 1. A `select` or `input_select`
has an option for each: the first whose text starts with "1", and with "3" ("1", "3p",
"3 phases"). Anything else (unavailable, another option) reports nothing; the charger is then
counted on all its phases, which is never less than it draws.
"""

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.components.select import ATTR_OPTION, ATTR_OPTIONS, SERVICE_SELECT_OPTION
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    Platform,
)
from homeassistant.core import HomeAssistant, State, split_entity_id
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .charger_config import ChargerConfig
from .const import (
    CONF_PHASE_SWITCH_ENTITY,
    CONF_PHASES,
    CONF_SINGLE_PHASE_CAR,
    CONFIRM_WINDOW_S,
    DOMAIN,
    LOGGER,
    PHASE_SWITCH_INTERVAL_S,
    WRITE_TIMEOUT_S,
    ChargerFault,
)

#: The two ways a switchable charger can be wired.
ONE_PHASE: Final = 1
THREE_PHASES: Final = 3

_ON_OFF_DOMAINS = frozenset({Platform.SWITCH, "input_boolean"})
_SELECT_DOMAINS = frozenset({Platform.SELECT, "input_select"})
#: What the flow's entity selector offers.
PHASE_SWITCH_DOMAINS = sorted(_ON_OFF_DOMAINS | _SELECT_DOMAINS)


def _options(state: State) -> dict[int, str]:
    """A select's option for 1 and for 3 phases, where it has them."""
    found: dict[int, str] = {}
    for option in state.attributes.get(ATTR_OPTIONS) or ():
        text = str(option).strip()
        for phases in (ONE_PHASE, THREE_PHASES):
            if text.startswith(str(phases)):
                found.setdefault(phases, str(option))
    return found


def reported_phases(state: State | None) -> int | None:
    """The phases (1 or 3) the entity reports; None when it reports neither."""
    if state is None:
        return None
    domain = split_entity_id(state.entity_id)[0]
    if domain in _ON_OFF_DOMAINS:
        return {STATE_ON: THREE_PHASES, STATE_OFF: ONE_PHASE}.get(state.state)
    return next((n for n, option in _options(state).items() if option == state.state), None)


async def async_set_phases(hass: HomeAssistant, entity_id: str, phases: int) -> None:
    """Tell the entity to switch to `phases`; a `HomeAssistantError` if it cannot be told."""
    domain = split_entity_id(entity_id)[0]
    data: dict[str, Any] = {ATTR_ENTITY_ID: entity_id}
    if domain in _ON_OFF_DOMAINS:
        service = SERVICE_TURN_ON if phases == THREE_PHASES else SERVICE_TURN_OFF
    else:
        state = hass.states.get(entity_id)
        option = _options(state).get(phases) if state is not None else None
        if option is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="phase_option_missing",
                translation_placeholders={"entity_id": entity_id, "phases": str(phases)},
            )
        service, data[ATTR_OPTION] = SERVICE_SELECT_OPTION, option
    await hass.services.async_call(domain, service, data, blocking=True)


def phase_switch_error(hass: HomeAssistant, details: Mapping[str, Any]) -> str | None:
    """Why a charger's phase switch cannot work, or None (an error of the details form)."""
    entity_id = details.get(CONF_PHASE_SWITCH_ENTITY)
    if entity_id is None:
        return None
    if details[CONF_PHASES] != THREE_PHASES or details.get(CONF_SINGLE_PHASE_CAR):
        return "phase_switch_not_three_phase"
    if (state := hass.states.get(entity_id)) is None:
        return "entity_not_found"
    is_select = split_entity_id(entity_id)[0] in _SELECT_DOMAINS
    if is_select and set(_options(state)) != {ONE_PHASE, THREE_PHASES}:
        return "phase_switch_options"
    return None


class PhaseSwitcher:
    """A site's switchable chargers: their phases now, and their switches in flight."""

    def __init__(self, hass: HomeAssistant, chargers: Mapping[str, ChargerConfig]) -> None:
        """The chargers as configured (on all their phases); only switchable ones are kept."""
        self.hass = hass
        self.configured = {cid: c for cid, c in chargers.items() if c.switches_phases}
        self._switched_at: dict[str, datetime] = {}
        #: Switches sent and not yet reported: the target and when it was sent.
        self._in_flight: dict[str, tuple[int, datetime]] = {}

    def _state(self, cid: str) -> State | None:
        return self.hass.states.get(self.configured[cid].phase_switch_entity or "")

    def phases_now(self, cid: str) -> int:
        """The phases the charger is counted on: all three unless its entity reports one.

        Also all three while a switch is in flight (until the entity reports it, or for
        `CONFIRM_WINDOW_S`): counted on three, a charger never draws more than counted.
        """
        reported = reported_phases(self._state(cid))
        if (flight := self._in_flight.get(cid)) is not None:
            elapsed = (dt_util.utcnow() - flight[1]).total_seconds()
            if reported != flight[0] and elapsed < CONFIRM_WINDOW_S:
                return THREE_PHASES
            del self._in_flight[cid]
        return reported or THREE_PHASES

    def current(self) -> dict[str, ChargerConfig]:
        """Each switchable charger as it is counted now (`phases_now`)."""
        return {cid: c.on_phases(self.phases_now(cid)) for cid, c in self.configured.items()}

    def may_switch(self, cid: str, now: datetime) -> bool:
        """Whether `PHASE_SWITCH_INTERVAL_S` has passed since its last switch (by anyone)."""
        state = self._state(cid)
        last = [t for t in (self._switched_at.get(cid), state and state.last_changed) if t]
        return not last or now - max(last) >= timedelta(seconds=PHASE_SWITCH_INTERVAL_S)

    async def async_switch(
        self, cid: str, phases: int, changed: asyncio.Event
    ) -> tuple[ChargerFault, str] | None:
        """Switch a paused charger and confirm (`changed` is set when a read-back changes).

        The failure's reason and detail, or None once the entity reports `phases`.
        """
        entity_id = self.configured[cid].phase_switch_entity or ""
        now = dt_util.utcnow()
        self._switched_at[cid] = now
        self._in_flight[cid] = (phases, now)
        try:
            async with asyncio.timeout(WRITE_TIMEOUT_S):
                await async_set_phases(self.hass, entity_id, phases)
        except TimeoutError:
            return ChargerFault.PHASE_SWITCH_FAILED, f"no answer within {WRITE_TIMEOUT_S:.0f} s"
        except Exception as err:  # noqa: BLE001 - a charger's fault must not reach the others
            return ChargerFault.PHASE_SWITCH_FAILED, str(err) or type(err).__name__
        try:
            async with asyncio.timeout(CONFIRM_WINDOW_S):
                while reported_phases(self.hass.states.get(entity_id)) != phases:
                    changed.clear()
                    await changed.wait()
        except TimeoutError:
            detail = f"{entity_id} did not switch to {phases}-phase charging"
            return ChargerFault.PHASE_SWITCH_FAILED, detail
        self._in_flight.pop(cid, None)
        return None

    async def async_switch_all(
        self, switches: Mapping[str, int], changed: asyncio.Event
    ) -> list[tuple[str, tuple[ChargerFault, str]]]:
        """Switch paused chargers together (`async_switch`); the failures, by charger."""
        results = await asyncio.gather(
            *(self.async_switch(cid, phases, changed) for cid, phases in switches.items())
        )
        failures = []
        for (cid, phases), failure in zip(switches.items(), results, strict=True):
            if failure is None:
                LOGGER.debug("%s switched to %d phases", self.configured[cid].name, phases)
            else:
                failures.append((cid, failure))
        return failures
