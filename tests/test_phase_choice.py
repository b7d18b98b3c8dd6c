"""Which phases a switchable charger should be on, and what its switch entity reports."""

import asyncio
from dataclasses import replace
from datetime import timedelta

from freezegun import freeze_time
from homeassistant.core import HomeAssistant, ServiceCall, State, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import translation
from homeassistant.util import dt as dt_util
from hypothesis import given, strategies as st
import pytest

from custom_components.optivgi.const import DOMAIN, PHASE_SWITCH_INTERVAL_S, PHASE_UP_MARGIN_KW
from custom_components.optivgi.phase_choice import PhaseOptions, choose_phases, phase_switches
from custom_components.optivgi.phase_switch import PhaseSwitcher, reported_phases
from custom_components.optivgi.site_budget import Budget
from custom_components.optivgi.site_controls import ChargeMode
from custom_components.optivgi.site_reading import ChargerReading, SiteReading

from .charger_configs import charger_config

THREE = charger_config(phase_switch_entity="switch.c_phases")
ONE = THREE.on_phases(1)


@given(
    phases=st.sampled_from([1, 3]),
    setpoint=st.floats(0, 11),
    available=st.floats(0, 30),
    one_a=st.none() | st.floats(0, 32),
    three_a=st.none() | st.floats(0, 32),
)
def test_a_switch_is_only_chosen_when_it_lets_the_car_charge(
    phases: int, setpoint: float, available: float, one_a: float | None, three_a: float | None
) -> None:
    options = PhaseOptions(
        phases=phases,
        setpoint_kw=setpoint,
        available_kw=available,
        one_phase_a=one_a,
        three_phase_a=three_a,
    )
    target = choose_phases(ONE, THREE, options)
    assert target in (1, 3)
    if phases == 3 and target == 1:
        # Paused on three phases, with room for one phase's minimum but not three's.
        assert setpoint <= 1e-6
        assert ONE.min_kw - 1e-6 <= available < THREE.min_kw
        assert one_a is None or one_a >= 6 - 1e-6
    if phases == 1 and target == 3:
        # At its 1-phase maximum, with room for three phases' minimum and the margin.
        assert setpoint >= ONE.max_kw * 0.98
        assert available >= THREE.min_kw + PHASE_UP_MARGIN_KW - 1e-6
        assert three_a is None or three_a >= 6 - 1e-6


def test_figures_of_a_6_to_16_a_charger() -> None:
    assert (round(ONE.min_kw, 2), round(ONE.max_kw, 2)) == (1.38, 3.68)
    assert (round(THREE.min_kw, 2), round(THREE.max_kw, 2)) == (4.14, 11.04)
    paused = PhaseOptions(phases=3, setpoint_kw=0.0, available_kw=3.0)
    assert choose_phases(ONE, THREE, paused) == 1
    # A phase with less than 6 A left cannot take it either.
    assert choose_phases(ONE, THREE, replace(paused, one_phase_a=5.0)) == 3
    capped = PhaseOptions(phases=1, setpoint_kw=3.68, available_kw=4.7)
    assert choose_phases(ONE, THREE, capped) == 3
    assert choose_phases(ONE, THREE, replace(capped, available_kw=4.5)) == 1


@pytest.mark.parametrize(
    ("entity_id", "state", "options", "phases"),
    [
        ("switch.p", "on", None, 3),
        ("switch.p", "off", None, 1),
        ("input_boolean.p", "off", None, 1),
        ("switch.p", "unavailable", None, None),
        ("select.p", "3p", ["auto", "1p", "3p"], 3),
        ("select.p", "1p", ["auto", "1p", "3p"], 1),
        ("select.p", "auto", ["auto", "1p", "3p"], None),
        ("input_select.p", "1 phase", ["1 phase", "3 phases"], 1),
    ],
)
def test_what_a_phase_switch_reports(
    entity_id: str, state: str, options: list[str] | None, phases: int | None
) -> None:
    attributes = {"options": options} if options else {}
    assert reported_phases(State(entity_id, state, attributes)) == phases


async def test_a_charger_is_counted_on_three_phases_unless_it_reports_one(
    hass: HomeAssistant,
) -> None:
    switcher = PhaseSwitcher(hass, {"c": THREE, "d": charger_config()})
    assert set(switcher.configured) == {"c"}  # only chargers with a switch
    assert switcher.phases_now("c") == 3  # the entity does not exist yet
    hass.states.async_set("switch.c_phases", "off")
    assert switcher.current()["c"].site_phases == (0,)
    hass.states.async_set("switch.c_phases", "unavailable")
    assert switcher.phases_now("c") == 3
    # Just switched by hand: no switch for the interval.
    assert not switcher.may_switch("c", dt_util.utcnow())
    later = dt_util.utcnow() + timedelta(seconds=PHASE_SWITCH_INTERVAL_S)
    assert switcher.may_switch("c", later)


class Calls(list[ServiceCall]):
    """A service's calls, and an event set at each: wait for one however the loop schedules."""

    def __init__(self) -> None:
        super().__init__()
        self.made = asyncio.Event()

    # A callback: Home Assistant runs a plain function in its executor, and an asyncio event
    # set from there may never wake the loop (the test then hung under load).
    @callback
    def append(self, call: ServiceCall) -> None:
        super().append(call)
        self.made.set()


async def until_called(calls: Calls) -> None:
    """Let the switch's task run until its service is called."""
    async with asyncio.timeout(10):
        await calls.made.wait()


async def test_a_switch_in_flight_is_counted_on_three_phases_until_reported(
    hass: HomeAssistant,
) -> None:
    calls = Calls()
    hass.services.async_register("switch", "turn_on", calls.append)
    hass.states.async_set("switch.c_phases", "off")
    switcher = PhaseSwitcher(hass, {"c": THREE})
    assert switcher.phases_now("c") == 1
    changed = asyncio.Event()
    task = hass.async_create_task(switcher.async_switch("c", 3, changed))
    await until_called(calls)
    assert len(calls) == 1
    # The entity still says one phase, but the charger may already be on three.
    assert switcher.phases_now("c") == 3
    assert not switcher.may_switch("c", dt_util.utcnow())
    hass.states.async_set("switch.c_phases", "on")
    changed.set()
    assert await task is None
    assert switcher.phases_now("c") == 3


async def test_a_switch_that_raises_or_has_no_option_is_a_failure(hass: HomeAssistant) -> None:
    def broken(call: ServiceCall) -> None:
        raise HomeAssistantError("the charger refused")

    hass.services.async_register("switch", "turn_off", broken)
    hass.states.async_set("switch.c_phases", "on")
    hass.states.async_set("select.d_phases", "3", {"options": ["auto", "3"]})
    switcher = PhaseSwitcher(
        hass, {"c": THREE, "d": charger_config(phase_switch_entity="select.d_phases")}
    )
    changed = asyncio.Event()
    assert await switcher.async_switch("c", 1, changed) == (
        "phase_switch_failed",
        "the charger refused",
    )
    # The reason is translated, as it reaches the log and the repair issue (the integration is
    # loaded there: its exception texts are then what Home Assistant reads).
    hass.config.components.add(DOMAIN)
    await translation.async_get_translations(hass, "en", "exceptions", {DOMAIN})
    failure = await switcher.async_switch("d", 1, changed)
    assert failure == ("phase_switch_failed", "select.d_phases has no option for 1-phase charging")


async def test_a_select_is_told_its_option(hass: HomeAssistant) -> None:
    calls = Calls()
    hass.services.async_register("select", "select_option", calls.append)
    hass.states.async_set("select.c_phases", "3p", {"options": ["1p", "3p"]})
    switcher = PhaseSwitcher(hass, {"c": charger_config(phase_switch_entity="select.c_phases")})
    changed = asyncio.Event()
    task = hass.async_create_task(switcher.async_switch("c", 1, changed))
    await until_called(calls)
    assert [call.data["option"] for call in calls] == ["1p"]
    hass.states.async_set("select.c_phases", "1p", {"options": ["1p", "3p"]})
    changed.set()
    assert await task is None
    assert switcher.current()["c"].phases_used == 1


def reading(
    mode: ChargeMode,
    *,
    surplus_kw: float,
    plan_kw: float,
    room_a: tuple[float, float, float] | None = None,
) -> SiteReading:
    return SiteReading(
        now=dt_util.utcnow(),
        budget=Budget(limit_kw=11.0, non_ev_kw=0.0, margin_kw=0.0, surplus_kw=surplus_kw),
        plan_kw=plan_kw,
        chargers={"c": ChargerReading(connected=True, requested_kwh=10.0, mode=mode)},
        phase_room_a=room_a,
    )


async def test_a_solar_charger_switches_by_the_surplus_and_a_phase_by_its_room(
    hass: HomeAssistant,
) -> None:
    hass.states.async_set("switch.c_phases", "on")
    switcher = PhaseSwitcher(hass, {"c": THREE})
    chargers = {"c": THREE}
    later = dt_util.utcnow() + timedelta(seconds=PHASE_SWITCH_INTERVAL_S)
    with freeze_time(later):
        # 2 kW of sun: too little for three phases, enough for one (whatever the grid room).
        solar = reading(ChargeMode.SOLAR, surplus_kw=2.0, plan_kw=0.0)
        assert phase_switches(switcher, solar, {}, chargers, {"c"}) == {"c": 1}
        # Smart, with 3 kW of room beside it: one phase, unless its phase has less than 6 A.
        smart = reading(ChargeMode.SMART, surplus_kw=0.0, plan_kw=3.0)
        assert phase_switches(switcher, smart, {}, chargers, {"c"}) == {"c": 1}
        tight = reading(ChargeMode.SMART, surplus_kw=0.0, plan_kw=3.0, room_a=(5.0, 16.0, 16.0))
        assert phase_switches(switcher, tight, {}, chargers, set()) == {}  # not wanting
        assert phase_switches(switcher, tight, {}, chargers, {"c"}) == {}
