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

The PV day (on a smaller site, `--pv-chargers`, where the sun matters) adds a bell-shaped PV
surplus (peak `--pv-peak-kw`, 10-16 h UTC) to the limit and runs each algorithm planned with the
surplus forecast and the tariff, with the tariff only, with neither, and with the forecast only;
the linear program also runs it with the forecast and the tariff but no room kept for arriving
cars (the chargers without a car are not counted: the site switch of that name turned off).
Every run pays the same bill: grid energy at the tariff, energy from the surplus at the feed-in
price (the export it replaces). Inputs: `simulate_day.py`.
Run it with `scripts/simulate` (`--help` for options).
"""

import argparse
from dataclasses import dataclass
from datetime import datetime, timedelta
import statistics
import time

import matplotlib as mpl

mpl.use("Agg")
from core_import import REPO, register_core_packages
import matplotlib.pyplot as plt
import numpy as np

register_core_packages()

from simulate_day import (  # noqa: E402
    CHARGER_KW,
    DAY_START,
    FEED_IN_PRICE,
    PV_PEAK_KW,
    Session,
    bill,
    make_sessions,
    pv_surplus,
    site_limit,
    tariff,
)

from custom_components.optivgi.scm.algorithm import Algorithm  # noqa: E402
from custom_components.optivgi.scm.constants import SchedulingParameters  # noqa: E402
from custom_components.optivgi.scm.ev import EV  # noqa: E402
from custom_components.optivgi.scm.go_algorithm import GoAlgorithm  # noqa: E402
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm  # noqa: E402
from custom_components.optivgi.scm.warm import WarmStart  # noqa: E402


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
    #: Money spent on charging (`bill`), and what the offline optimum delivers (kWh).
    cost: float
    offline_kwh: float
    #: EV energy that came from the PV surplus (kWh).
    solar_kwh: float = 0.0

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
            "cost": self.cost,
            "EV energy from PV surplus %": 100 * self.solar_kwh / max(delivered, 1e-9),
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


def limit_kw(moment: datetime, chargers: int, pv_peak_kw: float) -> float:
    """The budget for cars (kW): the import limit plus the PV surplus, as the caller gives it."""
    return site_limit(moment, chargers) + pv_surplus(moment, pv_peak_kw)


def offline_optimum(chargers: int, seed: int, step_minutes: int, pv_peak_kw: float = 0.0) -> float:
    """Energy (kWh) the LP delivers over the whole day when every car is known in advance."""
    sessions = make_sessions(chargers, seed)
    resolution = timedelta(minutes=step_minutes)
    params = SchedulingParameters(
        resolution=resolution, horizon=timedelta(hours=24), solve_time_limit_s=600
    )
    moments = [DAY_START + k * resolution for k in range(params.steps)]
    limits = [limit_kw(moment, chargers, pv_peak_kw) for moment in moments]
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
    pv_peak_kw: float = 0.0,
    forecast: bool = False,
    feed_in: float = FEED_IN_PRICE,
    room_for_arrivals: bool = True,
) -> Outcome:
    """Run the day with one algorithm, with the tariff or without, and the PV forecast or not.

    `room_for_arrivals`: each cycle counts the chargers without a car (`idle_kw`), as the
    integration does while its *Keep room for arriving cars* switch is on.
    """
    sessions = make_sessions(chargers, seed)
    resolution = timedelta(minutes=step_minutes)
    params = SchedulingParameters(resolution=resolution, horizon=timedelta(hours=12))
    steps = int(timedelta(hours=24) / resolution)
    site = np.zeros(steps)
    limit = np.zeros(steps)
    per_session = np.full((len(sessions), steps), -1.0)  # -1: not plugged in
    solve_s = []
    cost = solar_kwh = 0.0
    warm = WarmStart()  # one per site, as the integration keeps it
    for step in range(steps):
        now = DAY_START + step * resolution
        limit[step] = limit_kw(now, chargers, pv_peak_kw)
        present = [i for i, s in enumerate(sessions) if s.arrival <= now < s.departure]
        evs = _evs(sessions, present, now)
        ahead = [now + k * resolution for k in range(params.steps)]
        limits = [limit_kw(moment, chargers, pv_peak_kw) for moment in ahead]
        prices = [tariff(moment) for moment in ahead] if priced else None
        surplus = [pv_surplus(moment, pv_peak_kw) for moment in ahead] if forecast else None
        # The chargers without a car, as the integration's switch counts them (each session's
        # id starts with its charger's).
        busy = {sessions[index].ev_id.split("-")[0] for index in present}
        idle_kw = CHARGER_KW * (chargers - len(busy)) if room_for_arrivals else 0.0
        started = time.perf_counter()
        algorithm_cls(
            evs,
            limits,
            now,
            params,
            prices,
            surplus_kw=surplus,
            feed_in_price=feed_in,
            warm=warm,
            idle_kw=idle_kw,
        ).calculate()
        solve_s.append(time.perf_counter() - started)
        for index, ev in zip(present, evs, strict=True):
            kw = ev.power[0]
            sessions[index].delivered_kwh += kw * params.step_hours
            per_session[index, step] = kw
            site[step] += kw
        sun = pv_surplus(now, pv_peak_kw)
        cost += bill(site[step], sun, tariff(now), feed_in, params.step_hours)
        solar_kwh += min(site[step], sun) * params.step_hours
    short = algorithm_cls.name.removesuffix("Algorithm").replace("PulpNumerical", "LP")
    return Outcome(
        name=f"{short}{' + tariff' if priced else ''}{' + PV forecast' if forecast else ''}"
        f"{' (no room kept)' if priced and not room_for_arrivals else ''}",
        sessions=sessions,
        site_kw=site,
        limit_kw=limit,
        per_session_kw=per_session,
        solve_s=solve_s,
        step_minutes=step_minutes,
        cost=cost,
        offline_kwh=offline_kwh,
        solar_kwh=solar_kwh,
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


def table(title: str, outcomes: list[Outcome]) -> None:
    """Print the outcomes' metrics side by side, as a Markdown table."""
    reports = [outcome.report() for outcome in outcomes]
    print(title)
    print(f"| {'metric':<30} | " + " | ".join(f"{o.name:>22}" for o in outcomes) + " |")
    print(f"|{'-' * 32}|" + "|".join("-" * 24 for _ in outcomes) + "|")
    for metric in reports[0]:
        values = " | ".join(f"{report[metric]:22.3f}" for report in reports)
        print(f"| {metric:<30} | {values} |")


def main() -> None:
    """Simulate the day (and the PV day) with both algorithms; print the metrics, plot."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chargers", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--step-minutes", type=int, default=5)
    parser.add_argument("--pv-peak-kw", type=float, default=PV_PEAK_KW, help="0: no PV day")
    parser.add_argument("--pv-chargers", type=int, default=4, help="chargers on the PV day")
    parser.add_argument("--feed-in", type=float, default=FEED_IN_PRICE, help="per kWh")
    args = parser.parse_args()
    out = REPO / "bench-results"
    out.mkdir(exist_ok=True)
    day = {"chargers": args.chargers, "seed": args.seed, "step_minutes": args.step_minutes}
    algorithms = (PulpNumericalAlgorithm, GoAlgorithm)
    offline = offline_optimum(args.chargers, args.seed, args.step_minutes)
    outcomes = [
        simulate(cls, **day, priced=priced, offline_kwh=offline)
        for cls in algorithms
        for priced in (False, True)
    ]
    sessions = len(outcomes[0].sessions)
    table(
        f"{args.chargers} chargers, {sessions} sessions, one day in {args.step_minutes}-minute "
        f"steps, re-planned every step; offline optimum {offline:.1f} kWh",
        outcomes,
    )
    for outcome in outcomes:
        path = out / f"simulation-{outcome.name.replace(' + ', '-')}.png"
        plot(outcome, str(path))
        print(f"plot: {path.relative_to(REPO)}")
    if args.pv_peak_kw <= 0:
        return
    day["chargers"] = args.pv_chargers
    pv = {"pv_peak_kw": args.pv_peak_kw, "feed_in": args.feed_in}
    offline = offline_optimum(args.pv_chargers, args.seed, args.step_minutes, args.pv_peak_kw)
    sunny = [
        simulate(cls, **day, **pv, priced=priced, forecast=forecast, offline_kwh=offline)
        for cls in algorithms
        for priced, forecast in ((True, True), (True, False), (False, False), (False, True))
    ]
    # What the room kept for arriving cars is worth: the same day without it.
    sunny.append(
        simulate(
            PulpNumericalAlgorithm,
            **day,
            **pv,
            priced=True,
            forecast=True,
            offline_kwh=offline,
            room_for_arrivals=False,
        )
    )
    print()
    table(
        f"PV day: {args.pv_chargers} chargers, {len(sunny[0].sessions)} sessions, PV surplus up "
        f"to {args.pv_peak_kw:g} kW 10-16 h UTC on top of the limit, feed-in {args.feed_in:g} "
        f"per kWh; offline optimum {offline:.1f} kWh",
        sunny,
    )
    path = out / "simulation-PV-LP-tariff-PV-forecast.png"
    plot(sunny[0], str(path))
    print(f"plot: {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
