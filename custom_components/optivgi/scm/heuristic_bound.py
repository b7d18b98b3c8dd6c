"""On a large site with minimums: GoAlgorithm's schedule, if it already reaches the bound.

`PulpNumericalAlgorithm` asks this before it solves the whole relaxed LP: the repair would keep
GoAlgorithm's schedule anyway if it reaches the bound, and the bound needs less than the whole
LP (`BOUND_STAGES`), or no solve at all on a warm cycle (`dual_bound.py`). Where GoAlgorithm's
schedule leaves no path of free room (`flow_cut.max_flow_cut`), its cut proves the energy, and
only the bound's fairness is solved (`BOUND_FAIRNESS`).
"""

from collections.abc import Callable
from dataclasses import replace
import time

import numpy as np
from numpy.typing import NDArray

from .algorithm import Schedule, ScheduleStatus
from .dual_bound import BoundDuals, energy_bound, fraction_bound
from .flow_cut import max_flow_cut
from .go_algorithm import go_schedule
from .linear_program import BOUND_FAIRNESS, BOUND_STAGES, solve_stages
from .minimums import Score
from .problem import FloatArray, ScheduleProblem
from .repair import clean

#: From this many cells with a minimum power, GoAlgorithm is checked against the bound before
#: the whole relaxed LP is solved (`heuristic_at_bound`). Measured: 50 x 480 on a house load,
#: 0.36 s instead of 1.9 s; 50 x 288 with minimums, where GoAlgorithm falls short, 0.48 s
#: instead of 0.37 s; homes (4-10 x 288) stay below it.
BOUND_FIRST_MIN_CELLS = 5000

#: The floors of a carried dual bound sit this much (relative) below the fraction, so that
#: round-off in the heuristic's fraction never makes the bound tighter than the LP's.
DUAL_FLOOR_SLACK = 1e-6


#: How the schedule was proven: by the last cycle's duals, or by the bound solved now.
CARRIED = "GoAlgorithm's schedule reached the relaxed bound (the last cycle's duals)"
SOLVED = "GoAlgorithm's schedule reached the relaxed bound"


def _dual_score(
    problem: ScheduleProblem, cells: NDArray[np.bool_], duals: BoundDuals, score: Score
) -> Score:
    """A `Score` no relaxed schedule beats, from carried duals (`dual_bound.py`).

    The energy is bounded with every EV held at `score`'s fraction (a little less, for
    round-off), which is at most the relaxed LP's: the bound is never below the relaxed LP's
    energy. A schedule that reaches this score therefore reaches the bound a cold solve
    computes, and the cycle's result is the same.
    """
    fraction = min(fraction_bound(problem, cells, duals.fairness), 1.0)
    # Only an EV with an open cell has a fairness floor in the LP: one without any delivers
    # nothing, and a floor for it would make the bound one of an infeasible problem (too low).
    share = min(score.min_fraction, fraction) * (1 - DUAL_FLOOR_SLACK)
    floor = np.where(cells.any(axis=1), share * problem.energy_kwh, 0.0)
    energy = energy_bound(problem, cells, duals.energy, floor)
    return Score(min_fraction=fraction, energy_kwh=energy, cost=0.0)


def heuristic_at_bound(
    problem: ScheduleProblem,
    cells: NDArray[np.bool_],
    deadline: float,
    carried_duals: Callable[[], BoundDuals | None],
) -> Schedule | None:
    """On a large site with minimums: GoAlgorithm's schedule, if it reaches the bound.

    The repair would accept it then anyway (without prices), and the bound needs only one
    fairness round and the energy (`BOUND_STAGES`), not the whole relaxed LP: measured at
    100 x 1440 with minimums, 0.9 s instead of 6.4 s. Smaller sites solve the relaxed LP
    first, which is then often already optimal. `carried_duals` gives the last cycle's
    bound duals on this grid, if the site kept any (`WarmStart.bound_duals`).
    """
    if problem.priced or problem.cells_with_minimum(cells) < BOUND_FIRST_MIN_CELLS:
        return None
    heuristic = go_schedule(problem, level=False)
    if problem.violations(heuristic):
        return None
    started = time.perf_counter()
    score = Score.of(problem, heuristic)
    carried = carried_duals()
    bound = None if carried is None else _dual_score(problem, cells, carried, score)
    if bound is not None and score.reaches(bound):
        return _proven(heuristic, started, CARRIED, carried)
    # GoAlgorithm's own cut: with no room left on any path, it proves the energy by itself.
    cut = max_flow_cut(problem, cells, heuristic)
    cut_kwh = energy_bound(problem, cells, cut, np.zeros(problem.n_evs))
    proven = score.reaches(replace(score, energy_kwh=cut_kwh))
    if (
        proven
        and carried is not None
        and bound is not None
        and score.reaches(replace(bound, energy_kwh=min(bound.energy_kwh, cut_kwh)))
    ):
        return _proven(heuristic, started, CARRIED, replace(carried, energy=cut))
    zero = np.zeros(problem.n_evs)
    stages = BOUND_FAIRNESS if proven else BOUND_STAGES
    solved = solve_stages(problem, cells, zero, deadline - started, stages=stages)
    if proven:
        relaxed = Score(min_fraction=solved.optima.min_fraction, energy_kwh=cut_kwh, cost=0.0)
        duals = None
        if solved.fairness_duals is not None:
            duals = BoundDuals(ev_ids=problem.ev_ids, fairness=solved.fairness_duals, energy=cut)
    else:
        relaxed, duals = Score.of(problem, clean(problem, solved.power)), solved.duals
    if not score.reaches(relaxed):
        return None
    proof = _proven(heuristic, started, SOLVED, duals)
    return replace(proof, build_s=solved.build_s, solve_s=proof.solve_s - solved.build_s)


def _proven(power: FloatArray, started: float, message: str, duals: BoundDuals | None) -> Schedule:
    """GoAlgorithm's schedule, proven by the bound (`message` says which), and its duals."""
    return Schedule(
        power=power,
        status=ScheduleStatus.HEURISTIC,
        solve_s=time.perf_counter() - started,
        message=message,
        duals=duals,
    )
