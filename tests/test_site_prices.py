"""A site with a price source: Smart charging moves to cheap hours, costs, the cap and faults.

The site is made through the real config flow with a price sensor in the generic shape; what is
asserted is what the simulated charger is told, the plan and the entities a user sees.
"""

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest

from custom_components.optivgi.const import DOMAIN, MIN_ON_S, MIN_WRITE_INTERVAL_S
from custom_components.optivgi.price_source import CAP_PENALTY
from custom_components.optivgi.site_controls import ChargeMode
from custom_components.optivgi.store import ChargingRequest

from .ha_site import (
    async_setup_helpers,
    async_setup_site,
    current,
    replan,
    set_site_limit,
    settle,
    site_entry,
    subentry_id,
)

NOON = datetime(2026, 12, 1, 20, 0, tzinfo=dt_util.UTC)  # 12:00 in US/Pacific
PRICES = "sensor.energy_prices"
#: Within the first half of the stay the horizon sees, where each car keeps a buffer of energy
#: (`scm/tariff.py`): all of a small request fits there.
CHEAP = (NOON + timedelta(hours=2), NOON + timedelta(hours=4))  # 14:00-16:00 local


@pytest.fixture(autouse=True)
def _noon(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(NOON)


def price_list(hours: int = 12, cheap: float = 0.10) -> list[dict[str, Any]]:
    """Hourly prices from noon: 0.40 per kWh, `cheap` in the `CHEAP` window."""
    slots = []
    for hour in range(hours):
        start = NOON + timedelta(hours=hour)
        price = cheap if CHEAP[0] <= start < CHEAP[1] else 0.40
        slots.append(
            {
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "price": price,
            }
        )
    return slots


def publish(hass: HomeAssistant, slots: list[dict[str, Any]] | None) -> None:
    if slots is None:
        hass.states.async_set(PRICES, "unavailable")
        return
    hass.states.async_set(
        PRICES, str(slots[0]["price"]), {"prices": slots, "unit_of_measurement": "EUR/kWh"}
    )


async def priced_site(hass: HomeAssistant) -> ConfigEntry:
    await async_setup_helpers(hass, ("driveway",))
    publish(hass, price_list())
    prices = {"price_source": "entity", "price_entity": PRICES}
    entry = await async_setup_site(hass, site_entry(("driveway",), prices=prices))
    entry.runtime_data.store.set_request(
        subentry_id(entry, "driveway"), ChargingRequest(energy_kwh=10.0)
    )
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await settle(hass)
    return entry


def value(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def test_smart_charging_moves_to_the_cheap_hours_and_says_what_it_costs(
    hass: HomeAssistant,
) -> None:
    entry = await priced_site(hass)
    assert entry.options["price_source"] == "entity"  # as the flow stores it
    plan = entry.runtime_data.coordinator.data
    driveway = plan.chargers[subentry_id(entry, "driveway")]
    assert current(hass, "driveway") == 0.0  # dear now: it waits
    assert driveway.changes[1].start == CHEAP[0]
    assert driveway.planned_kwh == pytest.approx(10.0)
    # 10 kWh, all at 0.10: 1 EUR.
    assert driveway.cost == pytest.approx(1.0)
    assert float(value(hass, "sensor.driveway_planned_cost")) == pytest.approx(1.0)
    cost = hass.states.get("sensor.home_planned_cost")
    assert cost is not None
    assert cost.attributes["unit_of_measurement"] == "EUR"
    assert float(cost.state) == pytest.approx(1.0)
    assert dt_util.parse_datetime(value(hass, "sensor.home_prices_known_until")) == (
        NOON + timedelta(hours=12)
    )
    assert driveway.why is not None
    assert driveway.why.key == "cheaper"


async def test_a_cap_avoids_dear_steps_unless_the_departure_needs_them(
    hass: HomeAssistant,
) -> None:
    entry = await priced_site(hass)
    cap = "number.home_price_cap"
    assert value(hass, cap) == "unknown"  # no cap until one is set
    translation = entry.runtime_data.coordinator.translation
    await hass.services.async_call(
        "number", "set_value", {ATTR_ENTITY_ID: cap, "value": 0.2}, blocking=True
    )
    await settle(hass)
    assert entry.runtime_data.store.controls.price_cap == 0.2
    assert await hass.config_entries.async_reload(entry.entry_id)  # a restart keeps it
    await settle(hass)
    assert float(value(hass, cap)) == 0.2
    translation = entry.runtime_data.coordinator.translation
    planning = await translation.get_prices("", entry.runtime_data.coordinator.data.start)
    assert planning is not None
    assert planning[0] == pytest.approx(0.40 + CAP_PENALTY)  # above the cap
    assert min(planning) == pytest.approx(0.10)
    # 30 kWh do not fit in the two cheap hours: the dear steps are used for the rest, and the
    # cost is at the real prices.
    cid = subentry_id(entry, "driveway")
    entry.runtime_data.store.set_request(cid, ChargingRequest(energy_kwh=30.0))
    await replan(hass, entry)
    plan = entry.runtime_data.coordinator.data.chargers[cid]
    assert plan.planned_kwh == pytest.approx(30.0)
    assert plan.cost == pytest.approx(2 * 11.04 * 0.10 + (30 - 2 * 11.04) * 0.40)
    # Its maximum means no cap.
    await hass.services.async_call(
        "number", "set_value", {ATTR_ENTITY_ID: cap, "value": 1000}, blocking=True
    )
    await settle(hass)
    assert entry.runtime_data.store.controls.price_cap is None


async def test_prices_that_go_away_plan_without_them_with_an_issue_until_they_return(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, freezer: FrozenDateTimeFactory
) -> None:
    entry = await priced_site(hass)
    issue_id = f"price_source_{entry.entry_id}"
    freezer.tick(timedelta(seconds=MIN_WRITE_INTERVAL_S))  # a limit is raised once a minute
    publish(hass, None)  # the sensor goes unavailable: a re-plan at once
    await settle(hass)
    assert current(hass, "driveway") >= 14.0  # as without prices: at once
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "price_source_unavailable"
    assert value(hass, "sensor.home_prices_known_until") == "unknown"
    assert value(hass, "sensor.home_planned_cost") == "unknown"
    await replan(hass, entry)
    assert caplog.text.count("Cannot read the entity energy prices") == 1  # once, not per cycle
    # Back: the issue clears and the plan waits for the cheap hours again.
    publish(hass, price_list())
    await settle(hass)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    # It keeps this step (it was switched on a moment ago), then waits for the cheap hours.
    changes = entry.runtime_data.coordinator.data.chargers[subentry_id(entry, "driveway")].changes
    assert [c.kw > 0 for c in changes[:2]] == [True, False]
    assert any(c.start == CHEAP[0] and c.kw > 0 for c in changes)


async def test_tomorrows_prices_appearing_re_plan(hass: HomeAssistant) -> None:
    entry = await priced_site(hass)
    coordinator = entry.runtime_data.coordinator
    assert coordinator.data.prices_until == NOON + timedelta(hours=12)
    cycles = coordinator.cycles
    publish(hass, price_list(hours=24))
    await settle(hass)
    assert coordinator.cycles == cycles + 1
    # The source's end, beyond the horizon: it stays put while the horizon moves on.
    assert coordinator.data.prices_until == NOON + timedelta(hours=24)


async def test_without_a_price_source_there_is_no_cost_and_no_cap(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    await async_setup_helpers(hass, ("driveway",))
    entry = await async_setup_site(hass, site_entry(("driveway",)))
    ids = {e.entity_id for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)}
    assert "number.home_price_cap" not in ids
    assert "sensor.home_planned_cost" not in ids
    assert "sensor.driveway_planned_cost" not in ids
    assert entry.runtime_data.coordinator.data.cost is None


ARRIVAL_ROOM = "switch.home_keep_room_for_arriving_cars"


async def test_a_car_waits_for_cheap_hours_only_where_an_empty_charger_keeps_its_room(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """On an 11 kW site, a car moved to the cheap hours takes the room an arriving car needs.

    With the garage empty and room kept for it (the switch's default), the driveway charges
    now; with the switch off it waits for the cheap hours. Room is kept for the garage's most
    while it is empty, not for a reservation (the car that will come is planned) nor once
    it has a car.
    """
    await async_setup_helpers(hass, ("driveway", "garage"))
    publish(hass, price_list())
    prices = {"price_source": "entity", "price_entity": PRICES}
    entry = await async_setup_site(
        hass, site_entry(("driveway", "garage"), prices=prices, site_limit_kw=11.0)
    )
    await set_site_limit(hass, 11.0)
    store = entry.runtime_data.store
    store.set_request(subentry_id(entry, "driveway"), ChargingRequest(energy_kwh=10.0))
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await settle(hass)
    assert value(hass, ARRIVAL_ROOM) == "on"
    assert current(hass, "driveway") > 0.0  # the garage's car could come before the cheap hours
    assert current(hass, "garage") == 0.0
    kept_cost = float(value(hass, "sensor.home_planned_cost"))
    # Off: the whole limit may hold energy moved to the cheap hours, and it is stored.
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: ARRIVAL_ROOM}, blocking=True
    )
    freezer.tick(timedelta(seconds=MIN_ON_S + 1))  # switched on just now: it may stop only then
    await replan(hass, entry)
    assert current(hass, "driveway") == 0.0
    assert float(value(hass, "sensor.home_planned_cost")) < kept_cost
    assert store.controls.arrival_room is False
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert value(hass, ARRIVAL_ROOM) == "off"
    # What the plan keeps room for: the empty garage's most, only while the switch is on.
    translation, store = entry.runtime_data.coordinator.translation, entry.runtime_data.store
    assert (await translation.get_extras("", dt_util.utcnow())).idle_kw == 0.0
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: ARRIVAL_ROOM}, blocking=True
    )
    await settle(hass)
    assert value(hass, ARRIVAL_ROOM) == "on"
    extras = await translation.get_extras("", dt_util.utcnow())
    assert extras.idle_kw == pytest.approx(16 * 3 * 230 / 1000)
    # A reservation is the car that will come: planned as such, not kept room for.
    now = dt_util.utcnow()
    garage = subentry_id(entry, "garage")
    reservation = store.add_reservation(
        garage, now + timedelta(hours=1), now + timedelta(hours=3), 5.0
    )
    assert (await translation.get_extras("", now)).idle_kw == 0.0
    store.cancel_reservation(reservation.reservation_id)
    assert (await translation.get_extras("", now)).idle_kw == pytest.approx(extras.idle_kw)
    # A charger switched off gives its car nothing: no room is kept for it.
    store.set_mode(garage, ChargeMode.OFF)
    assert (await translation.get_extras("", now)).idle_kw == 0.0
    store.set_mode(garage, ChargeMode.SMART)
    # A car on each charger: none is empty.
    hass.states.async_set("binary_sensor.garage_plug", "on")
    await settle(hass)
    assert (await translation.get_extras("", dt_util.utcnow())).idle_kw == 0.0


async def test_without_prices_or_a_forecast_there_is_no_room_switch(
    hass: HomeAssistant,
) -> None:
    await async_setup_helpers(hass, ("driveway",))
    await async_setup_site(hass, site_entry(("driveway",)))
    assert hass.states.get("switch.home_control_chargers") is not None
    assert hass.states.get(ARRIVAL_ROOM) is None
