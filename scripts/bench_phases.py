"""What per-phase fuses cost the LP: home sizes with and without their phase limits (not a test).

For each size and seed of the `phases` and `phase-minimums` families (`bench_scenarios.py`), the
same site is solved twice by `PulpNumericalAlgorithm`: with its per-phase limits, and without
them (the kW limit only). It prints the median time of a whole `calculate()` (construction
included, `--repeats` cold runs per site) and of the relaxed LP alone (`solve_stages` without
minimums: the stages' cost of the phase rows), the energy delivered, and how many kW-only
schedules would overload a phase. The per-phase site is often the more congested one, so with
minimums its repair may need the mixed-integer model where the kW-only site needs none.
Run it with `.venv/bin/python scripts/bench_phases.py` (`--help`).
"""

import argparse
from dataclasses import replace
from datetime import timedelta
import statistics
import time

from bench import algorithm_of, evs_of, problem_of
from bench_scenarios import FAMILIES, Scenario
from core_import import register_core_packages
import numpy as np

register_core_packages()

from custom_components.optivgi.scm.linear_program import solve_stages  # noqa: E402
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm  # noqa: E402

#: (EVs, steps, step seconds): the home case and a 10-charger site, five-minute days.
SIZES = ((4, 288, 300), (10, 288, 300))


def solve(scenario: Scenario, repeats: int) -> tuple[float, np.ndarray, str]:
    """Median seconds of `repeats` cold runs, the schedule (kW) and the last status."""
    seconds, power, status = [], np.zeros(0), ""
    for _ in range(repeats):
        evs = evs_of(scenario)
        started = time.perf_counter()
        algorithm = algorithm_of(PulpNumericalAlgorithm, scenario, evs)
        result = algorithm.calculate()
        seconds.append(time.perf_counter() - started)
        power, status = np.array([ev.power for ev in evs]).reshape(len(evs), -1), result.status
    return statistics.median(seconds), power, str(status)


def relaxed(scenario: Scenario, repeats: int) -> float:
    """Median seconds of the relaxed LP's stages (no minimums) over `repeats` cold solves."""
    problem = problem_of(scenario)
    cells, zeros = problem.open_cells(), np.zeros(problem.n_evs)
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        solve_stages(problem, cells, zeros, 600)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    """Print one line per family and size: median ms with and without the phase limits."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3, help="sites per size (default 3)")
    parser.add_argument("--repeats", type=int, default=5, help="cold runs per site (default 5)")
    args = parser.parse_args()
    for family in ("phases", "phase-minimums"):
        for n_evs, steps, seconds in SIZES:
            with_ms, without_ms, overloads, kwh = [], [], 0, [0.0, 0.0]
            lp_ms: tuple[list[float], list[float]] = ([], [])
            statuses: set[str] = set()
            for seed in range(args.seeds):
                scenario = FAMILIES[family](n_evs, steps, timedelta(seconds=seconds), seed)
                judge = problem_of(scenario)
                phased, power, status = solve(scenario, args.repeats)
                assert judge.violations(power, tolerance=1e-4) == [], scenario.name
                plain, kw_only, _ = solve(replace(scenario, phase_limits_a=None), args.repeats)
                with_ms.append(1000 * phased)
                without_ms.append(1000 * plain)
                overloads += bool(judge.violations(kw_only, tolerance=1e-4))
                kwh[0] += judge.useful_kwh(power)
                kwh[1] += judge.useful_kwh(kw_only)
                statuses.add(status)
                lp_ms[0].append(1000 * relaxed(scenario, args.repeats))
                lp_ms[1].append(
                    1000 * relaxed(replace(scenario, phase_limits_a=None), args.repeats)
                )
            print(
                f"{family} {n_evs} x {steps}: median with phase limits "
                f"{statistics.median(with_ms):.1f} ms, without {statistics.median(without_ms):.1f}"
                f" ms (per site: {' '.join(f'{v:.0f}' for v in with_ms)} against "
                f"{' '.join(f'{v:.0f}' for v in without_ms)}); kW-only overloads a phase on "
                f"{overloads}/{args.seeds} sites; {kwh[0]:.1f} kWh phase-safe against "
                f"{kwh[1]:.1f} kWh kW-only; statuses {sorted(statuses)}"
            )
            print(
                f"{family} {n_evs} x {steps}: relaxed LP median with phase limits "
                f"{statistics.median(lp_ms[0]):.1f} ms, "
                f"without {statistics.median(lp_ms[1]):.1f} ms"
            )


if __name__ == "__main__":
    main()
