"""What the SCM worker publishes after each cycle: per-charger plans and site figures."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


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


@dataclass(frozen=True, kw_only=True, slots=True)
class ScheduleChange:
    """From `start` on, the planned power is `kw` (until the next change)."""

    start: datetime
    kw: float


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanReason:
    """Why a charger's plan is what it is, in a few words: a translation key and its values.

    The key is under the status sensor's `why` attribute in the translations; the placeholders
    are already formatted (local times as HH:MM, energies in kWh, charger names).
    """

    key: str
    placeholders: dict[str, str] = field(default_factory=dict)


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
    reason: str | None = None
    error: str | None = None
    #: Why the plan waits, shares, falls short or stops (`reasons.explain`); None without a car.
    #: Apart from `reason`, which only names faults and stays a stable key for automations.
    why: PlanReason | None = None
    #: Its charge mode (`site_controls.ChargeMode` value): what the plan was asked to do.
    mode: str = "smart"
    #: What its plan costs at the source's prices (currency), None without prices; a lower
    #: bound when `cost_complete` is False (some planned steps have no known price).
    cost: float | None = None
    cost_complete: bool = True
    #: The phases its car draws on now (a switchable charger's switch decides: `phase_switch`).
    phases: int = 3


@dataclass(frozen=True, kw_only=True, slots=True)
class SitePlan:
    """The site's plan from one cycle."""

    #: Start of the plan's first step, and when the cycle ran.
    start: datetime
    last_run: datetime
    #: Why the cycle ran: "timer", "state change of sensor.x", "service", "setup", ...
    reason: str
    algorithm: str
    #: optimal / rounded / heuristic / fallback (`ScheduleStatus`), or "failed".
    status: str
    message: str | None
    #: The EV budget now (kW) and the sum of set-points now (kW).
    budget_kw: float
    planned_kw: float
    #: Share of all requested energy that the plan delivers by departure (%).
    fairness_pct: float
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
