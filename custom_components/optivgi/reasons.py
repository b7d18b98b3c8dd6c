"""Why each charger's plan is what it is: a short reason per charger, from the site's plan alone.

A status says *what* ("Waiting", "Cannot be met"); the reason says *why*: the car is queued behind
another, the energy is cheaper later, the departure comes too soon, a charger elsewhere is stuck.
Each reason is a translation key with formatted placeholders (`PlanReason`); the texts are the
status sensor's `why` attribute translations, so the sensor, the card and the log say the same.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from .const import DOMAIN, ChargerFault
from .models import ChargerPlan, ChargerStatus, PlanReason
from .scm.constants import TOLERANCE

#: Where the reasons' texts are in the translations (the key is appended).
TRANSLATION_PREFIX: Final = f"component.{DOMAIN}.entity.sensor.status.state_attributes.why.state."
#: A later price counts as cheaper only below this share of the price now: rounding noise in a
#: tariff must not be shown as a reason.
CHEAPER_FACTOR: Final = 0.98

_FAULTS: Final = {ChargerStatus.UNRESPONSIVE, ChargerStatus.ERROR}


def _time(moment: datetime) -> str:
    """A moment as the site's local wall-clock time (HH:MM)."""
    return dt_util.as_local(moment).strftime("%H:%M")


def _kwh(value: float) -> str:
    """Energy for a sentence: whole kWh from 10 up, one decimal below."""
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}".removesuffix(".0")  # noqa: PLR2004


def power_at(plan: ChargerPlan, moment: datetime) -> float:
    """The planned power (kW) at `moment`: the last change at or before it."""
    kw = 0.0
    for change in plan.changes:
        if change.start > moment:
            break
        kw = change.kw
    return kw


def _first_charging(plan: ChargerPlan, after: datetime) -> datetime | None:
    """The first change after `after` to a power above 0 (when a waiting car starts)."""
    return next((c.start for c in plan.changes if c.start > after and c.kw > TOLERANCE), None)


def _first_pause(plan: ChargerPlan, after: datetime) -> datetime | None:
    """The first change after `after` to 0 kW (when a charging car stops)."""
    return next((c.start for c in plan.changes if c.start > after and c.kw <= TOLERANCE), None)


def _names(plans: Sequence[ChargerPlan]) -> str:
    return ", ".join(sorted(plan.name for plan in plans))


def _waiting_reason(
    plan: ChargerPlan,
    others: Sequence[ChargerPlan],
    *,
    start: datetime,
    resolution: timedelta,
    horizon_end: datetime,
    budget_now_kw: float,
    min_kw: float,
    prices: Sequence[float] | None,
) -> PlanReason:
    """A car that wants energy and gets none now: who or what holds it back, and until when."""
    begins = _first_charging(plan, start) or horizon_end
    until = {"until": _time(begins)}
    charging = [o for o in others if (o.setpoint_kw or 0.0) > TOLERANCE]
    room = budget_now_kw - sum(o.setpoint_kw or 0.0 for o in charging)
    if room < max(min_kw, TOLERANCE):
        stuck = [o for o in others if o.status in _FAULTS]
        if stuck:
            return PlanReason(key="held_by", placeholders={"chargers": _names(stuck)})
        if charging:
            return PlanReason(key="sharing", placeholders={"chargers": _names(charging), **until})
        return PlanReason(key="no_room", placeholders=until)
    step = int((begins - start) / resolution)
    if prices and 0 <= step < len(prices) and prices[step] < prices[0] * CHEAPER_FACTOR:
        return PlanReason(key="cheaper", placeholders={"start": _time(begins)})
    return PlanReason(key="planned_from", placeholders={"start": _time(begins)})


def _status_reason(plan: ChargerPlan) -> PlanReason | None:
    """The reason the status alone gives: a fault, or a request that is met."""
    if plan.status is ChargerStatus.UNRESPONSIVE:
        return PlanReason(key="not_responding")
    if plan.status is ChargerStatus.ERROR:
        key = "charger_unavailable" if plan.reason == ChargerFault.UNAVAILABLE else "command_failed"
        return PlanReason(key=key)
    if plan.status is ChargerStatus.OFF:
        return PlanReason(key="mode_off")
    if plan.mode == "solar" and plan.requested_kwh > TOLERANCE and not plan.setpoint_kw:
        return PlanReason(key="solar_wait")
    if plan.status is ChargerStatus.COMPLETE or (
        plan.status is not ChargerStatus.IDLE and plan.requested_kwh <= TOLERANCE
    ):
        return PlanReason(key="complete")
    return None


def explain(
    plan: ChargerPlan,
    plans: Mapping[str, ChargerPlan],
    *,
    start: datetime,
    resolution: timedelta,
    budget_per_step_kw: Sequence[float],
    min_kw: float = 0.0,
    prices: Sequence[float] | None = None,
) -> PlanReason | None:
    """Why `plan` is what it is among the site's `plans`; None while no car is plugged in.

    `start` is the plan's first step (UTC), `budget_per_step_kw` the EV budget per step (kW),
    `min_kw` the least power the charger can charge at, `prices` the price per kWh per step.
    """
    if (fixed := _status_reason(plan)) is not None or plan.status is ChargerStatus.IDLE:
        return fixed
    horizon_end = start + resolution * len(budget_per_step_kw)
    departure = plan.departure if plan.departure is not None else horizon_end
    if plan.shortfall_kwh > TOLERANCE:
        return PlanReason(
            key="short",
            placeholders={
                "requested": _kwh(plan.requested_kwh),
                "possible": _kwh(plan.planned_kwh),
                "departure": _time(departure),
            },
        )
    if (plan.setpoint_kw or 0.0) > TOLERANCE:
        stops = _first_pause(plan, start)
        if stops is None:
            return PlanReason(key="charging")
        return PlanReason(key="charging_until", placeholders={"until": _time(stops)})
    others = [other for cid, other in plans.items() if cid != plan.charger_id]
    return _waiting_reason(
        plan,
        others,
        start=start,
        resolution=resolution,
        horizon_end=horizon_end,
        budget_now_kw=budget_per_step_kw[0] if budget_per_step_kw else 0.0,
        min_kw=min_kw,
        prices=prices,
    )


async def async_reason_texts(hass: HomeAssistant) -> dict[str, str]:
    """The reasons' texts in Home Assistant's language, by key (loaded once, then cached)."""
    translations = await async_get_translations(hass, hass.config.language, "entity", {DOMAIN})
    return {
        key.removeprefix(TRANSLATION_PREFIX): text
        for key, text in translations.items()
        if key.startswith(TRANSLATION_PREFIX)
    }


def render(reason: PlanReason | None, texts: Mapping[str, str]) -> str | None:
    """The reason as a sentence; the bare key when its text is missing (never an error)."""
    if reason is None:
        return None
    text = texts.get(reason.key, reason.key)
    try:
        return text.format(**reason.placeholders)
    except KeyError, IndexError, ValueError:
        return text
