"""`PulpNumericalAlgorithm`: the optimal schedule from a linear program (DESIGN §2).

The name is Opti-VGI's. The model is the one a PuLP user would write (`pulp_formulation.py`
holds exactly that, as the test oracle), but it is assembled from arrays and handed to HiGHS
directly (`linear_program.py`): building it through PuLP costs more than solving it.

A charger cannot run between 0 and its minimum power, which makes the exact problem a mixed
integer one. The LP is solved without that rule first; if its optimum already respects it, it is
optimal. Otherwise the steps where an EV gets less than its minimum are rounded: its small
amounts are merged into as many whole steps at its minimum as its energy allows, where the
minimums of all EVs at that step still fit under the limit; then the LP is solved again with those
steps held at or above the minimum and all others at 0. That repaired schedule is compared with
`GoAlgorithm`'s and the better one (fairness first, then energy) is returned. If HiGHS fails or
runs out of time, `GoAlgorithm`'s schedule is returned and the result says why.
"""

import math
import time
from typing import override

import numpy as np
from numpy.typing import NDArray

from .algorithm import Algorithm, Schedule, ScheduleStatus
from .constants import TOLERANCE
from .go_algorithm import go_schedule
from .linear_program import semi_continuous_steps, solve_stages, step_costs
from .problem import FloatArray, ScheduleProblem

#: Sites with at most this many steps x EVs with a minimum power also get the exact
#: mixed-integer model (measured: 30-60 ms at 4 EVs x 288 steps; seconds at 10 x 480).
MIP_MAX_CELLS = 2500
#: Longest the mixed-integer model may run (s); its best schedule so far is used after that.
MIP_TIME_LIMIT_S = 1.0


def round_to_minimums(
    problem: ScheduleProblem, cells: NDArray[np.bool_], power: FloatArray
) -> NDArray[np.bool_]:
    """Choose the steps each EV with a minimum power runs in, from a relaxed schedule.

    Steps at or above the minimum stay on. Of the steps where an EV got less than its minimum
    (largest amounts first), it keeps as many as its request can pay for at the minimum, where
    the minimums already on at that step leave room under the limit. The minimums on at a step
    then never exceed the limit, nor an EV's minimums its request, so the LP over the chosen steps
    is always feasible; it then moves power between the chosen steps as the stages want.
    """
    has_minimum = problem.min_kw > TOLERANCE
    minimum = problem.min_kw[:, None]
    on = cells & (~has_minimum[:, None] | (power >= minimum - TOLERANCE))
    committed = (on * minimum).sum(axis=0)
    below = cells & has_minimum[:, None] & (power > TOLERANCE) & (power < minimum - TOLERANCE)
    small_kwh = np.where(below, power, 0.0).sum(axis=1) * problem.step_hours
    # Higher priority first, then the EV with most energy to place.
    for ev in np.lexsort((-small_kwh, -problem.priority)):
        if not below[ev].any():
            continue
        step_kwh = problem.min_kw[ev] * problem.step_hours
        affordable = math.floor(problem.energy_kwh[ev] / step_kwh + 1e-9) - int(on[ev].sum())
        steps = np.nonzero(below[ev])[0]
        for step in steps[np.argsort(-power[ev, steps], kind="stable")]:
            if affordable <= 0:
                break
            if committed[step] + problem.min_kw[ev] <= problem.limit_kw[step] + TOLERANCE:
                on[ev, step] = True
                committed[step] += problem.min_kw[ev]
                affordable -= 1
    return on


def _is_better(problem: ScheduleProblem, candidate: FloatArray, incumbent: FloatArray) -> bool:
    """Whether `candidate` beats `incumbent` in the stages' order: fairness, energy, cost.

    Differences within the LP's own stage slack (relative) are ties, not improvements.
    """
    fairness = problem.min_fraction(candidate) - problem.min_fraction(incumbent)
    if abs(fairness) > TOLERANCE:
        return fairness > 0
    energy = problem.useful_kwh(candidate) - problem.useful_kwh(incumbent)
    if abs(energy) > problem.useful_kwh(incumbent) * 1e-8 + TOLERANCE:
        return energy > 0
    costs = step_costs(problem) * problem.step_hours
    cost = float((costs * candidate).sum()) - float((costs * incumbent).sum())
    return cost < -TOLERANCE


#: Below this a solver value is round-off, not power (kW); far below every tolerance.
_ROUND_OFF_KW = 1e-9


def _clean(problem: ScheduleProblem, power: FloatArray) -> FloatArray:
    """Zero the solver's round-off (negative or below 1e-9 kW); clip to the EVs' maximums."""
    power = np.where(power > _ROUND_OFF_KW, power, 0.0)
    return np.asarray(np.minimum(power, problem.max_kw[:, None]), dtype=np.float64)


class PulpNumericalAlgorithm(Algorithm):
    """Fairest, then most energy, then cheapest or earliest schedule; never breaks a limit."""

    name = "PulpNumericalAlgorithm"

    @override
    def _schedule(self, problem: ScheduleProblem) -> Schedule:
        started = time.perf_counter()
        time_limit = self.params.solve_time_limit_s
        try:
            cells = problem.open_cells()
            relaxed = solve_stages(problem, cells, np.zeros(problem.n_evs), time_limit)
            power = _clean(problem, relaxed.power)
            build_s, solve_s = relaxed.build_s, relaxed.solve_s
            if not problem.violations(power):
                return Schedule(
                    power=power, status=ScheduleStatus.OPTIMAL, build_s=build_s, solve_s=solve_s
                )
            # Two ways to choose the steps each EV runs in: rounding the relaxed optimum, and
            # the steps GoAlgorithm uses (its schedule is feasible there, so the LP over them is
            # at least as good as GoAlgorithm). The best of the two and GoAlgorithm's own wins.
            heuristic = go_schedule(problem)
            # Nothing is safer than no power at all, should even the heuristic break a rule.
            best = np.zeros_like(power) if problem.violations(heuristic) else heuristic
            status, message = ScheduleStatus.HEURISTIC, "GoAlgorithm's schedule was the best"
            choices = [
                (round_to_minimums(problem, cells, power), "rounded LP"),
                (heuristic > TOLERANCE, "LP over GoAlgorithm's steps"),
            ]
            if np.count_nonzero(cells & (problem.min_kw > TOLERANCE)[:, None]) <= MIP_MAX_CELLS:
                budget = min(MIP_TIME_LIMIT_S, time_limit - (time.perf_counter() - started))
                exact = semi_continuous_steps(problem, cells, budget)
                if exact is not None:
                    choices.append((exact, "LP over the mixed-integer model's steps"))
            for on, how in choices:
                remaining = time_limit - (time.perf_counter() - started)
                repaired = solve_stages(problem, on, problem.min_kw, remaining)
                build_s += repaired.build_s
                solve_s += repaired.solve_s
                candidate = _clean(problem, repaired.power)
                if not problem.violations(candidate) and _is_better(problem, candidate, best):
                    best, status, message = candidate, ScheduleStatus.ROUNDED, how
        except Exception as err:  # noqa: BLE001 - any solver failure must still give a schedule
            return Schedule(
                power=go_schedule(problem),
                status=ScheduleStatus.FALLBACK,
                solve_s=time.perf_counter() - started,
                message=f"linear program failed ({err}); used GoAlgorithm",
            )
        return Schedule(
            power=best, status=status, build_s=build_s, solve_s=solve_s, message=message
        )
