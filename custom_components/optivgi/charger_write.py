"""One write to one charger, and its confirmation by reading the charger back (DESIGN §5)."""

import asyncio

from homeassistant.exceptions import HomeAssistantError

from .charger_control import ChargerControl, Command
from .charger_link import matches
from .const import CONFIRM_WINDOW_S, WRITE_TIMEOUT_S, ChargerFault
from .scm.ev import ChargingProfile


async def async_write(  # noqa: PLR0911 - one return per way a write can fail
    control: ChargerControl,
    command: Command,
    profile: ChargingProfile | None,
    changed: asyncio.Event,
) -> tuple[ChargerFault, str] | None:
    """Write and confirm; the failure's reason and detail, or None when confirmed."""
    if (busy := control.busy_reason()) is not None:
        return busy, "the script is still running and would drop the call"
    try:
        async with asyncio.timeout(WRITE_TIMEOUT_S):
            await control.async_send(command, profile)
    except TimeoutError:
        return ChargerFault.WRITE_TIMEOUT, f"no answer within {WRITE_TIMEOUT_S:.0f} s"
    except HomeAssistantError as err:
        return ChargerFault.WRITE_FAILED, str(err) or type(err).__name__
    except Exception as err:  # noqa: BLE001 - one charger's fault must not touch the others
        return ChargerFault.WRITE_FAILED, repr(err)
    if not control.can_read_back():
        return None
    try:
        async with asyncio.timeout(CONFIRM_WINDOW_S):
            while not matches(control.readback_kw(), command, control.deadband_kw):
                changed.clear()
                await changed.wait()
    except TimeoutError:
        readback = control.readback_kw()
        shown = "nothing" if readback is None else f"{readback:.2f} kW"
        return ChargerFault.NOT_CONFIRMED, f"applies {shown}, told {command.kw:.2f} kW"
    return None
