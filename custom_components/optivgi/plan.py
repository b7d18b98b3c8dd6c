"""Turn one SCM cycle's report and reading into what the integration publishes (`SitePlan`).

Runs in the executor: it is proportional to chargers x steps.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from .charger_config import ChargerConfig
from .const import ChargerFault
from .models import ChargerPlan, ChargerStatus, ScheduleChange, SitePlan
from .phase_budget import amps_per_kw
from .plan_cost import planned_cost
from .price_source import StepPrices
from .reasons import explain
from .scm.algorithm import ScheduleStatus
from .scm.constants import TOLERANCE, SchedulingParameters
from .scm.ev import EV, kw_to_amps
from .scm_runner import CycleReport
from .site_controls import ChargeMode
from .site_reading import ChargerReading, SiteReading


def schedule_changes(
    power: list[float], start: datetime, params: SchedulingParameters
) -> tuple[ScheduleChange, ...]:
    """The plan as the moments its power changes (kW rounded to W)."""
    changes: list[ScheduleChange] = []
    for step, kw in enumerate(power):
        rounded = round(kw, 3)
        if not changes or changes[-1].kw != rounded:
            changes.append(ScheduleChange(start=start + step * params.resolution, kw=rounded))
    return tuple(changes)


def _status(
    reading: ChargerReading, *, setpoint: float, planned: float, room: float, min_kw: float
) -> ChargerStatus:
    """The first status whose rule applies, in the order of the rules."""
    rules = (
        (reading.unresponsive, ChargerStatus.UNRESPONSIVE),
        (reading.fault is not None, ChargerStatus.ERROR),
        (not reading.connected, ChargerStatus.IDLE),
        (reading.mode is ChargeMode.OFF, ChargerStatus.OFF),
        (setpoint > TOLERANCE, ChargerStatus.CHARGING),
        (reading.requested_kwh <= TOLERANCE, ChargerStatus.COMPLETE),
        (reading.mode is ChargeMode.FAST, ChargerStatus.PAUSED_BY_LIMIT),
        (reading.mode is ChargeMode.SOLAR, ChargerStatus.WAITING),
        (planned <= TOLERANCE, ChargerStatus.UNMET),
        (room < max(min_kw, TOLERANCE), ChargerStatus.PAUSED_BY_LIMIT),
    )
    return next((status for applies, status in rules if applies), ChargerStatus.WAITING)


def _charger_plan(
    charger: ChargerConfig,
    *,
    reading: ChargerReading,
    ev: EV | None,
    report: CycleReport,
    room: float,
    params: SchedulingParameters,
    prices: StepPrices | None,
) -> ChargerPlan:
    cid = charger.charger_id
    planned_power = list(ev.power) if ev is not None and ev.power else [0.0] * params.steps
    # The floor counted apart (a charger that cannot pause) runs until the departure.
    floor_steps = reading.floor_steps or 0
    if reading.floor_kw > 0 and reading.departure is not None and reading.floor_steps is None:
        floor_steps = max(
            1, min(params.steps, (reading.departure - report.now) // params.resolution)
        )
    power = [
        kw + (reading.floor_kw if t < floor_steps else 0.0) for t, kw in enumerate(planned_power)
    ]
    setpoint = power[0] if power else 0.0
    planned = report.result.energy_planned_kwh.get(cid, 0.0) if report.result else 0.0
    planned = min(
        planned + reading.floor_kw * params.step_hours * floor_steps, reading.requested_kwh
    )
    changes = schedule_changes(power, report.now, params)
    cost, complete = None, True
    if prices is not None:
        cost, complete = planned_cost(power, prices.actual, params.resolution)
    known = reading.fault != ChargerFault.UNAVAILABLE and not reading.unresponsive
    if reading.fault is not None:
        setpoint = 0.0  # a charger that failed is being stopped
    return ChargerPlan(
        charger_id=cid,
        name=charger.name,
        status=_status(
            reading, setpoint=setpoint, planned=planned, room=room, min_kw=charger.min_kw
        ),
        connected=reading.connected and reading.fault is None,
        setpoint_kw=round(setpoint, 3) if known else None,
        setpoint_a=round(kw_to_amps(setpoint, charger.voltage, charger.phases_used), 1)
        if known
        else None,
        requested_kwh=round(reading.requested_kwh, 3),
        planned_kwh=round(planned, 3),
        shortfall_kwh=round(max(0.0, reading.requested_kwh - planned), 3),
        departure=reading.departure,
        next_change=changes[1].start if len(changes) > 1 else None,
        changes=changes,
        profile=report.profiles.get(ev, {}) if ev is not None else {},
        reason=reading.fault if reading.fault is not None or reading.unresponsive else None,
        error=reading.fault_detail,
        mode=reading.mode,
        cost=round(cost, 4) if cost is not None else None,
        cost_complete=complete,
        phases=charger.phases_used,
    )


def build_site_plan(
    report: CycleReport,
    *,
    reading: SiteReading,
    chargers: Mapping[str, ChargerConfig],
    params: SchedulingParameters,
    reason: str,
    last_run: datetime,
    replanned_at: datetime,
) -> SitePlan:
    """Per-charger plans and the site's figures from a cycle."""
    evs: dict[str, EV] = {ev.ev_id: ev for ev in report.evs if ev.active}
    result = report.result
    plans = {
        cid: _charger_plan(
            charger,
            reading=reading.chargers.get(cid, ChargerReading(connected=False)),
            ev=evs.get(cid),
            report=report,
            room=reading.plan_kw,
            params=params,
            prices=reading.prices,
        )
        for cid, charger in chargers.items()
    }
    floors = reading.floor_per_step(len(report.limits))
    budget_per_step = tuple(
        round(kw + floor, 3) for kw, floor in zip(report.limits, floors, strict=True)
    )
    # A reason compares a charger with the others, so it is added once every plan is known.
    plans = {
        cid: replace(
            plan,
            why=explain(
                plan,
                plans,
                start=report.now,
                resolution=params.resolution,
                budget_per_step_kw=budget_per_step,
                min_kw=chargers[cid].min_kw,
                prices=reading.prices.planning if reading.prices is not None else None,
            ),
        )
        for cid, plan in plans.items()
    }
    requested_total = sum(p.requested_kwh for p in plans.values())
    planned_total = sum(min(p.planned_kwh, p.requested_kwh) for p in plans.values())
    return SitePlan(
        start=report.now,
        last_run=last_run,
        replanned_at=replanned_at,
        reason=reason,
        algorithm=result.algorithm if result else "none",
        status=result.status if result else ScheduleStatus.FAILED,
        message=report.error or (result.message if result else None),
        budget_kw=round(max(0.0, reading.budget.ev_kw - reading.reserved_kw), 3),
        planned_kw=round(sum(p.setpoint_kw or 0.0 for p in plans.values()), 3),
        requested_energy_met_pct=round(100 * planned_total / requested_total, 1)
        if requested_total
        else 100.0,
        solve_s=round(result.total_s, 4) if result else 0.0,
        budget_per_step_kw=budget_per_step,
        chargers=plans,
        degraded=reading.budget.degraded,
        reserved_kw=round(reading.reserved_kw, 3),
        limit_kw=round(reading.budget.limit_kw, 3),
        cost=None
        if reading.prices is None
        else round(sum(p.cost or 0.0 for p in plans.values()), 4),
        currency=reading.prices.currency if reading.prices is not None else None,
        prices_until=reading.prices.known_until if reading.prices is not None else None,
        phase_headroom_a=None
        if reading.phase_room_a is None
        else phase_headroom(reading.phase_room_a, reading, evs, chargers),
    )


def phase_headroom(
    room_a: tuple[float, ...],
    reading: SiteReading,
    evs: Mapping[str, EV],
    chargers: Mapping[str, ChargerConfig],
) -> tuple[float, ...]:
    """Each phase's room for planned EVs (A) less what they are planned to draw now."""
    headroom = list(room_a)
    for cid, charger in chargers.items():
        ev = evs.get(cid)
        counted = reading.chargers.get(cid)
        kw = (ev.power[0] if ev is not None and ev.power else 0.0) + (
            counted.hold_kw if counted is not None else 0.0
        )
        for phase, amps in amps_per_kw(charger).items():
            headroom[phase] -= kw * amps
    return tuple(round(max(0.0, a), 1) for a in headroom)
