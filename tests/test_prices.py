"""Price sources: every shape read from fixtures of the real attributes and action responses.

The fixtures in `fixtures/prices/` follow each source's own code (see `price_shapes`): HACS
Nord Pool, ENTSO-e, Energi Data Service, a generic template sensor, and the core Nord Pool and
Tibber actions. Times in them are local with offsets, as the sources publish them.
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.optivgi.price_shapes import (
    parse_unit,
    prices_from_attributes,
    prices_from_nordpool,
    prices_from_tibber,
)
from custom_components.optivgi.prices import (
    PriceFormatError,
    PriceSeries,
    PriceSlot,
    build_series,
    resample,
)

FIXTURES = Path(__file__).parent / "fixtures" / "prices"
QUARTER = timedelta(minutes=15)
HOUR = timedelta(hours=1)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
BERLIN = ZoneInfo("Europe/Berlin")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def local_midnight(day: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=zone).astimezone(UTC)


def lengths(series: PriceSeries) -> set[timedelta]:
    return {slot.end - slot.start for slot in series.slots}


def contiguous(series: PriceSeries) -> bool:
    return all(a.end == b.start for a, b in zip(series.slots, series.slots[1:], strict=False))


# --- entity attributes -------------------------------------------------------------------------


def test_hacs_nord_pool_quarter_hours_on_the_23_hour_spring_day() -> None:
    attributes = load("nordpool_hacs_dk1_15min_dst_spring")
    series = prices_from_attributes(attributes)
    midnight = local_midnight("2026-03-29", COPENHAGEN)
    assert series.currency == "DKK"
    assert len(series.slots) == 92  # 23 hours of quarter hours
    assert series.slots[0].start == midnight
    assert series.slots[-1].end == midnight + timedelta(hours=23)
    assert lengths(series) == {QUARTER}
    assert contiguous(series)
    assert series.slots[0].price == attributes["raw_today"][0]["value"]  # already per kWh
    assert any(slot.price < 0 for slot in series.slots)
    # The grid is UTC: the local day's 92 quarter hours are all priced, the next step is not
    # (tomorrow is not published), whatever the wall clock did at 02:00.
    prices = resample(series.slots, midnight, QUARTER, 93)
    assert None not in prices[:92]
    assert prices[92] is None
    assert prices[:92] == pytest.approx([slot.price for slot in series.slots])


def test_hacs_nord_pool_in_ore_is_converted_to_crowns_and_a_null_hour_stays_unknown() -> None:
    attributes = load("nordpool_hacs_se3_hourly_ore")
    series = prices_from_attributes(attributes)
    assert series.currency == "SEK"
    assert lengths(series) == {HOUR}
    # 48 hours listed, one published as null (the market's missing value).
    assert len(series.slots) == 47
    assert series.slots[0].price == pytest.approx(attributes["raw_today"][0]["value"] / 100)
    assert min(slot.price for slot in series.slots) < 0
    start = local_midnight("2025-09-11", ZoneInfo("Europe/Stockholm"))
    prices = resample(series.slots, start, QUARTER, 24 * 4)
    assert prices[4 * 5 : 4 * 6] == [None] * 4  # 05:00-06:00 tomorrow is the null hour
    assert prices[4 * 6] == pytest.approx(attributes["raw_tomorrow"][6]["value"] / 100)
    assert sum(price is None for price in prices) == 4


def test_entsoe_hourly_per_mwh_on_the_25_hour_autumn_day() -> None:
    attributes = load("entsoe_de_hourly_mwh_dst_autumn")
    series = prices_from_attributes(attributes)
    midnight = local_midnight("2025-10-26", BERLIN)
    assert series.currency == "EUR"
    # Day lists are read, not `prices` as well: 25 + 24 hours, no duplicates.
    assert len(series.slots) == 49
    assert lengths(series) == {HOUR}
    assert contiguous(series)
    assert series.slots[25].start == midnight + timedelta(hours=25)  # tomorrow's local midnight
    today = attributes["prices_today"]
    assert [slot.price for slot in series.slots[:25]] == pytest.approx(
        [item["price"] / 1000 for item in today]
    )
    # 02:00 comes twice (CEST then CET), each its own hour with its own price.
    assert today[2]["time"] == "2025-10-26 02:00:00+02:00"
    assert today[3]["time"] == "2025-10-26 02:00:00+01:00"
    assert today[2]["price"] != today[3]["price"]
    prices = resample(series.slots, midnight, QUARTER, 25 * 4)
    assert prices[8:12] == pytest.approx([today[2]["price"] / 1000] * 4)
    assert prices[12:16] == pytest.approx([today[3]["price"] / 1000] * 4)
    assert min(p for p in prices if p is not None) < 0


def test_entsoe_prices_alone_are_read_when_there_are_no_day_lists() -> None:
    attributes = load("entsoe_de_hourly_mwh_dst_autumn")
    del attributes["prices_today"], attributes["prices_tomorrow"]
    assert prices_from_attributes(attributes) == prices_from_attributes(
        load("entsoe_de_hourly_mwh_dst_autumn")
    )


def test_entsoe_quarter_hours_per_kwh_without_tomorrow() -> None:
    attributes = load("entsoe_be_15min_kwh")
    series = prices_from_attributes(attributes)
    midnight = local_midnight("2025-11-12", ZoneInfo("Europe/Brussels"))
    assert len(series.slots) == 96
    assert lengths(series) == {QUARTER}  # no end given: the last one too lasts a quarter
    assert series.slots[-1].end == midnight + timedelta(days=1)
    assert series.slots[10].price == attributes["prices_today"][10]["price"]
    prices = resample(series.slots, midnight, HOUR, 48)
    assert None not in prices[:24]
    assert prices[24:] == [None] * 24
    # Each hour is the mean of its four quarters.
    quarters = [item["price"] for item in attributes["prices_today"][12:16]]
    assert prices[3] == pytest.approx(sum(quarters) / 4)


def test_mwh_and_kwh_sources_give_the_same_prices() -> None:
    per_kwh = load("entsoe_be_15min_kwh")
    per_mwh = {
        "unit_of_measurement": "€/MWh",
        "prices_today": [
            {"time": item["time"], "price": item["price"] * 1000}
            for item in per_kwh["prices_today"]
        ],
    }
    kwh = prices_from_attributes(per_kwh)
    mwh = prices_from_attributes(per_mwh)
    assert [slot.price for slot in mwh.slots] == pytest.approx([slot.price for slot in kwh.slots])
    assert [slot.start for slot in mwh.slots] == [slot.start for slot in kwh.slots]


def test_energi_data_service_hourly_ignores_its_forecast_while_prices_are_published() -> None:
    attributes = load("energidataservice_dk2_hourly")
    series = prices_from_attributes(attributes)
    assert series.currency == "DKK"
    assert len(series.slots) == 24  # raw_tomorrow is null; the Carnot forecast is not a price
    assert series.slots[-1].end == local_midnight("2025-06-04", COPENHAGEN)
    assert series.slots[7].price == attributes["raw_today"][7]["price"]
    # With nothing published at all, the prediction is what there is.
    forecast_only = {k: v for k, v in attributes.items() if not k.startswith("raw_")}
    predicted = prices_from_attributes(forecast_only)
    assert [slot.price for slot in predicted.slots] == [2.0] * 24
    assert predicted.slots[0].start == local_midnight("2025-06-04", COPENHAGEN)


def test_energi_data_service_quarter_hours_in_ore_today_and_tomorrow() -> None:
    attributes = load("energidataservice_dk1_15min_ore")
    series = prices_from_attributes(attributes)
    assert series.currency == "DKK"  # "Øre" alone could be Danish or Norwegian
    assert len(series.slots) == 192
    assert contiguous(series)
    assert lengths(series) == {QUARTER}
    # Today's last quarter ends where tomorrow's first begins.
    assert series.slots[95].end == local_midnight("2025-12-02", COPENHAGEN)
    assert series.slots[96].price == pytest.approx(attributes["raw_tomorrow"][0]["price"] / 100)


def test_a_generic_forecast_with_from_to_and_total_in_cents() -> None:
    attributes = load("generic_forecast_cents")
    series = prices_from_attributes(attributes, currency="EUR")
    assert series.currency == "EUR"
    assert len(series.slots) == 24
    assert series.slots[0].price == pytest.approx(attributes["forecast"][0]["total"] / 100)
    assert prices_from_attributes(attributes).currency is None  # "ct" names no currency


def test_a_generic_prices_list_with_start_time_and_value() -> None:
    series = prices_from_attributes(
        {
            "unit": "SEK/kWh",
            "prices": [
                {"start_time": "2026-02-01T01:00:00+01:00", "value": "0.5"},
                {"start_time": "2026-02-01T00:00:00+01:00", "value": -0.25},
            ],
        }
    )
    assert series.currency == "SEK"
    assert [(slot.start.hour, slot.price) for slot in series.slots] == [(23, -0.25), (0, 0.5)]
    assert lengths(series) == {HOUR}


def test_live_attributes_hold_datetimes_not_strings() -> None:
    zone = ZoneInfo("Europe/Oslo")
    start = datetime(2026, 5, 1, tzinfo=zone)
    series = prices_from_attributes(
        {
            "unit_of_measurement": "NOK/kWh",
            "raw_today": [
                {"start": start + HOUR * i, "end": start + HOUR * (i + 1), "value": 0.1 * i}
                for i in range(3)
            ],
            "raw_tomorrow": [],
        }
    )
    assert series.slots[0].start == datetime(2026, 4, 30, 22, tzinfo=UTC)
    assert series.slots[0].start.tzinfo == UTC
    assert [slot.price for slot in series.slots] == pytest.approx([0.0, 0.1, 0.2])


def test_a_missing_item_leaves_a_gap_instead_of_stretching_its_neighbour() -> None:
    items = [{"time": f"2026-01-01T00:{m:02d}:00+00:00", "price": 1.0} for m in (0, 15, 45)]
    series = prices_from_attributes({"unit_of_measurement": "EUR/kWh", "prices": items})
    assert lengths(series) == {QUARTER}
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert resample(series.slots, start, QUARTER, 4) == [1.0, 1.0, None, 1.0]


def test_a_mostly_hourly_list_with_one_hour_in_quarters_keeps_both_lengths() -> None:
    # A source moving to 15-minute prices mid-list: a slot ends where the next one starts.
    starts = ["00:00", "01:00", "02:00", "02:15", "02:30", "02:45", "03:00", "04:00", "05:00"]
    starts += ["06:00", "07:00"]  # hours are the most common distance: the period is an hour
    items = [
        {"time": f"2026-01-01T{hhmm}:00+00:00", "price": float(index)}
        for index, hhmm in enumerate(starts)
    ]
    series = prices_from_attributes({"unit_of_measurement": "EUR/kWh", "prices": items})
    assert [slot.end - slot.start for slot in series.slots[:7]] == [HOUR] * 2 + [QUARTER] * 4 + [
        HOUR
    ]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert resample(series.slots, start, HOUR, 9) == pytest.approx(
        [0.0, 1.0, 3.5, 6.0, 7.0, 8.0, 9.0, 10.0, None]
    )


def test_the_same_slot_listed_twice_counts_once() -> None:
    item = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T01:00:00Z", "value": 3.0}
    attributes = {"unit_of_measurement": "EUR/kWh", "raw_today": [item], "raw_tomorrow": [item]}
    assert len(prices_from_attributes(attributes).slots) == 1


# --- action responses --------------------------------------------------------------------------


def test_core_nord_pool_action_per_mwh_by_area() -> None:
    response = load("nordpool_action_15min")
    se4 = prices_from_nordpool(response, "SEK", area="SE4")
    se3 = prices_from_nordpool(response, "SEK", area="SE3")
    assert se4.currency == "SEK"
    assert len(se4.slots) == 96
    assert lengths(se4) == {QUARTER}
    assert se4.slots[0].start == local_midnight("2025-10-01", ZoneInfo("Europe/Stockholm"))
    assert se4.slots[0].price == pytest.approx(response["SE4"][0]["price"] / 1000)
    assert se4.slots[0].price != se3.slots[0].price
    assert any(slot.price < 0 for slot in se3.slots)
    with pytest.raises(PriceFormatError, match="2 areas; say which"):
        prices_from_nordpool(response, "SEK")
    with pytest.raises(PriceFormatError, match="no area 'FI'"):
        prices_from_nordpool(response, "SEK", area="FI")
    only_se3 = {"SE3": response["SE3"]}
    assert prices_from_nordpool(only_se3, "SEK") == se3


def test_core_nord_pool_empty_response_has_no_prices() -> None:
    # The action answers an empty market day with an empty list per area.
    assert prices_from_nordpool({"SE3": []}, "SEK").slots == ()


def test_core_tibber_action_quarter_hours_with_ends_inferred() -> None:
    response = load("tibber_action_15min")
    series = prices_from_tibber(response, "NOK")
    items = response["prices"]["Hjemme"]
    assert series.currency == "NOK"
    assert len(series.slots) == 192
    assert lengths(series) == {QUARTER}
    assert contiguous(series)
    assert series.slots[-1].end == local_midnight("2025-10-03", ZoneInfo("Europe/Oslo"))
    assert series.slots[5].price == items[5]["price"]  # Tibber's total is per kWh already
    assert prices_from_tibber(response, "NOK", home="Hjemme") == series
    with pytest.raises(PriceFormatError, match="no home 'Hytta'"):
        prices_from_tibber(response, "NOK", home="Hytta")


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (None, "no 'prices' mapping"),
        ({"prices": []}, "no 'prices' mapping"),
        ({"prices": {}}, "0 homes"),
        ({"prices": {"Home": {"start_time": "x"}}}, "Home is not a list"),
    ],
)
def test_core_tibber_action_malformed(response: object, message: str) -> None:
    with pytest.raises(PriceFormatError, match=message):
        prices_from_tibber(response, "EUR")


def test_core_nord_pool_action_malformed() -> None:
    with pytest.raises(PriceFormatError, match="not a mapping but list"):
        prices_from_nordpool([], "EUR")
    with pytest.raises(PriceFormatError, match=r"SE3\[0\] has no price"):
        prices_from_nordpool({"SE3": [{"start": "2026-01-01T00:00:00Z"}]}, "EUR")


# --- units -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "currency", "factor", "expected_currency"),
    [
        ("EUR/kWh", None, 1.0, "EUR"),
        ("€/MWh", None, 0.001, "EUR"),
        ("DKK/kWh", None, 1.0, "DKK"),
        ("öre/kWh", None, 0.01, "SEK"),
        ("Öre/kWh", "SEK", 0.01, "SEK"),
        ("Øre/kWh", None, 0.01, None),
        ("Øre/kWh", "NOK", 0.01, "NOK"),
        ("c/kWh", "EUR", 0.01, "EUR"),
        ("ct/kWh", None, 0.01, None),
        ("¢/kWh", "USD", 0.01, "USD"),
        ("p/kWh", None, 0.01, "GBP"),
        ("sek/MWh", None, 0.001, "SEK"),
        ("EUR/Wh", None, 1000.0, "EUR"),
        ("kWh", "DKK", 1.0, "DKK"),
        ("kWh", None, 1.0, None),
        (" zł / kWh ", None, 1.0, "zł"),
    ],
)
def test_units(unit: str, currency: str | None, factor: float, expected_currency: str) -> None:
    parsed = parse_unit(unit, currency)
    assert parsed.factor == pytest.approx(factor)
    assert parsed.currency == expected_currency


@pytest.mark.parametrize("unit", ["EUR", "EUR/kW", "", "EUR/kWh/day"])
def test_units_that_are_not_energy_prices(unit: str) -> None:
    with pytest.raises(PriceFormatError, match="not a price per Wh, kWh or MWh"):
        parse_unit(unit)


# --- malformed attributes ----------------------------------------------------------------------

GOOD = {"start": "2026-01-01T00:00:00+01:00", "end": "2026-01-01T01:00:00+01:00", "value": 0.1}


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"unit_of_measurement": "EUR/kWh"}, "no price list in the attributes"),
        ({"raw_today": [GOOD]}, "price unit is unknown"),
        ({"unit_of_measurement": "EUR/kWh", "raw_today": "0.1,0.2"}, "raw_today is not a list"),
        ({"unit_of_measurement": "EUR/kWh", "raw_today": {"a": 1}}, "raw_today is not a list"),
        ({"unit_of_measurement": "EUR/kWh", "raw_today": [GOOD, 0.2]}, r"raw_today\[1\] is not a"),
        (
            {"unit_of_measurement": "EUR/kWh", "prices": [{"price": 1}]},
            r"prices\[0\] has no start time \(keys: price\)",
        ),
        (
            {"unit_of_measurement": "EUR/kWh", "prices": [{"time": "2026-01-01T00:00:00Z"}]},
            r"prices\[0\] has no price \(keys: time\)",
        ),
        (
            {"unit_of_measurement": "EUR/kWh", "prices": [{"time": "tomorrow", "price": 1}]},
            r"prices\[0\]\.time: 'tomorrow' is not a date and time",
        ),
        (
            {"unit_of_measurement": "EUR/kWh", "prices": [{"time": 1767225600, "price": 1}]},
            "is not a date and time",
        ),
        (
            {
                "unit_of_measurement": "EUR/kWh",
                "prices": [{"time": "2026-01-01T00:00", "price": 1}],
            },
            "has no UTC offset",
        ),
        (
            {"unit_of_measurement": "EUR/kWh", "raw_today": [{**GOOD, "value": "cheap"}]},
            r"raw_today\[0\]\.value: price 'cheap' is not a number",
        ),
        (
            {"unit_of_measurement": "EUR/kWh", "raw_today": [{**GOOD, "value": True}]},
            "price True is not a number",
        ),
        (
            {"unit_of_measurement": "EUR/kWh", "raw_today": [{**GOOD, "value": [1]}]},
            r"price \[1\] is not a number",
        ),
        (
            {"unit_of_measurement": "EUR/kWh", "raw_today": [{**GOOD, "value": "nan"}]},
            "is not finite",
        ),
        (
            {"unit_of_measurement": "EUR/kWh", "raw_today": [{**GOOD, "end": GOOD["start"]}]},
            "the slot from 2025-12-31T23:00:00[+]00:00 ends at 2025-12-31T23:00:00[+]00:00",
        ),
        (
            {
                "unit_of_measurement": "EUR/kWh",
                "raw_today": [GOOD],
                "raw_tomorrow": [{**GOOD, "start": "2026-01-01T00:30:00+01:00", "value": 0.3}],
            },
            "price slots overlap",
        ),
        (
            {
                "unit_of_measurement": "EUR/kWh",
                "prices_today": [{"time": "2026-01-01T00:00:00Z", "price": p} for p in (1, 2)],
            },
            "two different prices for 2026-01-01T00:00:00[+]00:00",
        ),
        (
            {
                "unit_of_measurement": "EUR/kWh",
                "prices": [{"time": "2026-01-01T00:00Z", "price": 1}],
            },
            "a single price without an end time has no known length",
        ),
    ],
)
def test_malformed_attributes_are_refused_with_a_reason(
    attributes: Mapping[str, Any], message: str
) -> None:
    with pytest.raises(PriceFormatError, match=message):
        prices_from_attributes(attributes)


def test_the_format_error_is_a_value_error() -> None:
    # Callers that catch ValueError (input validation) catch these too.
    assert issubclass(PriceFormatError, ValueError)


def test_a_null_list_is_not_published_yet_and_nulls_are_unknown_prices() -> None:
    attributes: dict[str, Any] = {
        "unit_of_measurement": "EUR/kWh",
        "raw_today": None,
        "raw_tomorrow": None,
    }
    assert prices_from_attributes(attributes).slots == ()
    attributes["raw_today"] = [{**GOOD, "value": None}]
    assert prices_from_attributes(attributes).slots == ()


# --- resampling --------------------------------------------------------------------------------

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def slot(start: int, end: int, price: float, unit: timedelta = QUARTER) -> PriceSlot:
    return PriceSlot(start=T0 + unit * start, end=T0 + unit * end, price=price)


def test_hourly_prices_onto_five_minute_steps() -> None:
    slots = [slot(0, 1, 0.3, HOUR), slot(1, 2, -0.1, HOUR)]
    prices = resample(slots, T0, timedelta(minutes=5), 24)
    assert prices == [0.3] * 12 + [-0.1] * 12


def test_mixed_hourly_and_quarter_hour_slots_onto_half_hours() -> None:
    slots = [slot(0, 4, 0.4), slot(4, 5, 0.1), slot(5, 6, 0.3), slot(6, 7, 0.2), slot(7, 8, 0.6)]
    prices = resample(slots, T0, timedelta(minutes=30), 4)
    assert prices == pytest.approx([0.4, 0.4, 0.2, 0.4])


def test_a_step_is_priced_only_when_it_is_covered_whole() -> None:
    slots = [slot(0, 3, 1.0), slot(4, 8, 2.0)]
    # The first hour lacks its last quarter; the second is whole.
    assert resample(slots, T0, HOUR, 3) == [None, 2.0, None]
    # The grid may start before the prices and run past them.
    expected = [None, 1.0, 1.0, 1.0, None, 2.0, 2.0, 2.0, 2.0, None, None]
    assert resample(slots, T0 - QUARTER, QUARTER, 11) == expected


def test_steps_that_straddle_slot_edges_take_the_time_weighted_mean() -> None:
    slots = [slot(0, 1, 1.0, HOUR), slot(1, 2, 4.0, HOUR)]
    prices = resample(slots, T0 + timedelta(minutes=40), timedelta(minutes=30), 2)
    assert prices == pytest.approx([(20 * 1.0 + 10 * 4.0) / 30, 4.0])


def test_a_grid_start_in_another_zone_is_the_same_instant() -> None:
    slots = [slot(0, 24, 0.5, HOUR)]
    local = T0.astimezone(COPENHAGEN)
    assert resample(slots, local, HOUR, 2) == resample(slots, T0, HOUR, 2) == [0.5, 0.5]


def test_no_steps_and_no_slots() -> None:
    assert resample([slot(0, 1, 1.0)], T0, QUARTER, 0) == []
    assert resample([], T0, QUARTER, 3) == [None, None, None]


@pytest.mark.parametrize(
    ("start", "resolution", "steps", "message"),
    [
        (datetime(2026, 6, 1), QUARTER, 4, "has no time zone"),  # noqa: DTZ001
        (T0, timedelta(0), 4, "must be positive"),
        (T0, QUARTER, -1, "must not be negative"),
    ],
)
def test_resample_rejects_a_bad_grid(
    start: datetime, resolution: timedelta, steps: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        resample([], start, resolution, steps)


def test_build_series_sorts_and_keeps_the_currency() -> None:
    series = build_series([slot(1, 2, 2.0), slot(0, 1, 1.0), slot(1, 2, 2.0)], "EUR")
    assert series == PriceSeries(slots=(slot(0, 1, 1.0), slot(1, 2, 2.0)), currency="EUR")


# A day of quarter-hour prices (negative ones included) as hypothesis draws them.
quarter_prices = st.lists(
    st.floats(min_value=-1.0, max_value=5.0, allow_nan=False), min_size=4, max_size=96
).map(lambda prices: prices[: len(prices) - len(prices) % 4])

# The autouse `hass` fixture is function scoped but unused here; it carries no state across
# examples.
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(
    price=st.floats(min_value=-2.0, max_value=10.0, allow_nan=False),
    minutes=st.sampled_from([1, 5, 10, 15, 20, 30, 60]),
    offset=st.integers(min_value=0, max_value=11),
)
def test_a_constant_price_resamples_to_itself(price: float, minutes: int, offset: int) -> None:
    slots = [slot(i, i + 1, price) for i in range(24)]  # six hours
    step = timedelta(minutes=minutes)
    start = T0 + timedelta(minutes=5 * offset)
    steps = (T0 + 6 * HOUR - start) // step
    prices = resample(slots, start, step, steps)
    assert prices == pytest.approx([price] * steps)


@PROPERTY
@given(prices=quarter_prices, minutes=st.sampled_from([1, 3, 5, 15, 30, 60]))
def test_the_energy_weighted_mean_is_kept_over_whole_hours(
    prices: list[float], minutes: int
) -> None:
    slots = [slot(i, i + 1, price) for i, price in enumerate(prices)]
    step = timedelta(minutes=minutes)
    steps = (QUARTER * len(prices)) // step
    resampled = resample(slots, T0, step, steps)
    assert None not in resampled
    known = [p for p in resampled if p is not None]
    # A constant power over the whole span costs the same on either grid.
    assert sum(known) / steps == pytest.approx(sum(prices) / len(prices), abs=1e-9)
