"""How one charger is commanded and read back, per control kind. Holds no state of its own.

A command is what a charger will really be told: converted to the control's unit, clamped to its
range and rounded down to its step (so never above the plan), together with the power (kW) that
value means. The plan must count exactly that power: a `number` whose own minimum is above 0 and
that has no on/off entity cannot pause, so the planner gives it at least `floor_kw` (DESIGN §5).
"""

import asyncio
from dataclasses import dataclass
import math
from typing import Any

from homeassistant.components.number.const import (
    ATTR_MAX,
    ATTR_MIN,
    ATTR_STEP,
    ATTR_VALUE,
    SERVICE_SET_VALUE as NUMBER_SET_VALUE,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_MODE,
    ATTR_UNIT_OF_MEASUREMENT,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    UnitOfElectricCurrent,
    UnitOfPower,
)
from homeassistant.core import HomeAssistant, split_entity_id
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.script import SCRIPT_MODE_SINGLE
from homeassistant.util.unit_conversion import PowerConverter

from .charger_config import ChargerConfig
from .const import (
    DECREASE_SETTLE_S,
    DOMAIN,
    OCPP_DOMAIN,
    OCPP_SERVICE_SET_CHARGE_RATE,
    WRITE_DEADBAND_A,
    ChargerFault,
    Control,
)
from .readings import state_number
from .scm.constants import CHARGING_PROFILE_STACK_LEVEL
from .scm.ev import ChargingProfile, amps_to_kw, floor_to_step, kw_to_amps, ocpp_limit

#: Profile id and stack level of the safety-net TxDefaultProfile (below our TxProfiles).
DEFAULT_PROFILE_ID = 8101


@dataclass(frozen=True, kw_only=True, slots=True)
class Command:
    """What a charger is told: `value` in its control's unit means `kw`; `pause` uses the switch."""

    kw: float
    value: float
    pause: bool = False


class ChargerControl:
    """Commands one charger through its control kind and reads back what it applies."""

    def __init__(self, hass: HomeAssistant, charger: ChargerConfig) -> None:
        """Bind to the charger's entities."""
        self.hass = hass
        self.charger = charger

    # --- the control's figures ---------------------------------------------------------------
    def _attributes(self) -> dict[str, Any]:
        state = self.hass.states.get(self.charger.control_entity or "")
        return dict(state.attributes) if state else {}

    def _to_kw(self, value: float, unit: str | None) -> float | None:
        """A limit in A, W or kW as kW; None for another unit."""
        c = self.charger
        if unit == UnitOfElectricCurrent.AMPERE:
            return amps_to_kw(value, c.voltage, c.phases_used)
        if unit in PowerConverter.VALID_UNITS:
            return PowerConverter.convert(value, unit, UnitOfPower.KILO_WATT)
        return None

    def _from_kw(self, kw: float, unit: str | None) -> float:
        c = self.charger
        if unit == UnitOfElectricCurrent.AMPERE:
            return kw_to_amps(kw, c.voltage, c.phases_used)
        if unit in PowerConverter.VALID_UNITS:
            return PowerConverter.convert(kw, UnitOfPower.KILO_WATT, unit)
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="control_unit_unsupported",
            translation_placeholders={
                "entity_id": str(self.charger.control_entity),
                "unit": str(unit),
            },
        )

    @property
    def deadband_kw(self) -> float:
        """Changes smaller than this are not written (kW)."""
        return amps_to_kw(WRITE_DEADBAND_A, self.charger.voltage, self.charger.phases_used)

    def floor_kw(self) -> float:
        """The least this charger draws while a car is plugged in (kW), 0 if it can pause.

        A `number` whose own minimum is above 0 cannot be set to 0; with an on/off entity it
        is paused through that instead.
        """
        if self.charger.control is not Control.NUMBER or self.charger.switch_entity:
            return 0.0
        attributes = self._attributes()
        low = float(attributes.get(ATTR_MIN, 0.0) or 0.0)
        return max(0.0, self._to_kw(low, attributes.get(ATTR_UNIT_OF_MEASUREMENT)) or 0.0)

    def command(self, kw: float) -> Command:
        """The command for `kw`: what the charger can really be told, never above `kw`.

        Only a charger with a floor (see `floor_kw`) is told more than `kw` when `kw` is below
        its minimum, and the planner counted that floor.
        """
        c = self.charger
        kw = max(0.0, kw)
        if c.control is Control.NUMBER:
            attributes = self._attributes()
            unit = attributes.get(ATTR_UNIT_OF_MEASUREMENT)
            low = float(attributes.get(ATTR_MIN, 0.0) or 0.0)
            high = float(attributes.get(ATTR_MAX, math.inf) or math.inf)
            step = float(attributes.get(ATTR_STEP, 0.0) or 0.0)
            value = self._from_kw(kw, unit)
            if value < low:
                if c.switch_entity:
                    return Command(kw=0.0, value=low, pause=True)
                value = low
            if step > 0:
                value = low + floor_to_step(value - low, step)
            value = min(max(value, low), high)
            return Command(kw=self._to_kw(value, unit) or 0.0, value=value)
        amps = ocpp_limit(kw_to_amps(kw, c.voltage, c.phases_used))
        if c.control is Control.OCPP:
            return Command(kw=amps_to_kw(amps, c.voltage, c.phases_used), value=amps)
        watts = int(floor_to_step(kw * 1000, 1.0))
        return Command(kw=watts / 1000, value=watts)

    # --- reading back ---------------------------------------------------------------------
    def readback_kw(self) -> float | None:
        """The limit the charger applies now (kW), as it reports it; None if it cannot tell."""
        c = self.charger
        if c.control is Control.NUMBER:
            if c.switch_entity:
                switch = self.hass.states.get(c.switch_entity)
                if switch is not None and switch.state == STATE_OFF:
                    return 0.0
                if switch is None or switch.state != STATE_ON:
                    return None
            entity = c.control_entity
        else:
            entity = c.offered_entity if c.control is Control.OCPP else c.feedback_entity
        state = self.hass.states.get(entity or "")
        value = state_number(state)
        if value is None or state is None:
            return None
        default = UnitOfElectricCurrent.AMPERE if c.control is Control.OCPP else None
        return self._to_kw(value, state.attributes.get(ATTR_UNIT_OF_MEASUREMENT, default))

    def can_read_back(self) -> bool:
        """Whether this charger has an entity that reports what it applies."""
        c = self.charger
        if c.control is Control.NUMBER:
            return True
        return bool(c.offered_entity if c.control is Control.OCPP else c.feedback_entity)

    def busy_reason(self) -> ChargerFault | None:
        """Why a write now would be dropped unseen: a `single` script that is still running."""
        c = self.charger
        if c.control is not Control.SCRIPT:
            return None
        state = self.hass.states.get(c.control_entity or "")
        if (
            state is not None
            and state.state == STATE_ON
            and state.attributes.get(ATTR_MODE, SCRIPT_MODE_SINGLE) == SCRIPT_MODE_SINGLE
        ):
            return ChargerFault.SCRIPT_BUSY
        return None

    # --- writing ------------------------------------------------------------------------------
    async def async_send(self, command: Command, profile: ChargingProfile | None) -> None:
        """Send `command` (with the whole plan as `profile` where the control takes one)."""
        c = self.charger
        call = self.hass.services.async_call
        if c.control is Control.NUMBER:
            # The limit first, then the switch: paused at its minimum, a charger switched back
            # on can never start at a stale, higher limit.
            entity = c.control_entity or ""
            before = state_number(self.hass.states.get(entity))
            await call(
                split_entity_id(entity)[0],
                NUMBER_SET_VALUE,
                {ATTR_ENTITY_ID: entity, ATTR_VALUE: command.value},
                blocking=True,
            )
            resumes = c.switch_entity is not None and not command.pause
            if resumes and before is not None and before > command.value:
                # Its limit was higher while it was paused (it may reset itself): let the
                # lower one take effect before the car may draw again.
                await asyncio.sleep(DECREASE_SETTLE_S)
            if c.switch_entity:
                service = SERVICE_TURN_OFF if command.pause else SERVICE_TURN_ON
                await call(
                    split_entity_id(c.switch_entity)[0],
                    service,
                    {ATTR_ENTITY_ID: c.switch_entity},
                    blocking=True,
                )
        elif c.control is Control.OCPP:
            await call(
                OCPP_DOMAIN,
                OCPP_SERVICE_SET_CHARGE_RATE,
                self._ocpp_data(profile or {}),
                blocking=True,
            )
        else:
            variables = {
                "power_w": command.value,
                "current_a": round(kw_to_amps(command.kw, c.voltage, c.phases_used), 1),
                "profile": profile or {},
            }
            # Called by its own service (`script.<object id>`), the script runs to its end
            # before this returns, so its failure is seen (script.turn_on would return at once).
            await call(*split_entity_id(c.control_entity or ""), variables, blocking=True)

    def _ocpp_data(self, profile: ChargingProfile) -> dict[str, Any]:
        """`ocpp.set_charge_rate` data: `profile` on connector 1 of the charge point."""
        device = dr.async_get(self.hass).async_get(self.charger.ocpp_device or "")
        identifiers = device.identifiers if device else set()
        devid = next((ident for domain, ident in identifiers if domain == OCPP_DOMAIN), None)
        if devid is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="ocpp_device_not_found",
                translation_placeholders={"device_id": str(self.charger.ocpp_device)},
            )
        return {"devid": devid, "conn_id": 1, "custom_profile": profile}

    def default_profile(self) -> ChargingProfile:
        """The safety-net TxDefaultProfile: every new session starts at the safe current."""
        c = self.charger
        amps = ocpp_limit(kw_to_amps(c.safe_kw, c.voltage, c.phases_used))
        return {
            "chargingProfileId": DEFAULT_PROFILE_ID,
            "stackLevel": max(0, CHARGING_PROFILE_STACK_LEVEL - 1),
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": amps, "numberPhases": self.charger.phases_used}
                ],
            },
        }

    async def async_install_default(self) -> None:
        """Install the TxDefaultProfile (OCPP only; rare: it is written to the charger's flash)."""
        await self.hass.services.async_call(
            OCPP_DOMAIN,
            OCPP_SERVICE_SET_CHARGE_RATE,
            self._ocpp_data(self.default_profile()),
            blocking=True,
        )
