"""Minimum on-time: a charger switched on less than `MIN_ON_S` ago stays on where it can.

Applied to a plan's current step only, after the solve: later steps are re-planned at the next
cycle, and a cut the limit needs always wins.
"""

from collections.abc import Mapping
from dataclasses import replace

from .charger_config import ChargerConfig
from .charger_link import Link
from .const import Control
from .scm.constants import TOLERANCE
from .scm.ev import EV, ChargingProfile
from .site_reading import SiteReading


def hold_on(
    reading: SiteReading,
    plans: Mapping[str, tuple[EV, ChargingProfile]],
    held: Mapping[str, float],
    chargers: Mapping[str, ChargerConfig],
    links: Mapping[str, Link],
) -> SiteReading:
    """The reading with the holds of the chargers in `held` (charger id: its floor, kW).

    A plan that pauses a held charger to start another charger just as well is the same plan
    with the two swapped for the current step (the sum stays within the limit): the held
    charger keeps its car's power instead (`plans` is changed). Otherwise it stays at its
    minimum in the room the plan left at the current step (`ChargerReading.hold_kw`).
    """
    room = reading.plan_kw - sum(ev.power[0] for ev, _ in plans.values() if ev.power)
    readings = dict(reading.chargers)
    for cid, floor_kw in held.items():
        ev = plans.get(cid, (None, None))[0]
        if ev is None or not ev.power or ev.power[0] > TOLERANCE:
            continue
        if _swap_with_newly_on(ev, plans, chargers, links):
            continue
        minimum = max(0.0, chargers[cid].min_kw - floor_kw)
        if 0 < minimum <= room + TOLERANCE:
            readings[cid] = replace(readings[cid], hold_kw=minimum)
            room -= minimum
    return replace(reading, chargers=readings)


def _swap_with_newly_on(
    held: EV,
    plans: Mapping[str, tuple[EV, ChargingProfile]],
    chargers: Mapping[str, ChargerConfig],
    links: Mapping[str, Link],
) -> bool:
    """Give `held` the current step of a charger the plan switches on from off, if it can.

    It can when that step's power is within `held`'s range, and neither takes a plan ahead
    (OCPP, scripts) that would then not match. Only the current step is commanded: the
    energy moves between the two cars by one step, and the next cycle plans from there.
    """
    for cid, (other, _) in plans.items():
        link = links.get(cid)
        if other is held or not other.power or link is None or link.on_since is not None:
            continue
        kw = other.power[0]
        fits = held.min_power - TOLERANCE <= kw <= held.max_power + TOLERANCE
        numbers = all(chargers[c].control is Control.NUMBER for c in (cid, held.ev_id))
        if kw > TOLERANCE and fits and held.energy > TOLERANCE and numbers:
            held.power[0], other.power[0] = kw, 0.0
            return True
    return False
