"""Run the published upstream optivgi algorithms on one scenario: the benchmark's reference.

Run it inside ``.venv-upstream`` (made by ``scripts/upstream_venv``), never the main ``.venv``::

    .venv-upstream/bin/python scripts/upstream_reference.py < scenario.json

It reads one scenario as JSON on stdin and writes one JSON object on stdout::

    {"results": {"<algorithm>": {"ok": true, "error": null, "status": "Optimal",
        "build_s": 0.0, "solve_s": 0.0, "total_s": 0.0, "peak_py_mem_bytes": 0,
        "power_kw": [[...one float per step...], ...one list per EV in input order...]}}}

Upstream keeps its horizon in class attributes of ``AlgorithmConstants`` and every upstream
module reads them through the class at call time, so they are set here before any upstream
object is built. Nothing from this repository is imported; upstream is only imported at run
time. Each algorithm runs twice on fresh EVs: once timed, with ``tracemalloc`` off (at 50 EVs
it made the LP 1.7 times and GoAlgorithm 9 times slower), and once under ``tracemalloc`` for
``peak_py_mem_bytes``, which counts Python allocations only (not the CBC subprocess).
An exception raised by upstream is reported in that algorithm's result (``ok: false``), not
hidden and not fatal.
"""

from collections.abc import Callable, Iterator
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import functools
import json
import logging
import sys
import time
import tracemalloc
from typing import NotRequired, TypedDict

from optivgi.scm.algorithm import Algorithm
from optivgi.scm.constants import AlgorithmConstants
from optivgi.scm.ev import EV, ChargingRateUnit
from optivgi.scm.go_algorithm import GoAlgorithm
from optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm
import pulp

ALGORITHMS: dict[str, type[Algorithm]] = {
    "PulpNumericalAlgorithm": PulpNumericalAlgorithm,
    "GoAlgorithm": GoAlgorithm,
}
"""The upstream algorithms this script can run, by the name the scenario uses."""

LP_ALGORITHMS = frozenset({"PulpNumericalAlgorithm"})
"""Algorithms that build a PuLP problem and solve it; the others have no separate build phase."""

SECONDS_PER_HOUR = 3600.0
"""Converts a step length in seconds to hours (upstream's POWER_ENERGY_FACTOR)."""


class EVSpec(TypedDict):
    """One EV of the scenario, as read from the input JSON."""

    id: str
    arrival: str
    departure: str
    energy_kwh: float
    min_kw: float
    max_kw: float


class Scenario(TypedDict):
    """The scenario read from stdin."""

    resolution_s: float
    steps: int
    now: str
    algorithms: list[str]
    limit_kw: list[float]
    evs: list[EVSpec]
    measure_memory: NotRequired[bool]
    """False skips the second, traced run (it doubles the time of the largest scenarios)."""


class AlgorithmResult(TypedDict):
    """What one algorithm produced on the scenario; numbers and power are None on failure."""

    ok: bool
    error: str | None
    status: str | None
    build_s: float | None
    solve_s: float | None
    total_s: float | None
    peak_py_mem_bytes: int | None
    power_kw: list[list[float]] | None


@dataclass
class SolveProbe:
    """What the timing wrapper around ``pulp.LpProblem.solve`` saw during one run."""

    first_start: float | None = None
    """``time.perf_counter()`` when the first solve began, or None if nothing was solved."""
    seconds: float = 0.0
    """Wall time spent inside ``LpProblem.solve`` (summed if it were called more than once)."""
    problems: list[pulp.LpProblem] = field(default_factory=list)
    """The problems solved, in order; upstream solves exactly one."""


@contextlib.contextmanager
def probe_lp_solve() -> Iterator[SolveProbe]:
    """Time every ``pulp.LpProblem.solve`` call and keep its problem, restoring it on exit.

    Yields:
        The probe that the wrapped ``solve`` fills in.
    """
    probe = SolveProbe()
    original: Callable[..., object] = pulp.LpProblem.solve

    @functools.wraps(original)
    def timed_solve(problem: pulp.LpProblem, *args: object, **kwargs: object) -> object:
        """Call the original ``solve`` and record its wall time and its problem."""
        start = time.perf_counter()
        if probe.first_start is None:
            probe.first_start = start
        probe.problems.append(problem)
        try:
            return original(problem, *args, **kwargs)
        finally:
            probe.seconds += time.perf_counter() - start

    pulp.LpProblem.solve = timed_solve
    try:
        yield probe
    finally:
        pulp.LpProblem.solve = original


def configure_horizon(resolution_s: float, steps: int) -> None:
    """Set upstream's horizon constants, which its modules read from the class at call time.

    Args:
        resolution_s: Length of one step in seconds.
        steps: Number of steps in the horizon.
    """
    resolution = timedelta(seconds=resolution_s)
    AlgorithmConstants.RESOLUTION = resolution
    AlgorithmConstants.RUNTIME = resolution * steps
    AlgorithmConstants.TIMESTEPS = steps
    AlgorithmConstants.POWER_ENERGY_FACTOR = resolution_s / SECONDS_PER_HOUR


def build_evs(specs: list[EVSpec]) -> list[EV]:
    """Build fresh upstream EVs, identified by their index in the scenario.

    Upstream's unit ``W`` means kW inside the algorithms, so the figures pass unchanged.

    Args:
        specs: The scenario's EVs.

    Returns:
        One active upstream EV per spec, in input order, with an all-zero power list.
    """
    return [
        EV(
            ev_id=index,
            active=True,
            station_id=index,
            connector_id=index,
            min_power=float(spec["min_kw"]),
            max_power=float(spec["max_kw"]),
            arrival_time=datetime.fromisoformat(spec["arrival"]),
            departure_time=datetime.fromisoformat(spec["departure"]),
            energy=float(spec["energy_kwh"]),
            unit=ChargingRateUnit.W,
        )
        for index, spec in enumerate(specs)
    ]


def failed(exc: Exception) -> AlgorithmResult:
    """Report an exception raised by upstream.

    Args:
        exc: The exception.

    Returns:
        A result with ``ok`` false, the exception as ``"<type>: <message>"`` and no figures.
    """
    return AlgorithmResult(
        ok=False,
        error=f"{type(exc).__name__}: {exc}",
        status=None,
        build_s=None,
        solve_s=None,
        total_s=None,
        peak_py_mem_bytes=None,
        power_kw=None,
    )


def peak_python_memory(algorithm_cls: type[Algorithm], scenario: Scenario, now: datetime) -> int:
    """Run the algorithm once more on fresh EVs under ``tracemalloc``.

    Args:
        algorithm_cls: The upstream algorithm class.
        scenario: The scenario.
        now: The start of the horizon.

    Returns:
        The peak of traced Python allocations during construction and ``calculate()``, in bytes.
    """
    evs = build_evs(scenario["evs"])
    tracemalloc.start()
    try:
        algorithm_cls(evs, list(scenario["limit_kw"]), now).calculate()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def run_algorithm(name: str, scenario: Scenario, now: datetime) -> AlgorithmResult:
    """Run one upstream algorithm on the scenario, timed, then again for its memory peak.

    ``total_s`` covers construction and ``calculate()``. For the LP, ``build_s`` runs from
    the start to the entry of ``LpProblem.solve`` and ``solve_s`` is the time inside it
    (writing the model, CBC, reading the solution); the rest of ``total_s`` is upstream
    copying the solution into the EVs. Other algorithms have ``build_s`` 0 and ``solve_s``
    equal to ``total_s``.

    Args:
        name: The algorithm's name, a key of ``ALGORITHMS``.
        scenario: The scenario.
        now: The start of the horizon.

    Returns:
        The algorithm's result; a failure result if upstream raised.

    Raises:
        RuntimeError: If the LP algorithm returned without solving (this script's assumption
            about upstream broke, so no figures can be trusted).
    """
    algorithm_cls = ALGORITHMS[name]
    evs = build_evs(scenario["evs"])
    limit = list(scenario["limit_kw"])
    try:
        with probe_lp_solve() as probe:
            start = time.perf_counter()
            algorithm_cls(evs, limit, now).calculate()
            total_s = time.perf_counter() - start
        peak = (
            peak_python_memory(algorithm_cls, scenario, now)
            if scenario.get("measure_memory", True)
            else None
        )
    except Exception as exc:  # noqa: BLE001 - an upstream failure is a result to report
        return failed(exc)
    status: str | None = None
    if name in LP_ALGORITHMS:
        if probe.first_start is None:
            msg = f"{name} finished without calling LpProblem.solve"
            raise RuntimeError(msg)
        build_s = probe.first_start - start
        solve_s = probe.seconds
        status = pulp.LpStatus[probe.problems[-1].status]
    else:
        build_s, solve_s = 0.0, total_s
    return AlgorithmResult(
        ok=True,
        error=None,
        status=status,
        build_s=build_s,
        solve_s=solve_s,
        total_s=total_s,
        peak_py_mem_bytes=peak,
        power_kw=[[0.0 if p is None else float(p) for p in ev.power] for ev in evs],
    )


def validate(scenario: Scenario) -> None:
    """Reject a scenario this script cannot run, before any algorithm starts.

    Args:
        scenario: The scenario read from stdin.

    Raises:
        ValueError: If the limit does not cover the horizon or an algorithm is unknown.
    """
    if len(scenario["limit_kw"]) != scenario["steps"]:
        msg = f"limit_kw has {len(scenario['limit_kw'])} values for {scenario['steps']} steps"
        raise ValueError(msg)
    unknown = [name for name in scenario["algorithms"] if name not in ALGORITHMS]
    if unknown:
        msg = f"unknown algorithms {unknown}; known: {sorted(ALGORITHMS)}"
        raise ValueError(msg)


def main() -> None:
    """Read the scenario on stdin, run the requested algorithms and print the results."""
    logging.basicConfig(level=logging.CRITICAL)
    scenario: Scenario = json.load(sys.stdin)
    validate(scenario)
    configure_horizon(float(scenario["resolution_s"]), int(scenario["steps"]))
    now = datetime.fromisoformat(scenario["now"])
    results = {name: run_algorithm(name, scenario, now) for name in scenario["algorithms"]}
    json.dump({"results": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
