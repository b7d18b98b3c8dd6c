"""Seeded random charging sites for the benchmark and the closed-loop simulation.

A scenario is plain data (JSON-ready) so the same one can be fed to this repository's algorithms
and, through a subprocess, to the published upstream package. `FAMILIES` names the kinds of site
the benchmark covers; each is a function of (EVs, steps, step length, seed).
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

#: Start of every scenario's horizon: a Monday, 17:00 UTC (evening arrivals at a workplace/home).
SCENARIO_NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)

#: 6 A per phase at 230 V: the IEC 61851 floor on a 1-phase and a 3-phase charger (kW).
MIN_1_PHASE_KW = 1.38
MIN_3_PHASE_KW = 4.14


@dataclass(frozen=True, kw_only=True)
class ScenarioEV:
    """One EV of a scenario: window, energy request (kWh) and power bounds (kW)."""

    ev_id: str
    arrival: datetime
    departure: datetime
    energy_kwh: float
    min_kw: float
    max_kw: float
    #: The charger's phases and the site phases the car draws on (None: `EV`'s default).
    phases: int = 1
    site_phases: tuple[int, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A site: its EVs, the EV budget per step (kW) and optionally a price per kWh per step.

    `phase_limits_a` optionally adds a per-phase fuse: the current (A) left for EVs per step on
    L1, L2 and L3 (not sent to upstream, which has none).
    """

    name: str
    now: datetime
    resolution: timedelta
    steps: int
    evs: tuple[ScenarioEV, ...]
    limit_kw: tuple[float, ...]
    prices: tuple[float, ...] | None = None
    phase_limits_a: tuple[tuple[float, ...], ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """The scenario in the upstream reference runner's input format (it has no prices)."""
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


def _hours_of_day(scenario: Scenario) -> np.ndarray:
    """Local (UTC) hour of day at the start of each step, as a float."""
    step_h = scenario.resolution / timedelta(hours=1)
    start = scenario.now.hour + scenario.now.minute / 60
    return np.asarray((start + step_h * np.arange(scenario.steps)) % 24)


def _with_minimums(evs: tuple[ScenarioEV, ...], rng: np.random.Generator) -> tuple[ScenarioEV, ...]:
    """Every EV on a 1- or 3-phase charger with its 6 A floor (1.38 or 4.14 kW) as minimum."""
    out = []
    for ev in evs:
        three = rng.random() < 0.5
        max_kw = float(rng.choice([11.0, 22.0])) if three else float(rng.choice([3.7, 7.4]))
        out.append(replace(ev, min_kw=MIN_3_PHASE_KW if three else MIN_1_PHASE_KW, max_kw=max_kw))
    return tuple(out)


def house_scenario(n_evs: int, steps: int, resolution: timedelta, seed: int) -> Scenario:
    """A limit that changes every step: a main fuse less a house load with an evening peak."""
    base = random_scenario(n_evs, steps, resolution, seed)
    rng = np.random.default_rng(seed + 1000)
    hours = _hours_of_day(base)
    fuse = sum(ev.max_kw for ev in base.evs) * float(rng.uniform(0.45, 0.7))
    load = 0.15 + 0.25 * np.exp(-(((hours - 19) / 2.0) ** 2)) + 0.05 * rng.random(base.steps)
    limit = np.maximum(fuse * (1 - load), 0.0)
    return replace(base, name=f"house-{base.name}", limit_kw=tuple(limit.tolist()))


def pv_scenario(n_evs: int, steps: int, resolution: timedelta, seed: int) -> Scenario:
    """A small grid allowance plus solar that rises to a midday peak, noisy every step."""
    base = random_scenario(n_evs, steps, resolution, seed)
    rng = np.random.default_rng(seed + 2000)
    hours = _hours_of_day(base)
    total_max = sum(ev.max_kw for ev in base.evs)
    sun = np.clip(np.sin((hours - 7) / 10 * np.pi), 0, None) * (0.8 + 0.2 * rng.random(base.steps))
    limit = total_max * (0.1 + 0.5 * sun)
    return replace(base, name=f"pv-{base.name}", limit_kw=tuple(limit.tolist()))


def minimums_scenario(n_evs: int, steps: int, resolution: timedelta, seed: int) -> Scenario:
    """6 A floors on 1- and 3-phase chargers, on a limit often below the minimums' sum."""
    base = house_scenario(n_evs, steps, resolution, seed)
    rng = np.random.default_rng(seed + 3000)
    evs = _with_minimums(base.evs, rng)
    floor = sum(ev.min_kw for ev in evs)
    scale = float(rng.uniform(0.4, 1.2)) * floor / max(np.mean(base.limit_kw), 1e-9)
    limit = np.asarray(base.limit_kw) * scale
    return replace(base, name=f"min-{base.name}", evs=evs, limit_kw=tuple(limit.tolist()))


def staggered_scenario(n_evs: int, steps: int, resolution: timedelta, seed: int) -> Scenario:
    """Arrivals spread over the whole horizon (most in the future), stays of 1-8 h."""
    base = random_scenario(n_evs, steps, resolution, seed)
    rng = np.random.default_rng(seed + 4000)
    horizon = resolution * steps
    evs = []
    for ev in base.evs:
        arrival = base.now + horizon * float(rng.uniform(-0.05, 0.9))
        stay = timedelta(hours=float(rng.uniform(1, 8)))
        evs.append(replace(ev, arrival=arrival, departure=arrival + stay))
    return replace(base, name=f"stagger-{base.name}", evs=tuple(evs))


def price_curve(scenario: Scenario, rng: np.random.Generator, *, negative: bool) -> np.ndarray:
    """A day-ahead price per kWh, constant per 15 minutes: night low, evening peak, noise."""
    hours = _hours_of_day(scenario)
    quarter = np.floor(hours * 4) / 4
    price = 0.25 + 0.12 * np.exp(-(((quarter - 19) / 2.5) ** 2)) - 0.1 * (quarter < 6)
    price += 0.03 * np.sin(quarter * 7.3 + rng.uniform(0, 6))
    if negative:
        price -= 0.2 * np.exp(-(((quarter - 13) / 1.5) ** 2))  # midday solar surplus
    return np.asarray(np.round(price, 4))


def prices_scenario(n_evs: int, steps: int, resolution: timedelta, seed: int) -> Scenario:
    """The base site on a 15-minute price curve; every other seed has negative midday prices."""
    base = random_scenario(n_evs, steps, resolution, seed)
    rng = np.random.default_rng(seed + 5000)
    prices = price_curve(base, rng, negative=bool(seed % 2))
    return replace(base, name=f"price-{base.name}", prices=tuple(prices.tolist()))


def degenerate_scenario(n_evs: int, steps: int, resolution: timedelta, seed: int) -> Scenario:
    """Identical EVs, on/off chargers (minimum = maximum), empty requests and zero-limit steps."""
    base = random_scenario(n_evs, steps, resolution, seed)
    rng = np.random.default_rng(seed + 6000)
    twin = base.evs[0] if base.evs else None
    evs = []
    for index, ev in enumerate(base.evs):
        kind = index % 4
        if kind == 0 and twin is not None:
            evs.append(replace(twin, ev_id=ev.ev_id))
        elif kind == 1:
            evs.append(replace(ev, min_kw=ev.max_kw))
        elif kind == 2:
            evs.append(replace(ev, energy_kwh=0.0 if rng.random() < 0.5 else ev.energy_kwh))
        else:
            evs.append(ev)
    limit = np.asarray(base.limit_kw)
    limit[rng.random(base.steps) < 0.1] = 0.0
    return replace(base, name=f"degen-{base.name}", evs=tuple(evs), limit_kw=tuple(limit.tolist()))


def unreachable_scenario(n_evs: int, steps: int, resolution: timedelta, seed: int) -> Scenario:
    """Congested cars, and one that asks far more than its window and charger allow."""
    base = random_scenario(n_evs, steps, resolution, seed)
    if not base.evs:
        return base
    first = base.evs[0]
    hungry = replace(
        first,
        arrival=base.now - timedelta(minutes=5),
        departure=base.now + timedelta(hours=1),
        energy_kwh=first.max_kw * 20,
    )
    limit = np.asarray(base.limit_kw) * 0.6
    return replace(
        base,
        name=f"unreach-{base.name}",
        evs=(hungry, *base.evs[1:]),
        limit_kw=tuple(limit.tolist()),
    )


#: Phase-to-neutral voltage of the phase-limited families (V).
PHASE_VOLTS = 230.0


def _wired(evs: tuple[ScenarioEV, ...], rng: np.random.Generator) -> tuple[ScenarioEV, ...]:
    """Typed chargers (`_with_minimums`): 3-phase ones on all phases, 1-phase on a random one."""
    out = []
    for ev in evs:
        if ev.max_kw > 8:  # 11 or 22 kW: a 3-phase charger
            out.append(replace(ev, phases=3, site_phases=None))
        else:
            out.append(replace(ev, phases=1, site_phases=(int(rng.integers(0, 3)),)))
    return tuple(out)


def _phase_fuse(scenario: Scenario, rng: np.random.Generator) -> tuple[tuple[float, ...], ...]:
    """Per-phase room (A): the kW limit split evenly, plus a margin, less an uneven house load.

    One phase carries an evening peak (cooking), so the phases differ and change every step.
    """
    hours = _hours_of_day(scenario)
    even = np.asarray(scenario.limit_kw) * 1000 / (3 * PHASE_VOLTS) * float(rng.uniform(0.9, 1.3))
    peak = np.exp(-(((hours - 19) / 1.5) ** 2))
    shares = np.full((scenario.steps, 3), 1.0)
    shares[:, int(rng.integers(0, 3))] -= 0.5 * peak
    shares -= 0.05 * rng.random((scenario.steps, 3))
    limits = np.clip(even[:, None] * shares, 0.0, None)
    return tuple(tuple(row) for row in np.round(limits, 3).tolist())


def phases_scenario(n_evs: int, steps: int, resolution: timedelta, seed: int) -> Scenario:
    """The house site on 1- and 3-phase chargers (no minimums) under a per-phase fuse as well."""
    base = house_scenario(n_evs, steps, resolution, seed)
    rng = np.random.default_rng(seed + 7000)
    evs = tuple(replace(ev, min_kw=0.0) for ev in _wired(_with_minimums(base.evs, rng), rng))
    typed = replace(base, evs=evs)
    return replace(typed, name=f"phase-{base.name}", phase_limits_a=_phase_fuse(typed, rng))


def phase_minimums_scenario(n_evs: int, steps: int, resolution: timedelta, seed: int) -> Scenario:
    """The `minimums` site with each car wired to its phases, under a per-phase fuse as well."""
    base = minimums_scenario(n_evs, steps, resolution, seed)
    rng = np.random.default_rng(seed + 8000)
    typed = replace(base, evs=_wired(base.evs, rng))
    return replace(typed, name=f"phase-{base.name}", phase_limits_a=_phase_fuse(typed, rng))


type Family = Callable[[int, int, timedelta, int], Scenario]

#: The benchmark's scenario families, by name.
FAMILIES: dict[str, Family] = {
    "base": random_scenario,
    "house": house_scenario,
    "pv": pv_scenario,
    "minimums": minimums_scenario,
    "staggered": staggered_scenario,
    "prices": prices_scenario,
    "degenerate": degenerate_scenario,
    "unreachable": unreachable_scenario,
    "phases": phases_scenario,
    "phase-minimums": phase_minimums_scenario,
}
