"""Commanding chargers: a set-point in the control's unit, sparing the charger's flash.

A set-point is converted to the control's unit, clamped to its range and step (rounded down, so
never above the plan), and written only when it changes by more than a dead-band, going up no
more often than once a minute; going down or stopping is never delayed.
"""

from datetime import datetime, timedelta
import math
from typing import Any

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util.unit_conversion import PowerConverter

from .charger_config import ChargerConfig
from .const import MIN_WRITE_INTERVAL_S, WRITE_DEADBAND_A, Control
from .scm.ev import ChargingProfile, kw_to_amps


class ChargerCommands:
    """Writes the chargers' set-points and remembers what each was told, and when."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Nothing written yet."""
        self.hass = hass
        #: Per charger: what it was last told (kW), and the last write (control unit, time).
        self.commanded_kw: dict[str, float] = {}
        self.written: dict[str, tuple[float, datetime]] = {}

    def _due(self, cid: str, value: float, deadband: float, now: datetime) -> bool:
        """Whether a new value should be written now.

        Not when it is within the dead-band of the last write (but stopping is always written);
        going down or starting from 0 is written at once, going up at most once a minute.
        """
        last = self.written.get(cid)
        if last is None:
            return True
        last_value, at = last
        if abs(value - last_value) < deadband and not (value == 0 < last_value):
            return False
        if value < last_value or last_value == 0:
            return True
        return now - at >= timedelta(seconds=MIN_WRITE_INTERVAL_S)

    async def async_command(
        self, charger: ChargerConfig, kw: float, profile: ChargingProfile | None, now: datetime
    ) -> None:
        """Command `kw` (the plan's first step; `profile` the whole plan) if it is due."""
        cid = charger.charger_id
        amps = kw_to_amps(kw, charger.voltage, charger.phases)
        if charger.control is Control.NUMBER:
            value, deadband = self._number_value(charger, kw)
            if not self._due(cid, value, deadband, now):
                return
            domain = (charger.control_entity or "").split(".")[0]
            await self.hass.services.async_call(
                domain,
                "set_value",
                {"entity_id": charger.control_entity, "value": value},
                blocking=True,
            )
        elif charger.control is Control.OCPP:
            if profile is None:
                return  # no car, no transaction: nothing to send a TxProfile for
            value = round(amps, 1)
            if not self._due(cid, value, WRITE_DEADBAND_A, now):
                return
            await self.hass.services.async_call(
                "ocpp", "set_charge_rate", self._ocpp_data(charger, profile), blocking=True
            )
        else:
            value = round(kw * 1000)
            if not self._due(cid, value, WRITE_DEADBAND_A * charger.voltage * charger.phases, now):
                return
            await self.hass.services.async_call(
                "script",
                "turn_on",
                {
                    "entity_id": charger.control_entity,
                    "variables": {
                        "power_w": value,
                        "current_a": round(amps, 1),
                        "profile": profile or {},
                    },
                },
                blocking=True,
            )
        self.written[cid] = (value, now)
        self.commanded_kw[cid] = kw

    def _number_value(self, charger: ChargerConfig, kw: float) -> tuple[float, float]:
        """The number entity's value for `kw` (its unit, range and step) and its dead-band."""
        state = self.hass.states.get(charger.control_entity or "")
        attributes: dict[str, Any] = dict(state.attributes) if state else {}
        unit = attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        amps = kw_to_amps(kw, charger.voltage, charger.phases)
        deadband_kw = WRITE_DEADBAND_A * charger.voltage * charger.phases / 1000
        if unit == "A":
            value, deadband = amps, WRITE_DEADBAND_A
        elif unit in PowerConverter.VALID_UNITS:
            value = PowerConverter.convert(kw, UnitOfPower.KILO_WATT, unit)
            deadband = PowerConverter.convert(deadband_kw, UnitOfPower.KILO_WATT, unit)
        else:
            msg = f"{charger.control_entity} has unit {unit!r}, not A, W or kW"
            raise ValueError(msg)
        low, high = float(attributes.get("min", 0.0)), float(attributes.get("max", value))
        step = float(attributes.get("step", 0) or 0)
        if step > 0:
            value = low + math.floor((value - low) / step + 1e-9) * step  # down: never above plan
        return min(max(value, low), high), deadband

    def _ocpp_data(self, charger: ChargerConfig, profile: ChargingProfile | None) -> dict[str, Any]:
        """`ocpp.set_charge_rate` data: a TxProfile on connector 1 of the charge point."""
        device = dr.async_get(self.hass).async_get(charger.ocpp_device or "")
        devid = (
            next((ident for domain, ident in device.identifiers if domain == "ocpp"), None)
            if device
            else None
        )
        if devid is None:
            msg = f"OCPP device {charger.ocpp_device} not found"
            raise ValueError(msg)
        return {"devid": devid, "conn_id": 1, "custom_profile": profile or {}}
