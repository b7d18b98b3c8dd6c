"""The site's price source against a real Home Assistant: entities, actions, faults, caching.

The actions are stand-ins registered under the core names, answering in the shapes the core
integrations answer in (`nordpool/services.py`: `{area: [{start, end, price}]}` per MWh, one
call per date; `tibber/services.py`: `{"prices": {home: [{start_time, price}]}}` per kWh for
`start <= start_time < end`). Entity attributes come from the fixtures of `test_prices`.
"""

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
import json
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.optivgi import price_source
from custom_components.optivgi.const import (
    CONF_PRICE_AREA,
    CONF_PRICE_CONFIG_ENTRY,
    CONF_PRICE_ENTITY,
    CONF_PRICE_HOME,
    CONF_PRICE_SOURCE,
)
from custom_components.optivgi.price_source import (
    CAP_PENALTY,
    PriceSource,
    StepPrices,
    planning_prices,
)
from custom_components.optivgi.scm.constants import SchedulingParameters

FIXTURES = Path(__file__).parent / "fixtures" / "prices"
QUARTER = timedelta(minutes=15)
HOUR = timedelta(hours=1)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
ENTITY = "sensor.spot_price"
#: 08:00 in Stockholm on a Monday in winter (UTC+1).
NOW = datetime(2026, 1, 5, 8, tzinfo=STOCKHOLM)
MIDNIGHT = datetime(2026, 1, 5, tzinfo=STOCKHOLM).astimezone(UTC)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def grid(minutes: int, hours: int) -> SchedulingParameters:
    return SchedulingParameters(
        resolution=timedelta(minutes=minutes), horizon=timedelta(hours=hours)
    )


def hourly(day: date, prices: Sequence[float | None], zone: ZoneInfo = STOCKHOLM) -> list[Any]:
    """HACS Nord Pool's `raw_today` items: one per hour of the local day."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    return [
        {
            "start": (start + HOUR * i).isoformat(),
            "end": (start + HOUR * (i + 1)).isoformat(),
            "value": price,
        }
        for i, price in enumerate(prices)
    ]


def warnings(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "custom_components.optivgi" and record.levelno == level
    ]


@pytest.fixture(autouse=True)
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(NOW)


def fault_of(source: PriceSource) -> str | None:
    """The fault, read anew (mypy keeps a property narrowed by an earlier assert)."""
    return source.fault


def entity_source(hass: HomeAssistant) -> PriceSource:
    return PriceSource(hass, {CONF_PRICE_SOURCE: "entity", CONF_PRICE_ENTITY: ENTITY})


# --- planning prices ---------------------------------------------------------------------------


def test_unknown_steps_get_the_highest_known_price() -> None:
    assert planning_prices([0.3, None, -0.1, None, 0.2], None) == [0.3, 0.3, -0.1, 0.3, 0.2]


def test_no_known_price_means_planning_without_prices() -> None:
    assert planning_prices([None, None], None) is None
    assert planning_prices([], 1.0) is None


def test_steps_above_the_cap_are_penalised_and_unknown_ones_rank_between() -> None:
    planned = planning_prices([0.1, 0.5, None, 0.3, 0.45], 0.4)
    assert planned == pytest.approx([0.1, 0.5 + CAP_PENALTY, 0.4, 0.3, 0.45 + CAP_PENALTY])
    assert planned is not None
    # Under the cap is preferred to unknown, unknown to above the cap, and above the cap the
    # cheaper step still comes first.
    assert planned[0] < planned[3] < planned[2] < planned[4] < planned[1]


def test_with_every_known_price_under_the_cap_unknown_steps_take_the_highest() -> None:
    assert planning_prices([0.1, None, 0.2], 1.0) == [0.1, 0.2, 0.2]
    # A price at the cap is not above it; negative prices are never penalised.
    assert planning_prices([-0.5, 0.4], 0.4) == [-0.5, 0.4]


# --- entity sources ----------------------------------------------------------------------------


async def test_hourly_entity_onto_quarter_hour_steps_without_tomorrow(hass: HomeAssistant) -> None:
    today = [0.1 * (i % 5) - 0.05 for i in range(24)]
    hass.states.async_set(
        ENTITY,
        "0.1",
        {
            "unit_of_measurement": "EUR/kWh",
            "raw_today": hourly(NOW.date(), today),
            "raw_tomorrow": [],
        },
    )
    source = entity_source(hass)
    assert source.configured
    assert source.entity_ids() == {ENTITY}
    prices = await source.async_step_prices(MIDNIGHT, grid(15, 48), None)
    assert prices is not None
    assert prices.currency == "EUR"
    assert len(prices.actual) == len(prices.planning) == 192
    assert list(prices.actual[:96]) == pytest.approx([p for p in today for _ in range(4)])
    assert prices.actual[96:] == (None,) * 96
    assert prices.known_until == MIDNIGHT + timedelta(days=1)
    assert prices.known_until.tzinfo == UTC
    assert prices.planning[96:] == pytest.approx((max(today),) * 96)
    assert min(prices.planning) == pytest.approx(-0.05)  # negative prices are kept
    assert source.fault is None


async def test_quarter_hour_entity_onto_five_minute_steps(hass: HomeAssistant) -> None:
    attributes = load("entsoe_be_15min_kwh")
    hass.states.async_set(ENTITY, "0.1", attributes)
    start = datetime(2025, 11, 12, tzinfo=ZoneInfo("Europe/Brussels")).astimezone(UTC)
    prices = await entity_source(hass).async_step_prices(start, grid(5, 24), None)
    assert prices is not None
    quarters = [item["price"] for item in attributes["prices_today"]]
    assert list(prices.actual) == pytest.approx([p for p in quarters for _ in range(3)])
    assert prices.known_until == start + timedelta(days=1)
    assert prices.currency == "EUR"


async def test_a_grid_between_slots_starts_mid_hour(hass: HomeAssistant) -> None:
    hass.states.async_set(
        ENTITY,
        "1",
        {"unit_of_measurement": "SEK/kWh", "raw_today": hourly(NOW.date(), [1.0, 3.0] * 12)},
    )
    start = MIDNIGHT + timedelta(minutes=30)
    prices = await entity_source(hass).async_step_prices(start, grid(60, 2), None)
    # Known until the end of the source's day, not of this two-hour grid.
    assert prices == StepPrices(
        actual=(2.0, 2.0), planning=(2.0, 2.0), currency="SEK", known_until=MIDNIGHT + 24 * HOUR
    )


async def test_mwh_and_kwh_entities_give_the_same_prices_on_the_25_hour_day(
    hass: HomeAssistant,
) -> None:
    per_mwh = load("entsoe_de_hourly_mwh_dst_autumn")
    per_kwh = {
        "unit_of_measurement": "EUR/kWh",
        **{
            key: [{**item, "price": item["price"] / 1000} for item in per_mwh[key]]
            for key in ("prices_today", "prices_tomorrow")
        },
    }
    hass.states.async_set(ENTITY, "90", per_mwh)
    hass.states.async_set("sensor.per_kwh", "0.09", per_kwh)
    start = datetime(2025, 10, 26, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
    mwh = await entity_source(hass).async_step_prices(start, grid(60, 48), None)
    kwh = await PriceSource(
        hass, {CONF_PRICE_SOURCE: "entity", CONF_PRICE_ENTITY: "sensor.per_kwh"}
    ).async_step_prices(start, grid(60, 48), None)
    assert mwh is not None
    assert kwh is not None
    assert list(mwh.actual) == pytest.approx(list(kwh.actual))
    today = per_mwh["prices_today"]
    # 02:00 comes twice: two steps with their own prices, and 48 steps are all priced.
    assert mwh.actual[2] == pytest.approx(today[2]["price"] / 1000)
    assert mwh.actual[3] == pytest.approx(today[3]["price"] / 1000)
    assert mwh.actual[2] != mwh.actual[3]
    assert None not in mwh.actual
    # The source knows today (25 hours) and tomorrow (24), past the 48-step grid.
    assert mwh.known_until == start + timedelta(hours=49)
    assert min(p for p in mwh.actual if p is not None) < 0


async def test_the_23_hour_spring_day_leaves_its_missing_hour_unknown(hass: HomeAssistant) -> None:
    hass.states.async_set(ENTITY, "0.3", load("nordpool_hacs_dk1_15min_dst_spring"))
    start = datetime(2026, 3, 29, tzinfo=ZoneInfo("Europe/Copenhagen")).astimezone(UTC)
    prices = await entity_source(hass).async_step_prices(start, grid(15, 24), None)
    assert prices is not None
    assert None not in prices.actual[:92]
    assert prices.actual[92:] == (None,) * 4
    assert prices.known_until == start + timedelta(hours=23)
    known = [p for p in prices.actual if p is not None]
    assert prices.planning[92:] == (max(known),) * 4
    assert prices.currency == "DKK"


async def test_the_cap_reaches_the_planning_prices_not_the_actual_ones(
    hass: HomeAssistant,
) -> None:
    hass.states.async_set(
        ENTITY,
        "1",
        {
            "unit_of_measurement": "EUR/kWh",
            "raw_today": hourly(NOW.date(), [0.1, 0.6] + [None] * 22),
        },
    )
    prices = await entity_source(hass).async_step_prices(MIDNIGHT, grid(60, 3), 0.5)
    assert prices is not None
    assert prices.actual == (0.1, 0.6, None)
    assert prices.planning == pytest.approx((0.1, 0.6 + CAP_PENALTY, 0.5))
    assert prices.known_until == MIDNIGHT + 2 * HOUR


async def test_a_source_that_knows_no_price_in_the_grid_is_no_fault(hass: HomeAssistant) -> None:
    hass.states.async_set(
        ENTITY, "1", {"unit_of_measurement": "EUR/kWh", "raw_today": None, "raw_tomorrow": None}
    )
    source = entity_source(hass)
    assert await source.async_step_prices(MIDNIGHT, grid(15, 24), None) is None
    assert source.fault is None


async def test_an_unavailable_entity_is_a_fault_logged_once_until_it_clears(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    source = entity_source(hass)
    for _ in range(3):  # missing, then unavailable: the same fault, one warning
        assert await source.async_step_prices(MIDNIGHT, grid(15, 24), None) is None
        assert source.fault == "price_source_unavailable"
        hass.states.async_set(ENTITY, "unavailable", {})
    assert len(warnings(caplog)) == 1
    assert ENTITY in warnings(caplog)[0]

    hass.states.async_set(
        ENTITY, "1", {"unit_of_measurement": "EUR/kWh", "raw_today": hourly(NOW.date(), [1.0] * 24)}
    )
    for _ in range(2):
        assert await source.async_step_prices(MIDNIGHT, grid(15, 24), None) is not None
        assert source.fault is None
    assert len(warnings(caplog, logging.INFO)) == 1

    hass.states.async_set(ENTITY, "1", {"unit_of_measurement": "EUR/kWh", "raw_today": "1,2,3"})
    assert await source.async_step_prices(MIDNIGHT, grid(15, 24), None) is None
    assert source.fault == "price_source_invalid"
    assert len(warnings(caplog)) == 2
    assert "raw_today is not a list" in warnings(caplog)[1]


async def test_sources_that_are_not_configured(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    for options in (
        {},
        {CONF_PRICE_SOURCE: "none", CONF_PRICE_ENTITY: ENTITY},
        {CONF_PRICE_SOURCE: "entity"},
        {CONF_PRICE_SOURCE: "nordpool"},
        {CONF_PRICE_SOURCE: "octopus"},
    ):
        source = PriceSource(hass, options)
        assert not source.configured, options
        assert source.entity_ids() == set()
        assert await source.async_step_prices(MIDNIGHT, grid(15, 24), None) is None
        assert source.fault is None
    assert warnings(caplog) == ["Unknown price source 'octopus': planning without prices"]


# --- Nord Pool action --------------------------------------------------------------------------


def nordpool_day(day: date, prices: dict[str, list[float]]) -> dict[str, Any]:
    """A `get_prices_for_date` answer for a local day: quarter hours, per MWh, UTC times."""
    start = datetime(day.year, day.month, day.day, tzinfo=STOCKHOLM).astimezone(UTC)
    return {
        area: [
            {
                "start": (start + QUARTER * i).isoformat(),
                "end": (start + QUARTER * (i + 1)).isoformat(),
                "price": price,
            }
            for i, price in enumerate(values)
        ]
        for area, values in prices.items()
    }


class FakeAction:
    """A response-only action that records its calls and answers with `answer(call.data)`."""

    def __init__(self, answer: Callable[[dict[str, Any]], Any]) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    async def handle(self, call: ServiceCall) -> ServiceResponse:
        self.calls.append(dict(call.data))
        await asyncio.sleep(0)  # answer later, as a real action does
        result: ServiceResponse = self.answer(dict(call.data))
        return result


def register(hass: HomeAssistant, domain: str, service: str, action: FakeAction) -> None:
    hass.services.async_register(
        domain, service, action.handle, supports_response=SupportsResponse.ONLY
    )


@pytest.fixture
def nordpool_entry(hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(domain="nordpool", data={"areas": ["SE3", "SE4"], "currency": "SEK"})
    entry.add_to_hass(hass)
    return entry


def nordpool_source(
    hass: HomeAssistant, entry: MockConfigEntry, area: str | None = "SE3"
) -> PriceSource:
    options = {CONF_PRICE_SOURCE: "nordpool", CONF_PRICE_CONFIG_ENTRY: entry.entry_id}
    if area:
        options[CONF_PRICE_AREA] = area
    return PriceSource(hass, options)


SE3_TODAY = [40.0 + i for i in range(96)]


def published_today_only(data: dict[str, Any]) -> dict[str, Any]:
    asked = date.fromisoformat(data["date"])
    if asked == NOW.date():
        return nordpool_day(asked, {"SE3": SE3_TODAY})
    return {"SE3": []}  # what the action answers before tomorrow is published


async def test_nordpool_today_and_tomorrow_asked_by_local_date_and_cached(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, nordpool_entry: MockConfigEntry
) -> None:
    action = FakeAction(published_today_only)
    register(hass, "nordpool", "get_prices_for_date", action)
    source = nordpool_source(hass, nordpool_entry)
    assert source.entity_ids() == set()
    prices = await source.async_step_prices(MIDNIGHT, grid(15, 48), None)
    assert prices is not None
    assert sorted(call["date"] for call in action.calls) == ["2026-01-05", "2026-01-06"]
    assert all(
        call == {"config_entry": nordpool_entry.entry_id, "date": call["date"], "areas": ["SE3"]}
        for call in action.calls
    )
    assert list(prices.actual[:96]) == pytest.approx([p / 1000 for p in SE3_TODAY])
    assert prices.known_until == MIDNIGHT + timedelta(days=1)
    assert prices.currency == "SEK"  # the entry's: the action used it

    # Within 15 minutes the answer is reused; after them the action is asked again.
    freezer.tick(timedelta(minutes=14))
    assert await source.async_step_prices(MIDNIGHT, grid(15, 48), None) == prices
    assert len(action.calls) == 2
    freezer.tick(timedelta(minutes=1))
    assert await source.async_step_prices(MIDNIGHT, grid(15, 48), None) == prices
    assert len(action.calls) == 4


async def test_nordpool_is_asked_at_once_when_the_local_date_changes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, nordpool_entry: MockConfigEntry
) -> None:
    action = FakeAction(
        lambda data: nordpool_day(date.fromisoformat(data["date"]), {"SE3": SE3_TODAY})
    )
    register(hass, "nordpool", "get_prices_for_date", action)
    freezer.move_to(datetime(2026, 1, 5, 23, 55, tzinfo=STOCKHOLM))
    source = nordpool_source(hass, nordpool_entry)
    prices = await source.async_step_prices(MIDNIGHT, grid(60, 48), None)
    assert prices is not None
    assert prices.known_until == MIDNIGHT + timedelta(days=2)  # tomorrow is published
    freezer.tick(timedelta(minutes=10))  # 00:05 local: a new day, 10 minutes later
    await source.async_step_prices(MIDNIGHT, grid(60, 48), None)
    assert sorted(call["date"] for call in action.calls[2:]) == ["2026-01-06", "2026-01-07"]


async def test_nordpool_entry_with_one_area_needs_no_area(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain="nordpool", data={"areas": ["SE3"], "currency": "EUR"})
    entry.add_to_hass(hass)
    action = FakeAction(published_today_only)
    register(hass, "nordpool", "get_prices_for_date", action)
    prices = await nordpool_source(hass, entry, area=None).async_step_prices(
        MIDNIGHT, grid(15, 24), None
    )
    assert prices is not None
    assert "areas" not in action.calls[0]
    assert prices.currency == "EUR"


async def test_an_answer_with_several_areas_and_none_chosen_is_invalid(
    hass: HomeAssistant, nordpool_entry: MockConfigEntry
) -> None:
    register(
        hass,
        "nordpool",
        "get_prices_for_date",
        FakeAction(lambda _: {"SE3": [], "SE4": []}),
    )
    source = nordpool_source(hass, nordpool_entry, area=None)
    assert await source.async_step_prices(MIDNIGHT, grid(15, 24), None) is None
    assert source.fault == "price_source_invalid"


async def test_a_failing_action_is_a_fault_retried_after_a_while(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    nordpool_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    source = nordpool_source(hass, nordpool_entry)
    # Not loaded: no such action.
    assert await source.async_step_prices(MIDNIGHT, grid(15, 24), None) is None
    assert source.fault == "price_source_unavailable"

    failing = True

    def answer(data: dict[str, Any]) -> dict[str, Any]:
        if failing:
            raise HomeAssistantError("connection error")
        return published_today_only(data)

    action = FakeAction(answer)
    register(hass, "nordpool", "get_prices_for_date", action)
    freezer.tick(price_source.ACTION_RETRY - timedelta(seconds=1))
    assert await source.async_step_prices(MIDNIGHT, grid(15, 24), None) is None
    assert action.calls == []  # the failure is recent: no new wait on the action
    freezer.tick(timedelta(seconds=1))
    assert await source.async_step_prices(MIDNIGHT, grid(15, 24), None) is None
    assert action.calls
    assert source.fault == "price_source_unavailable"
    assert len(warnings(caplog)) == 1

    failing = False
    freezer.tick(price_source.ACTION_RETRY)
    assert await source.async_step_prices(MIDNIGHT, grid(15, 24), None) is not None
    assert fault_of(source) is None
    assert len(warnings(caplog, logging.INFO)) == 1


async def test_an_action_that_does_not_answer_times_out(
    hass: HomeAssistant, nordpool_entry: MockConfigEntry
) -> None:
    never = asyncio.Event()

    async def hang(call: ServiceCall) -> ServiceResponse:
        await never.wait()
        return {}

    hass.services.async_register(
        "nordpool", "get_prices_for_date", hang, supports_response=SupportsResponse.ONLY
    )
    source = nordpool_source(hass, nordpool_entry)
    reading = asyncio.create_task(source.async_step_prices(MIDNIGHT, grid(15, 24), None))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not reading.done()
    # The clock is frozen: run the loop's timers that are due by the end of the timeout.
    timeout = timedelta(seconds=price_source.ACTION_TIMEOUT_S)
    async_fire_time_changed(hass, dt_util.utcnow() + timeout - timedelta(seconds=1))
    await asyncio.sleep(0)
    assert not reading.done()
    async_fire_time_changed(hass, dt_util.utcnow() + timeout)
    assert await reading is None
    assert source.fault == "price_source_unavailable"


# --- Tibber action -----------------------------------------------------------------------------


def tibber_answer(homes: dict[str, float]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Quarter-hour prices (per kWh, local times) for `start <= start_time < end`, per home."""

    def answer(data: dict[str, Any]) -> dict[str, Any]:
        start = dt_util.parse_datetime(data["start"])
        end = dt_util.parse_datetime(data["end"])
        assert start is not None
        assert end is not None
        times = []
        when = start
        while when < end and when < start + timedelta(days=1):  # tomorrow not published yet
            times.append(when)
            when += QUARTER
        return {
            "prices": {
                home: [
                    {
                        "start_time": t.astimezone(STOCKHOLM).isoformat(timespec="milliseconds"),
                        "price": base + i / 1000,
                    }
                    for i, t in enumerate(times)
                ]
                for home, base in homes.items()
            }
        }

    return answer


async def test_tibber_prices_of_today_and_tomorrow_in_the_home_currency(
    hass: HomeAssistant,
) -> None:
    hass.config.currency = "SEK"
    action = FakeAction(tibber_answer({"Villa": 1.5}))
    register(hass, "tibber", "get_prices", action)
    source = PriceSource(hass, {CONF_PRICE_SOURCE: "tibber"})
    assert source.configured
    prices = await source.async_step_prices(MIDNIGHT, grid(15, 36), None)
    assert prices is not None
    assert action.calls == [
        {"start": "2026-01-05T00:00:00+01:00", "end": "2026-01-07T00:00:00+01:00"}
    ]
    assert prices.currency == "SEK"
    assert prices.actual[0] == pytest.approx(1.5)
    assert prices.actual[95] == pytest.approx(1.5 + 95 / 1000)
    assert prices.actual[96:] == (None,) * 48
    assert prices.known_until == MIDNIGHT + timedelta(days=1)


async def test_tibber_with_several_homes_needs_the_home(hass: HomeAssistant) -> None:
    register(hass, "tibber", "get_prices", FakeAction(tibber_answer({"Villa": 1.0, "Cabin": 2.0})))
    unnamed = PriceSource(hass, {CONF_PRICE_SOURCE: "tibber"})
    assert await unnamed.async_step_prices(MIDNIGHT, grid(60, 2), None) is None
    assert unnamed.fault == "price_source_invalid"
    cabin = PriceSource(hass, {CONF_PRICE_SOURCE: "tibber", CONF_PRICE_HOME: "Cabin"})
    prices = await cabin.async_step_prices(MIDNIGHT, grid(60, 2), None)
    assert prices is not None
    assert prices.actual == pytest.approx((2.0015, 2.0055))


async def test_an_action_that_refuses_the_call_is_unavailable(
    hass: HomeAssistant, nordpool_entry: MockConfigEntry
) -> None:
    action = FakeAction(published_today_only)
    # The action validates its fields, as the core one does; this one knows no SE4.
    hass.services.async_register(
        "nordpool",
        "get_prices_for_date",
        action.handle,
        schema=probatio.Schema({"config_entry": str, "date": str, "areas": [probatio.In(["SE3"])]}),
        supports_response=SupportsResponse.ONLY,
    )
    refused = nordpool_source(hass, nordpool_entry, area="SE4")
    assert await refused.async_step_prices(MIDNIGHT, grid(15, 24), None) is None
    assert refused.fault == "price_source_unavailable"
    assert action.calls == []
    accepted = nordpool_source(hass, nordpool_entry, area="SE3")
    assert await accepted.async_step_prices(MIDNIGHT, grid(15, 24), None) is not None
