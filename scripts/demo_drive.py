"""Drive the running demo, as a person at its dashboard would (run through `demo_setup.py`).

`--exercise` plugs the street car in and lowers the site limit, and waits for the set-points to
follow; `--flap` plugs all three cars in at 8 kW and counts how often each set-point changes.
"""

from collections import Counter
import sys
import time
from typing import Any

from demo_check import fetch_demo_entities, ws_authenticate
from demo_setup import CHARGERS, PLANNED_KEY, WS_URL, call


def set_state(domain: str, service: str, data: dict[str, Any], token: str) -> None:
    """Call an action, as a dashboard would."""
    call(f"/api/services/{domain}/{service}", data, token)


def _number(state: str | None) -> float:
    """A state as a number; 0 while it is unknown or unavailable."""
    try:
        return float(state) if state is not None else 0.0
    except ValueError:
        return 0.0


def setpoints_a(token: str, street_plan: str) -> dict[str, float]:
    """The current limit (A) each demo charger is commanded to, and the street car's plan (kWh).

    The plan is the integration's planned-energy sensor of the Street charger (`street plan kWh`,
    the entity `street_plan`): whether the street car has a plan at all, now or later.
    """
    states = {s["entity_id"]: s["state"] for s in call("/api/states", token=token)}
    amps = {
        name: _number(states.get(f"input_number.demo_{name.lower()}_current"))
        for name, _ in CHARGERS
    }
    amps["street plan kWh"] = _number(states.get(street_plan))
    return amps


# How long an unplugged car may stay in the plan (s). The integration counts a car as gone only
# after a minute unplugged (its PLUG_GRACE_S), and nothing re-plans when that minute is over: the
# next cycle for another reason, at the latest the demo's 5-minute re-plan timer, drops it.
UNPLUG_TIMEOUT_S = 60.0 + 5 * 60 + 60
# kW per A of a demo charger: 3 x 230 V.
AMPS_TO_KW = 3 * 230 / 1000


def wait_for(
    token: str,
    street_plan: str,
    condition: Any,  # noqa: ANN401 - a predicate on `setpoints_a`'s answer
    what: str,
    timeout_s: float = 30,
) -> dict[str, float]:
    """Poll the set-points until `condition(setpoints)` holds."""
    deadline = time.monotonic() + timeout_s
    while True:
        amps = setpoints_a(token, street_plan)
        if condition(amps):
            print(f"{what}: {amps}")
            return amps
        if time.monotonic() > deadline:
            sys.exit(f"{what}: not seen within {timeout_s:.0f} s, set-points {amps}")
        time.sleep(1)


def exercise(token: str) -> None:
    """Plug the street car in, then lower the limit: the set-points follow within a cycle."""
    street_plan = fetch_demo_entities(token).get(("Street", PLANNED_KEY))
    if street_plan is None:
        sys.exit("The demo site or its Street charger is missing: start scripts/develop first.")
    before = setpoints_a(token, street_plan)
    print(f"before: {before}")
    set_state("input_boolean", "turn_on", {"entity_id": "input_boolean.demo_street_plugged"}, token)
    # A new plan for it within a cycle: charging now, or later if the others come first.
    wait_for(token, street_plan, lambda a: a["street plan kWh"] > 0, "street car plugged in")
    set_state(
        "input_number",
        "set_value",
        {"entity_id": "input_number.demo_site_limit", "value": 8},
        token,
    )
    # 8 kW less the house load and the margin, on 3 x 230 V.
    wait_for(
        token,
        street_plan,
        lambda a: sum(a[name] for name, _ in CHARGERS) * AMPS_TO_KW <= 8,
        "limit lowered to 8 kW",
    )
    set_state(
        "input_number",
        "set_value",
        {"entity_id": "input_number.demo_site_limit", "value": 22},
        token,
    )
    set_state(
        "input_boolean", "turn_off", {"entity_id": "input_boolean.demo_street_plugged"}, token
    )
    # A car counts as gone only once it has been unplugged for a minute (a glitch of the plug
    # sensor is not a departure), then the next cycle drops it: see UNPLUG_TIMEOUT_S.
    print(f"unplugged the street car; waiting up to {UNPLUG_TIMEOUT_S:.0f} s for its plan to end")
    wait_for(
        token,
        street_plan,
        lambda a: a["Street"] == 0 and a["street plan kWh"] == 0,
        "street car unplugged, limit back to 22 kW",
        timeout_s=UNPLUG_TIMEOUT_S,
    )


# --flap: the charger current limits OptiVGI writes, and the plug helpers the dashboard toggles.
CURRENT_LIMITS = {f"input_number.demo_{name.lower()}_current": name for name, _ in CHARGERS}
PLUGS = {f"input_boolean.demo_{name.lower()}_plugged": name for name, _ in CHARGERS}
SITE_LIMIT = "input_number.demo_site_limit"
SCHEDULE_UPDATED = "optivgi_schedule_updated"
# A set-point change this soon after a plug event (s) is counted as forced by it.
PLUG_FORCED_S = 60.0


class Flap:
    """The counts of one --flap run, per phase: settling (the first minute), then the window."""

    def __init__(self) -> None:
        """Nothing counted yet."""
        self.changes: dict[str, dict[str, int]] = {
            phase: dict.fromkeys(CURRENT_LIMITS.values(), 0) for phase in ("settle", "window")
        }
        self.forced = dict.fromkeys(CURRENT_LIMITS.values(), 0)
        self.solves = {"settle": 0, "window": 0}
        #: The window's solves by the reason the integration gives in the event.
        self.reasons: Counter[str] = Counter()
        self.plug_events: list[tuple[float, str, str]] = []
        self.limit_events: list[tuple[float, str]] = []
        self.last_plug = -1e9


def _stamp(at: float) -> str:
    """A wall-clock time (UTC) for the timeline."""
    return time.strftime("%H:%M:%S", time.gmtime(at))


async def _flap(token: str, minutes: float, settle_s: float) -> None:  # noqa: C901, PLR0912, PLR0915
    """Plug all cars, lower the limit to 8 kW, and count set-point changes and solves."""
    import aiohttp  # noqa: PLC0415 - Home Assistant's own dependency, only needed here

    counts = Flap()
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(WS_URL)
        await ws_authenticate(ws, token)
        next_id = 0

        async def send(message: dict[str, Any]) -> int:
            nonlocal next_id
            next_id += 1
            await ws.send_json({"id": next_id, **message})
            return next_id

        await send({"type": "subscribe_events", "event_type": "state_changed"})
        await send({"type": "subscribe_events", "event_type": SCHEDULE_UPDATED})
        states_id = await send({"type": "get_states"})
        phase = "setup"
        start = window_start = window_end = 0.0

        async def act() -> None:
            nonlocal start, window_start, window_end, phase
            for plug in PLUGS:
                await send(
                    {
                        "type": "call_service",
                        "domain": "input_boolean",
                        "service": "turn_on",
                        "target": {"entity_id": plug},
                    }
                )
            await send(
                {
                    "type": "call_service",
                    "domain": "input_number",
                    "service": "set_value",
                    "target": {"entity_id": SITE_LIMIT},
                    "service_data": {"value": 8},
                }
            )
            start = time.time()
            window_start = start + settle_s
            window_end = window_start + minutes * 60
            phase = "settle"
            print(
                f"{_stamp(start)} plugged all three cars, limit 8 kW; counting from "
                f"{_stamp(window_start)} to {_stamp(window_end)} UTC",
                flush=True,
            )

        while True:
            now = time.time()
            if phase != "setup" and now >= window_end:
                break
            if phase == "settle" and now >= window_start:
                phase = "window"
            timeout = max(0.1, (window_end if phase != "setup" else now + 30) - now)
            if phase == "settle":
                timeout = max(0.1, window_start - now)
            try:
                message = await ws.receive_json(timeout=timeout)
            except TimeoutError:
                continue
            if message.get("id") == states_id and message.get("type") == "result":
                current = {s["entity_id"]: s["state"] for s in message["result"]}
                print(
                    "initial: "
                    + ", ".join(f"{e}={current.get(e)}" for e in [*CURRENT_LIMITS, *PLUGS])
                    + f", {SITE_LIMIT}={current.get(SITE_LIMIT)}",
                    flush=True,
                )
                await act()
                continue
            if message.get("type") == "result" and not message.get("success", True):
                print(f"refused: {message}", flush=True)
                continue
            if message.get("type") != "event" or phase == "setup":
                continue
            event = message["event"]
            at = time.time()
            counted = "window" if at >= window_start else "settle"
            if event["event_type"] == SCHEDULE_UPDATED:
                counts.solves[counted] += 1
                if counted == "window":
                    counts.reasons[str(event["data"].get("reason"))] += 1
                continue
            data = event["data"]
            entity = data.get("entity_id")
            old = (data.get("old_state") or {}).get("state")
            new = (data.get("new_state") or {}).get("state")
            if old == new:
                continue  # an attribute change only
            if entity in PLUGS:
                counts.last_plug = at
                counts.plug_events.append((at, entity, str(new)))
                print(f"{_stamp(at)} [{counted}] plug {entity}: {old} -> {new}", flush=True)
            elif entity == SITE_LIMIT:
                counts.limit_events.append((at, str(new)))
                print(f"{_stamp(at)} [{counted}] site limit {old} -> {new}", flush=True)
            elif entity in CURRENT_LIMITS:
                name = CURRENT_LIMITS[entity]
                forced = counted == "window" and at - counts.last_plug <= PLUG_FORCED_S
                if forced:
                    counts.forced[name] += 1
                else:
                    counts.changes[counted][name] += 1
                print(
                    f"{_stamp(at)} [{counted}{', plug-forced' if forced else ''}] "
                    f"{name} current limit {old} -> {new} A",
                    flush=True,
                )
        await ws.close()

    print()
    print(
        f"Window {_stamp(window_start)}-{_stamp(window_end)} UTC ({minutes:g} min), from "
        f"{settle_s:g} s after plugging all three cars in and setting the limit to 8 kW."
    )
    print(f"{'charger':<10} {'changes':>8} {'plug-forced':>12} {'first-minute':>13}")
    for name, _ in CHARGERS:
        print(
            f"{name:<10} {counts.changes['window'][name]:>8} {counts.forced[name]:>12} "
            f"{counts.changes['settle'][name]:>13}"
        )
    print(
        f"{SCHEDULE_UPDATED} events (solves): {counts.solves['window']} in the window, "
        f"{counts.solves['settle']} in the first minute"
    )
    for reason, number in counts.reasons.most_common():
        print(f"  {number:>5}  {reason}")
    print(
        f"plug events: {len(counts.plug_events)}; other site-limit changes: "
        f"{max(0, len(counts.limit_events) - 1)}"
    )


def flap(token: str, minutes: float, settle_s: float = 60) -> None:
    """Measure how often the set-points change at 8 kW with three cars (see `_flap`)."""
    import asyncio  # noqa: PLC0415

    asyncio.run(_flap(token, minutes, settle_s))
