"""How steady the plans are, and how close GoAlgorithm comes to the LP (not a test).

Two tables, on the seeded families of `bench_scenarios.py`:

- **Stability.** Each 4-EV site (288 five-minute steps) is planned 12 times at the same moment,
  each time with a fresh draw of +-10 % noise on its limit, with one `WarmStart` (the closed
  loop's last plan). It counts the first-step set-points that move by more than 0.5 kW from one
  plan to the next, as a share of all set-points, and how many of those moves the limit forced:
  when the first step's limit binds and its noise moves the planned total by more than 0.5 kW,
  at least one set-point must follow. With the noise on the forecast only (steps after the
  first: the limit now is measured), no move is forced.
- **GoAlgorithm against the LP.** Per family: GoAlgorithm's smallest delivered fraction and
  energy as a share of the LP's (median and worst site), its cost per kWh as a share of the
  LP's (with prices), and the sites where it breaks a hard constraint.

Run it with `.venv/bin/python scripts/bench_quality.py` (`--help`).
"""

import argparse
from dataclasses import dataclass
from datetime import timedelta
import statistics

from bench import algorithm_of, evs_of, params_of, problem_of
from bench_scenarios import FAMILIES, Scenario
from core_import import register_core_packages
import numpy as np

register_core_packages()

from custom_components.optivgi.scm.go_algorithm import GoAlgorithm  # noqa: E402
from custom_components.optivgi.scm.minimums import Score  # noqa: E402
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm  # noqa: E402
from custom_components.optivgi.scm.warm import WarmStart  # noqa: E402

FIVE_MINUTES = timedelta(minutes=5)
#: A set-point that changes by more than this (kW) has moved: about 1 A on three phases.
MOVE_KW = 0.5
STABILITY_FAMILIES = ("base", "house", "pv", "prices", "minimums")
#: (EVs, steps, step seconds, seeds) of the GoAlgorithm table: a 10-charger site, and 50 EVs.
GO_SIZES = ((10, 288, 300, 6), (50, 480, 60, 3))


@dataclass
class Moves:
    """First-step set-points compared, moved, and moves the limit forced."""

    compared: int = 0
    moved: int = 0
    forced: int = 0


def replans(scenario: Scenario, seed: int, cycles: int, *, forecast_only: bool) -> Moves:
    """Plan `scenario` `cycles` times with fresh noise on its limit; count the moves."""
    params = params_of(scenario)
    noise = np.random.default_rng(1000 + seed)
    warm = WarmStart()
    moves = Moves()
    last: np.ndarray | None = None
    for _ in range(cycles):
        evs = evs_of(scenario)
        factor = noise.uniform(0.9, 1.1, scenario.steps)
        if forecast_only:
            factor[0] = 1.0
        limit = (np.asarray(scenario.limit_kw) * factor).tolist()
        PulpNumericalAlgorithm(
            evs, limit, scenario.now, params, scenario.prices, warm=warm
        ).calculate()
        first = np.array([ev.power[0] if ev.power else 0.0 for ev in evs])
        if last is not None:
            moves.compared += first.size
            moves.moved += int((np.abs(first - last) > MOVE_KW).sum())
            moves.forced += int(abs(first.sum() - last.sum()) > MOVE_KW)
        last = first
    return moves


def print_stability(seeds: int, cycles: int) -> None:
    """The stability table: per family, with noise on every step and on the forecast only."""
    print(f"Stability: 4 EVs x 288, {seeds} sites, {cycles} plans each, +-10 % limit noise")
    print("family     | noise on    | moved % | forced % | beyond forced %")
    for family in STABILITY_FAMILIES:
        for forecast_only in (False, True):
            total = Moves()
            for seed in range(seeds):
                site = FAMILIES[family](4, 288, FIVE_MINUTES, seed)
                moves = replans(site, seed, cycles, forecast_only=forecast_only)
                total.compared += moves.compared
                total.moved += moves.moved
                total.forced += moves.forced
            share = 100 / max(total.compared, 1)
            where = "forecast" if forecast_only else "every step"
            print(
                f"{family:10} | {where:11} | {share * total.moved:7.1f} | "
                f"{share * total.forced:8.1f} | {share * (total.moved - total.forced):15.1f}"
            )


def _ratio(ours: float, reference: float) -> float:
    """`ours / reference`, 1 when the reference is (about) zero and ours is not below it."""
    if reference > 1e-9:
        return ours / reference
    return 1.0 + ours - reference


def go_against_lp(family: str, n_evs: int, steps: int, seconds: int, seeds: int) -> str:
    """One line: GoAlgorithm's fraction, energy and cost per kWh against the LP's, over sites."""
    fractions, energies, costs, violating = [], [], [], 0
    for seed in range(seeds):
        scenario = FAMILIES[family](n_evs, steps, timedelta(seconds=seconds), seed)
        problem = problem_of(scenario)
        scores = {}
        for algorithm in (PulpNumericalAlgorithm, GoAlgorithm):
            evs = evs_of(scenario)
            algorithm_of(algorithm, scenario, evs).calculate()
            power = np.array([ev.power for ev in evs])
            scores[algorithm] = Score.of(problem, power)
            if algorithm is GoAlgorithm:
                violating += bool(problem.violations(power))
        lp, go = scores[PulpNumericalAlgorithm], scores[GoAlgorithm]
        fractions.append(_ratio(go.min_fraction, lp.min_fraction))
        energies.append(_ratio(go.energy_kwh, lp.energy_kwh))
        if scenario.prices is not None and lp.energy_kwh > 1e-9 and go.energy_kwh > 1e-9:
            # Per kWh, so that less energy does not count as cheaper.
            costs.append(_ratio(go.cost / go.energy_kwh, lp.cost / lp.energy_kwh))
    line = (
        f"{family:14} | {n_evs:>3} x {steps:<4} | "
        f"{100 * statistics.median(fractions):6.1f} {100 * min(fractions):6.1f} | "
        f"{100 * statistics.median(energies):6.1f} {100 * min(energies):6.1f} | "
    )
    line += f"{100 * statistics.median(costs):6.1f} {100 * max(costs):6.1f}" if costs else " " * 13
    return f"{line} | {violating}"


def print_go(families: list[str]) -> None:
    """The GoAlgorithm table, every family at each of `GO_SIZES`."""
    print("GoAlgorithm / LP, % (median, worst site); cost per kWh with prices")
    print("family         | size       | fraction      | energy        | cost/kWh      | broken")
    for n_evs, steps, seconds, seeds in GO_SIZES:
        for family in families:
            print(go_against_lp(family, n_evs, steps, seconds, seeds), flush=True)


def main() -> None:
    """Both tables (or one of them)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6, help="sites per stability family")
    parser.add_argument("--cycles", type=int, default=12, help="plans per stability site")
    parser.add_argument(
        "--families", default=",".join(FAMILIES), help="comma-separated, for the GoAlgorithm table"
    )
    parser.add_argument("--only", choices=("stability", "go"), help="print one table only")
    args = parser.parse_args()
    if args.only != "go":
        print_stability(args.seeds, args.cycles)
        print()
    if args.only != "stability":
        print_go(args.families.split(","))


if __name__ == "__main__":
    main()
