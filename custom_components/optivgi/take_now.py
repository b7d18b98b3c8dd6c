"""Chargers that are not planned but take their power now, before the plan: *Solar* and *Fast*.

A *Solar* charger takes the solar surplus (`solar_surplus`), a *Fast* one what the room under
the limit has now (`site_evs.fast_floor`), each on top of its own floor; the plan is made for
the others in the room that is left.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from .charger_config import ChargerConfig
from .scm.constants import SchedulingParameters
from .site_controls import ChargeMode
from .site_evs import Wanted, fast_floor
from .site_reading import ChargerReading
from .solar_surplus import solar_share


@dataclass(frozen=True, kw_only=True, slots=True)
class TakeNow:
    """The site now: room under the limit and solar surplus (kW), the chargers that are on."""

    room_kw: float
    surplus_kw: float
    charging: set[str]
    now: datetime
    #: *Solar* chargers that keep their minimum below the surplus (`SiteControls`).
    keep_min: frozenset[str] = frozenset()


def take_now(
    wanted: dict[str, Wanted],
    readings: dict[str, ChargerReading],
    chargers: Mapping[str, ChargerConfig],
    site: TakeNow,
    params: SchedulingParameters,
) -> float:
    """Take the *Solar* and *Fast* chargers out of `wanted` with their power; the room left.

    Their readings get that power as a floor for the steps it lasts (`floor_steps`).
    """
    room, surplus = site.room_kw, site.surplus_kw
    for cid in [c for c in wanted if readings[c].mode is ChargeMode.SOLAR]:
        share = solar_share(
            chargers[cid],
            wanted.pop(cid),
            surplus_kw=surplus,
            room_kw=room,
            charging=cid in site.charging,
            now=site.now,
            keep_min=cid in site.keep_min,
        )
        surplus -= share.from_surplus
        room -= share.from_grid
        readings[cid] = replace(
            readings[cid], floor_kw=share.kw, floor_steps=1, solar_kw=share.from_surplus
        )
    for cid in [c for c in wanted if readings[c].mode is ChargeMode.FAST]:
        fast = wanted.pop(cid)
        kw, steps = fast_floor(chargers[cid], fast, room, site.now, params)
        room -= kw - fast.floor_kw
        readings[cid] = replace(readings[cid], floor_kw=kw, floor_steps=steps)
    return room
