"""Onboard the development Home Assistant and configure the demo site, through HA's HTTP APIs.

Run by `scripts/develop` next to Home Assistant. It waits for HA to answer, creates the local
development user on first start (HA's onboarding API), then adds the optivgi demo site with its
three chargers through the config-flow APIs, exactly as the UI would. Nothing is written to
`.storage` by hand; a second start finds the user and the site and changes nothing.
`OPTIVGI_PORT` (default 8123) is the port HA listens on, as for `scripts/develop`.
`--check` instead logs in and verifies the demo is running (the site, three chargers' set-points,
and at least one charger charging or with energy planned), exiting 1 if not. It finds the demo
site by its name (site names are unique) and its entities through the entity registry, so other
sites, even with chargers of the same names, do not confuse it (`demo_check.py`). `--exercise`
and `--flap` drive the running demo (`demo_drive.py`).
"""

import argparse
import json
import os
import sys
import time
from typing import Any
from urllib import error, parse, request

# The port `scripts/develop` started Home Assistant on; set it to check a demo on another port.
PORT = os.environ.get("OPTIVGI_PORT") or "8123"
BASE = f"http://127.0.0.1:{PORT}"
WS_URL = f"ws://127.0.0.1:{PORT}/api/websocket"
ENTRIES = "/api/config/config_entries/entry?domain=optivgi"
CLIENT_ID = f"{BASE}/"
USER = {"name": "Developer", "username": "dev", "password": "optivgi-dev"}

#: The demo's day-ahead tariff, a template sensor (`config/packages/optivgi_demo.yaml`).
PRICE_SENSOR = "sensor.demo_energy_prices"
#: Its solar forecast, in Solcast's shape.
SOLAR_SENSOR = "sensor.demo_solar_forecast"
#: The translation keys of the entities `--check` reads: the site's EV budget, and per charger
#: its power set-point and planned energy.
BUDGET_KEY = "ev_budget"
SETPOINT_KEY = "power_setpoint"
PLANNED_KEY = "planned_energy"
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


def demo_entry(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The demo site's config entry among optivgi's: the one with its name (names are unique)."""
    return next((entry for entry in entries if entry["title"] == SITE["name"]), None)


def set_up_demo(token: str) -> None:
    """Add the demo site and its chargers, unless it is there already."""
    if demo_entry(call(ENTRIES, token=token)) is not None:
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
    if args.exercise or args.flap is not None:
        import demo_drive  # noqa: PLC0415 - it imports this module

        if args.exercise:
            demo_drive.exercise(token)
        else:
            demo_drive.flap(token, args.flap)
        return
    if args.check:
        from demo_check import check  # noqa: PLC0415 - it imports this module

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
