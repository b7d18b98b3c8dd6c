"""The charging LP written plainly in PuLP, one variable per EV and step: the reference model.

With per-phase limits each step also has one row per phase (`_phase_rows`).
`scm/linear_program.py` builds the same stages from arrays for speed; tests check that both reach
the same optima, and the benchmark (`scripts/bench.py`) times this one to show what building
through PuLP costs. It lives with the tests so that the integration does not need PuLP: PuLP is a
test requirement (`requirements_test.txt`), not one Home Assistant installs.

Leximin fairness is found here the slow, independent way: after each round's largest common
fraction, every EV still free is asked whether it alone could get more (one LP each); those that
cannot keep the fraction, the others go on. `scm/linear_program.py` reads the same from the duals.
"""

from collections.abc import Callable
from dataclasses import dataclass
import time

import numpy as np
from numpy.typing import NDArray
import pulp

from custom_components.optivgi.scm.constants import TOLERANCE
from custom_components.optivgi.scm.linear_program import STAGE_SLACK, StageOptima, step_costs
from custom_components.optivgi.scm.problem import FloatArray, ScheduleProblem
from custom_components.optivgi.scm.tariff import track_buffers


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
    """Solve leximin fairness, then energy, then cost or lateness, each holding the one before."""
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
    by_ev: dict[int, list[pulp.LpVariable]] = {}
    by_step: dict[int, list[pulp.LpVariable]] = {}
    for (i, t), var in x.items():
        by_ev.setdefault(i, []).append(var)
        by_step.setdefault(t, []).append(var)
    delivered = {i: pulp.lpSum(by_ev.get(i, [])) * dt for i in range(problem.n_evs)}
    for t, present in by_step.items():
        model += pulp.lpSum(present) <= problem.limit_kw[t], f"site_{t}"
    _phase_rows(model, x, problem)
    fair = [i for i in range(problem.n_evs) if problem.energy_kwh[i] > 0 and cells[i].any()]
    for i in range(problem.n_evs):
        if cells[i].any():
            model += delivered[i] <= problem.energy_kwh[i], f"energy_{i}"
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
    min_fraction = _leximin(model, solve, delivered, fair, problem) if fair else 0.0
    energy = solve(total + 0, pulp.LpMaximize)
    model += total >= energy * (1 - STAGE_SLACK) - STAGE_SLACK, "hold_energy"
    if problem.priced:
        _hold_track(model, solve, x, problem)
    costs = step_costs(problem)
    objective = pulp.lpSum(var * costs[i, t] * dt for (i, t), var in x.items())
    cost = solve(objective + _grid_import(model, by_step, problem), pulp.LpMinimize)

    power = np.zeros((problem.n_evs, problem.n_steps))
    for (i, t), var in x.items():
        power[i, t] = var.varValue or 0.0
    return PulpSolution(
        optima=StageOptima(min_fraction=min_fraction, energy_kwh=energy, cost=cost),
        power=power,
        build_s=build_s,
        solve_s=solve_s,
    )


def _phase_rows(
    model: pulp.LpProblem, x: dict[tuple[int, int], pulp.LpVariable], problem: ScheduleProblem
) -> None:
    """`sum_i x[i, t] * amps[i, p] <= phase_limit[t, p]` (A) for every step and phase."""
    limits, amps = problem.phase_limits_a, problem.amps_per_kw
    if limits is None or amps is None:
        return
    for t in range(problem.n_steps):
        for p in range(limits.shape[1]):
            terms = [(var, amps[i, p]) for (i, step), var in x.items() if step == t and amps[i, p]]
            if terms:
                model += pulp.lpSum(v * a for v, a in terms) <= limits[t, p], f"phase_{t}_{p}"


def _grid_import(
    model: pulp.LpProblem, by_step: dict[int, list[pulp.LpVariable]], problem: ScheduleProblem
) -> pulp.LpAffineExpression:
    """With a surplus: what it saves, via the grid import `g[t]` of each step (0 without one).

    `x` already pays the grid price per kWh; the import `g >= 0`, `g >= P - S`, `g <= P` (P the
    EVs' power, S the surplus) turns the `P - g` kWh from the surplus into feed-in-priced ones,
    so the cost is `price * g + feed_in * (P - g)` per hour (see `linear_program.py`).
    """
    grid_prices = problem.grid_prices()
    terms: list[pulp.LpAffineExpression] = []
    if grid_prices is None or problem.surplus_kw is None:
        return pulp.lpSum(terms)
    # The signed difference, not `solar_discount`: where the price is below the feed-in price,
    # `g <= P` alone must keep this bounded (and then it saves nothing).
    feed_in = problem.feed_in_price if problem.prices is not None else 0.0
    for t, present in by_step.items():
        if problem.surplus_kw[t] > TOLERANCE:
            power = pulp.lpSum(present)
            grid = model.add_variable(f"g_{t}", lowBound=0)
            model += grid >= power - problem.surplus_kw[t], f"import_{t}"
            model += grid <= power, f"import_cap_{t}"
            terms.append((grid - power) * (grid_prices[t] - feed_in) * problem.step_hours)
    return pulp.lpSum(terms)


def _hold_track(
    model: pulp.LpProblem,
    solve: Callable[[pulp.LpAffineExpression, int], float],
    x: dict[tuple[int, int], pulp.LpVariable],
    problem: ScheduleProblem,
) -> None:
    """The track stage: the earliest plan, then each EV's buffer (`tariff.py`) as a floor."""
    dt = problem.step_hours
    earliness = step_costs(problem, with_prices=False)
    solve(pulp.lpSum(var * earliness[i, t] * dt for (i, t), var in x.items()), pulp.LpMinimize)
    keys = list(x)
    ev = np.array([i for i, _ in keys], dtype=np.int64)
    step = np.array([t for _, t in keys], dtype=np.int64)
    kwh = np.array([(x[key].varValue or 0.0) * dt for key in keys])
    for milestone, (early, buffers) in enumerate(track_buffers(problem, ev, step, kwh)):
        for i in np.unique(ev[early]).tolist():
            if buffers[i] > TOLERANCE:
                mine = [x[k] for k, keep in zip(keys, early, strict=True) if keep and k[0] == i]
                model += pulp.lpSum(mine) * dt >= buffers[i], f"track_{milestone}_{i}"


#: A fraction that rises by less than this is not "more" (LP round-off).
_RISE = 1e-7
#: What a held round's fraction may give up where HiGHS finds it infeasible held exactly.
_HOLD_SLACK = 1e-7


def _leximin(
    model: pulp.LpProblem,
    solve: Callable[[pulp.LpAffineExpression, int], float],
    delivered: dict[int, pulp.LpAffineExpression],
    fair: list[int],
    problem: ScheduleProblem,
) -> float:
    """Progressive filling: hold each EV's share once no schedule can raise it; the first share.

    Round `k` has its own fraction `phi_k` over the EVs still free; once found it is held, so it
    also holds the EVs that cannot do better. Returns the first round's fraction.
    """
    free = list(fair)
    first: float | None = None
    rounds = 0
    while free:
        rounds += 1
        phi = model.add_variable(f"phi_{rounds}", lowBound=0, upBound=1)
        for i in free:
            model += delivered[i] >= phi * problem.energy_kwh[i], f"fair_{rounds}_{i}"
        level = solve(phi + 0, pulp.LpMaximize)
        first = level if first is None else first
        phi.lowBound = level * (1 - STAGE_SLACK)  # held
        if level >= 1 - _RISE:
            break
        try:
            rises = [solve(delivered[i] + 0, pulp.LpMaximize) for i in free]
        except PulpFormulationError:
            # Held at exactly its optimum, a round's fraction made a probe infeasible to HiGHS
            # (`base` 4 x 480, seed 1), within its feasibility tolerance: hold it a little lower.
            phi.lowBound = level * (1 - STAGE_SLACK) - _HOLD_SLACK
            rises = [solve(delivered[i] + 0, pulp.LpMaximize) for i in free]
        still_free = [
            i
            for i, most in zip(free, rises, strict=True)
            if most / problem.energy_kwh[i] > level + _RISE
        ]
        if len(still_free) == len(free):  # no EV is blocked: never expected at an optimum
            break
        free = still_free
    return first or 0.0
