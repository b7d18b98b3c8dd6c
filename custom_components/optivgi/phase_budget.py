"""The site's per-phase budget: each phase's fuse less the load beside the planned chargers.

Both the kW limit and the phase limits hold when both are set (`scm/phases.py`). The load
beside the chargers on each phase comes from the grid meter's current sensors (import positive)
less what the chargers draw on that phase; what is counted for chargers outside the plan (their
floors, *Fast* and *Solar* power, chargers that cannot be planned) is taken off as well. A
phase sensor that cannot be read leaves its last good value for `METER_GRACE_S`, then nothing:
the phase limits still hold for the chargers' own current, and the kW budget for the rest.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.const import UnitOfElectricCurrent
from homeassistant.core import State
from homeassistant.util.unit_conversion import ElectricCurrentConverter

from .charger_config import ChargerConfig
from .const import (
    CONF_PHASE_CURRENT_L1_ENTITY,
    CONF_PHASE_CURRENT_L2_ENTITY,
    CONF_PHASE_CURRENT_L3_ENTITY,
    CONF_PHASE_LIMIT_A,
    CONF_PHASE_LIMIT_L2_A,
    CONF_PHASE_LIMIT_L3_A,
    METER_GRACE_S,
)
from .readings import state_number
from .site_reading import SiteReading

N_PHASES = 3


def amps_per_kw(charger: ChargerConfig) -> dict[int, float]:
    """The current (A) a charger draws per kW on each site phase it draws from."""
    used = charger.site_phases
    return dict.fromkeys(used, 1000 / (charger.voltage * len(used)))


@dataclass(frozen=True, kw_only=True, slots=True)
class PhaseDraw:
    """A charger's power now and what is counted for it outside the plan (kW)."""

    charger: ChargerConfig
    drawing_kw: float
    apart_kw: float


class PhaseBudget:
    """Reads the phase sensors; the current left for planned EVs on each phase."""

    def __init__(self, options: Mapping[str, Any], read: Callable[[str], State | None]) -> None:
        """The site's phase limits (A) and sensors from its options; none when not set."""
        first = options.get(CONF_PHASE_LIMIT_A)
        self.limits_a: tuple[float, float, float] | None = None
        if first is not None:
            second = options.get(CONF_PHASE_LIMIT_L2_A, first)
            third = options.get(CONF_PHASE_LIMIT_L3_A, first)
            self.limits_a = (float(first), float(second), float(third))
        sensors = tuple(
            options.get(key)
            for key in (
                CONF_PHASE_CURRENT_L1_ENTITY,
                CONF_PHASE_CURRENT_L2_ENTITY,
                CONF_PHASE_CURRENT_L3_ENTITY,
            )
        )
        self.sensors: tuple[str, ...] = tuple(s for s in sensors if s)
        self._read = read
        self._last: dict[int, tuple[float, datetime]] = {}

    @property
    def configured(self) -> bool:
        """Whether the site has phase limits."""
        return self.limits_a is not None

    def entity_ids(self) -> set[str]:
        """The phase sensors."""
        return set(self.sensors)

    def over_limit(self, now: datetime) -> bool:
        """Whether a phase draws more than its fuse now: reason to re-plan at once."""
        if self.limits_a is None:
            return False
        return any(
            (amps := self._measured_a(phase, now)) is not None and amps > self.limits_a[phase]
            for phase in range(N_PHASES)
        )

    def _measured_a(self, phase: int, now: datetime) -> float | None:
        """A phase's current now (A), or its last good value within the grace; None."""
        if len(self.sensors) == N_PHASES:
            state = self._read(self.sensors[phase])
            value = state_number(state)
            unit = state.attributes.get("unit_of_measurement") if state is not None else None
            if value is not None and unit in ElectricCurrentConverter.VALID_UNITS:
                amps = ElectricCurrentConverter.convert(value, unit, UnitOfElectricCurrent.AMPERE)
                if self._plausible(amps):
                    self._last[phase] = (amps, now)
                    return amps
        last = self._last.get(phase)
        if last is not None and now - last[1] <= timedelta(seconds=METER_GRACE_S):
            return last[0]
        return None

    def _plausible(self, amps: float) -> bool:
        """A reading within 10 times the largest fuse, either way (the rest is not a value)."""
        return self.limits_a is not None and abs(amps) <= 10 * max(self.limits_a)

    def limits_a_per_step(
        self,
        reading: SiteReading,
        chargers: Mapping[str, ChargerConfig],
        drawing_kw: Callable[[ChargerConfig], float],
        steps: int,
    ) -> list[list[float]] | None:
        """The phase limits for planned EVs per step (A, steps x 3), flat like the kW budget."""
        if self.limits_a is None:
            return None  # before reading 50 chargers' draws for nothing
        draws = []
        for cid, charger in chargers.items():
            counted = reading.chargers.get(cid)
            # Counted apart: a floor, or what a charger outside the plan may draw (not both).
            apart = max(counted.reserved_kw, counted.floor_kw) if counted is not None else 0.0
            draws.append(PhaseDraw(charger=charger, drawing_kw=drawing_kw(charger), apart_kw=apart))
        room = self.room_a(draws, reading.now)
        return None if room is None else [room] * steps

    def room_a(self, draws: Iterable[PhaseDraw], now: datetime) -> list[float] | None:
        """The current left (A) on each phase for planned EVs; None without phase limits."""
        if self.limits_a is None:
            return None
        draws = list(draws)
        room = list(self.limits_a)
        for phase in range(N_PHASES):
            charging = sum(d.drawing_kw * amps_per_kw(d.charger).get(phase, 0.0) for d in draws)
            measured = self._measured_a(phase, now)
            beside = max(0.0, measured - charging) if measured is not None else 0.0
            apart = sum(d.apart_kw * amps_per_kw(d.charger).get(phase, 0.0) for d in draws)
            room[phase] = max(0.0, room[phase] - beside - apart)
        return room
