"""The site's solar forecast against a real Home Assistant: energy platforms, Solcast, faults.

The "energy" source is a fake integration registered the way Home Assistant's own tests do it
(`mock_integration`, `mock_platform`, a real `MockConfigEntry`), whose `energy` platform answers
in Forecast.Solar's shape (`forecast_solar/energy.py`: `{"wh_hours": {iso_time: wh}}`, the Wh of
the period starting at each time). The Solcast sensors carry a `detailedForecast` as Solcast
(BJReplay/ha-solcast-solar) sets it: `period_start` an aware local datetime, `pv_estimate` kW
for 30 minutes.
"""

import asyncio
from datetime import UTC, datetime, timedelta
import logging
import math
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    MockPlatform,
    async_fire_time_changed,
    mock_integration,
    mock_platform,
)

from custom_components.optivgi import solar_forecast
from custom_components.optivgi.const import (
    CONF_FEED_IN_PRICE,
    CONF_SOLAR_CONFIG_ENTRY,
    CONF_SOLAR_ENTITY,
    CONF_SOLAR_SOURCE,
)
from custom_components.optivgi.scm.constants import SchedulingParameters
from custom_components.optivgi.solar_forecast import FAULT_INVALID, FAULT_UNAVAILABLE, SolarForecast

STOCKHOLM = ZoneInfo("Europe/Stockholm")
#: 08:00 in Stockholm on a Monday in June (UTC+2).
NOW = datetime(2026, 6, 1, 8, tzinfo=STOCKHOLM)
FAKE = "fake_solar"
TODAY = "sensor.solcast_pv_forecast_forecast_today"
TOMORROW = "sensor.solcast_pv_forecast_forecast_tomorrow"

#: What Forecast.Solar's energy platform answers for a small plant on 2026-06-01 (local time;
#: Forecast.Solar's times carry the API's time zone): Wh per hour from sunrise to sunset.
FORECAST_SOLAR_WH: dict[str, int] = {
    "2026-06-01T05:00:00+02:00": 35,
    "2026-06-01T06:00:00+02:00": 310,
    "2026-06-01T07:00:00+02:00": 920,
    "2026-06-01T08:00:00+02:00": 1600,
    "2026-06-01T09:00:00+02:00": 2200,
    "2026-06-01T10:00:00+02:00": 2000,
    "2026-06-01T11:00:00+02:00": 3000,
    "2026-06-01T12:00:00+02:00": 3150,
    "2026-06-01T13:00:00+02:00": 2900,
    "2026-06-01T14:00:00+02:00": 2400,
    "2026-06-01T15:00:00+02:00": 1800,
    "2026-06-01T16:00:00+02:00": 1100,
    "2026-06-01T17:00:00+02:00": 480,
    "2026-06-01T18:00:00+02:00": 120,
}


class FakeEnergyPlatform(MockPlatform):
    """The `energy` platform of a fake solar forecast integration."""

    def __init__(self) -> None:
        super().__init__()
        self.answer: object = {"wh_hours": dict(FORECAST_SOLAR_WH)}
        self.error: Exception | None = None
        self.hang = False
        self.calls: list[str] = []

    async def async_get_solar_forecast(self, hass: HomeAssistant, config_entry_id: str) -> object:
        self.calls.append(config_entry_id)
        if hass.config_entries.async_get_entry(config_entry_id) is None:
            return None  # as Forecast.Solar answers for an entry it does not know
        if self.hang:
            await asyncio.Event().wait()
        if self.error is not None:
            raise self.error
        return self.answer


def grid(minutes: int, hours: float) -> SchedulingParameters:
    return SchedulingParameters(
        resolution=timedelta(minutes=minutes), horizon=timedelta(hours=hours)
    )


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=STOCKHOLM)


def logged(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "custom_components.optivgi" and record.levelno == level
    ]


def fault_of(source: SolarForecast) -> str | None:
    """The fault, read anew (mypy keeps a property narrowed by an earlier assert)."""
    return source.fault


def detailed(start: datetime, kws: list[float]) -> list[dict[str, Any]]:
    """A Solcast `detailedForecast`: one item per 30 minutes from `start`."""
    return [
        {
            "period_start": start + timedelta(minutes=30 * i),
            "pv_estimate": kw,
            "pv_estimate10": kw * 0.6,
            "pv_estimate90": kw * 1.2,
        }
        for i, kw in enumerate(kws)
    ]


@pytest.fixture(autouse=True)
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(NOW)


@pytest.fixture
def platform(hass: HomeAssistant) -> FakeEnergyPlatform:
    fake = FakeEnergyPlatform()
    mock_integration(hass, MockModule(FAKE))
    mock_platform(hass, f"{FAKE}.energy", fake)
    return fake


@pytest.fixture
def fake_entry(hass: HomeAssistant, platform: FakeEnergyPlatform) -> MockConfigEntry:
    entry = MockConfigEntry(domain=FAKE, title="Roof")
    entry.add_to_hass(hass)
    return entry


def energy_source(hass: HomeAssistant, entry_id: str) -> SolarForecast:
    return SolarForecast(hass, {CONF_SOLAR_SOURCE: "energy", CONF_SOLAR_CONFIG_ENTRY: entry_id})


def solcast_source(hass: HomeAssistant, *entities: str) -> SolarForecast:
    return SolarForecast(hass, {CONF_SOLAR_SOURCE: "solcast", CONF_SOLAR_ENTITY: list(entities)})


# --- settings ----------------------------------------------------------------------------------


async def test_no_source_is_not_configured(hass: HomeAssistant) -> None:
    for options in (
        {},
        {CONF_SOLAR_SOURCE: "none", CONF_SOLAR_ENTITY: [TODAY]},
        {CONF_SOLAR_SOURCE: "energy"},
        {CONF_SOLAR_SOURCE: "solcast", CONF_SOLAR_ENTITY: []},
    ):
        source = SolarForecast(hass, options)
        assert not source.configured
        assert source.entity_ids() == set()
        assert await source.async_pv_kw(NOW, grid(15, 1)) is None
        assert source.fault is None
        assert source.feed_in_price == 0.0


async def test_an_unknown_kind_is_no_source_and_warned_of(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    source = SolarForecast(hass, {CONF_SOLAR_SOURCE: "sunshine", CONF_SOLAR_ENTITY: [TODAY]})
    assert not source.configured
    assert source.entity_ids() == set()
    assert await source.async_pv_kw(NOW, grid(15, 1)) is None
    assert len(logged(caplog, logging.WARNING)) == 1


@pytest.mark.parametrize(
    ("stored", "price"),
    [(0.08, 0.08), (-0.5, -0.5), (0, 0.0), ("0.1", 0.0), (True, 0.0), (math.nan, 0.0)],
)
def test_the_feed_in_price_is_a_finite_number_or_0(
    hass: HomeAssistant, stored: object, price: float
) -> None:
    options = {CONF_SOLAR_SOURCE: "solcast", CONF_SOLAR_ENTITY: [TODAY], CONF_FEED_IN_PRICE: stored}
    assert SolarForecast(hass, options).feed_in_price == price


def test_solcast_sensors_re_plan_an_energy_entry_does_not(hass: HomeAssistant) -> None:
    assert solcast_source(hass, TODAY, TOMORROW).entity_ids() == {TODAY, TOMORROW}
    # A single entity id (as a string) is read as a list of one.
    single = SolarForecast(hass, {CONF_SOLAR_SOURCE: "solcast", CONF_SOLAR_ENTITY: TODAY})
    assert single.configured
    assert single.entity_ids() == {TODAY}
    assert energy_source(hass, "abc").entity_ids() == set()


# --- energy platforms: Wh per period to kW per step --------------------------------------------


async def test_hourly_wh_become_kw_per_15_minute_step(
    hass: HomeAssistant, fake_entry: MockConfigEntry, platform: FakeEnergyPlatform
) -> None:
    source = energy_source(hass, fake_entry.entry_id)
    kw = await source.async_pv_kw(at(0), grid(15, 24))
    assert kw is not None
    assert platform.calls == [fake_entry.entry_id]
    assert source.fault is None
    assert len(kw) == 96
    expected = [0.0] * 96
    for key, wh in FORECAST_SOLAR_WH.items():
        hour = datetime.fromisoformat(key).hour
        expected[hour * 4 : hour * 4 + 4] = [wh / 1000] * 4
    assert kw == pytest.approx(expected)
    # A day's energy is kept: kW x step hours sums to the forecast's Wh.
    assert sum(kw) * 0.25 == pytest.approx(sum(FORECAST_SOLAR_WH.values()) / 1000)


async def test_hourly_wh_become_kw_per_5_minute_step_time_weighted(
    hass: HomeAssistant, fake_entry: MockConfigEntry
) -> None:
    source = energy_source(hass, fake_entry.entry_id)
    kw = await source.async_pv_kw(at(10, 30), grid(5, 1))
    assert kw == pytest.approx([2.0] * 6 + [3.0] * 6)
    # A step across the hour gets the time-weighted mean: 10 min at 2 kW, 5 min at 3 kW.
    kw = await source.async_pv_kw(at(10, 50), grid(15, 0.5))
    assert kw == pytest.approx([(10 * 2.0 + 5 * 3.0) / 15, 3.0])


async def test_steps_outside_the_forecast_are_0_kw(
    hass: HomeAssistant, fake_entry: MockConfigEntry, platform: FakeEnergyPlatform
) -> None:
    platform.answer = {
        "wh_hours": {"2026-06-01T10:00:00+02:00": 2000, "2026-06-01T11:00:00+02:00": 3000}
    }
    source = energy_source(hass, fake_entry.entry_id)
    assert await source.async_pv_kw(at(8), grid(60, 6)) == pytest.approx(
        [0.0, 0.0, 2.0, 3.0, 0.0, 0.0]
    )


async def test_times_missing_from_the_answer_are_not_covered(
    hass: HomeAssistant, fake_entry: MockConfigEntry, platform: FakeEnergyPlatform
) -> None:
    # Forecast.Solar leaves out zeros at midnight UTC; a missing hour is no sun, and a period
    # does not stretch over it. Quarter-hour periods (as some providers give) are kept.
    platform.answer = {
        "wh_hours": {
            "2026-06-01T10:00:00+00:00": 500,
            "2026-06-01T10:15:00+00:00": 750,
            "2026-06-01T10:45:00+00:00": 250,
        }
    }
    source = energy_source(hass, fake_entry.entry_id)
    kw = await source.async_pv_kw(datetime(2026, 6, 1, 10, tzinfo=UTC), grid(15, 1))
    assert kw == pytest.approx([2.0, 3.0, 0.0, 1.0])


async def test_one_time_alone_is_an_hour(
    hass: HomeAssistant, fake_entry: MockConfigEntry, platform: FakeEnergyPlatform
) -> None:
    platform.answer = {"wh_hours": {"2026-06-01T12:00:00+02:00": 1500}}
    source = energy_source(hass, fake_entry.entry_id)
    assert await source.async_pv_kw(at(11, 30), grid(30, 2)) == pytest.approx([0.0, 1.5, 1.5, 0.0])


async def test_the_25_hour_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, platform: FakeEnergyPlatform
) -> None:
    """On 2026-10-25 Stockholm's clocks go back at 03:00: 02:00 comes twice."""
    freezer.move_to(datetime(2026, 10, 25, 0, 30, tzinfo=STOCKHOLM))
    midnight = datetime(2026, 10, 25, tzinfo=STOCKHOLM).astimezone(UTC)
    hours = [midnight + timedelta(hours=i) for i in range(25)]
    platform.answer = {
        "wh_hours": {h.astimezone(STOCKHOLM).isoformat(): 100 * i for i, h in enumerate(hours)}
    }
    assert "2026-10-25T02:00:00+02:00" in platform.answer["wh_hours"]
    assert "2026-10-25T02:00:00+01:00" in platform.answer["wh_hours"]
    entry = MockConfigEntry(domain=FAKE)
    entry.add_to_hass(hass)
    kw = await energy_source(hass, entry.entry_id).async_pv_kw(midnight, grid(60, 26))
    assert kw == pytest.approx([i / 10 for i in range(25)] + [0.0])


async def test_the_23_hour_day_of_solcast(hass: HomeAssistant) -> None:
    """On 2026-03-29 Stockholm's clocks go forward at 02:00: the day has 46 half hours."""
    midnight = datetime(2026, 3, 29, tzinfo=STOCKHOLM)
    utc_midnight = midnight.astimezone(UTC)
    periods = [
        {
            "period_start": (utc_midnight + timedelta(minutes=30 * i)).astimezone(STOCKHOLM),
            "pv_estimate": i / 10,
        }
        for i in range(46)
    ]
    assert periods[4]["period_start"].hour == 3  # 01:30 is followed by 03:00
    hass.states.async_set(TODAY, "12.5", {"detailedForecast": periods})
    kw = await solcast_source(hass, TODAY).async_pv_kw(utc_midnight, grid(60, 24))
    assert kw == pytest.approx([(2 * i + 0.5) / 10 for i in range(23)] + [0.0])


async def test_nothing_known_in_the_grid_is_none_and_no_fault(
    hass: HomeAssistant, fake_entry: MockConfigEntry
) -> None:
    source = energy_source(hass, fake_entry.entry_id)
    assert await source.async_pv_kw(at(20), grid(15, 4)) is None
    assert source.fault is None


# --- Solcast sensors ---------------------------------------------------------------------------


async def test_solcast_half_hours_become_kw_per_step(hass: HomeAssistant) -> None:
    hass.states.async_set(TODAY, "20.1", {"detailedForecast": detailed(at(10), [1.0, 2.0, 4.0])})
    source = solcast_source(hass, TODAY)
    assert await source.async_pv_kw(at(10), grid(15, 2)) == pytest.approx(
        [1.0, 1.0, 2.0, 2.0, 4.0, 4.0, 0.0, 0.0]
    )
    assert await source.async_pv_kw(at(10), grid(60, 2)) == pytest.approx([1.5, 2.0])
    assert await source.async_pv_kw(at(10, 10), grid(5, 0.5)) == pytest.approx(
        [1.0, 1.0, 1.0, 1.0, 2.0, 2.0]
    )
    assert source.fault is None


async def test_solcast_today_and_tomorrow_are_one_forecast(hass: HomeAssistant) -> None:
    # ISO strings (a restored state) are read as well as datetimes.
    today = detailed(at(23), [0.0, 0.0])
    tomorrow = [
        {**item, "period_start": item["period_start"].isoformat()}
        for item in detailed(at(0, day=2), [0.5, 1.5])
    ]
    hass.states.async_set(TODAY, "10", {"detailedForecast": today})
    hass.states.async_set(TOMORROW, "11", {"detailedForecast": tomorrow})
    source = solcast_source(hass, TODAY, TOMORROW)
    assert await source.async_pv_kw(at(23), grid(30, 2)) == pytest.approx([0.0, 0.0, 0.5, 1.5])
    # The same period twice, with the same value, is harmless.
    hass.states.async_set(TOMORROW, "11", {"detailedForecast": today + tomorrow})
    assert await source.async_pv_kw(at(23), grid(30, 2)) == pytest.approx([0.0, 0.0, 0.5, 1.5])
    assert source.fault is None


# --- faults ------------------------------------------------------------------------------------


async def test_an_unavailable_sensor_is_a_fault_logged_once_until_it_clears(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    source = solcast_source(hass, TODAY)
    for _ in range(2):
        assert await source.async_pv_kw(NOW, grid(15, 1)) is None  # missing
    assert source.fault == FAULT_UNAVAILABLE
    hass.states.async_set(TODAY, "unavailable", {})
    assert await source.async_pv_kw(NOW, grid(15, 1)) is None
    assert len(logged(caplog, logging.WARNING)) == 1
    assert TODAY in logged(caplog, logging.WARNING)[0]

    hass.states.async_set(TODAY, "20.1", {"detailedForecast": detailed(at(8), [3.0, 3.0])})
    assert await source.async_pv_kw(NOW, grid(15, 1)) == pytest.approx([3.0] * 4)
    assert fault_of(source) is None
    assert await source.async_pv_kw(NOW, grid(15, 1)) is not None
    assert len(logged(caplog, logging.INFO)) == 1
    hass.states.async_set(TODAY, "unknown", {})
    assert await source.async_pv_kw(NOW, grid(15, 1)) is None
    assert len(logged(caplog, logging.WARNING)) == 2


GARBAGE_ATTRIBUTES: list[Any] = [
    pytest.param({}, id="no-detailed-forecast"),
    pytest.param({"detailedForecast": "soon"}, id="not-a-list"),
    pytest.param({"detailedForecast": [1.5]}, id="item-not-a-mapping"),
    pytest.param({"detailedForecast": [{"pv_estimate": 1.0}]}, id="no-start"),
    pytest.param(
        {"detailedForecast": [{"period_start": "2026-06-01T10:00:00", "pv_estimate": 1.0}]},
        id="start-without-time-zone",
    ),
    pytest.param(
        {"detailedForecast": [{"period_start": "2026-06-31T10:00:00+02:00", "pv_estimate": 1}]},
        id="no-such-day",
    ),
    pytest.param(
        {"detailedForecast": [{"period_start": "tomorrow", "pv_estimate": 1}]}, id="not-a-time"
    ),
    *[
        pytest.param({"detailedForecast": [{"period_start": NOW, "pv_estimate": value}]}, id=name)
        for name, value in (
            ("negative", -0.1),
            ("nan", math.nan),
            ("infinite", math.inf),
            ("string", "1.2"),
            ("bool", True),
            ("missing", None),
        )
    ],
    pytest.param(
        {"detailedForecast": detailed(NOW, [1.0]) + detailed(NOW + timedelta(minutes=15), [2.0])},
        id="periods-overlap",
    ),
    pytest.param(
        {"detailedForecast": detailed(NOW, [1.0]) + detailed(NOW, [2.0])},
        id="one-period-two-values",
    ),
]


@pytest.mark.parametrize("attributes", GARBAGE_ATTRIBUTES)
async def test_a_garbage_attribute_is_an_invalid_fault(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, attributes: dict[str, Any]
) -> None:
    hass.states.async_set(TODAY, "20.1", attributes)
    source = solcast_source(hass, TODAY)
    assert await source.async_pv_kw(NOW, grid(15, 1)) is None
    assert source.fault == FAULT_INVALID
    assert len(logged(caplog, logging.WARNING)) == 1


GARBAGE_ANSWERS: list[Any] = [
    pytest.param(["wh_hours"], id="not-a-mapping"),
    pytest.param({"watts": {}}, id="no-wh-hours"),
    pytest.param({"wh_hours": [100, 200]}, id="wh-hours-not-a-mapping"),
    pytest.param({"wh_hours": {"2026-06-01T10:00:00": 100}}, id="time-without-zone"),
    pytest.param({"wh_hours": {"2026-06-01T10:00:00+02:00": -1}}, id="negative"),
    pytest.param({"wh_hours": {"2026-06-01T10:00:00+02:00": math.nan}}, id="nan"),
    pytest.param({"wh_hours": {"2026-06-01T10:00:00+02:00": math.inf}}, id="infinite"),
    pytest.param({"wh_hours": {"2026-06-01T10:00:00+02:00": "100"}}, id="string"),
    pytest.param(
        {"wh_hours": {"2026-06-01T10:00:00+02:00": 1, "2026-06-01T08:00:00+00:00": 2}},
        id="one-time-twice",
    ),
]


@pytest.mark.parametrize("answer", GARBAGE_ANSWERS)
async def test_a_garbage_answer_is_an_invalid_fault(
    hass: HomeAssistant,
    *,
    fake_entry: MockConfigEntry,
    platform: FakeEnergyPlatform,
    answer: object,
) -> None:
    platform.answer = answer
    source = energy_source(hass, fake_entry.entry_id)
    assert await source.async_pv_kw(NOW, grid(15, 1)) is None
    assert source.fault == FAULT_INVALID


async def test_a_missing_entry_is_unavailable(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    source = energy_source(hass, "no_such_entry")
    assert await source.async_pv_kw(NOW, grid(15, 1)) is None
    assert source.fault == FAULT_UNAVAILABLE
    assert len(logged(caplog, logging.WARNING)) == 1
    assert "no_such_entry" in logged(caplog, logging.WARNING)[0]


async def test_a_raising_platform_is_unavailable_until_it_answers(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fake_entry: MockConfigEntry,
    platform: FakeEnergyPlatform,
) -> None:
    caplog.set_level(logging.INFO)
    platform.error = RuntimeError("the API is down")
    source = energy_source(hass, fake_entry.entry_id)
    assert await source.async_pv_kw(NOW, grid(15, 1)) is None
    assert source.fault == FAULT_UNAVAILABLE
    assert "the API is down" in logged(caplog, logging.WARNING)[0]
    # Within SOLAR_RETRY the platform is not asked again, and the fault stands.
    platform.error = None
    freezer.tick(timedelta(minutes=4))
    assert await source.async_pv_kw(NOW, grid(15, 1)) is None
    assert len(platform.calls) == 1
    assert len(logged(caplog, logging.WARNING)) == 1
    freezer.tick(timedelta(minutes=1))
    assert await source.async_pv_kw(NOW, grid(15, 1)) == pytest.approx([1.6] * 4)
    assert fault_of(source) is None
    assert len(platform.calls) == 2
    assert len(logged(caplog, logging.INFO)) == 1


async def test_a_platform_answering_none_is_unavailable(
    hass: HomeAssistant, fake_entry: MockConfigEntry, platform: FakeEnergyPlatform
) -> None:
    platform.answer = None  # what Forecast.Solar answers for an entry that is not loaded
    source = energy_source(hass, fake_entry.entry_id)
    assert await source.async_pv_kw(NOW, grid(15, 1)) is None
    assert source.fault == FAULT_UNAVAILABLE


async def test_a_hanging_platform_times_out(
    hass: HomeAssistant, fake_entry: MockConfigEntry, platform: FakeEnergyPlatform
) -> None:
    platform.hang = True
    source = energy_source(hass, fake_entry.entry_id)
    reading = asyncio.create_task(source.async_pv_kw(NOW, grid(15, 1)))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not reading.done()
    # The clock is frozen: run the loop's timers that are due by the end of the timeout.
    timeout = timedelta(seconds=solar_forecast.SOLAR_TIMEOUT_S)
    async_fire_time_changed(hass, dt_util.utcnow() + timeout - timedelta(seconds=1))
    await asyncio.sleep(0)
    assert not reading.done()
    async_fire_time_changed(hass, dt_util.utcnow() + timeout)
    assert await reading is None
    assert source.fault == FAULT_UNAVAILABLE


@pytest.mark.parametrize("domain", ["plain_integration", "no_forecast", "not_an_integration"])
async def test_an_entry_without_a_solar_forecast_is_unavailable(
    hass: HomeAssistant, domain: str
) -> None:
    mock_integration(hass, MockModule("plain_integration"))  # no energy platform
    mock_platform(hass, "no_forecast.energy", MockPlatform())  # one without the function
    entry = MockConfigEntry(domain=domain)
    entry.add_to_hass(hass)
    source = energy_source(hass, entry.entry_id)
    assert await source.async_pv_kw(NOW, grid(15, 1)) is None
    assert source.fault == FAULT_UNAVAILABLE


async def test_an_answer_is_used_for_15_minutes(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    fake_entry: MockConfigEntry,
    platform: FakeEnergyPlatform,
) -> None:
    source = energy_source(hass, fake_entry.entry_id)
    assert await source.async_pv_kw(at(8), grid(60, 1)) == pytest.approx([1.6])
    platform.answer = {"wh_hours": {"2026-06-01T08:00:00+02:00": 800}}
    freezer.tick(timedelta(minutes=14, seconds=59))
    assert await source.async_pv_kw(at(8), grid(60, 1)) == pytest.approx([1.6])
    assert len(platform.calls) == 1
    freezer.tick(timedelta(seconds=1))
    assert await source.async_pv_kw(at(8), grid(60, 1)) == pytest.approx([0.8])
    assert len(platform.calls) == 2
    assert timedelta(minutes=15) == solar_forecast.SOLAR_REFRESH
