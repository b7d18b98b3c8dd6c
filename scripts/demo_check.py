"""`demo_setup.py --check`: whether the running demo works, judged from HA's own answers.

The demo site is found by its name (site names are unique) and its entities through the entity
registry, not by entity ids: another site, even with chargers of the same names, does not
confuse it. `demo_status` only reads answers, so a test can hand it a real Home Assistant's.
"""

import asyncio
from dataclasses import dataclass
import sys
from typing import Any

from demo_setup import (
    BUDGET_KEY,
    CHARGERS,
    ENTRIES,
    PLANNED_KEY,
    SETPOINT_KEY,
    WS_URL,
    call,
    demo_entry,
)


async def ws_authenticate(ws: Any, token: str) -> None:  # noqa: ANN401 - an aiohttp websocket
    """Answer the websocket API's authentication, or exit saying why."""
    if (await ws.receive_json())["type"] != "auth_required":
        sys.exit("websocket: no auth_required")
    await ws.send_json({"type": "auth", "access_token": token})
    if (await ws.receive_json())["type"] != "auth_ok":
        sys.exit("websocket: authentication failed")


def ws_commands(token: str, *commands: dict[str, Any]) -> list[Any]:
    """The results of websocket commands, sent in turn on one connection."""
    import aiohttp  # noqa: PLC0415 - Home Assistant's own dependency, only needed here

    async def run() -> list[Any]:
        results = []
        async with aiohttp.ClientSession() as session, session.ws_connect(WS_URL) as ws:
            await ws_authenticate(ws, token)
            for number, command in enumerate(commands, start=1):
                await ws.send_json({"id": number, **command})
                answer = await ws.receive_json(timeout=30)
                if not answer.get("success"):
                    sys.exit(f"websocket: {command['type']} failed: {answer.get('error')}")
                results.append(answer["result"])
        return results

    return asyncio.run(run())


def demo_entities(
    entry_id: str, subentries: list[dict[str, Any]], registry: list[dict[str, Any]]
) -> dict[tuple[str, str], str]:
    """The site's entity ids by (charger name, or "" for the site itself; translation key).

    `subentries` and `registry` are the websocket API's `config_entries/subentries/list` and
    `config/entity_registry/list`. An entity id such as `sensor.driveway_power_set_point` goes to
    whichever site added its Driveway first, so only the registry says which site owns it.
    """
    names = {subentry["subentry_id"]: subentry["title"] for subentry in subentries}
    entities: dict[tuple[str, str], str] = {}
    for entity in registry:
        if entity["config_entry_id"] == entry_id and entity["translation_key"]:
            charger = names.get(entity["config_subentry_id"] or "", "")
            entities[charger, entity["translation_key"]] = entity["entity_id"]
    return entities


def fetch_demo_entities(
    token: str, entries: list[dict[str, Any]] | None = None
) -> dict[tuple[str, str], str]:
    """The demo site's entity ids (see `demo_entities`); none when there is no demo site."""
    entry = demo_entry(call(ENTRIES, token=token) if entries is None else entries)
    if entry is None:
        return {}
    subentries, registry = ws_commands(
        token,
        {"type": "config_entries/subentries/list", "entry_id": entry["entry_id"]},
        {"type": "config/entity_registry/list"},
    )
    return demo_entities(entry["entry_id"], subentries, registry)


def _numbers(values: list[str | None]) -> list[float]:
    """The states that are numbers; unknown, unavailable and missing ones left out."""
    return [float(value) for value in values if value not in (None, "unknown", "unavailable")]


@dataclass(frozen=True, kw_only=True)
class DemoStatus:
    """What `--check` saw: optivgi's sites, and the demo site's states as HA reports them."""

    sites: list[str]
    found: bool
    setpoints_kw: dict[str, str | None]
    planned_kwh: dict[str, str | None]
    budget_kw: str | None

    @property
    def ok(self) -> bool:
        """The demo site is there, every charger has a set-point, a car charges or has a plan."""
        numbers = _numbers(list(self.setpoints_kw.values()))
        # With the demo's tariff every car may wait for the cheap hours: a plan is enough.
        energies = _numbers(list(self.planned_kwh.values()))
        working = any(v > 0 for v in numbers) or any(v > 0 for v in energies)
        return self.found and len(numbers) == len(CHARGERS) and working


def demo_status(
    entries: list[dict[str, Any]],
    entities: dict[tuple[str, str], str],
    states: list[dict[str, Any]],
) -> DemoStatus:
    """Judge the demo from HA's answers: entries, `demo_entities`, and `/api/states`."""
    by_id = {state["entity_id"]: state["state"] for state in states}

    def state(charger: str, key: str) -> str | None:
        entity_id = entities.get((charger, key))
        return by_id.get(entity_id) if entity_id else None

    return DemoStatus(
        sites=[entry["title"] for entry in entries],
        found=demo_entry(entries) is not None,
        setpoints_kw={name: state(name, SETPOINT_KEY) for name, _ in CHARGERS},
        planned_kwh={name: state(name, PLANNED_KEY) for name, _ in CHARGERS},
        budget_kw=state("", BUDGET_KEY),
    )


def check(token: str) -> bool:
    """Whether the demo runs: its site, three chargers' set-points, a car charging or planned."""
    entries = call(ENTRIES, token=token)
    entities = fetch_demo_entities(token, entries)
    status = demo_status(entries, entities, call("/api/states", token=token))
    print(f"optivgi sites: {status.sites}")
    print(f"set-points (kW): {status.setpoints_kw}")
    print(f"EV budget (kW): {status.budget_kw}")
    print(f"planned energy (kWh): {status.planned_kwh}")
    return status.ok
