"""Websocket commands for the plan card: the sites, and one site's plan pushed on every new plan.

`optivgi/subscribe_plan` sends the site's plan at once and again after each cycle, so the card
never polls the sensors' large attributes. It follows the site across reloads (options changed,
a charger added): the entry's coordinator is replaced then, the subscription is not.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.const import ERR_NOT_FOUND
from homeassistant.components.websocket_api.decorators import async_response, websocket_command
from homeassistant.components.websocket_api.messages import event_message
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
import probatio

from .const import DOMAIN
from .coordinator import OptiVgiConfigEntry
from .models import ChargerPlan, SitePlan
from .reasons import async_reason_texts, render

TYPE_SITES: Final = f"{DOMAIN}/sites"
TYPE_SUBSCRIBE_PLAN: Final = f"{DOMAIN}/subscribe_plan"


@callback
def async_setup_websocket(hass: HomeAssistant) -> None:
    """Register the commands once, for all sites."""
    async_register_command(hass, ws_sites)
    async_register_command(hass, ws_subscribe_plan)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _charger(plan: ChargerPlan, texts: Mapping[str, str]) -> dict[str, Any]:
    why = plan.why
    return {
        "id": plan.charger_id,
        "name": plan.name,
        "status": plan.status.value,
        "connected": plan.connected,
        "setpoint_kw": plan.setpoint_kw,
        "requested_kwh": plan.requested_kwh,
        "planned_kwh": plan.planned_kwh,
        "shortfall_kwh": plan.shortfall_kwh,
        "departure": _iso(plan.departure),
        "changes": [[change.start.isoformat(), change.kw] for change in plan.changes],
        "why": None
        if why is None
        else {"key": why.key, "placeholders": why.placeholders, "text": render(why, texts)},
    }


def plan_message(
    entry: OptiVgiConfigEntry, plan: SitePlan, texts: Mapping[str, str]
) -> dict[str, Any]:
    """What the card draws: the horizon, the limit and budget, and each charger's plan.

    Times are ISO 8601 (UTC), powers kW, energies kWh; `step_s` is the length of one budget step.
    """
    return {
        "entry_id": entry.entry_id,
        "site": entry.title,
        "start": plan.start.isoformat(),
        "last_run": plan.last_run.isoformat(),
        "step_s": entry.runtime_data.coordinator.params.resolution.total_seconds(),
        "limit_kw": plan.limit_kw,
        "budget_kw": plan.budget_kw,
        "budget_per_step_kw": list(plan.budget_per_step_kw),
        "planned_kw": plan.planned_kw,
        "chargers": [_charger(charger, texts) for charger in plan.chargers.values()],
    }


def _sites(hass: HomeAssistant) -> list[OptiVgiConfigEntry]:
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]


@websocket_command({probatio.Required("type"): TYPE_SITES})
@callback
def ws_sites(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """The loaded sites, for the card's editor: entry id and name."""
    connection.send_result(
        msg["id"],
        [{"entry_id": entry.entry_id, "title": entry.title} for entry in _sites(hass)],
    )


@websocket_command(
    {probatio.Required("type"): TYPE_SUBSCRIBE_PLAN, probatio.Optional("entry_id"): str}
)
@async_response
async def ws_subscribe_plan(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send the site's plan now and after every cycle; without `entry_id`, the only site."""
    sites = _sites(hass)
    if "entry_id" in msg:
        sites = [entry for entry in sites if entry.entry_id == msg["entry_id"]]
    if len(sites) != 1:
        connection.send_error(
            msg["id"],
            ERR_NOT_FOUND,
            "No such site" if "entry_id" in msg else "Pick a site: there is not exactly one",
        )
        return
    entry = sites[0]
    texts = await async_reason_texts(hass)
    remove_coordinator_listener: CALLBACK_TYPE | None = None

    @callback
    def send_plan() -> None:
        coordinator = entry.runtime_data.coordinator
        if coordinator.last_update_success and coordinator.data is not None:
            connection.send_message(
                event_message(msg["id"], plan_message(entry, coordinator.data, texts))
            )

    @callback
    def follow_coordinator() -> None:
        nonlocal remove_coordinator_listener
        if remove_coordinator_listener is not None:
            remove_coordinator_listener()
            remove_coordinator_listener = None
        if entry.state is ConfigEntryState.LOADED:
            remove_coordinator_listener = entry.runtime_data.coordinator.async_add_listener(
                send_plan
            )
            send_plan()

    remove_state_listener = entry.async_on_state_change(follow_coordinator)

    @callback
    def unsubscribe() -> None:
        remove_state_listener()
        if remove_coordinator_listener is not None:
            remove_coordinator_listener()

    connection.subscriptions[msg["id"]] = unsubscribe
    connection.send_result(msg["id"])
    follow_coordinator()
