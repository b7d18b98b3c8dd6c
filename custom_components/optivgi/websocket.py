"""Websocket commands for the plan card: the sites, and one site's plan pushed on every new plan.

`optivgi/subscribe_plan` sends the site's plan at once and again after each cycle, so the card
never polls the sensors' large attributes. It follows the site across reloads (options changed,
a charger added): the entry's coordinator is replaced then, the subscription is not.
"""

from collections.abc import Mapping
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


#: What the card reads of the site's plan and of each charger's (`SitePlan.as_dict`).
_SITE_KEYS = ("start", "last_run", "limit_kw", "budget_kw", "budget_per_step_kw", "planned_kw")
_CHARGER_KEYS = (
    "name",
    "status",
    "connected",
    "setpoint_kw",
    "requested_kwh",
    "planned_kwh",
    "shortfall_kwh",
    "departure",
)


def _charger(plan: ChargerPlan, fields: dict[str, Any], texts: Mapping[str, str]) -> dict[str, Any]:
    """The card's charger: its plan's fields (`fields`), changes as pairs, `why` with its text."""
    why = fields["why"]
    return (
        {"id": plan.charger_id}
        | {key: fields[key] for key in _CHARGER_KEYS}
        | {
            "changes": [list(change.as_pair()) for change in plan.changes],
            "why": None if why is None else why | {"text": render(plan.why, texts)},
        }
    )


def plan_message(
    entry: OptiVgiConfigEntry, plan: SitePlan, texts: Mapping[str, str]
) -> dict[str, Any]:
    """What the card draws: the horizon, the limit and budget, and each charger's plan.

    Times are ISO 8601 (UTC), powers kW, energies kWh; `step_s` is the length of one budget step.
    """
    fields = plan.as_dict()
    return (
        {"entry_id": entry.entry_id, "site": entry.title}
        | {key: fields[key] for key in _SITE_KEYS}
        | {
            "step_s": entry.runtime_data.coordinator.params.resolution.total_seconds(),
            "chargers": [
                _charger(charger, fields["chargers"][cid], texts)
                for cid, charger in plan.chargers.items()
            ],
        }
    )


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


def _chosen_site(hass: HomeAssistant, msg: dict[str, Any]) -> OptiVgiConfigEntry | str:
    """The site a subscription asks for (by `entry_id`, by name, or the only one), or why not."""
    sites = _sites(hass)
    if "entry_id" in msg:
        sites = [entry for entry in sites if entry.entry_id == msg["entry_id"]]
    elif "site" in msg:
        sites = [entry for entry in sites if entry.title == msg["site"]]
    if len(sites) == 1:
        return sites[0]
    if "entry_id" in msg or "site" in msg:
        return "No such site"
    return "Pick a site: there is not exactly one"


@websocket_command(
    {
        probatio.Required("type"): TYPE_SUBSCRIBE_PLAN,
        # A dashboard kept in YAML names its site: an entry id differs on every install.
        probatio.Exclusive("entry_id", "site"): str,
        probatio.Exclusive("site", "site"): str,
    }
)
@async_response
async def ws_subscribe_plan(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send the site's plan now and after every cycle: by `entry_id`, by name, or the only one."""
    entry = _chosen_site(hass, msg)
    if isinstance(entry, str):
        connection.send_error(msg["id"], ERR_NOT_FOUND, entry)
        return
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
