"""The site's budget for EVs: limit - non-EV load - margin, from inputs that may fail.

The fixed limit is the fuse: a limit entity may lower it, never raise it. A meter or limit
entity that is unavailable, not a number, not finite, negative (limits) or absurd (beyond
`ABSURD_POWER_FACTOR` x the fixed limit) is not a value: the last good value stands in for it
(DESIGN §5). A meter that has never been read gives no room at all: the house load is never
assumed to be 0.

The non-EV load is planned with a hysteresis band (`NON_EV_HEADROOM_KW`, `NON_EV_BAND_KW`,
`NON_EV_HOLD_S`): a kettle or a heat pump that wanders up and down must not move every
charger's set-point at every cycle. A rise is always followed at once.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.const import UnitOfPower
from homeassistant.core import State

from .const import (
    ABSURD_POWER_FACTOR,
    CONF_GRID_POWER_ENTITY,
    CONF_SAFETY_MARGIN_KW,
    CONF_SITE_LIMIT_ENTITY,
    CONF_SITE_LIMIT_KW,
    DEFAULT_SAFETY_MARGIN_KW,
    DEFAULT_SITE_LIMIT_KW,
    METER_GRACE_S,
    NON_EV_BAND_KW,
    NON_EV_HEADROOM_KW,
    NON_EV_HOLD_S,
    SOLAR_REPLAN_KW,
)
from .readings import state_kw


@dataclass(frozen=True, kw_only=True, slots=True)
class Budget:
    """One reading of the site's power (kW); `degraded` names the inputs that stood in."""

    limit_kw: float
    non_ev_kw: float
    margin_kw: float
    degraded: tuple[str, ...] = ()
    #: The solar surplus now (kW): what the site exports plus what its chargers draw; 0
    #: without a fresh meter reading (`solar_surplus`).
    surplus_kw: float = 0.0

    @property
    def ev_kw(self) -> float:
        """What all chargers together may draw (kW), before chargers that are counted apart."""
        return max(0.0, self.limit_kw - self.non_ev_kw - self.margin_kw)


class SiteBudget:
    """Reads the limit and the grid meter, remembering their last good values."""

    def __init__(self, options: Mapping[str, Any], read: Callable[[str], State | None]) -> None:
        """`read(entity_id)` gives a state (and logs inputs that go away)."""
        self.fixed_kw = float(options.get(CONF_SITE_LIMIT_KW, DEFAULT_SITE_LIMIT_KW))
        self.margin_kw = float(options.get(CONF_SAFETY_MARGIN_KW, DEFAULT_SAFETY_MARGIN_KW))
        self.limit_entity: str | None = options.get(CONF_SITE_LIMIT_ENTITY)
        self.grid_entity: str | None = options.get(CONF_GRID_POWER_ENTITY)
        self._read = read
        self._last_limit_kw: float | None = None
        self._last_non_ev: tuple[float, datetime] | None = None
        self._planned_non_ev: float | None = None
        self._planned_at: datetime | None = None
        self._planned_surplus = 0.0

    def entity_ids(self) -> set[str]:
        """The site's own inputs."""
        return {e for e in (self.limit_entity, self.grid_entity) if e}

    def _plausible(self, kw: float | None) -> float | None:
        if kw is None or abs(kw) > ABSURD_POWER_FACTOR * max(self.fixed_kw, 1.0):
            return None
        return kw

    def limit_kw(self) -> tuple[float, bool]:
        """The limit now (kW), and whether it is a stand-in for an unreadable entity."""
        if self.limit_entity is None:
            return self.fixed_kw, False
        value = self._plausible(state_kw(self._read(self.limit_entity)))
        if value is None or value < 0:
            last = self._last_limit_kw
            return (self.fixed_kw if last is None else min(self.fixed_kw, last)), True
        self._last_limit_kw = min(value, self.fixed_kw)
        return self._last_limit_kw, False

    def non_ev_kw(self, ev_draw_kw: float, now: datetime) -> tuple[float, str | None]:
        """The load other than the chargers (kW), and which stand-in was used, if any."""
        if self.grid_entity is None:
            return 0.0, None
        grid = self._grid_kw()
        if grid is None:
            if self._last_non_ev is None:
                return self.fixed_kw, "meter_never_read"
            value, at = self._last_non_ev
            late = now - at > timedelta(seconds=METER_GRACE_S)
            return value, "meter_lost" if late else "meter_stale"
        measured = max(0.0, grid - ev_draw_kw)
        planned, since = self._planned_non_ev, self._planned_at
        held = since is not None and now - since < timedelta(seconds=NON_EV_HOLD_S)
        if planned is None or self.leaves_band(measured) or (not held and measured < planned):
            planned = self._planned_non_ev = measured + NON_EV_HEADROOM_KW
            self._planned_at = now
        self._last_non_ev = (planned, now)
        return planned, None

    def _grid_kw(self) -> float | None:
        """The grid meter now (kW, import positive); None if it cannot be read."""
        if self.grid_entity is None:
            return None
        return self._plausible(state_kw(self._read(self.grid_entity), UnitOfPower.WATT))

    def meter_moved(
        self, ev_draw_kw: float, limit_kw: float, *, follow_surplus: bool = False
    ) -> bool:
        """Whether the grid meter's new reading is reason to re-plan now.

        The load beside the chargers (which draw `ev_draw_kw`) left its band, the site draws
        more than `limit_kw`, or (`follow_surplus`: a charger is in *Solar* mode) the solar
        surplus moved by `SOLAR_REPLAN_KW`.
        """
        grid = self._grid_kw()
        if grid is None:
            return False
        surplus = max(0.0, ev_draw_kw - grid)
        moved = follow_surplus and abs(surplus - self._planned_surplus) >= SOLAR_REPLAN_KW
        return self.leaves_band(max(0.0, grid - ev_draw_kw)) or grid > limit_kw or moved

    def leaves_band(self, measured_kw: float) -> bool:
        """Whether a non-EV load reading (kW) leaves the band the plans use: re-plan on it.

        Above the planned value it eats into the margin; more than `NON_EV_BAND_KW` below it
        leaves room the chargers could use.
        """
        planned = self._planned_non_ev
        return planned is None or not planned - NON_EV_BAND_KW <= measured_kw <= planned

    def read(self, ev_draw_kw: float, now: datetime) -> Budget:
        """Limit, non-EV load and margin now."""
        limit, limit_stale = self.limit_kw()
        non_ev, meter = self.non_ev_kw(ev_draw_kw, now)
        grid = self._grid_kw() if meter is None else None  # a stand-in shows no surplus
        self._planned_surplus = 0.0 if grid is None else max(0.0, ev_draw_kw - grid)
        degraded = (*(("limit_stale",) if limit_stale else ()), *((meter,) if meter else ()))
        return Budget(
            limit_kw=limit,
            non_ev_kw=non_ev,
            margin_kw=self.margin_kw,
            degraded=degraded,
            surplus_kw=self._planned_surplus,
        )
