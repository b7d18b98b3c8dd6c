"""Building what the integration publishes (`SitePlan`) from one cycle's report and reading.

Everything here is the real thing, without Home Assistant: a charger's settings as the flow
stores them (`charger_data`), its car as the translation makes it (`active_ev`), a schedule
from `GoAlgorithm`, and the immutable reading the plan is built on.

The site: an 11 kW limit and one 3-phase, 6-16 A, 230 V charger (11.04 kW at most), on a
12-hour grid of 5-minute steps from 17:00 UTC.
"""

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.optivgi.charger_config import ChargerConfig
from custom_components.optivgi.const import ChargerFault
from custom_components.optivgi.models import ChargerStatus, ScheduleChange, SitePlan
from custom_components.optivgi.plan import build_site_plan, phase_headroom, schedule_changes
from custom_components.optivgi.scm.algorithm import ScheduleStatus
from custom_components.optivgi.scm.constants import SchedulingParameters
from custom_components.optivgi.scm.ev import EV, ChargingRateUnit
from custom_components.optivgi.scm.go_algorithm import GoAlgorithm
from custom_components.optivgi.scm_runner import CycleReport, FailedStep
from custom_components.optivgi.site_budget import Budget
from custom_components.optivgi.site_evs import Wanted, active_ev
from custom_components.optivgi.site_reading import ChargerReading, SiteReading

from .ha_site import charger_data

NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
PARAMS = SchedulingParameters(resolution=timedelta(minutes=5), horizon=timedelta(hours=12))
LIMIT_KW = 11.0
CID = "driveway"
DRIVEWAY = ChargerConfig.from_data(CID, "Driveway", charger_data(CID))
CHARGERS = {CID: DRIVEWAY}
TOMORROW_7 = datetime(2026, 1, 6, 7, 0, tzinfo=UTC)


def car(energy_kwh: float, departure: datetime) -> EV:
    """The driveway's car, plugged in a minute ago, as the translation hands it to the planner."""
    wanted = Wanted(
        energy_kwh=energy_kwh,
        departure=departure,
        arrival=NOW - timedelta(minutes=1),
        floor_kw=0.0,
        held=False,
        on=False,
        transaction_id=None,
    )
    return active_ev(DRIVEWAY, wanted, NOW, ChargingRateUnit.A)


def solved(evs: list[EV], limit_kw: float = LIMIT_KW) -> CycleReport:
    """A cycle that read `evs` and a flat limit, and solved them."""
    limits = [limit_kw] * PARAMS.steps
    algorithm = GoAlgorithm(evs, limits, NOW, PARAMS, None)
    result = algorithm.calculate()
    return CycleReport(
        now=NOW,
        evs=algorithm.evs,
        limits=limits,
        result=result,
        profiles=algorithm.get_charging_profiles(),
        sent=True,
    )


def site_reading(
    chargers: dict[str, ChargerReading],
    *,
    limit_kw: float = LIMIT_KW,
    phase_room_a: tuple[float, ...] | None = None,
) -> SiteReading:
    reserved = sum(c.reserved_kw for c in chargers.values())
    return SiteReading(
        now=NOW,
        budget=Budget(limit_kw=limit_kw, non_ev_kw=0.0, margin_kw=0.0),
        plan_kw=max(0.0, limit_kw - reserved),
        chargers=chargers,
        phase_room_a=phase_room_a,
        configs=CHARGERS,
    )


def build(report: CycleReport, reading: SiteReading) -> SitePlan:
    return build_site_plan(
        report,
        reading=reading,
        chargers=CHARGERS,
        params=PARAMS,
        reason="test",
        last_run=NOW + timedelta(seconds=3),
        replanned_at=NOW,
    )


def test_schedule_changes_are_the_moments_the_power_changes() -> None:
    # 10.0004 and 9.9996 kW are both 10 kW to the watt: one change, not two.
    power = [11.0, 11.0, 10.0004, 9.9996, 0.0, 0.0]
    assert schedule_changes(power, NOW, PARAMS) == (
        ScheduleChange(start=NOW, kw=11.0),
        ScheduleChange(start=NOW + timedelta(minutes=10), kw=10.0),
        ScheduleChange(start=NOW + timedelta(minutes=20), kw=0.0),
    )
    assert schedule_changes([], NOW, PARAMS) == ()


def test_a_car_is_planned_at_the_limit_then_for_the_rest() -> None:
    """10 kWh at 11 kW: 50 minutes at the limit (9.17 kWh), then 10 kW for one step."""
    reading = site_reading(
        {CID: ChargerReading(connected=True, requested_kwh=10.0, departure=TOMORROW_7)}
    )
    plan = build(solved([car(10.0, TOMORROW_7)]), reading)

    charger = plan.chargers[CID]
    assert charger.status is ChargerStatus.CHARGING
    assert charger.connected
    assert (charger.setpoint_kw, charger.setpoint_a) == (11.0, 15.9)
    assert (charger.requested_kwh, charger.planned_kwh, charger.shortfall_kwh) == (10.0, 10.0, 0.0)
    assert charger.changes == (
        ScheduleChange(start=NOW, kw=11.0),
        ScheduleChange(start=NOW + timedelta(minutes=50), kw=10.0),
        ScheduleChange(start=NOW + timedelta(minutes=55), kw=0.0),
    )
    assert charger.next_change == NOW + timedelta(minutes=50)
    assert charger.departure == TOMORROW_7
    assert charger.why is not None  # added once every charger's plan is known
    assert charger.why.key == "charging_until"
    periods = charger.profile["chargingSchedule"]["chargingSchedulePeriod"]
    assert [p["limit"] for p in periods] == [15.9, 14.4, 0.0]  # A per phase
    assert (plan.start, plan.last_run, plan.reason) == (NOW, NOW + timedelta(seconds=3), "test")
    assert (plan.algorithm, plan.status) == ("GoAlgorithm", ScheduleStatus.HEURISTIC)
    assert (plan.planned_kw, plan.budget_kw, plan.limit_kw) == (11.0, 11.0, 11.0)
    assert plan.requested_energy_met_pct == 100.0
    assert plan.budget_per_step_kw == (11.0,) * PARAMS.steps
    assert plan.cost is None  # no prices
    assert plan.phase_headroom_a is None  # no phase limits


def test_a_request_that_cannot_be_met_shows_its_shortfall() -> None:
    """20 kWh wanted within an hour at 11 kW: 11 kWh planned, 9 kWh short, 55 % met."""
    departure = NOW + timedelta(hours=1)
    reading = site_reading(
        {CID: ChargerReading(connected=True, requested_kwh=20.0, departure=departure)}
    )
    plan = build(solved([car(20.0, departure)]), reading)

    charger = plan.chargers[CID]
    assert charger.status is ChargerStatus.CHARGING
    assert (charger.planned_kwh, charger.shortfall_kwh) == (11.0, 9.0)
    assert charger.changes[-1] == ScheduleChange(start=departure, kw=0.0)
    assert plan.requested_energy_met_pct == 55.0


def test_a_charger_without_a_car_is_idle() -> None:
    # A charger the reading says nothing about has no car.
    plan = build(solved([]), site_reading({}))

    charger = plan.chargers[CID]
    assert charger.status is ChargerStatus.IDLE
    assert not charger.connected
    assert (charger.setpoint_kw, charger.setpoint_a) == (0.0, 0.0)
    assert charger.changes == (ScheduleChange(start=NOW, kw=0.0),)
    assert charger.next_change is None
    assert plan.planned_kw == 0.0
    assert plan.requested_energy_met_pct == 100.0  # nothing asked, nothing missing


def test_a_failed_charger_is_stopped_and_counted_at_what_it_may_draw() -> None:
    """Its last command failed: not planned, told 0 kW, and its maximum held out of the budget."""
    reading = site_reading(
        {
            CID: ChargerReading(
                connected=True,
                requested_kwh=10.0,
                departure=TOMORROW_7,
                fault=ChargerFault.WRITE_FAILED,
                fault_detail="the charger answered with an error",
                reserved_kw=DRIVEWAY.max_kw,
            )
        }
    )
    plan = build(solved([]), reading)

    charger = plan.chargers[CID]
    assert charger.status is ChargerStatus.ERROR
    assert not charger.connected
    assert charger.setpoint_kw == 0.0  # it is being stopped
    assert charger.reason is ChargerFault.WRITE_FAILED
    assert charger.error == "the charger answered with an error"
    assert charger.shortfall_kwh == 10.0
    assert plan.reserved_kw == pytest.approx(11.04)
    assert plan.budget_kw == 0.0  # its maximum takes the whole limit


def test_an_unavailable_charger_has_no_known_set_point() -> None:
    reading = site_reading(
        {CID: ChargerReading(connected=True, fault=ChargerFault.UNAVAILABLE, reserved_kw=11.04)}
    )
    charger = build(solved([]), reading).chargers[CID]
    assert charger.status is ChargerStatus.ERROR
    assert (charger.setpoint_kw, charger.setpoint_a) == (None, None)  # not a plausible 0


def test_an_unresponsive_charger_says_so_before_its_fault() -> None:
    reading = site_reading(
        {CID: ChargerReading(connected=True, fault=ChargerFault.NOT_CONFIRMED, unresponsive=True)}
    )
    charger = build(solved([]), reading).chargers[CID]
    assert charger.status is ChargerStatus.UNRESPONSIVE
    assert charger.setpoint_kw is None


def test_a_cycle_whose_every_algorithm_failed_plans_nothing() -> None:
    ev = car(10.0, TOMORROW_7)
    ev.power = [0.0] * PARAMS.steps  # what the last resort sends every charger
    report = CycleReport(
        now=NOW,
        evs=[ev],
        limits=[LIMIT_KW] * PARAMS.steps,
        failed_step=FailedStep.FALLBACK,
        error="RuntimeError('solver crashed')",
    )
    reading = site_reading(
        {CID: ChargerReading(connected=True, requested_kwh=10.0, departure=TOMORROW_7)}
    )
    plan = build(report, reading)

    assert plan.status is ScheduleStatus.FAILED
    assert plan.algorithm == "none"
    assert plan.message == "RuntimeError('solver crashed')"
    assert plan.solve_s == 0.0
    charger = plan.chargers[CID]
    assert (charger.setpoint_kw, charger.planned_kwh, charger.shortfall_kwh) == (0.0, 0.0, 10.0)
    assert plan.requested_energy_met_pct == 0.0


def test_the_phase_headroom_is_what_the_planned_cars_leave() -> None:
    """20 A per phase, and a 3-phase car planned at 11 kW now: 15.94 A on each phase."""
    reading = site_reading(
        {CID: ChargerReading(connected=True, requested_kwh=10.0, departure=TOMORROW_7)},
        phase_room_a=(20.0, 20.0, 20.0),
    )
    report = solved([car(10.0, TOMORROW_7)])
    plan = build(report, reading)
    assert plan.phase_headroom_a == (4.1, 4.1, 4.1)

    # Never below 0, and a charger held on (minimum on-time) counts too.
    held = site_reading(
        {CID: ChargerReading(connected=True, hold_kw=4.14)}, phase_room_a=(18.0, 10.0, 25.0)
    )
    evs = {ev.ev_id: ev for ev in report.evs}
    assert phase_headroom((18.0, 10.0, 25.0), held, evs, CHARGERS) == (0.0, 0.0, 3.1)
