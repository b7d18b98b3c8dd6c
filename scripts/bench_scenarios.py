"""Seeded random charging sites for the benchmark and the closed-loop simulation.

A scenario is plain data (JSON-ready) so the same one can be fed to this repository's algorithms
and, through a subprocess, to the published upstream package.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

#: Start of every scenario's horizon: a Monday, 17:00 UTC (evening arrivals at a workplace/home).
SCENARIO_NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class ScenarioEV:
    """One EV of a scenario: window, energy request (kWh) and power bounds (kW)."""

    ev_id: str
    arrival: datetime
    departure: datetime
    energy_kwh: float
    min_kw: float
    max_kw: float


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A site: its EVs and the EV budget per step (kW)."""

    name: str
    now: datetime
    resolution: timedelta
    steps: int
    evs: tuple[ScenarioEV, ...]
    limit_kw: tuple[float, ...]

    def to_json(self) -> dict[str, Any]:
        """The scenario in the upstream reference runner's input format."""
        return {
            "resolution_s": int(self.resolution.total_seconds()),
            "steps": self.steps,
            "now": self.now.isoformat(),
            "limit_kw": list(self.limit_kw),
            "evs": [
                {
                    "id": ev.ev_id,
                    "arrival": ev.arrival.isoformat(),
                    "departure": ev.departure.isoformat(),
                    "energy_kwh": ev.energy_kwh,
                    "min_kw": ev.min_kw,
                    "max_kw": ev.max_kw,
                }
                for ev in self.evs
            ],
        }


def random_scenario(
    n_evs: int, steps: int, resolution: timedelta, seed: int, now: datetime = SCENARIO_NOW
) -> Scenario:
    """A site with `n_evs` EVs, about 60 % plugged in and 40 % arriving in the horizon's first half.

    Requests 5-60 kWh, maximum 7.2-22 kW, minimum 1.4-4.1 kW (or 0 for a quarter of them), stays
    of 2-14 h (some past the horizon), a site limit of 30-60 % of the sum of maximums; every
    other scenario (by seed) has a time-varying limit that dips to 60 % for a few hours.
    """
    rng = np.random.default_rng(seed)
    horizon = resolution * steps
    evs = []
    for index in range(n_evs):
        if rng.random() < 0.6:
            arrival = now - timedelta(minutes=float(rng.uniform(0, 120)))
        else:
            arrival = now + horizon * float(rng.uniform(0, 0.5))
        stay = timedelta(hours=float(rng.uniform(2, 14)))
        max_kw = float(rng.uniform(7.2, 22))
        min_kw = 0.0 if rng.random() < 0.25 else float(rng.uniform(1.4, 4.1))
        evs.append(
            ScenarioEV(
                ev_id=f"ev{index}",
                arrival=arrival,
                departure=arrival + stay,
                energy_kwh=float(rng.uniform(5, 60)),
                min_kw=min(min_kw, max_kw),
                max_kw=max_kw,
            )
        )
    total_max = sum(ev.max_kw for ev in evs) or 1.0
    limit = np.full(steps, total_max * float(rng.uniform(0.3, 0.6)))
    if seed % 2:
        dip_start = int(rng.integers(0, max(1, steps // 2)))
        dip_len = max(1, int(steps * float(rng.uniform(0.1, 0.3))))
        limit[dip_start : dip_start + dip_len] *= 0.6
    return Scenario(
        name=f"n{n_evs}-t{steps}-s{seed}",
        now=now,
        resolution=resolution,
        steps=steps,
        evs=tuple(evs),
        limit_kw=tuple(float(value) for value in limit),
    )
