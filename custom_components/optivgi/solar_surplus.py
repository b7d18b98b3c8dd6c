"""*Solar* mode: a charger that follows the live solar surplus the grid meter shows.

The surplus is what the site exports plus what its chargers draw now (the meter counts their
draw against the export). It is no part of the import limit's room: the import stays what it
was. Chargers in *Solar* mode take it first, in their order, each between its minimum and
maximum. Below its minimum a charger waits, with a hysteresis: once charging, it keeps its
minimum while the surplus stays within `SOLAR_HOLD_KW` of it, or it was switched on less than
`MIN_ON_S` ago, the rest drawn from the grid and counted against the room like any other draw.
A charger switched off waits `MIN_OFF_S`, and the meter re-plans when the surplus moves by
`const.SOLAR_REPLAN_KW`.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from .charger_config import ChargerConfig
from .scm.constants import TOLERANCE, SchedulingParameters
from .site_budget import Budget
from .site_evs import Wanted
from .solar_forecast import SolarForecast

#: A charger charging in *Solar* mode keeps its minimum while the surplus is at most this much
#: below it (kW): a passing cloud must not stop and start the car.
SOLAR_HOLD_KW: Final = 0.5


@dataclass(frozen=True, kw_only=True, slots=True)
class SolarShare:
    """What a *Solar* charger gets now (kW): in all, and the parts from the surplus and grid."""

    kw: float
    from_surplus: float
    from_grid: float


def solar_share(
    charger: ChargerConfig,
    wanted: Wanted,
    *,
    surplus_kw: float,
    room_kw: float,
    charging: bool,
    now: datetime,
    keep_min: bool = False,
) -> SolarShare:
    """A *Solar* charger's power (its own floor included) from the surplus left to it.

    `room_kw` is the room under the import limit left now, `charging` whether the charger is
    on; `keep_min`: it keeps its minimum whatever the surplus (the rest from the grid, within
    the room). Nothing beyond its floor while it must stay off or once its request is met.
    """
    floor = wanted.floor_kw
    idle = SolarShare(kw=floor, from_surplus=0.0, from_grid=0.0)
    if wanted.arrival > now or wanted.energy_kwh <= TOLERANCE:
        return idle
    kw = min(charger.max_kw, floor + surplus_kw)
    if kw < charger.min_kw - TOLERANCE:
        hold = wanted.held or floor + surplus_kw >= charger.min_kw - SOLAR_HOLD_KW
        if not (keep_min or (charging and hold)):
            return idle
        kw = min(charger.min_kw, charger.max_kw)
    from_surplus = min(kw - floor, surplus_kw)
    from_grid = kw - floor - from_surplus
    if from_grid > room_kw + TOLERANCE:
        return idle
    return SolarShare(kw=kw, from_surplus=from_surplus, from_grid=from_grid)


def forecast_surplus(pv_kw: list[float], *, non_ev_kw: float, surplus_kw: float) -> list[float]:
    """The solar surplus forecast per step (kW): forecast PV beyond the house's own load.

    The house's load is what the meter shows beside the chargers now (`Budget.non_ev_kw`, or
    the export `Budget.surplus_kw`) plus what the panels make now (the forecast's first step),
    and is taken to stay flat, like the budget.
    """
    net_now = -surplus_kw if surplus_kw > 0 else non_ev_kw
    house = max(0.0, net_now + (pv_kw[0] if pv_kw else 0.0))
    return [max(0.0, kw - house) for kw in pv_kw]


async def async_surplus(
    solar: SolarForecast, start: datetime, params: SchedulingParameters, budget: Budget
) -> list[float] | None:
    """The site's solar surplus forecast per step (kW); None without a readable forecast."""
    pv = await solar.async_pv_kw(start, params)
    if pv is None:
        return None
    return forecast_surplus(pv, non_ev_kw=budget.non_ev_kw, surplus_kw=budget.surplus_kw)
