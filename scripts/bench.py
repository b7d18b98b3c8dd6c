"""Benchmark of the scheduling core against the published upstream Opti-VGI (not a test).

For each size it runs, on the same seeded scenarios: our `PulpNumericalAlgorithm` and
`GoAlgorithm` in this process (without Home Assistant), and upstream's `PulpNumericalAlgorithm`
(PuLP 3.3.2 + CBC 2.10.3) and `GoAlgorithm` from `optivgi==0.2.0` in `.venv-upstream` through
`scripts/upstream_reference.py`. Every schedule is judged by the same code: `ScheduleProblem`'s
hard constraints and energy figures. Run it with `scripts/bench` (`--help` for options).
"""

import argparse
import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Any

from bench_scenarios import Scenario, random_scenario
from core_import import REPO, register_core_packages
import numpy as np

register_core_packages()

from custom_components.optivgi.scm.algorithm import Algorithm  # noqa: E402
from custom_components.optivgi.scm.constants import SchedulingParameters  # noqa: E402
from custom_components.optivgi.scm.ev import EV, ChargingProfile  # noqa: E402
from custom_components.optivgi.scm.go_algorithm import GoAlgorithm  # noqa: E402
from custom_components.optivgi.scm.problem import ScheduleProblem  # noqa: E402
from custom_components.optivgi.scm.pulp_formulation import solve_with_pulp  # noqa: E402
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm  # noqa: E402
from custom_components.optivgi.scm_runner import scm_runner  # noqa: E402
from custom_components.optivgi.translation import Translation  # noqa: E402

UPSTREAM_PYTHON = REPO / ".venv-upstream" / "bin" / "python"
UPSTREAM_SCRIPT = REPO / "scripts" / "upstream_reference.py"
UPSTREAM_TIMEOUT_S = 600

#: (EVs, steps, step seconds): upstream's default grid, then 5-minute and 1-minute days.
SIZES = (
    *((n, 480, 60) for n in (1, 4, 10, 50, 100)),
    *((n, 288, 300) for n in (4, 50, 100)),
    *((n, 1440, 60) for n in (4, 50, 100)),
)


@dataclass
class Run:
    """One algorithm on one scenario: times (s), energy figures (kWh) and violations."""

    algorithm: str
    ok: bool
    build_s: float = float("nan")
    solve_s: float = float("nan")
    total_s: float = float("nan")
    delivered_pct: float = float("nan")
    min_fraction: float = float("nan")
    excess_kwh: float = float("nan")
    violations: tuple[str, ...] = ()
    peak_py_mem_mb: float = float("nan")
    status: str = ""


def evs_of(scenario: Scenario) -> list[EV]:
    """Our EVs for a scenario (kW, kWh)."""
    return [
        EV(
            ev_id=ev.ev_id,
            active=ev.arrival <= scenario.now,
            min_power=ev.min_kw,
            max_power=ev.max_kw,
            arrival_time=ev.arrival,
            departure_time=ev.departure,
            energy=ev.energy_kwh,
        )
        for ev in scenario.evs
    ]


def params_of(scenario: Scenario) -> SchedulingParameters:
    """The scenario's grid, with a time limit that never cuts a benchmark run short."""
    return SchedulingParameters(
        resolution=scenario.resolution,
        horizon=scenario.resolution * scenario.steps,
        solve_time_limit_s=600,
    )


def judge(scenario: Scenario, run: Run, power: np.ndarray) -> Run:
    """Fill in the energy figures and the violations of a schedule."""
    problem = ScheduleProblem.from_evs(
        evs_of(scenario), scenario.limit_kw, scenario.now, params_of(scenario)
    )
    requested = float(problem.energy_kwh.sum())
    delivered = problem.delivered_kwh(power)
    run.delivered_pct = 100 * problem.useful_kwh(power) / requested
    run.min_fraction = problem.min_fraction(power)
    run.excess_kwh = float(np.maximum(delivered - problem.energy_kwh, 0).sum())
    run.violations = tuple(problem.violations(power, tolerance=1e-4))
    return run


def run_ours(scenario: Scenario, algorithm_cls: type[Algorithm], *, measure_memory: bool) -> Run:
    """Our algorithm on a scenario, timed from construction to the filled EVs."""
    evs = evs_of(scenario)
    started = time.perf_counter()
    algorithm = algorithm_cls(evs, scenario.limit_kw, scenario.now, params_of(scenario))
    result = algorithm.calculate()
    total = time.perf_counter() - started
    run = Run(
        algorithm=f"ours {algorithm_cls.name}",
        ok=True,
        build_s=result.build_s,
        solve_s=result.solve_s,
        total_s=total,
        status=str(result.status),
    )
    if measure_memory:
        tracemalloc.start()
        algorithm_cls(
            evs_of(scenario), scenario.limit_kw, scenario.now, params_of(scenario)
        ).calculate()
        run.peak_py_mem_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return judge(scenario, run, np.array([ev.power for ev in evs]).reshape(len(evs), -1))


def run_pulp_model(scenario: Scenario) -> Run:
    """The same LP built through PuLP (the test oracle): what building through PuLP costs."""
    problem = ScheduleProblem.from_evs(
        evs_of(scenario), scenario.limit_kw, scenario.now, params_of(scenario)
    )
    started = time.perf_counter()
    solution = solve_with_pulp(problem, problem.open_cells(), np.zeros(problem.n_evs))
    run = Run(
        algorithm="ours via PuLP (no minimums)",
        ok=True,
        build_s=solution.build_s,
        solve_s=solution.solve_s,
        total_s=time.perf_counter() - started,
        status="relaxed",
    )
    return judge(scenario, run, solution.power)


def run_upstream(scenario: Scenario, *, measure_memory: bool) -> list[Run]:
    """Upstream's LP and heuristic on a scenario, in the upstream venv."""
    request = {
        **scenario.to_json(),
        "algorithms": ["PulpNumericalAlgorithm", "GoAlgorithm"],
        "measure_memory": measure_memory,
    }
    try:
        completed = subprocess.run(  # noqa: S603 - our own scripts, fixed arguments
            [str(UPSTREAM_PYTHON), str(UPSTREAM_SCRIPT)],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            check=True,
            timeout=UPSTREAM_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return [Run(algorithm="upstream (skipped: over 10 min)", ok=False)]
    runs = []
    for name, result in json.loads(completed.stdout)["results"].items():
        run = Run(algorithm=f"upstream {name}", ok=result["ok"], status=result["status"] or "")
        if not result["ok"]:
            run.status = result["error"]
            runs.append(run)
            continue
        run.build_s, run.solve_s, run.total_s = (
            result["build_s"],
            result["solve_s"],
            result["total_s"],
        )
        if result["peak_py_mem_bytes"] is not None:
            run.peak_py_mem_mb = result["peak_py_mem_bytes"] / 2**20
        runs.append(
            judge(scenario, run, np.array(result["power_kw"]).reshape(len(scenario.evs), -1))
        )
    return runs


class _MemoryTranslation(Translation):
    """A site held in memory, for timing whole `scm_runner` cycles."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.sent: dict[EV, ChargingProfile] = {}

    async def get_evs(self, group_name: str) -> tuple[list[EV], float | None]:
        del group_name
        return evs_of(self.scenario), None

    async def get_peak_power_demand(
        self, group_name: str, now: datetime, voltage: float | None = None
    ) -> list[float]:
        del group_name, now, voltage
        return list(self.scenario.limit_kw)

    async def send_power_to_evs(
        self, powers: dict[EV, ChargingProfile], unit: object = None
    ) -> None:
        del unit
        self.sent = powers


def time_runner_cycles(scenario: Scenario, repeats: int) -> list[float]:
    """Seconds per whole `scm_runner` cycle (inputs, solve in a thread, profiles, send)."""

    async def cycles() -> list[float]:
        translation = _MemoryTranslation(scenario)
        seconds = []
        for _ in range(repeats):
            started = time.perf_counter()
            report = await scm_runner(
                translation,
                PulpNumericalAlgorithm,
                asyncio.to_thread,
                params=params_of(scenario),
                now=scenario.now,
            )
            seconds.append(time.perf_counter() - started)
            assert report.sent, report.error
        return seconds

    return asyncio.run(cycles())


def median(values: list[float]) -> float:
    """Median, ignoring NaN (failed runs)."""
    clean = [value for value in values if value == value]  # noqa: PLR0124 - NaN check
    return statistics.median(clean) if clean else float("nan")


def summarise(size: str, runs: list[Run]) -> list[dict[str, Any]]:
    """One row per algorithm for a size: medians over its scenarios."""
    rows = []
    for name in dict.fromkeys(run.algorithm for run in runs):
        mine = [run for run in runs if run.algorithm == name]
        ok = [run for run in mine if run.ok]
        rows.append(
            {
                "size": size,
                "algorithm": name,
                "runs": f"{len(ok)}/{len(mine)}",
                "build_s": median([r.build_s for r in ok]),
                "solve_s": median([r.solve_s for r in ok]),
                "total_s": median([r.total_s for r in ok]),
                "delivered_pct": median([r.delivered_pct for r in ok]),
                "min_fraction": median([r.min_fraction for r in ok]),
                "excess_kwh": max([r.excess_kwh for r in ok], default=float("nan")),
                "violating": sum(bool(r.violations) for r in ok),
                "violations": sorted({v for r in ok for v in r.violations}),
                "peak_py_mem_mb": max(
                    [r.peak_py_mem_mb for r in ok if r.peak_py_mem_mb == r.peak_py_mem_mb],
                    default=float("nan"),
                ),
                "statuses": sorted({r.status for r in mine}),
            }
        )
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    """The table, one line per size and algorithm, with upstream/ours speed ratios."""
    header = (
        f"| {'size (EVs x steps x s)':<22} | {'algorithm':<34} | runs | build s | solve s | "
        "total s | upstream/ours | delivered % | min frac | excess kWh | violating | "
        "peak Py MB |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for row in rows:
        ratio = ""
        if row["algorithm"].startswith("ours ") and "PuLP" not in row["algorithm"]:
            kind = row["algorithm"].removeprefix("ours ")
            upstream = [
                r for r in rows if r["size"] == row["size"] and r["algorithm"] == f"upstream {kind}"
            ]
            if upstream and upstream[0]["total_s"] == upstream[0]["total_s"]:
                ratio = f"{upstream[0]['total_s'] / row['total_s']:.1f}x"
        print(
            f"| {row['size']:<22} | {row['algorithm']:<34} | {row['runs']:>4} | "
            f"{row['build_s']:7.3f} | {row['solve_s']:7.3f} | {row['total_s']:7.3f} | "
            f"{ratio:>13} | {row['delivered_pct']:11.2f} | {row['min_fraction']:8.4f} | "
            f"{row['excess_kwh']:10.3f} | {row['violating']:>9} | {row['peak_py_mem_mb']:10.1f} |"
        )


def main() -> None:
    """Run the benchmark and print its table; write the figures to bench-results/."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3, help="scenarios per size (default 3)")
    parser.add_argument("--no-upstream", action="store_true", help="skip the reference")
    parser.add_argument(
        "--sizes", help="comma-separated N:steps:seconds, e.g. 50:480:60 (default: all)"
    )
    args = parser.parse_args()
    sizes = SIZES
    if args.sizes:
        sizes = tuple(tuple(int(v) for v in s.split(":")) for s in args.sizes.split(","))  # type: ignore[misc]

    rows: list[dict[str, Any]] = []
    for n_evs, steps, seconds in sizes:
        runs: list[Run] = []
        for seed in range(args.seeds):
            scenario = random_scenario(n_evs, steps, timedelta(seconds=seconds), seed)
            first = seed == 0  # memory is measured on one scenario per size
            runs.append(run_ours(scenario, PulpNumericalAlgorithm, measure_memory=first))
            runs.append(run_ours(scenario, GoAlgorithm, measure_memory=first))
            if n_evs * steps <= 50 * 480:
                runs.append(run_pulp_model(scenario))
            if not args.no_upstream:
                runs.extend(run_upstream(scenario, measure_memory=first))
        size = f"{n_evs} x {steps} x {seconds}"
        rows.extend(summarise(size, runs))
        print(f"done {size}", file=sys.stderr, flush=True)

    print_table(rows)
    print()
    home = random_scenario(4, 288, timedelta(minutes=5), 0)
    cycles = time_runner_cycles(home, 30)
    print(
        f"scm_runner cycle, 4 EVs x 288 five-minute steps, LP, 30 cycles: "
        f"median {1000 * statistics.median(cycles):.1f} ms, max {1000 * max(cycles):.1f} ms"
    )
    for row in rows:
        if row["violations"]:
            print(f"violations {row['size']} {row['algorithm']}: {', '.join(row['violations'])}")
    out = REPO / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(
        json.dumps({"rows": rows, "runner_cycle_s": cycles}, indent=1, default=str)
    )
    print(f"figures: {out.relative_to(REPO) / 'bench.json'}")


if __name__ == "__main__":
    main()
