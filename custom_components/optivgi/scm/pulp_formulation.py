"""The charging LP written plainly in PuLP, one variable per EV and step: the reference model.

`linear_program.py` builds the same stages from arrays for speed; tests check that both reach the
same optima, and the benchmark times this one to show what building through PuLP costs.
"""

from dataclasses import dataclass
import time

import numpy as np
from numpy.typing import NDArray
import pulp

from .linear_program import STAGE_SLACK, StageOptima, step_costs
from .problem import FloatArray, ScheduleProblem


class PulpFormulationError(RuntimeError):
    """PuLP's solver did not report an optimal solution."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PulpSolution:
    """The optima of the three stages, the schedule (kW) and the seconds spent."""

    optima: StageOptima
    power: FloatArray
    build_s: float
    solve_s: float


def solve_with_pulp(
    problem: ScheduleProblem, cells: NDArray[np.bool_], lower_kw: FloatArray
) -> PulpSolution:
    """Solve fairness, then energy, then cost or lateness, each holding the one before."""
    started = time.perf_counter()
    dt = problem.step_hours
    model = pulp.LpProblem("charging", pulp.LpMaximize)
    upper = np.minimum(problem.max_kw, problem.energy_kwh / dt)
    x = {
        (i, t): model.add_variable(
            f"x_{i}_{t}", lowBound=min(lower_kw[i], upper[i]), upBound=upper[i]
        )
        for i, t in zip(*np.nonzero(cells), strict=True)
    }
    phi = model.add_variable("phi", lowBound=0, upBound=1)
    by_ev: dict[int, list[pulp.LpVariable]] = {}
    by_step: dict[int, list[pulp.LpVariable]] = {}
    for (i, t), var in x.items():
        by_ev.setdefault(i, []).append(var)
        by_step.setdefault(t, []).append(var)
    delivered = {i: pulp.lpSum(by_ev.get(i, [])) * dt for i in range(problem.n_evs)}
    for t, present in by_step.items():
        model += pulp.lpSum(present) <= problem.limit_kw[t], f"site_{t}"
    fair = [i for i in range(problem.n_evs) if problem.energy_kwh[i] > 0 and cells[i].any()]
    for i in range(problem.n_evs):
        if cells[i].any():
            model += delivered[i] <= problem.energy_kwh[i], f"energy_{i}"
    for i in fair:
        model += delivered[i] >= phi * problem.energy_kwh[i], f"fair_{i}"
    total = pulp.lpSum(delivered.values())
    build_s = time.perf_counter() - started

    solve_s = 0.0

    def solve(objective: pulp.LpAffineExpression, sense: int) -> float:
        nonlocal solve_s
        model.setObjective(objective)
        model.sense = sense
        solve_started = time.perf_counter()
        stats = model.solve(pulp.HiGHS(msg=False))
        solve_s += time.perf_counter() - solve_started
        if stats.status is not pulp.LpSolveStatus.Optimal:
            msg = f"PuLP/HiGHS status {stats.status.name}"
            raise PulpFormulationError(msg)
        return float(stats.objective or 0.0)

    if not x:
        zero = StageOptima(min_fraction=0.0, energy_kwh=0.0, cost=0.0)
        power = np.zeros((problem.n_evs, problem.n_steps))
        return PulpSolution(optima=zero, power=power, build_s=build_s, solve_s=0.0)
    min_fraction = solve(phi + 0, pulp.LpMaximize) if fair else 0.0
    model += phi >= min_fraction * (1 - STAGE_SLACK), "hold_fairness"
    energy = solve(total + 0, pulp.LpMaximize)
    model += total >= energy * (1 - STAGE_SLACK) - STAGE_SLACK, "hold_energy"
    costs = step_costs(problem)
    cost = solve(pulp.lpSum(var * costs[i, t] * dt for (i, t), var in x.items()), pulp.LpMinimize)

    power = np.zeros((problem.n_evs, problem.n_steps))
    for (i, t), var in x.items():
        power[i, t] = var.varValue or 0.0
    return PulpSolution(
        optima=StageOptima(min_fraction=min_fraction, energy_kwh=energy, cost=cost),
        power=power,
        build_s=build_s,
        solve_s=solve_s,
    )
