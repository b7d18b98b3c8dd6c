"""The browser `scripts/screenshots` and `tests/test_card_browser.py` drive, and how they log in.

Debian's chromium, never one downloaded by playwright; the flags keep it headless and offline.
"""

from pathlib import Path
from typing import Any

from demo_setup import USER

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def log_in(page: Any, base: str) -> None:  # noqa: ANN401 - a playwright Page
    """Log in as the development user through Home Assistant's own login page at `base`."""
    page.goto(base)
    page.locator('input[name="username"]').fill(USER["username"])
    page.locator('input[name="password"]').fill(USER["password"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/**", timeout=30_000)
    page.wait_for_selector("home-assistant", timeout=30_000)
