"""Closed-loop simulation of one day at a site (not a test): re-plan every step, apply the plan.

Cars arrive unannounced, each on its own charger, and leave at their departure; every step the
scheduler re-plans with each car's remaining request, the first step of the plan is applied (the
car draws exactly its set-point) and delivered energy feeds back. It reports the metrics of
Caltech's ACN-Sim (percent of energy delivered, sessions fully met, peak power against the limit,
minutes over the limit, set-point changes per session) and plots site and per-car power.

Each algorithm runs the day twice, without and with a tariff (a day-ahead price per 15 minutes,
cheap at night and at midday), and the delivered energy is compared with the offline optimum: the
LP over the whole day with every car known in advance (it has no need to guess; no closed loop
can deliver more). A tariff must not cost energy: the closed loop should stay within 1 % of it.
Run it with `scripts/simulate` (`--help` for options).
"""

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import statistics
import time

import matplotlib as mpl

mpl.use("Agg")
from core_import import REPO, register_core_packages
import matplotlib.pyplot as plt
import numpy as np

register_core_packages()

from custom_components.optivgi.scm.algorithm import Algorithm  # noqa: E402
from custom_components.optivgi.scm.constants import SchedulingParameters  # noqa: E402
from custom_components.optivgi.scm.ev import EV  # noqa: E402
from custom_components.optivgi.scm.go_algorithm import GoAlgorithm  # noqa: E402
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm  # noqa: E402

DAY_START = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)


@dataclass
class Session:
    """One car's visit to one charger: kWh wanted, kW bounds, and what it got."""

    ev_id: str
    arrival: datetime
    departure: datetime
    energy_kwh: float
    min_kw: float
    max_kw: float
    delivered_kwh: float = 0.0


def make_sessions(chargers: int, seed: int) -> list[Session]:
    """A workday: each charger gets a morning commuter and often an afternoon or evening car."""
    rng = np.random.default_rng(seed)
    sessions = []
    for charger in range(chargers):
        arrival = DAY_START + timedelta(hours=float(rng.uniform(6.5, 10)))
        while arrival < DAY_START + timedelta(hours=22):
            stay = timedelta(hours=float(rng.uniform(2, 9)))
            max_kw = float(rng.choice([7.4, 11.0, 22.0]))
            sessions.append(
                Session(
                    ev_id=f"c{charger}-{len(sessions)}",
                    arrival=arrival,
                    departure=min(arrival + stay, DAY_START + timedelta(hours=24)),
                    energy_kwh=float(rng.uniform(5, 45)),
                    min_kw=0.0 if rng.random() < 0.2 else 4.14 if max_kw > 7.4 else 1.38,
                    max_kw=max_kw,
                )
            )
            arrival += stay + timedelta(hours=float(rng.uniform(0.5, 6)))
    return sessions


def tariff(step_start: datetime) -> float:
    """Price per kWh of the 15 minutes a step starts in: night and midday low, evening peak."""
    hour = step_start.hour + (step_start.minute // 15) / 4
    price = 0.25 + 0.12 * np.exp(-(((hour - 19) / 2.5) ** 2)) - 0.1 * (hour < 6)
    price -= 0.12 * np.exp(-(((hour - 13) / 1.5) ** 2))
    return float(np.round(price + 0.02 * np.sin(hour * 7.3), 4))


def site_limit(step_start: datetime, chargers: int) -> float:
    """Budget for cars (kW): 40 % of the chargers' sum, 25 % during an afternoon peak 16-19 h."""
    share = 0.25 if 16 <= step_start.hour < 19 else 0.4
    return share * chargers * 11.0


@dataclass
class Outcome:
    """A day's metrics and its power traces (kW per step)."""

    name: str
    sessions: list[Session]
    site_kw: np.ndarray
    limit_kw: np.ndarray
    per_session_kw: np.ndarray
    solve_s: list[float]
    step_minutes: int
    #: Money spent on charging (price x kWh), and what the offline optimum delivers (kWh).
    cost: float
    offline_kwh: float

    def report(self) -> dict[str, float]:
        """ACN-Sim's headline metrics, the energy against the offline optimum, and the cost."""
        requested = sum(s.energy_kwh for s in self.sessions)
        delivered = sum(s.delivered_kwh for s in self.sessions)
        met = sum(s.delivered_kwh >= s.energy_kwh - 1e-3 for s in self.sessions)
        over = self.site_kw > self.limit_kw + 1e-6
        changes = [
            int((np.abs(np.diff(row[row_mask])) > 0.01).sum())
            for row, row_mask in zip(self.per_session_kw, self.per_session_kw >= 0, strict=True)
        ]
        return {
            "energy delivered %": 100 * delivered / requested,
            "delivered / offline optimum %": 100 * delivered / max(self.offline_kwh, 1e-9),
            "cost per kWh delivered": self.cost / max(delivered, 1e-9),
            "sessions fully met %": 100 * met / len(self.sessions),
            "peak kW": float(self.site_kw.max()),
            "peak / limit at that step %": float(
                100 * (self.site_kw / np.maximum(self.limit_kw, 1e-9)).max()
            ),
            "limit-violation minutes": float(over.sum() * self.step_minutes),
            "set-point changes per session": statistics.mean(changes),
            "median re-plan ms": 1000 * statistics.median(self.solve_s),
        }


def _evs(sessions: list[Session], present: list[int], now: datetime) -> list[EV]:
    """The EVs of the sessions `present` at `now`, each with what it still wants (kWh)."""
    return [
        EV(
            ev_id=sessions[index].ev_id,
            active=sessions[index].arrival <= now,
            min_power=sessions[index].min_kw,
            max_power=sessions[index].max_kw,
            arrival_time=sessions[index].arrival,
            departure_time=sessions[index].departure,
            energy=max(0.0, sessions[index].energy_kwh - sessions[index].delivered_kwh),
        )
        for index in present
    ]


def offline_optimum(chargers: int, seed: int, step_minutes: int) -> float:
    """Energy (kWh) the LP delivers over the whole day when every car is known in advance."""
    sessions = make_sessions(chargers, seed)
    resolution = timedelta(minutes=step_minutes)
    params = SchedulingParameters(
        resolution=resolution, horizon=timedelta(hours=24), solve_time_limit_s=600
    )
    limits = [site_limit(DAY_START + k * resolution, chargers) for k in range(params.steps)]
    evs = _evs(sessions, list(range(len(sessions))), DAY_START)
    result = PulpNumericalAlgorithm(evs, limits, DAY_START, params).calculate()
    return sum(result.energy_planned_kwh.values())


def simulate(
    algorithm_cls: type[Algorithm],
    *,
    chargers: int,
    seed: int,
    step_minutes: int,
    priced: bool,
    offline_kwh: float,
) -> Outcome:
    """Run the day with one algorithm, with the tariff or without."""
    sessions = make_sessions(chargers, seed)
    resolution = timedelta(minutes=step_minutes)
    params = SchedulingParameters(resolution=resolution, horizon=timedelta(hours=12))
    steps = int(timedelta(hours=24) / resolution)
    site = np.zeros(steps)
    limit = np.zeros(steps)
    per_session = np.full((len(sessions), steps), -1.0)  # -1: not plugged in
    solve_s = []
    cost = 0.0
    for step in range(steps):
        now = DAY_START + step * resolution
        limit[step] = site_limit(now, chargers)
        present = [i for i, s in enumerate(sessions) if s.arrival <= now < s.departure]
        evs = _evs(sessions, present, now)
        ahead = [now + k * resolution for k in range(params.steps)]
        limits = [site_limit(moment, chargers) for moment in ahead]
        prices = [tariff(moment) for moment in ahead] if priced else None
        started = time.perf_counter()
        algorithm_cls(evs, limits, now, params, prices).calculate()
        solve_s.append(time.perf_counter() - started)
        for index, ev in zip(present, evs, strict=True):
            kw = ev.power[0]
            sessions[index].delivered_kwh += kw * params.step_hours
            per_session[index, step] = kw
            site[step] += kw
            cost += tariff(now) * kw * params.step_hours
    return Outcome(
        name=f"{algorithm_cls.name}{' + tariff' if priced else ''}",
        sessions=sessions,
        site_kw=site,
        limit_kw=limit,
        per_session_kw=per_session,
        solve_s=solve_s,
        step_minutes=step_minutes,
        cost=cost,
        offline_kwh=offline_kwh,
    )


def plot(outcome: Outcome, path: str) -> None:
    """Site power against the limit, and each car's power, over the day."""
    hours = np.arange(outcome.site_kw.size) * outcome.step_minutes / 60
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
    top.step(hours, outcome.limit_kw, where="post", color="crimson", label="limit for EVs")
    top.step(hours, outcome.site_kw, where="post", color="black", label="EVs together")
    top.set_ylabel("kW")
    top.set_title(f"{outcome.name}: site power")
    top.legend(loc="upper right")
    for row in outcome.per_session_kw:
        shown = np.where(row >= 0, row, np.nan)
        bottom.step(hours, shown, where="post", linewidth=0.9)
    bottom.set_ylabel("kW per car")
    bottom.set_xlabel("hour of day (UTC)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    """Simulate the day with both algorithms; print the metrics and write the plots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chargers", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--step-minutes", type=int, default=5)
    args = parser.parse_args()
    out = REPO / "bench-results"
    out.mkdir(exist_ok=True)
    offline = offline_optimum(args.chargers, args.seed, args.step_minutes)
    outcomes = [
        simulate(
            cls,
            chargers=args.chargers,
            seed=args.seed,
            step_minutes=args.step_minutes,
            priced=priced,
            offline_kwh=offline,
        )
        for cls in (PulpNumericalAlgorithm, GoAlgorithm)
        for priced in (False, True)
    ]
    reports = [outcome.report() for outcome in outcomes]
    sessions = len(outcomes[0].sessions)
    print(
        f"{args.chargers} chargers, {sessions} sessions, one day in {args.step_minutes}-minute "
        f"steps, re-planned every step; offline optimum {offline:.1f} kWh"
    )
    print(f"| {'metric':<30} | " + " | ".join(f"{o.name:>32}" for o in outcomes) + " |")
    print(f"|{'-' * 32}|" + "|".join("-" * 34 for _ in outcomes) + "|")
    for metric in reports[0]:
        values = " | ".join(f"{report[metric]:32.3f}" for report in reports)
        print(f"| {metric:<30} | {values} |")
    for outcome in outcomes:
        path = out / f"simulation-{outcome.name.replace(' + ', '-')}.png"
        plot(outcome, str(path))
        print(f"plot: {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
