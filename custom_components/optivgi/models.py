"""What the SCM worker publishes after each cycle: per-charger plans and site figures.

Each type turns itself into JSON (`as_dict`) in one way, the way diagnostics show it; the
schedule action, the sensors' attributes and the card's websocket message pick from that.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .const import ChargerFault
from .scm.algorithm import ScheduleStatus
from .site_controls import ChargeMode


class ChargerStatus(StrEnum):
    """One charger's state in the plan (the status sensor's options)."""

    IDLE = "idle"  # no car plugged in
    WAITING = "waiting"  # plugged in, charging planned for later
    CHARGING = "charging"  # charging now
    PAUSED_BY_LIMIT = "paused_by_limit"  # plugged in and wanting energy; no room now
    COMPLETE = "complete"  # plugged in, request met
    UNMET = "unmet"  # plugged in, nothing can be planned before departure
    OFF = "off"  # plugged in, its charge mode is Off
    ERROR = "error"  # the charger cannot be read, or its last command failed (being retried)
    UNRESPONSIVE = "unresponsive"  # no safe command could be confirmed: see `reason`


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, kw_only=True, slots=True)
class ScheduleChange:
    """From `start` on, the planned power is `kw` (until the next change)."""

    start: datetime
    kw: float

    def as_dict(self, *, kw_digits: int | None = None) -> dict[str, Any]:
        """`{"start": ISO 8601 (UTC), "kw": planned power from then on}`.

        `kw_digits` rounds the power further, where size matters more than watts.
        """
        kw = self.kw if kw_digits is None else round(self.kw, kw_digits)
        return {"start": self.start.isoformat(), "kw": kw}

    def as_pair(self) -> tuple[str, float]:
        """`(start, kw)` as in `as_dict`: the card's compact form of a long schedule."""
        return self.start.isoformat(), self.kw


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanReason:
    """Why a charger's plan is what it is, in a few words: a translation key and its values.

    The key is under the status sensor's `why` attribute in the translations; the placeholders
    are already formatted (local times as HH:MM, energies in kWh, charger names).
    """

    key: str
    placeholders: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The key and its placeholders."""
        return {"key": self.key, "placeholders": dict(self.placeholders)}


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargerPlan:
    """One charger's plan from one cycle (charger = config subentry)."""

    charger_id: str
    name: str
    status: ChargerStatus
    connected: bool
    #: Power and current commanded for the current step (kW, A per phase); None when it is
    #: not known what the charger applies (it is unavailable or unresponsive).
    setpoint_kw: float | None
    setpoint_a: float | None
    #: Energy wanted, planned until departure, and what will be missing then (kWh).
    requested_kwh: float
    planned_kwh: float
    shortfall_kwh: float
    departure: datetime | None
    #: When the planned power changes next (None: it does not within the horizon).
    next_change: datetime | None
    changes: tuple[ScheduleChange, ...] = ()
    #: The OCPP 1.6 profile of the whole plan (JSON-ready).
    profile: dict[str, Any] = field(default_factory=dict)
    #: Why the charger is in error or unresponsive: a translation key (`ChargerReading.fault`)
    #: and what the charger answered, for the log and diagnostics.
    reason: ChargerFault | None = None
    error: str | None = None
    #: Why the plan waits, shares, falls short or stops (`reasons.explain`); None without a car.
    #: Apart from `reason`, which only names faults and stays a stable key for automations.
    why: PlanReason | None = None
    #: Its charge mode: what the plan was asked to do.
    mode: ChargeMode = ChargeMode.SMART
    #: What its plan costs at the source's prices (currency), None without prices; a lower
    #: bound when `cost_complete` is False (some planned steps have no known price).
    cost: float | None = None
    cost_complete: bool = True
    #: The phases its car draws on now (a switchable charger's switch decides: `phase_switch`).
    phases: int = 3

    def as_dict(self) -> dict[str, Any]:
        """Every field as JSON: times ISO 8601 (UTC), the status its value, changes as dicts."""
        return {
            "charger_id": self.charger_id,
            "name": self.name,
            "status": self.status.value,
            "connected": self.connected,
            "setpoint_kw": self.setpoint_kw,
            "setpoint_a": self.setpoint_a,
            "requested_kwh": self.requested_kwh,
            "planned_kwh": self.planned_kwh,
            "shortfall_kwh": self.shortfall_kwh,
            "departure": _iso(self.departure),
            "next_change": _iso(self.next_change),
            "changes": [change.as_dict() for change in self.changes],
            "profile": self.profile,
            "reason": None if self.reason is None else str(self.reason),
            "error": self.error,
            "why": None if self.why is None else self.why.as_dict(),
            "mode": str(self.mode),
            "cost": self.cost,
            "cost_complete": self.cost_complete,
            "phases": self.phases,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class SitePlan:
    """The site's plan from one cycle."""

    #: Start of the plan's first step, and when the cycle ran.
    start: datetime
    last_run: datetime
    #: When something last made the site re-plan (its setup, a car, a meter, a request, a
    #: service): the timer's routine cycles keep it, so the sensor of it says something.
    replanned_at: datetime
    #: Why the cycle ran: "timer", "state change of sensor.x", "service", "setup", ...
    reason: str
    algorithm: str
    #: How the schedule was reached (`FAILED`: none was, every charger is sent 0 kW).
    status: ScheduleStatus
    message: str | None
    #: The EV budget now (kW) and the sum of set-points now (kW).
    budget_kw: float
    planned_kw: float
    #: Share of all requested energy that the plan delivers by departure (%).
    requested_energy_met_pct: float
    solve_s: float
    #: The EV budget per step (kW), for the schedule service and diagnostics.
    budget_per_step_kw: tuple[float, ...] = ()
    chargers: dict[str, ChargerPlan] = field(default_factory=dict)
    #: Site inputs that stood in for unreadable ones (`Budget.degraded`).
    degraded: tuple[str, ...] = ()
    #: Power counted for chargers outside the plan (kW): not plannable, floors, removed.
    reserved_kw: float = 0.0
    #: The site limit now (kW), before the load beside the chargers and the margin.
    limit_kw: float = 0.0
    #: What all plans cost (currency, None without prices), in which currency (None: Home
    #: Assistant's), and until when prices are known (the plan ahead of it is earliest-first).
    cost: float | None = None
    currency: str | None = None
    prices_until: datetime | None = None
    #: What each phase (L1, L2, L3) has left now beside everything planned (A); None without
    #: phase limits.
    phase_headroom_a: tuple[float, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Every field as JSON, each charger's plan by its id (`ChargerPlan.as_dict`)."""
        return {
            "start": self.start.isoformat(),
            "last_run": self.last_run.isoformat(),
            "replanned_at": self.replanned_at.isoformat(),
            "reason": self.reason,
            "algorithm": self.algorithm,
            "status": str(self.status),
            "message": self.message,
            "budget_kw": self.budget_kw,
            "planned_kw": self.planned_kw,
            "requested_energy_met_pct": self.requested_energy_met_pct,
            "solve_s": self.solve_s,
            "budget_per_step_kw": list(self.budget_per_step_kw),
            "chargers": {cid: plan.as_dict() for cid, plan in self.chargers.items()},
            "degraded": list(self.degraded),
            "reserved_kw": self.reserved_kw,
            "limit_kw": self.limit_kw,
            "cost": self.cost,
            "currency": self.currency,
            "prices_until": _iso(self.prices_until),
            "phase_headroom_a": None
            if self.phase_headroom_a is None
            else list(self.phase_headroom_a),
        }
