"""When a charger that can switch between 1 and 3 phases is switched (`phase_switch`).

On 3 phases a charger cannot charge below its 3-phase minimum (4.1 kW at 6 A and 230 V); on
one phase it can from 1.4 kW, but no faster than its 1-phase maximum (3.7 kW at 16 A). After
each plan a charger whose car wants energy is switched to 1 phase when the plan pauses it on 3
and the power it could have now (the room the plan leaves, the solar surplus in *Solar* mode,
each phase's room) reaches the 1-phase minimum but not the 3-phase one. It goes back to 3 phases
when it is planned at its 1-phase maximum and the power it could have reaches the 3-phase
minimum plus `PHASE_UP_MARGIN_KW`. Never sooner than `PHASE_SWITCH_INTERVAL_S` after its last
switch (the entity's own last change counts too, so a restart or a switch by hand does), and
only for a charger that can pause: the actuator pauses it and switches only once the pause is
confirmed, since a switch under current changes the draw before the next plan can count it.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from homeassistant.util import dt as dt_util

from .charger_config import ChargerConfig
from .const import PHASE_UP_MARGIN_KW
from .phase_budget import amps_per_kw
from .phase_switch import ONE_PHASE, THREE_PHASES, PhaseSwitcher
from .plan import phase_headroom
from .scm.constants import TOLERANCE
from .scm.ev import EV, ChargingProfile
from .site_controls import ChargeMode
from .site_reading import SiteReading


@dataclass(frozen=True, kw_only=True, slots=True)
class PhaseOptions:
    """One switchable charger now: its phases, what the plan gives it, what it could have."""

    phases: int
    setpoint_kw: float
    available_kw: float
    #: The current (A) its first phase and its three phases could have now (None: no limits).
    one_phase_a: float | None = None
    three_phase_a: float | None = None


def choose_phases(one: ChargerConfig, three: ChargerConfig, now: PhaseOptions) -> int:
    """The phases the charger should be on (`one` and `three`: it on 1 and on 3 phases)."""
    if now.phases == THREE_PHASES:
        fits = now.one_phase_a is None or now.one_phase_a >= one.min_current_a - TOLERANCE
        low = one.min_kw - TOLERANCE <= now.available_kw < three.min_kw - TOLERANCE
        return ONE_PHASE if now.setpoint_kw <= TOLERANCE and low and fits else THREE_PHASES
    fits = now.three_phase_a is None or now.three_phase_a >= three.min_current_a - TOLERANCE
    capped = now.setpoint_kw >= one.max_kw - one.max_kw * 0.02
    room = now.available_kw >= three.min_kw + PHASE_UP_MARGIN_KW - TOLERANCE
    return THREE_PHASES if capped and room and fits else ONE_PHASE


def phase_switches(
    switcher: PhaseSwitcher,
    reading: SiteReading,
    plans: Mapping[str, tuple[EV, ChargingProfile]],
    chargers: Mapping[str, ChargerConfig],
    wants: set[str],
) -> dict[str, int]:
    """The chargers to switch after this plan, and to how many phases.

    `plans`: the plan of each planned charger; `wants`: the chargers that can pause whose car
    is planned and wants energy.
    """
    if not switcher.configured:
        return {}
    now = dt_util.utcnow()
    evs = {cid: ev for cid, (ev, _) in plans.items()}
    setpoints = {cid: reading.setpoint_kw(cid, evs.get(cid)) for cid in chargers}
    room_a = reading.phase_room_a
    headroom = None if room_a is None else phase_headroom(room_a, reading, evs, chargers)
    # The room for planned EVs that the plan leaves now: the floors were counted before it.
    readings = reading.chargers
    free = reading.plan_kw - sum(
        kw - readings[cid].floor_kw for cid, kw in setpoints.items() if cid in readings
    )
    solar = sum(c.solar_kw for c in reading.chargers.values())
    switches: dict[str, int] = {}
    for cid, configured in switcher.configured.items():
        counted = reading.chargers.get(cid)
        if counted is None or cid not in wants or not switcher.may_switch(cid, now):
            continue
        kw = setpoints.get(cid, 0.0)
        if counted.mode is ChargeMode.SOLAR:
            available = reading.budget.surplus_kw - (solar - counted.solar_kw)
        else:
            available = kw + max(0.0, free)
        one = configured.on_phases(ONE_PHASE)
        options = PhaseOptions(
            phases=switcher.phases_now(cid),
            setpoint_kw=kw,
            available_kw=available,
            one_phase_a=_room_a(headroom, one, kw, one),
            three_phase_a=_room_a(headroom, configured, kw, one),
        )
        if (target := choose_phases(one, configured, options)) != options.phases:
            switches[cid] = target
    return switches


def _room_a(
    headroom_a: tuple[float, ...] | None, target: ChargerConfig, kw: float, one: ChargerConfig
) -> float | None:
    """The current (A) `target`'s phases could all have now, its own current given back.

    `kw` is what it is planned at now. Only a charger on one phase is switched while planned
    above 0, and then it draws all of `kw` on `one`'s phase.
    """
    if headroom_a is None:
        return None
    own = amps_per_kw(one)
    return min(headroom_a[p] + kw * own.get(p, 0.0) for p in target.site_phases)
