"""End to end: three chargers through an evening of arrivals, departures and a limit drop.

Each car draws exactly the current its input_number is set to; its power and session energy
sensors follow. Every five minutes the worker's timer re-plans. At every step the chargers'
commanded power must fit the budget, and every car must leave with the energy it asked for.
"""

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.optivgi.const import (
    CONF_POWER_ENTITY,
    CONF_SESSION_ENERGY_ENTITY,
    DECREASE_SETTLE_S,
)
from custom_components.optivgi.store import ChargingRequest

from .ha_site import (
    CHARGERS,
    SiteSpec,
    async_setup_helpers,
    async_setup_site,
    current,
    settle,
    site_entry,
)

START = datetime.fromisoformat("2026-01-05T17:00:00+00:00")
KW_PER_A = 3 * 230 / 1000
SESSIONS = {  # arrival, departure and request of each car
    "driveway": (timedelta(0), timedelta(hours=4), 20.0),
    "garage": (timedelta(minutes=30), timedelta(hours=5), 15.0),
    "street": (timedelta(hours=1), timedelta(hours=3), 10.0),
}
LIMIT_DROP = timedelta(hours=2)


def entry_with_meters() -> SiteSpec:
    return site_entry(
        charger=lambda name: {
            CONF_POWER_ENTITY: f"sensor.{name}_power",
            CONF_SESSION_ENERGY_ENTITY: f"sensor.{name}_energy",
        }
    )


async def test_an_evening_never_exceeds_the_budget_and_meets_every_request(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(START)
    await async_setup_helpers(hass)
    for name in CHARGERS:
        hass.states.async_set(f"sensor.{name}_power", "0", {"unit_of_measurement": "kW"})
        hass.states.async_set(f"sensor.{name}_energy", "0", {"unit_of_measurement": "kWh"})
    spec = entry_with_meters()
    entry = await async_setup_site(hass, spec)
    coordinator = entry.runtime_data.coordinator
    ids = {sub.title.lower(): sid for sid, sub in entry.subentries.items()}
    delivered = dict.fromkeys(CHARGERS, 0.0)
    left_with: dict[str, float] = {}
    step = timedelta(minutes=5)

    for index in range(int(timedelta(hours=6) / step)):
        elapsed = index * step
        now = START + elapsed
        for name, (arrival, departure, kwh) in SESSIONS.items():
            if elapsed == arrival:
                entry.runtime_data.store.set_request(
                    ids[name], ChargingRequest(energy_kwh=kwh, departure=START + departure)
                )
                hass.states.async_set(f"binary_sensor.{name}_plug", "on")
            if elapsed == departure:
                left_with[name] = delivered[name]
                hass.states.async_set(f"binary_sensor.{name}_plug", "off")
        if elapsed == LIMIT_DROP:
            await hass.services.async_call(
                "input_number",
                "set_value",
                {"entity_id": "input_number.site_limit", "value": 12},
                blocking=True,
            )
        await coordinator.async_refresh()
        # Increases follow decreases once the cars had time to follow them (6 s).
        freezer.tick(timedelta(seconds=DECREASE_SETTLE_S + 1))
        async_fire_time_changed(hass, dt_util.utcnow())
        await settle(hass)
        budget = coordinator.data.budget_kw
        commanded = {name: current(hass, name) * KW_PER_A for name in CHARGERS}
        assert sum(commanded.values()) <= budget + 1e-6, (now, commanded, budget)
        # The cars draw what they were told for the next five minutes.
        for name in CHARGERS:
            plugged = hass.states.get(f"binary_sensor.{name}_plug").state == "on"
            kw = commanded[name] if plugged else 0.0
            delivered[name] += kw * step / timedelta(hours=1)
            hass.states.async_set(f"sensor.{name}_power", str(kw), {"unit_of_measurement": "kW"})
            hass.states.async_set(
                f"sensor.{name}_energy", str(delivered[name]), {"unit_of_measurement": "kWh"}
            )
        freezer.tick(step - timedelta(seconds=DECREASE_SETTLE_S + 1))
        async_fire_time_changed(hass, dt_util.utcnow())
        await settle(hass)

    assert left_with.keys() == SESSIONS.keys()
    for name, (_, _, kwh) in SESSIONS.items():
        # Commands are whole amperes (the input_number's step), rounded down: within 2 %.
        assert left_with[name] == pytest.approx(kwh, rel=0.02), name
        assert left_with[name] <= kwh + 1e-6
