"""`PulpNumericalAlgorithm`: the optimal schedule from a linear program (DESIGN §2).

The name is Opti-VGI's. The model is the one a PuLP user would write (`pulp_formulation.py`
holds exactly that, as the test oracle), but it is assembled from arrays and handed to HiGHS
directly (`linear_program.py`): building it through PuLP costs more than solving it.

The LP is solved without minimum powers first; if its optimum already respects them, it is
optimal. Otherwise its `Score` bounds every schedule, and the repair (`minimums.py`) tries sets
of on-steps in order, re-solving the LP over each with the minimum as lower bound: the rounded
relaxed optimum, GoAlgorithm's steps, and the exact mixed-integer model's (a fixed number of
branch-and-bound nodes, from the best schedule so far). The mixed-integer model first holds every
EV at the relaxed LP's smallest fraction and searches the energy only (measured on 13 small
`minimums` sites: 13/13 exact instead of 11/13, median 0.10 s instead of 0.36 s); only if no
schedule reaches that share does it search fairness and energy in turn. It stops as soon as a
schedule reaches the bound (often the rounded LP or GoAlgorithm's, so many sites never pay for
the MIP) and keeps the best by `Score`. The result depends on the inputs only, never on the
CPU. If HiGHS fails or the 20 s guard runs out, `GoAlgorithm`'s schedule is returned and the
result says why.
"""

from collections.abc import Callable, Iterator
from dataclasses import replace
import time
from typing import override

import numpy as np
from numpy.typing import NDArray

from .algorithm import Algorithm, Schedule, ScheduleStatus
from .constants import TOLERANCE
from .go_algorithm import go_schedule
from .linear_program import solve_stages
from .lp_mip import semi_continuous_steps
from .minimums import Score, round_to_minimums, serve_now_first
from .problem import FloatArray, ScheduleProblem

__all__ = ["MIP_MAX_CELLS", "PulpNumericalAlgorithm", "round_to_minimums"]

#: Sites with at most this many cells with a minimum power may also get the mixed-integer model
#: (its root node grows with the model: about 0.1 s at 4 000 cells on this machine).
MIP_MAX_CELLS = 6000

#: Below this a solver value is round-off, not power (kW); far below every tolerance.
_ROUND_OFF_KW = 1e-9


def _clean(problem: ScheduleProblem, power: FloatArray) -> FloatArray:
    """Zero the solver's round-off (negative or below 1e-9 kW); clip to the EVs' maximums."""
    power = np.where(power > _ROUND_OFF_KW, power, 0.0)
    return np.asarray(np.minimum(power, problem.max_kw[:, None]), dtype=np.float64)


class PulpNumericalAlgorithm(Algorithm):
    """Fairest (leximin), then most energy, then cheapest or earliest, then steadiest schedule."""

    name = "PulpNumericalAlgorithm"
    #: Branch-and-bound nodes per MIP stage (None: `lp_model.MIP_NODE_LIMIT`).
    mip_nodes: int | None = None

    @override
    def _schedule(self, problem: ScheduleProblem) -> Schedule:
        started = time.perf_counter()
        deadline = started + self.params.solve_time_limit_s
        previous = self.previous_plan()
        try:
            cells = problem.open_cells()
            relaxed = solve_stages(
                problem, cells, np.zeros(problem.n_evs), deadline - started, previous_kw=previous
            )
            power = _clean(problem, relaxed.power)
            build_s, solve_s = relaxed.build_s, relaxed.solve_s
            if not problem.violations(power):
                return Schedule(
                    power=power, status=ScheduleStatus.OPTIMAL, build_s=build_s, solve_s=solve_s
                )
            bound = Score.of(problem, power)
            # GoAlgorithm's earliest schedule, even with prices: its cheapest one would skip the
            # tariff's buffers (`tariff.py`), and the LP over its steps could not restore them.
            heuristic = go_schedule(replace(problem, prices=None))
            # Nothing is safer than no power at all, should even the heuristic break a rule.
            best = np.zeros_like(power) if problem.violations(heuristic) else heuristic
            best_score = Score.of(problem, best)
            status, message = ScheduleStatus.HEURISTIC, "GoAlgorithm's schedule was the best"
            supports = self._supports(
                problem,
                cells,
                power,
                heuristic,
                best=lambda: best,
                bound_fraction=bound.min_fraction,
                deadline=deadline,
            )
            for on, how in () if best_score.reaches(bound) else supports:
                solution = solve_stages(
                    problem,
                    on,
                    problem.min_kw,
                    deadline - time.perf_counter(),
                    previous_kw=previous,
                )
                build_s += solution.build_s
                solve_s += solution.solve_s
                candidate = _clean(problem, solution.power)
                score = Score.of(problem, candidate)
                if not problem.violations(candidate) and score.beats(best_score):
                    best, best_score, status, message = (
                        candidate,
                        score,
                        ScheduleStatus.ROUNDED,
                        how,
                    )
                if best_score.reaches(bound):
                    break  # as good as the relaxed LP: nothing can beat it
        except Exception as err:  # noqa: BLE001 - any solver failure must still give a schedule
            return Schedule(
                power=go_schedule(problem),
                status=ScheduleStatus.FALLBACK,
                solve_s=time.perf_counter() - started,
                message=f"linear program failed ({err}); used GoAlgorithm",
            )
        # The MIP's own time is not in the stages' figures: count all of the repair as solving.
        solve_s = max(solve_s, time.perf_counter() - started - build_s)
        return Schedule(
            power=best, status=status, build_s=build_s, solve_s=solve_s, message=message
        )

    def _supports(
        self,
        problem: ScheduleProblem,
        cells: NDArray[np.bool_],
        relaxed: FloatArray,
        heuristic: FloatArray,
        *,
        best: Callable[[], FloatArray],
        bound_fraction: float,
        deadline: float,
    ) -> Iterator[tuple[NDArray[np.bool_], str]]:
        """The sets of on-steps to try, cheapest first; the MIP starts from the best so far."""
        yield round_to_minimums(problem, cells, relaxed), "rounded LP"
        yield heuristic > TOLERANCE, "LP over GoAlgorithm's steps"
        if np.count_nonzero(cells & (problem.min_kw > TOLERANCE)[:, None]) > MIP_MAX_CELLS:
            return
        # Usually some schedule is as fair as the relaxed LP: then only its energy is searched.
        for floor in (bound_fraction, None):
            exact = semi_continuous_steps(
                problem,
                cells,
                deadline - time.perf_counter(),
                start_kw=best(),
                nodes=self.mip_nodes,
                fraction_floor=floor,
            )
            if exact is not None:
                steady = serve_now_first(problem, exact)
                if (steady != exact).any():
                    yield steady, "LP over the mixed-integer model's steps, served now first"
                yield exact, "LP over the mixed-integer model's steps"
                return
