"""Turn one SCM cycle's report into what the integration publishes (`SitePlan`)."""

from datetime import datetime

from .hass_translation import HomeAssistantTranslation
from .models import ChargerPlan, ChargerStatus, ScheduleChange, SitePlan
from .scm.constants import TOLERANCE, SchedulingParameters
from .scm.ev import EV, kw_to_amps
from .scm_runner import CycleReport


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
    *,
    connected: bool,
    error: str | None,
    setpoint: float,
    requested: float,
    planned: float,
    budget: float,
    min_kw: float,
) -> ChargerStatus:
    """The first that applies: error, idle, charging, complete, unmet, paused, waiting."""
    rules = (
        (error is not None, ChargerStatus.ERROR),
        (not connected, ChargerStatus.IDLE),
        (setpoint > TOLERANCE, ChargerStatus.CHARGING),
        (requested <= TOLERANCE, ChargerStatus.COMPLETE),
        (planned <= TOLERANCE, ChargerStatus.UNMET),
        (budget < max(min_kw, TOLERANCE), ChargerStatus.PAUSED_BY_LIMIT),
    )
    return next((status for applies, status in rules if applies), ChargerStatus.WAITING)


def build_site_plan(
    report: CycleReport,
    *,
    translation: HomeAssistantTranslation,
    params: SchedulingParameters,
    reason: str,
    last_run: datetime,
) -> SitePlan:
    """Per-charger plans and the site's figures from a cycle."""
    evs: dict[str, EV] = {ev.ev_id: ev for ev in report.evs if ev.active}
    result = report.result
    chargers: dict[str, ChargerPlan] = {}
    for cid, charger in translation.chargers.items():
        ev = evs.get(cid)
        power = list(ev.power) if ev is not None and ev.power else [0.0] * params.steps
        setpoint = power[0]
        requested = translation.requested_kwh.get(cid, 0.0)
        planned = result.energy_planned_kwh.get(cid, 0.0) if result else 0.0
        changes = schedule_changes(power, report.now, params)
        error = translation.errors.get(cid)
        chargers[cid] = ChargerPlan(
            charger_id=cid,
            name=charger.name,
            status=_status(
                connected=translation.connected.get(cid, False),
                error=error,
                setpoint=setpoint,
                requested=requested,
                planned=planned,
                budget=translation.budget_kw,
                min_kw=charger.min_kw,
            ),
            connected=translation.connected.get(cid, False) and error is None,
            setpoint_kw=round(setpoint, 3),
            setpoint_a=round(kw_to_amps(setpoint, charger.voltage, charger.phases), 1),
            requested_kwh=round(requested, 3),
            planned_kwh=round(planned, 3),
            shortfall_kwh=round(max(0.0, requested - planned), 3),
            departure=translation.departures.get(cid),
            next_change=changes[1].start if len(changes) > 1 else None,
            changes=changes,
            profile=report.profiles.get(ev, {}) if ev is not None else {},
            error=error,
        )
    requested_total = sum(translation.requested_kwh.values())
    planned_total = sum(min(p.planned_kwh, p.requested_kwh) for p in chargers.values())
    return SitePlan(
        start=report.now,
        last_run=last_run,
        reason=reason,
        algorithm=result.algorithm if result else "none",
        status=str(result.status) if result else "failed",
        message=report.error or (result.message if result else None),
        budget_kw=round(translation.budget_kw, 3),
        planned_kw=round(sum(p.setpoint_kw for p in chargers.values()), 3),
        fairness_pct=round(100 * planned_total / requested_total, 1) if requested_total else 100.0,
        solve_s=round(result.total_s, 4) if result else 0.0,
        budget_per_step_kw=tuple(round(kw, 3) for kw in report.limits),
        chargers=chargers,
    )
