"""The plan card in a real browser, against a real Home Assistant with the demo site.

Starts Home Assistant from this repository's `config/` (copied to a temporary directory, on a
free port), sets up the demo as `scripts/develop` does, and drives Debian's chromium with
playwright. Chromium and playwright come from `scripts/setup`; without them this test fails
(it never skips): a card nobody saw render is not tested.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import shutil
import socket
import subprocess
import sys
import time
from typing import Any

import pytest
import pytest_socket

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from browser import CHROMIUM, CHROMIUM_ARGS, log_in  # noqa: E402 - from scripts/, shared

CARD = "optivgi-plan-card"
# A new plan reaches the card within a cycle; "within seconds" is the promise.
UPDATE_TIMEOUT_MS = 15_000
SITE_LIMIT = "input_number.demo_site_limit"


def _counts(message: Any, base: str) -> bool:
    """An error on the console, except a picture from the internet, which is offline here."""
    if message.type != "error":
        return False
    offline = "net::ERR_NAME_NOT_RESOLVED" in message.text
    return not (offline and not str(message.location.get("url", "")).startswith(base))


@dataclass(frozen=True)
class DemoHass:
    """A running Home Assistant with the demo site."""

    base: str
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_http_storage(config: Path, port: int) -> None:
    """Bind to loopback on `port` through HA's own storage (YAML `http:` reverts itself)."""
    from homeassistant.components.http.config import HTTP_STORAGE_SCHEMA  # noqa: PLC0415

    stable = HTTP_STORAGE_SCHEMA({"server_host": ["127.0.0.1"], "server_port": port})
    now = datetime.now(UTC).isoformat()
    storage = config / ".storage"
    storage.mkdir(parents=True)
    (storage / "http").write_text(
        json.dumps(
            {
                "version": 2,
                "minor_version": 2,
                "key": "http",
                "data": {
                    "stable": {**stable, "created_at": now, "error": None, "error_message": None},
                    "pending": None,
                    "yaml_migration_done": True,
                },
            }
        ),
        encoding="utf-8",
    )


def _demo_setup(port: int, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script, with our interpreter
        [sys.executable, str(REPO / "scripts" / "demo_setup.py"), *args],
        env={**os.environ, "OPTIVGI_PORT": str(port)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_hass(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoHass]:
    """Home Assistant with the demo site, stopped after this module's tests."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup (it installs Debian's chromium)")
    pytest_socket.enable_socket()  # a real server on loopback, not the test harness's
    config = tmp_path_factory.mktemp("hass") / "config"
    config.mkdir()
    shutil.copy(REPO / "config" / "configuration.yaml", config)
    for folder in ("packages", "dashboards"):
        shutil.copytree(REPO / "config" / folder, config / folder)
    port = _free_port()
    _write_http_storage(config, port)
    log = config / "console.log"
    with log.open("w", encoding="utf-8") as output:
        hass = subprocess.Popen(  # noqa: S603 - Home Assistant from this venv
            [str(Path(sys.executable).parent / "hass"), "-c", str(config)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        setup = _demo_setup(port, timeout=300)
        assert setup.returncode == 0, setup.stdout + setup.stderr + log.read_text()
        deadline = time.monotonic() + 240  # the first plan waits for the whole demo to start
        while (check := _demo_setup(port, "--check", timeout=60)).returncode != 0:
            assert time.monotonic() < deadline, check.stdout + log.read_text()[-3000:]
            time.sleep(2)
        yield DemoHass(base=f"http://127.0.0.1:{port}", log=log)
    finally:
        hass.terminate()
        try:
            hass.wait(timeout=60)
        except subprocess.TimeoutExpired:
            hass.kill()
            hass.wait()


def _call(page: Any, domain: str, service: str, data: dict[str, Any]) -> None:
    """Call an action through the frontend's own connection, as a dashboard does."""
    page.evaluate(
        "([domain, service, data]) => document.querySelector('home-assistant')"
        ".hass.callService(domain, service, data)",
        [domain, service, data],
    )


def _check_card_picker(page: Any, base: str) -> None:
    """A new dashboard's card picker offers the card, with no resource added by hand.

    Its editor opens with a preview of the only site.
    """
    page.evaluate(
        """async () => {
          const hass = document.querySelector('home-assistant').hass;
          await hass.callWS({type: 'lovelace/dashboards/create', url_path: 'picker-test',
            title: 'Picker test', mode: 'storage'});
          await hass.callWS({type: 'lovelace/config/save', url_path: 'picker-test',
            config: {views: [{title: 'One', cards: []}]}});
        }"""
    )
    page.goto(f"{base}/picker-test/0?edit=1")
    page.get_by_role("button", name="Add card").click()
    page.get_by_role("tab", name="By card").click()
    page.get_by_placeholder("Search cards").fill("OptiVGI")
    offered = page.locator("hui-card-picker .card", has_text="OptiVGI plan")
    offered.first.wait_for(timeout=30_000)
    assert offered.count() == 1
    offered.first.click()
    dialog = page.locator("hui-dialog-edit-card")
    dialog.locator(f"{CARD}-editor ha-form").wait_for(timeout=30_000)
    dialog.locator(f"{CARD} path.series").first.wait_for(timeout=30_000)
    assert dialog.locator(f"{CARD} path.series").count() == 3
    dialog.get_by_role("button", name="Cancel").click()


def _reasons(card: Any) -> list[str]:
    return [text.strip() for text in card.locator(".row .reason").all_inner_texts()]


def test_card_in_the_picker_renders_the_plan_and_follows_a_limit_change(
    demo_hass: DemoHass,
) -> None:
    pytest_socket.enable_socket()
    try:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout, sync_playwright  # noqa: PLC0415
    except ImportError:
        pytest.fail("playwright is missing: run scripts/setup (it is in requirements_test.txt)")
    base = demo_hass.base
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.on("console", lambda m: errors.append(m.text) if _counts(m, base) else None)
        page.on("pageerror", lambda err: errors.append(str(err)))
        log_in(page, base)
        try:
            page.wait_for_function(
                f"(window.customCards || []).some(c => c.type === '{CARD}')", timeout=30_000
            )
        except PlaywrightTimeout as err:  # a card that does not load says why on the console
            pytest.fail(f"the card did not register: {err}; console: {errors}")
        _check_card_picker(page, base)

        # The demo dashboard's card, with all three cars plugged in so that each has a reason.
        _call(page, "input_boolean", "turn_on", {"entity_id": "input_boolean.demo_street_plugged"})
        page.goto(f"{base}/optivgi-demo/site")
        card = page.locator(CARD)
        card.locator("path.series").first.wait_for(timeout=30_000)
        assert card.locator("path.series").count() == 3  # one series per charger
        assert card.locator('[data-line="limit"]').count() == 1
        assert card.locator('[data-line="budget"]').count() == 1
        assert card.locator("[data-now]").count() == 1
        names = card.locator(".row .name").all_inner_texts()
        assert names == ["Driveway", "Garage", "Street"]
        # The street car's plan comes with the cycle after its plug-in.
        deadline = time.monotonic() + UPDATE_TIMEOUT_MS / 1000
        while not all(_reasons(card)):
            assert time.monotonic() < deadline, _reasons(card)
            page.wait_for_timeout(250)

        # A lower limit: the card shows the new plan within seconds, without a reload.
        _call(page, "input_number", "set_value", {"entity_id": SITE_LIMIT, "value": 7})
        card.locator('[data-line="limit"] title', has_text="Site limit 7 kW").wait_for(
            state="attached", timeout=UPDATE_TIMEOUT_MS
        )
        assert "Site limit 7 kW" in card.locator(".legend").inner_text()
        assert all(_reasons(card)), _reasons(card)
        browser.close()
    assert not errors, errors
