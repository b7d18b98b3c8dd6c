"""The actuator: commands chargers and confirms what each really applies (DESIGN §5).

The chargers are simulated hardware (`tests/sim_site.py`): real `number` entities in A that
apply a limit, answer late, reject, raise or hang. The assertions are on what their cars draw,
second by second, not on what the actuator believes it wrote.

Two 3-phase 6-16 A chargers at 230 V (16 A: 11.04 kW), both booted at their maximum.
"""

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.optivgi.actuator import Actuator
from custom_components.optivgi.charger_config import ChargerConfig
from custom_components.optivgi.charger_link import LinkState
from custom_components.optivgi.const import (
    CONFIRM_WINDOW_S,
    DECREASE_SETTLE_S,
    MIN_WRITE_INTERVAL_S,
    RETRY_BACKOFF_S,
    UNRESPONSIVE_AFTER,
    WRITE_TIMEOUT_S,
    ChargerFault,
)

from .ha_site import (
    async_setup_helpers,
    async_setup_site,
    charger_data,
    current,
    replan,
    set_site_limit,
    site_entry,
)
from .sim_site import Fault, SimCharger, SimSite, amps_kw, async_settle, async_setup_sim

NAMES = ("driveway", "garage")
MAX_KW = amps_kw(16)
#: Turns of the event loop each simulated second gets (a batch takes a few per write).
SETTLE_ROUNDS = 30


@dataclass(kw_only=True)
class Rig:
    """The simulated chargers, the actuator under test and the re-plans it asked for."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    site: SimSite
    actuator: Actuator
    replans: list[str]
    #: The most the cars drew together at any second so far (kW).
    peak_kw: float = 0.0

    def apply(self, **amps: float) -> None:
        """A plan: each named charger to that many amperes per phase."""
        controls = self.actuator.controls
        self.actuator.async_apply(
            {name: (controls[name].command(amps_kw(a)), None) for name, a in amps.items()}
        )

    async def run(self, seconds: int) -> None:
        """Let time pass a second at a time; the cars follow what their chargers apply."""
        await self._settle()
        for _ in range(seconds):
            self.freezer.tick(timedelta(seconds=1))
            now = dt_util.utcnow()
            self.site.advance(1, now)
            async_fire_time_changed(self.hass, now)
            await self._settle()
            self.peak_kw = max(self.peak_kw, self.site.total_kw(now))

    async def _settle(self) -> None:
        # The batch is a task nothing waits for: give it turns of the loop to get as far as it
        # can within this second (to a timer, or a write that hangs), as real time would.
        for _ in range(SETTLE_ROUNDS):
            await async_settle(self.hass, self.site.chargers)

    def drawn(self, name: str) -> float:
        return self.site.drawn_kw(name, dt_util.utcnow())


@pytest.fixture
async def rig(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncGenerator[Rig]:
    """Both chargers with a car wanting plenty; the actuator reading them back from the start."""
    chargers = {name: SimCharger(name) for name in NAMES}
    site = await async_setup_sim(hass, chargers, power_sensors=set())
    for name in NAMES:
        site.plug(name, plugged=True, need_kwh=50.0)
    configs = {
        name: ChargerConfig.from_data(
            name, name.title(), charger_data(name, control_entity=f"number.{name}_current")
        )
        for name in NAMES
    }
    replans: list[str] = []
    actuator = Actuator(hass, configs, replans.append)
    actuator.async_start()
    yield Rig(hass=hass, freezer=freezer, site=site, actuator=actuator, replans=replans)
    for charger in chargers.values():
        charger.end_fault()  # writes that hang complete, so that no task outlives the test
    await actuator.async_close()
    await hass.async_block_till_done()


async def test_it_starts_from_what_each_charger_applies(rig: Rig) -> None:
    for name in NAMES:
        link = rig.actuator.links[name]
        assert link.state is LinkState.CONFIRMED
        assert link.confirmed_kw == pytest.approx(MAX_KW)
        assert rig.actuator.plannable(name)
    # Nothing was sent yet: counted at what it reports applying.
    assert rig.actuator.bound_kw("driveway", None, MAX_KW) == pytest.approx(MAX_KW)


async def test_a_decrease_is_confirmed_and_followed_before_an_increase(rig: Rig) -> None:
    """11.04 kW moves from the driveway to the garage; the cars never draw more than that."""
    rig.apply(garage=0)
    await rig.run(1)
    assert rig.drawn("garage") == 0.0
    rig.site.chargers["driveway"].latency_s = 3.0  # its car follows a lower limit in 3 s
    rig.peak_kw = 0.0

    rig.apply(driveway=6, garage=10)  # 4.14 kW + 6.9 kW
    await rig.run(2)
    assert rig.site.chargers["driveway"].limit_a == 6.0  # applied at once
    assert rig.drawn("garage") == 0.0  # the increase waits for the room to be free
    await rig.run(int(DECREASE_SETTLE_S) + 2)
    assert rig.drawn("driveway") == pytest.approx(amps_kw(6))
    assert rig.drawn("garage") == pytest.approx(amps_kw(10))
    assert rig.peak_kw <= MAX_KW + 1e-6
    assert rig.replans == []
    assert all(link.state is LinkState.CONFIRMED for link in rig.actuator.links.values())


async def test_an_unconfirmed_decrease_holds_the_increase_back(rig: Rig) -> None:
    rig.apply(garage=0)
    await rig.run(1)
    rig.site.chargers["driveway"].fault = Fault.REJECT  # answers, keeps 16 A

    rig.apply(driveway=6, garage=10)
    await rig.run(int(CONFIRM_WINDOW_S + DECREASE_SETTLE_S) + 5)
    assert rig.drawn("driveway") == pytest.approx(MAX_KW)
    assert rig.drawn("garage") == 0.0  # planned on room that never came free
    link = rig.actuator.links["driveway"]
    assert (link.state, link.reason) == (LinkState.FAILED, ChargerFault.NOT_CONFIRMED)
    assert link.detail == "applies 11.04 kW, told 4.14 kW"
    assert rig.actuator.failing("driveway")
    assert not rig.actuator.plannable("driveway")
    assert "a decrease was not confirmed" in rig.replans


@pytest.mark.parametrize(
    ("fault", "detail"),
    [
        (Fault.RAISE_HA, "the charger answered with an error"),
        (Fault.RAISE_OTHER, repr(RuntimeError("a bug in the charger's integration"))),
    ],
)
async def test_a_write_that_raises_is_a_fault_retried_then_unresponsive(
    rig: Rig, fault: Fault, detail: str
) -> None:
    rig.site.chargers["driveway"].fault = fault
    rig.apply(driveway=6)
    await rig.run(1)
    link = rig.actuator.links["driveway"]
    assert (link.state, link.reason, link.detail) == (
        LinkState.FAILED,
        ChargerFault.WRITE_FAILED,
        detail,
    )
    assert rig.drawn("driveway") == pytest.approx(MAX_KW)  # the car goes on at its maximum
    # Counted at the most it may be drawing, whatever it was told.
    assert rig.actuator.bound_kw("driveway", None, MAX_KW) == pytest.approx(MAX_KW)
    await rig.run(int(RETRY_BACKOFF_S[0]))
    assert "retry Driveway" in rig.replans
    for _ in range(UNRESPONSIVE_AFTER - 1):
        rig.apply(driveway=6)
        await rig.run(1)
    assert link.state is LinkState.UNRESPONSIVE
    # It works again: the next write that is read back recovers it, and the car follows.
    rig.site.chargers["driveway"].end_fault()
    rig.apply(driveway=6)
    await rig.run(1)
    assert link.state is LinkState.CONFIRMED
    assert rig.drawn("driveway") == pytest.approx(amps_kw(6))
    assert "Driveway responds again" in rig.replans


async def test_a_write_that_hangs_does_not_hold_the_others(rig: Rig) -> None:
    rig.site.chargers["driveway"].fault = Fault.HANG

    rig.apply(driveway=6, garage=6)
    await rig.run(1)
    assert rig.drawn("garage") == pytest.approx(amps_kw(6))  # told and following at once
    assert rig.drawn("driveway") == pytest.approx(MAX_KW)
    assert rig.actuator.links["driveway"].state is LinkState.PENDING
    await rig.run(int(WRITE_TIMEOUT_S))
    link = rig.actuator.links["driveway"]
    assert (link.state, link.reason) == (LinkState.FAILED, ChargerFault.WRITE_TIMEOUT)
    assert rig.actuator.links["garage"].state is LinkState.CONFIRMED
    # The next plan goes out while the hung write still hangs.
    rig.apply(garage=0)
    await rig.run(1)
    assert rig.drawn("garage") == 0.0


async def test_a_plan_a_hair_below_a_step_gets_that_step(rig: Rig) -> None:
    """The solver's round-off leaves a plan that reaches a bound a hair below it.

    8.969999883 kW where the site allows 8.97 (13 A on 3 x 230 V): the charger of 1 A steps was
    told 12 A. It gets 13 A and draws it; a real shortfall of 0.1 A still rounds down.
    """
    rig.apply(driveway=13 - 1.7e-7)
    await rig.run(1)
    assert rig.drawn("driveway") == pytest.approx(amps_kw(13))
    control = rig.actuator.controls["driveway"]
    assert control.command(amps_kw(13 - 1.7e-7)).value == 13
    assert control.command(amps_kw(12.9)).value == 12


async def test_an_increase_waits_a_minute_and_a_decrease_does_not(rig: Rig) -> None:
    rig.apply(driveway=6)
    await rig.run(1)
    actuator, control = rig.actuator, rig.actuator.controls["driveway"]
    now = dt_util.utcnow()
    assert not actuator.due("driveway", control.command(amps_kw(10)), None, now)
    assert actuator.due("driveway", control.command(amps_kw(0)), None, now)
    await rig.run(int(MIN_WRITE_INTERVAL_S))
    assert "an increase held back a minute" in rig.replans
    assert actuator.due("driveway", control.command(amps_kw(10)), None, dt_util.utcnow())
    # A new car: what was sent before is forgotten, its first command goes out at once.
    assert not actuator.due("driveway", control.command(amps_kw(6)), None, dt_util.utcnow())
    actuator.new_session("driveway")
    assert actuator.due("driveway", control.command(amps_kw(6)), None, dt_util.utcnow())


async def test_a_charger_that_raises_its_own_limit_is_stopped(rig: Rig) -> None:
    rig.apply(driveway=6)
    await rig.run(1)
    rig.site.chargers["driveway"].apply(16.0)  # it rebooted at its maximum
    await rig.run(1)
    link = rig.actuator.links["driveway"]
    assert (link.state, link.reason) == (LinkState.FAILED, ChargerFault.DRIFTED)
    assert "Driveway changed its limit" in rig.replans
    assert rig.actuator.bound_kw("driveway", None, MAX_KW) == pytest.approx(MAX_KW)


async def test_a_closed_actuator_writes_nothing(rig: Rig) -> None:
    charger = rig.site.chargers["driveway"]
    charger.fault = Fault.HANG
    rig.apply(driveway=6)
    await rig.run(1)
    await rig.actuator.async_close()  # cancels the batch in flight
    charger.end_fault()
    writes = charger.writes
    rig.apply(driveway=0)
    await rig.run(int(RETRY_BACKOFF_S[-1]))
    assert charger.writes == writes
    assert rig.drawn("driveway") == pytest.approx(MAX_KW)
    assert rig.replans == []  # not even a retry is asked for


# --- through a whole site: the plan's commands, as the translation hands them over ----------
async def test_increases_wait_a_minute_and_decreases_do_not(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    # A moment where the plan's first step began before now: its power came out a hair below
    # the limit (solver round-off) and the charger was told 12 A (`ev.STEP_ROUND_OFF`).
    freezer.move_to("2026-12-02T13:57:00+00:00")
    await async_setup_helpers(hass, ("driveway",))
    spec = site_entry(("driveway",))
    loaded: list[ConfigEntry] = []

    async def set_limit(kw: float) -> None:
        await set_site_limit(hass, kw)
        for entry in loaded:
            await replan(hass, entry)

    await set_limit(6.9)
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    entry = await async_setup_site(hass, spec)
    loaded.append(entry)
    assert current(hass, "driveway") == 10.0  # 6.9 kW on 3 x 230 V
    freezer.tick(timedelta(seconds=30))
    await set_limit(8.97)
    assert current(hass, "driveway") == 10.0  # up to 13 A: held back, flash wear
    freezer.tick(timedelta(seconds=31))
    await replan(hass, entry)
    assert current(hass, "driveway") == 13.0  # a minute after the last write
    await set_limit(6.9)
    assert current(hass, "driveway") == 10.0  # down: at once
