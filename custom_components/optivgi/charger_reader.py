"""Reading one charger from its entities: is a car there, can it be commanded, what it draws.

Also the check that a charger follows the limit it applies: drawing more than that, once it had
`FOLLOW_GRACE_S` to settle after a write, it is marked as not following (the OCPP integration,
for one, reports a rejected profile as a success).
"""

from datetime import datetime, timedelta

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE, UnitOfElectricCurrent
from homeassistant.core import HomeAssistant

from .actuator import Actuator
from .charger_config import ChargerConfig
from .const import (
    FOLLOW_GRACE_S,
    FOLLOW_TOLERANCE_KW,
    LOGGER,
    OCPP_DOMAIN,
    OCPP_SERVICE_SET_CHARGE_RATE,
    ChargerFault,
    Control,
)
from .input_watch import InputWatch
from .readings import MISSING_STATES, state_kw, state_number
from .scm.ev import ChargingRateUnit


class ChargerReader:
    """Reads a site's chargers through its `InputWatch`; knows what the actuator confirmed."""

    def __init__(self, hass: HomeAssistant, watch: InputWatch, actuator: Actuator) -> None:
        """Read with `watch`; compare draws with what `actuator` confirmed."""
        self.hass = hass
        self.watch = watch
        self.actuator = actuator

    def overdraws(self, charger: ChargerConfig, now: datetime) -> float | None:
        """How much a charger draws (kW) if more than the limit it applies, after settling."""
        link = self.actuator.links[charger.charger_id]
        measured = state_kw(self.hass.states.get(charger.power_entity or ""))
        limit = link.confirmed_kw
        if measured is None or limit is None:
            return None
        if link.sent_at is not None and now - link.sent_at < timedelta(seconds=FOLLOW_GRACE_S):
            return None
        return measured if measured > limit + max(FOLLOW_TOLERANCE_KW, 0.1 * limit) else None

    def plugged_in(self, charger: ChargerConfig) -> bool | None:
        """Whether a car is plugged in; None when the plug entity is unavailable."""
        if charger.plug_entity is None:
            return True  # a charger without a plug sensor always has its car
        state = self.watch.state(charger.plug_entity)
        if state is None or state.state in MISSING_STATES:
            return None
        return state.state.lower() in charger.plug_states

    def controllable(self, charger: ChargerConfig) -> bool:
        """Whether the charger's control can be used now."""
        if charger.control is Control.OCPP:
            return self.hass.services.has_service(OCPP_DOMAIN, OCPP_SERVICE_SET_CHARGE_RATE)
        state = self.watch.state(charger.control_entity)
        return state is not None and state.state != STATE_UNAVAILABLE

    def measured_kw(self, charger: ChargerConfig) -> float | None:
        """What its power sensor reads (kW); None without one or without a reading."""
        return state_kw(self.watch.state(charger.power_entity))

    def drawing_kw(self, charger: ChargerConfig) -> float:
        """What a charger draws now: its power sensor, else the limit it applies (kW).

        Without a power sensor and with no car plugged in it draws nothing, whatever its limit:
        counting its limit would hide as much of the house load.
        """
        measured = state_kw(self.hass.states.get(charger.power_entity or ""))
        if measured is not None:
            return measured
        plug = self.hass.states.get(charger.plug_entity or "")
        if plug is not None and plug.state.lower() not in charger.plug_states:
            return 0.0
        confirmed = self.actuator.links[charger.charger_id].confirmed_kw
        return 0.0 if confirmed is None else confirmed

    def transaction_id(self, charger: ChargerConfig) -> int | None:
        """The OCPP transaction it reports (0: none running), or None."""
        value = state_number(self.watch.state(charger.transaction_entity))
        return int(value) if value is not None else None

    def unit(self, charger: ChargerConfig) -> ChargingRateUnit:
        """The unit its control takes (a `number` in A takes A; everything else W)."""
        if charger.control is Control.NUMBER:
            state = self.hass.states.get(charger.control_entity or "")
            amps = state is not None and (
                state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) == UnitOfElectricCurrent.AMPERE
            )
            return ChargingRateUnit.A if amps else ChargingRateUnit.W
        return ChargingRateUnit.A if charger.control is Control.OCPP else ChargingRateUnit.W

    def check_following(self, charger: ChargerConfig, now: datetime) -> None:
        """Mark a charger that draws more than the limit it applies, after it had time to settle.

        The OCPP integration, for one, reports a rejected profile as a success.
        """
        cid = charger.charger_id
        link = self.actuator.links[cid]
        measured = self.overdraws(charger, now)
        if measured is not None:
            self.actuator.mark_not_following(
                cid, f"draws {measured:.2f} kW, limited to {link.confirmed_kw or 0.0:.2f} kW"
            )
            return
        settled = link.sent_at is None or now - link.sent_at >= timedelta(seconds=FOLLOW_GRACE_S)
        if link.reason == ChargerFault.NOT_FOLLOWING and settled:
            LOGGER.info("%s follows its limit again", charger.name)
            link.reason = link.detail = None
