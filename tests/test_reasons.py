"""Each charger's reason, for each case the status alone cannot explain."""

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.optivgi.models import ChargerPlan, ChargerStatus, PlanReason, ScheduleChange
from custom_components.optivgi.reasons import async_reason_texts, explain, power_at, render

from .ha_site import async_setup_helpers, async_setup_site, replan, set_site_limit, site_entry

START = datetime(2026, 1, 5, 21, 0, tzinfo=UTC)  # 22:00 in Amsterdam (the tests' time zone)
STEP = timedelta(minutes=5)
BUDGET = (11.0,) * 144  # 12 h of 5-minute steps


@pytest.fixture(autouse=True)
async def amsterdam(hass: HomeAssistant) -> None:
    """Local times in the reasons are the site's: tests run in Amsterdam (UTC+1 in January)."""
    await hass.config.async_set_time_zone("Europe/Amsterdam")


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def charger(name: str, *changes: tuple[int, float], **fields: Any) -> ChargerPlan:
    """A plugged-in charger's plan; `changes` as (minutes from START, kW)."""
    steps = tuple(ScheduleChange(start=at(m), kw=kw) for m, kw in changes) or (
        ScheduleChange(start=START, kw=0.0),
    )
    values: dict[str, Any] = {
        "charger_id": name.lower(),
        "name": name,
        "status": ChargerStatus.WAITING,
        "connected": True,
        "setpoint_kw": steps[0].kw,
        "setpoint_a": 0.0,
        "requested_kwh": 10.0,
        "planned_kwh": 10.0,
        "shortfall_kwh": 0.0,
        "departure": at(9 * 60),
        "next_change": steps[1].start if len(steps) > 1 else None,
        "changes": steps,
    }
    values.update(fields)
    return ChargerPlan(**values)


def why(
    plan: ChargerPlan, *others: ChargerPlan, prices: list[float] | None = None
) -> PlanReason | None:
    plans = {p.charger_id: p for p in (plan, *others)}
    return explain(
        plan,
        plans,
        start=START,
        resolution=STEP,
        budget_per_step_kw=BUDGET,
        min_kw=4.14,
        prices=prices,
    )


def test_sharing_the_limit_with_the_charger_that_runs_until_it_is_its_turn() -> None:
    garage = charger("Garage", (0, 11.0), (130, 0.0), status=ChargerStatus.CHARGING)
    driveway = charger("Driveway", (0, 0.0), (130, 11.0))

    assert why(driveway, garage) == PlanReason(
        key="sharing", placeholders={"chargers": "Garage", "until": "00:10"}
    )


def test_cheaper_later_when_there_is_room_now() -> None:
    driveway = charger("Driveway", (0, 0.0), (180, 11.0))
    prices = [0.30] * 36 + [0.12] * 108  # cheaper from 01:00 local (step 36 = 3 h)

    assert why(driveway, prices=prices) == PlanReason(
        key="cheaper", placeholders={"start": "01:00"}
    )
    # Without a cheaper price the plan still says when it starts, not that it is cheaper.
    assert why(driveway, prices=[0.30] * 144) == PlanReason(
        key="planned_from", placeholders={"start": "01:00"}
    )


def test_short_says_what_is_needed_and_what_is_possible_before_departure() -> None:
    plan = charger(
        "Street",
        (0, 11.0),
        requested_kwh=18.0,
        planned_kwh=12.0,
        shortfall_kwh=6.0,
        status=ChargerStatus.CHARGING,
        departure=at(9 * 60),  # 06:00 UTC, 07:00 local
    )

    assert why(plan) == PlanReason(
        key="short", placeholders={"requested": "18", "possible": "12", "departure": "07:00"}
    )
    # Nothing at all possible is the same sentence, with 0.
    unmet = charger(
        "Street",
        requested_kwh=5.5,
        planned_kwh=0.0,
        shortfall_kwh=5.5,
        status=ChargerStatus.UNMET,
    )
    reason = why(unmet)
    assert reason is not None
    assert reason.placeholders["requested"] == "5.5"
    assert reason.placeholders["possible"] == "0"


def test_charger_not_responding_and_the_cars_it_holds_back() -> None:
    stuck = charger(
        "Garage", setpoint_kw=None, status=ChargerStatus.UNRESPONSIVE, reason="not_confirmed"
    )
    driveway = charger("Driveway", (0, 0.0), (60, 4.14))

    assert why(stuck) == PlanReason(key="not_responding")
    # No room now, nobody else charging: the stuck charger holds the budget.
    budget = (3.0,) * 144
    reason = explain(
        driveway,
        {"garage": stuck, "driveway": driveway},
        start=START,
        resolution=STEP,
        budget_per_step_kw=budget,
        min_kw=4.14,
    )
    assert reason == PlanReason(key="held_by", placeholders={"chargers": "Garage"})


def test_faults_idle_complete_and_charging() -> None:
    unavailable = charger("Garage", status=ChargerStatus.ERROR, reason="unavailable")
    failed = charger("Garage", status=ChargerStatus.ERROR, reason="write_failed")
    idle = charger("Garage", status=ChargerStatus.IDLE, connected=False)
    complete = charger("Garage", status=ChargerStatus.COMPLETE, requested_kwh=0.0)
    charging = charger("Garage", (0, 11.0), (60, 0.0), status=ChargerStatus.CHARGING)
    through = charger("Garage", (0, 11.0), status=ChargerStatus.CHARGING)

    assert why(unavailable) == PlanReason(key="charger_unavailable")
    assert why(failed) == PlanReason(key="command_failed")
    assert why(idle) is None
    assert why(complete) == PlanReason(key="complete")
    assert why(charging) == PlanReason(key="charging_until", placeholders={"until": "23:00"})
    assert why(through) == PlanReason(key="charging")


def test_no_room_under_a_limit_that_nobody_uses() -> None:
    driveway = charger("Driveway", (0, 0.0), (120, 4.14))
    reason = explain(
        driveway,
        {"driveway": driveway},
        start=START,
        resolution=STEP,
        budget_per_step_kw=(2.0,) * 24 + (11.0,) * 120,
        min_kw=4.14,
    )

    assert reason == PlanReason(key="no_room", placeholders={"until": "00:00"})


def test_power_at_takes_the_last_change_at_or_before() -> None:
    plan = charger("Garage", (0, 11.0), (60, 0.0))

    assert power_at(plan, at(0)) == 11.0
    assert power_at(plan, at(59)) == 11.0
    assert power_at(plan, at(60)) == 0.0
    assert power_at(plan, at(-5)) == 0.0


async def test_every_reason_has_a_text_with_its_placeholders(hass: HomeAssistant) -> None:
    texts = await async_reason_texts(hass)
    cases = {
        "sharing": {"chargers": "Garage", "until": "23:10"},
        "cheaper": {"start": "01:00"},
        "short": {"requested": "18", "possible": "12", "departure": "07:00"},
        "not_responding": {},
    }

    rendered = {key: render(PlanReason(key=key, placeholders=p), texts) for key, p in cases.items()}

    assert rendered == {
        "sharing": "Sharing the site limit with Garage until 23:10",
        "cheaper": "Cheaper from 01:00",
        "short": "Needs 18 kWh, 12 kWh possible before 07:00",
        "not_responding": "Charger not responding",
    }
    keys = {
        "mode_off",
        "solar_wait",
        "not_responding",
        "charger_unavailable",
        "command_failed",
        "complete",
        "short",
        "charging",
        "charging_until",
        "sharing",
        "held_by",
        "no_room",
        "cheaper",
        "planned_from",
    }
    assert set(texts) == keys
    # A missing text or placeholder never raises: the key or the bare text stands in.
    assert render(PlanReason(key="unknown_key"), texts) == "unknown_key"
    assert render(PlanReason(key="sharing"), texts) == texts["sharing"]


async def test_status_sensor_says_why_the_second_car_waits(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    # 6 kW is room for one car (each needs 4.14 kW at least): the one that waits says who
    # it shares with. A fixed time: near the default departure both cars would fall short.
    freezer.move_to("2026-01-05 17:00:00+00:00")
    chargers = ("driveway", "garage")
    await async_setup_helpers(hass, chargers)
    entry = await async_setup_site(hass, site_entry(chargers))
    for name in chargers:
        hass.states.async_set(f"binary_sensor.{name}_plug", "on")
    await set_site_limit(hass, 6.0)
    await replan(hass, entry)

    states = {
        name: hass.states.get(f"sensor.{name}_charging_status") for name in ("driveway", "garage")
    }
    assert all(state is not None for state in states.values())
    whys = {name: state.attributes["why_key"] for name, state in states.items() if state}
    assert sorted(whys.values()) == ["charging_until", "sharing"], whys
    waiting = next(name for name, key in whys.items() if key == "sharing")
    other = next(name for name in whys if name != waiting).title()
    text = states[waiting].attributes["why"]  # type: ignore[union-attr]
    assert text.startswith(f"Sharing the site limit with {other} until ")
