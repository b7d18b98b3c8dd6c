"""Onboard the development Home Assistant and configure the demo site, through HA's HTTP APIs.

Run by `scripts/develop` next to Home Assistant. It waits for HA to answer, creates the local
development user on first start (HA's onboarding API), then adds the optivgi demo site with its
three chargers through the config-flow APIs, exactly as the UI would. Nothing is written to
`.storage` by hand; a second start finds the user and the site and changes nothing.
`OPTIVGI_PORT` (default 8123) is the port HA listens on, as for `scripts/develop`.
`--check` instead logs in and verifies the demo is running (the site, three chargers' set-points,
and at least one charger charging or with energy planned), exiting 1 if not.
"""

import argparse
from collections import Counter
import json
import os
import sys
import time
from typing import Any
from urllib import error, parse, request

# The port `scripts/develop` started Home Assistant on; set it to check a demo on another port.
PORT = os.environ.get("OPTIVGI_PORT") or "8123"
BASE = f"http://127.0.0.1:{PORT}"
CLIENT_ID = f"{BASE}/"
USER = {"name": "Developer", "username": "dev", "password": "optivgi-dev"}

#: The demo's day-ahead tariff, a template sensor (`config/packages/optivgi_demo.yaml`).
PRICE_SENSOR = "sensor.demo_energy_prices"
#: Its solar forecast, in Solcast's shape.
SOLAR_SENSOR = "sensor.demo_solar_forecast"
SITE = {
    "name": "Home",
    "site_limit_kw": 22,
    "site_limit_entity": "input_number.demo_site_limit",
    "grid_power_entity": "sensor.demo_grid_power",
    "algorithm": "pulp",
    "resolution_min": "5",
    "horizon_h": 24,
    "replan_min": 5,
    "safety_margin_kw": 0.5,
    "prices": {
        "price_source": "entity",
        "price_entity": PRICE_SENSOR,
        "solar_source": "solcast",
        "solar_entity": [SOLAR_SENSOR],
        "feed_in_price": 0.08,
    },
}
COMMON = {
    "min_current_a": 6,
    "max_current_a": 16,
    "phases": "3",
    "voltage": 230,
    "default_departure": "07:30:00",
    "battery_kwh": 60,
    "target_soc": 80,
}
CHARGERS = [
    (
        "Driveway",
        {
            **COMMON,
            "plug_entity": "binary_sensor.demo_driveway_plug",
            "power_entity": "sensor.demo_driveway_power",
            "soc_entity": "sensor.demo_driveway_state_of_charge",
            "default_energy_kwh": 20,
        },
    ),
    (
        "Garage",
        {
            **COMMON,
            "plug_entity": "binary_sensor.demo_garage_plug",
            "power_entity": "sensor.demo_garage_power",
            "session_energy_entity": "sensor.demo_garage_session_energy",
            "default_energy_kwh": 20,
        },
    ),
    (
        "Street",
        {
            **COMMON,
            "plug_entity": "binary_sensor.demo_street_plug",
            "power_entity": "sensor.demo_street_power",
            "default_energy_kwh": 15,
        },
    ),
]


def call(
    path: str,
    body: dict[str, Any] | None = None,
    token: str | None = None,
    *,
    form: bool = False,
) -> Any:  # noqa: ANN401 - JSON of any shape
    """POST (with a body) or GET a path of the local HA; the JSON answer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        if form:
            data = parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    req = request.Request(f"{BASE}{path}", data=data, headers=headers)  # noqa: S310 - loopback
    with request.urlopen(req, timeout=30) as answer:  # noqa: S310 - loopback only
        return json.loads(answer.read() or b"null")


def wait_until_up(timeout_s: float) -> None:
    """Wait for HA's HTTP server (it answers /manifest.json once the frontend is loaded)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            call("/manifest.json")
        except error.URLError, ConnectionError, TimeoutError:
            time.sleep(2)
        else:
            return
    sys.exit(f"Home Assistant did not answer on {BASE} within {timeout_s:.0f} s")


def token_from_code(code: str) -> str:
    """Exchange an authorization code for an access token."""
    answer = call(
        "/auth/token",
        {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
        form=True,
    )
    return str(answer["access_token"])


def log_in() -> str:
    """An access token for the development user, onboarding HA first if it is new."""
    try:
        steps = {step["step"]: step["done"] for step in call("/api/onboarding")}
    except error.HTTPError as err:
        if err.code != 404:
            raise
        steps = {"user": True}  # onboarding is over: HA no longer serves its API
    if not steps.get("user"):
        code = call("/api/onboarding/users", {"client_id": CLIENT_ID, "language": "en", **USER})
        token = token_from_code(code["auth_code"])
        call("/api/onboarding/core_config", {}, token)
        call("/api/onboarding/analytics", {}, token)
        call(
            "/api/onboarding/integration",
            {"client_id": CLIENT_ID, "redirect_uri": f"{BASE}/?auth_callback=1"},
            token,
        )
        return token
    flow = call(
        "/auth/login_flow",
        {"client_id": CLIENT_ID, "handler": ["homeassistant", None], "redirect_uri": CLIENT_ID},
    )
    answer = call(
        f"/auth/login_flow/{flow['flow_id']}",
        {"client_id": CLIENT_ID, "username": USER["username"], "password": USER["password"]},
    )
    if answer.get("type") != "create_entry":
        sys.exit(f"Logging in as {USER['username']} failed: {answer.get('errors')}")
    return token_from_code(answer["result"])


def run_flow(path: str, handler: Any, steps: dict[str, dict[str, Any]], token: str) -> Any:  # noqa: ANN401
    """Start a (sub)entry flow and answer each form by its step id until it finishes."""
    result = call(path, {"handler": handler}, token)
    while result.get("type") == "form":
        step = result["step_id"]
        if result.get("errors"):
            sys.exit(f"{handler}: step {step} was refused: {result['errors']}")
        result = call(f"{path}/{result['flow_id']}", steps[step], token)
    if result.get("type") != "create_entry":
        sys.exit(f"{handler}: the flow ended with {result}")
    return result


def charger_steps(name: str, details: dict[str, Any], first_step: str) -> dict[str, Any]:
    """The answers of a charger's flow steps: name and control, the number, the details."""
    key = name.lower()
    return {
        first_step: {"name": name, "control": "number"},
        "number": {"control_entity": f"input_number.demo_{key}_current"},
        "details": details,
    }


def wait_for_prices(token: str, timeout_s: float = 120) -> None:
    """Wait until the demo's price and forecast sensors list theirs: the site's flow checks them.

    Home Assistant answers before its template entities have rendered their attributes.
    """
    deadline = time.monotonic() + timeout_s
    for entity_id, attribute in ((PRICE_SENSOR, "prices"), (SOLAR_SENSOR, "detailedForecast")):
        while True:
            try:
                state = call(f"/api/states/{entity_id}", token=token)
            except error.HTTPError:  # 404 until the entity exists
                state = None
            if state is not None and state.get("attributes", {}).get(attribute):
                break
            if time.monotonic() > deadline:
                sys.exit(f"{entity_id} lists no {attribute} after {timeout_s:.0f} s")
            time.sleep(1)


def set_up_demo(token: str) -> None:
    """Add the demo site and its chargers, unless it is there already."""
    entries = call("/api/config/config_entries/entry?domain=optivgi", token=token)
    if entries:
        print("The demo site is configured already.")
        return
    wait_for_prices(token)
    (first, first_details), *others = CHARGERS
    steps = {"user": SITE, **charger_steps(first, first_details, "charger")}
    entry = run_flow("/api/config/config_entries/flow", "optivgi", steps, token)["result"]
    for name, details in others:
        run_flow(
            "/api/config/config_entries/subentries/flow",
            [entry["entry_id"], "charger"],
            charger_steps(name, details, "user"),
            token,
        )
    print(f"Configured the demo site {SITE['name']} with {len(CHARGERS)} chargers.")


def check(token: str) -> bool:
    """Whether the demo runs: one site, three chargers' set-points, a car charging or planned."""
    entries = call("/api/config/config_entries/entry?domain=optivgi", token=token)
    states = {s["entity_id"]: s for s in call("/api/states", token=token)}
    setpoints = {
        name: states.get(f"sensor.{name.lower()}_power_set_point", {}).get("state")
        for name, _ in CHARGERS
    }
    print(f"optivgi sites: {[entry['title'] for entry in entries]}")
    print(f"set-points (kW): {setpoints}")
    print(f"EV budget (kW): {states.get('sensor.home_ev_power_budget', {}).get('state')}")
    planned = [
        states.get(f"sensor.{name.lower()}_planned_energy", {}).get("state") for name, _ in CHARGERS
    ]
    print(f"planned energy (kWh): {planned}")
    numbers = [float(v) for v in setpoints.values() if v not in (None, "unknown", "unavailable")]
    # With the demo's tariff every car may wait for the cheap hours: a plan is enough.
    energies = [float(v) for v in planned if v not in (None, "unknown", "unavailable")]
    working = any(v > 0 for v in numbers) or any(v > 0 for v in energies)
    return len(entries) == 1 and len(numbers) == len(CHARGERS) and working


def set_state(domain: str, service: str, data: dict[str, Any], token: str) -> None:
    """Call an action, as a dashboard would."""
    call(f"/api/services/{domain}/{service}", data, token)


def _number(state: str | None) -> float:
    """A state as a number; 0 while it is unknown or unavailable."""
    try:
        return float(state) if state is not None else 0.0
    except ValueError:
        return 0.0


def setpoints_a(token: str) -> dict[str, float]:
    """The current limit (A) each demo charger is commanded to, and the street car's plan (kWh).

    The plan is the integration's planned-energy sensor of the Street charger (`street plan kWh`):
    it says whether the street car has a plan at all, whether it charges now or later.
    """
    states = {s["entity_id"]: s["state"] for s in call("/api/states", token=token)}
    amps = {
        name: _number(states.get(f"input_number.demo_{name.lower()}_current"))
        for name, _ in CHARGERS
    }
    amps["street plan kWh"] = _number(states.get(STREET_PLAN))
    return amps


# How long an unplugged car may stay in the plan (s). The integration counts a car as gone only
# after a minute unplugged (its PLUG_GRACE_S), and nothing re-plans when that minute is over: the
# next cycle for another reason, at the latest the demo's 5-minute re-plan timer, drops it.
UNPLUG_TIMEOUT_S = 60.0 + 5 * 60 + 60
# kW per A of a demo charger: 3 x 230 V.
AMPS_TO_KW = 3 * 230 / 1000
# The Street charger's planned energy (kWh) for the current session, from the integration.
STREET_PLAN = "sensor.street_planned_energy"


def wait_for(token: str, condition: Any, what: str, timeout_s: float = 30) -> dict[str, float]:  # noqa: ANN401
    """Poll the set-points until `condition(setpoints)` holds."""
    deadline = time.monotonic() + timeout_s
    while True:
        amps = setpoints_a(token)
        if condition(amps):
            print(f"{what}: {amps}")
            return amps
        if time.monotonic() > deadline:
            sys.exit(f"{what}: not seen within {timeout_s:.0f} s, set-points {amps}")
        time.sleep(1)


def exercise(token: str) -> None:
    """Plug the street car in, then lower the limit: the set-points follow within a cycle."""
    before = setpoints_a(token)
    print(f"before: {before}")
    set_state("input_boolean", "turn_on", {"entity_id": "input_boolean.demo_street_plugged"}, token)
    # A new plan for it within a cycle: charging now, or later if the others come first.
    wait_for(token, lambda a: a["street plan kWh"] > 0, "street car plugged in")
    set_state(
        "input_number",
        "set_value",
        {"entity_id": "input_number.demo_site_limit", "value": 8},
        token,
    )
    # 8 kW less the house load and the margin, on 3 x 230 V.
    wait_for(
        token,
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
        ws = await session.ws_connect(f"{BASE.replace('http', 'ws', 1)}/api/websocket")
        if (await ws.receive_json())["type"] != "auth_required":
            sys.exit("websocket: no auth_required")
        await ws.send_json({"type": "auth", "access_token": token})
        if (await ws.receive_json())["type"] != "auth_ok":
            sys.exit("websocket: authentication failed")
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


def main() -> None:
    """Set up (default) or check the demo."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="verify the running demo")
    parser.add_argument(
        "--exercise", action="store_true", help="plug a car in and lower the limit, and watch"
    )
    parser.add_argument(
        "--flap",
        type=float,
        nargs="?",
        const=30,
        metavar="MINUTES",
        help="plug all three cars, set the limit to 8 kW, then count each charger's set-point "
        "changes and the solves for MINUTES (default 30), from one minute after that",
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for HA")
    args = parser.parse_args()
    wait_until_up(args.timeout)
    token = log_in()
    if args.exercise:
        exercise(token)
        return
    if args.flap is not None:
        flap(token, args.flap)
        return
    if args.check:
        ok = check(token)
        print("demo OK" if ok else "demo NOT running as expected")
        sys.exit(0 if ok else 1)
    set_up_demo(token)
    print(
        f"Open {BASE} and log in as {USER['username']} / {USER['password']}; "
        "the OptiVGI demo dashboard is in the sidebar."
    )


if __name__ == "__main__":
    main()
