"""A site with a solar forecast: Smart charging moves to the sunny hours, and faults show.

The site is made through the real config flow with a Solcast-shaped forecast sensor; what is
asserted is the plan the charger is given and the repair issue a user sees.
"""

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest

from custom_components.optivgi.const import DOMAIN
from custom_components.optivgi.models import ChargerPlan
from custom_components.optivgi.store import ChargingRequest

from .ha_site import async_setup_helpers, async_setup_site, current, settle, site_entry, subentry_id

NOON = datetime(2026, 12, 1, 20, 0, tzinfo=dt_util.UTC)  # 12:00 in US/Pacific
FORECAST = "sensor.solcast_pv_forecast_forecast_today"
SUNNY = (NOON + timedelta(hours=1), NOON + timedelta(hours=3))  # 13:00-15:00 local, 6 kW


@pytest.fixture(autouse=True)
def _noon(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(NOON)


def publish(hass: HomeAssistant, *, sunny_kw: float = 6.0) -> None:
    """Solcast's forecast: 30-minute periods from noon, `sunny_kw` in the `SUNNY` window."""
    periods: list[dict[str, Any]] = []
    for half_hour in range(12):
        start = NOON + timedelta(minutes=30 * half_hour)
        kw = sunny_kw if SUNNY[0] <= start < SUNNY[1] else 0.0
        periods.append({"period_start": start.isoformat(), "pv_estimate": kw})
    hass.states.async_set(FORECAST, "20.0", {"detailedForecast": periods})


def energy_between(plan: ChargerPlan, start: datetime, end: datetime) -> float:
    """The energy (kWh) a plan's changes put between `start` and `end` (5-minute steps)."""
    step = timedelta(minutes=5)
    kwh, at, kw = 0.0, plan.changes[0].start, 0.0
    changes = iter(plan.changes)
    upcoming = next(changes, None)
    while at < end:
        while upcoming is not None and upcoming.start <= at:
            kw, upcoming = upcoming.kw, next(changes, None)
        kwh += kw * (step / timedelta(hours=1)) if at >= start else 0.0
        at += step
    return kwh


async def solar_site(hass: HomeAssistant) -> ConfigEntry:
    await async_setup_helpers(hass, ("driveway",))
    publish(hass)
    prices = {"solar_source": "solcast", "solar_entity": [FORECAST], "feed_in_price": 0.08}
    entry = await async_setup_site(hass, site_entry(("driveway",), prices=prices))
    entry.runtime_data.store.set_request(
        subentry_id(entry, "driveway"), ChargingRequest(energy_kwh=10.0)
    )
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await settle(hass)
    return entry


async def test_smart_charging_waits_for_the_sun(hass: HomeAssistant) -> None:
    entry = await solar_site(hass)
    assert entry.options["solar_source"] == "solcast"  # as the flow stores it
    plan = entry.runtime_data.coordinator.data.chargers[subentry_id(entry, "driveway")]
    assert current(hass, "driveway") == 0.0  # no sun yet: it waits
    # 10 kWh, all in the two sunny hours (6 kW of surplus, 12 kWh).
    assert energy_between(plan, *SUNNY) == pytest.approx(10.0)
    assert plan.planned_kwh == pytest.approx(10.0)


async def test_a_forecast_that_goes_away_plans_without_it_with_an_issue(
    hass: HomeAssistant,
) -> None:
    entry = await solar_site(hass)
    issue_id = f"solar_forecast_{entry.entry_id}"
    hass.states.async_set(FORECAST, "unavailable")
    await settle(hass)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "solar_forecast_unavailable"
    plan = entry.runtime_data.coordinator.data.chargers[subentry_id(entry, "driveway")]
    assert plan.setpoint_kw == pytest.approx(11.04)  # earliest, as without a forecast
    publish(hass)
    await settle(hass)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
