"""Screenshots of the running demo for the README, taken with headless Chromium (not a test).

Logs in to the development Home Assistant as the demo user, then saves `docs/dashboard.png` (the
demo dashboard), `docs/site.png` (the site with its chargers), `docs/config-flow.png` (the
first step of adding a site), `docs/charger-controls.png` (a charger's device page with its
controls), and `docs/plan-card.png` and `docs/plan-card-dark.png` (the plan
card in the light and the dark theme; the default theme follows the browser's colour scheme).
Run it with `scripts/screenshots`, which starts the demo if needed.
"""

from pathlib import Path

from browser import CHROMIUM, CHROMIUM_ARGS, log_in
from demo_setup import BASE
from playwright.sync_api import Browser, Page, sync_playwright

DOCS = Path(__file__).resolve().parent.parent / "docs"


def dashboard(page: Page) -> None:
    """The demo dashboard, once its cards show the chargers."""
    page.goto(f"{BASE}/optivgi-demo/site")
    page.locator("optivgi-plan-card path.series").first.wait_for(timeout=30_000)
    page.wait_for_timeout(4000)  # history graphs load after the cards
    page.screenshot(path=DOCS / "dashboard.png", full_page=True)


def site(page: Page) -> None:
    """The integration's page: the site entry and its charger subentries."""
    page.goto(f"{BASE}/config/integrations/integration/optivgi")
    page.get_by_text("Home", exact=True).first.wait_for(timeout=30_000)
    page.wait_for_timeout(2000)
    page.screenshot(path=DOCS / "site.png")


def config_flow(page: Page) -> None:
    """The first step of adding a site, from Settings > Devices & services."""
    page.goto(f"{BASE}/config/integrations/dashboard")
    page.get_by_role("button", name="Add integration").click()
    dialog = page.locator("dialog-add-integration")
    dialog.get_by_text("1-Wire").first.wait_for(timeout=30_000)
    dialog.get_by_placeholder("Search for a brand name").fill("OptiVGI")
    dialog.get_by_text("OptiVGI smart charging").first.click()
    page.get_by_text("Add a charging site").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=DOCS / "config-flow.png")


def charger_controls(page: Page) -> None:
    """A charger's device page: its controls (mode, energy, target, departure) and sensors."""
    page.goto(f"{BASE}/config/devices/dashboard")
    page.get_by_text("Driveway", exact=True).first.wait_for(timeout=30_000)
    device_id = page.evaluate(
        """async () => {
          const hass = document.querySelector("home-assistant").hass;
          const devices = await hass.callWS({type: "config/device_registry/list"});
          return devices.find((d) => d.name === "Driveway" && d.model === "Scheduled charger").id;
        }"""
    )
    page.goto(f"{BASE}/config/devices/device/{device_id}")
    page.get_by_text("Charge mode").first.wait_for(timeout=30_000)
    page.wait_for_timeout(2000)
    page.screenshot(path=DOCS / "charger-controls.png")


def plan_card(browser: Browser, scheme: str, name: str) -> None:
    """The plan card alone, in the light or the dark colour scheme."""
    page = browser.new_page(viewport={"width": 900, "height": 1000}, color_scheme=scheme)
    log_in(page, BASE)
    page.goto(f"{BASE}/optivgi-demo/site")
    card = page.locator("optivgi-plan-card")
    card.locator("path.series").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    card.screenshot(path=DOCS / name)
    page.close()


def main() -> None:
    """Take the screenshots."""
    DOCS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for scheme, name in (("light", "plan-card.png"), ("dark", "plan-card-dark.png")):
            plan_card(browser, scheme, name)
            print(f"saved docs/{name}")
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        log_in(page, BASE)
        for shoot in (dashboard, site, config_flow, charger_controls):
            shoot(page)
            print(f"saved docs/{shoot.__name__.replace('_', '-')}.png")
        browser.close()


if __name__ == "__main__":
    main()
