"""The repair's state: the bound, the best schedule so far and the work spent (`minimums`).

`PulpNumericalAlgorithm` offers it sets of on-steps; each is re-solved with the LP's stages and
kept if its `Score` beats the best so far (leximin over every car's share, then energy), until
one reaches the bound for the worst-off car.

The bound is the relaxed leximin schedule's `Score`, not the most energy any schedule that fair
could carry: the LP's order is leximin, then energy, so a schedule with the relaxed share and the
relaxed leximin plan's energy is as good as the repair needs. Bounded by the most energy at the
smallest share instead, the search would go on for schedules that share less evenly: measured on
30 `minimums`/`phase-minimums` sites of 4 and 10 EVs x 288, one of them gained 1.2 % energy,
and the 4-EV median took 25 instead of 11.5 ms.
"""

from dataclasses import dataclass, field, replace
import time

import numpy as np
from numpy.typing import NDArray

from .algorithm import ScheduleStatus
from .linear_program import FAIRNESS_TOLERANCE, LinearProgramError, solve_stages
from .lp_mip import semi_continuous_steps
from .lp_settings import MIP_NODE_LIMIT, NodeBudget
from .minimums import Score, serve_now_first
from .problem import FloatArray, ScheduleProblem

#: Branch-and-bound nodes for all of one repair's mixed-integer searches together, as many as
#: one stage may use (`lp_model.MIP_NODE_LIMIT`). Re-planned every step, a site whose relaxed
#: share was out of reach ran four searches of two stages each: 15 s a cycle at 4 EVs x 288
#: (`scripts/bench.py --cycles-only`, seed 11). On the 24 `minimums` sites of 4 and 10 EVs x
#: 288, cold, every schedule is the same as without the budget.
REPAIR_NODE_BUDGET = MIP_NODE_LIMIT

#: Semi-continuous columns (cells with a minimum power whose step is not fixed on) up to which
#: one mixed-integer search runs. HiGHS's root node, not the node limit, sets the cost: measured
#: on 133 searches of the benchmark, at most 2.9 s below it (the 10 x 288 and 4 x 288 homes
#: reach 1 021), and 0.5-43 s above it (10 EVs x 480 one-minute steps: 49 s a plan, more
#: than the 20 s guard). A count, not a time: the result still depends on the inputs only.
MIP_MAX_FREE_COLUMNS = 1100

#: Below this a solver value is round-off, not power (kW); far below every tolerance.
_ROUND_OFF_KW = 1e-9


def clean(problem: ScheduleProblem, power: FloatArray) -> FloatArray:
    """Zero the solver's round-off (negative or below 1e-9 kW); clip to the EVs' maximums."""
    power = np.where(power > _ROUND_OFF_KW, power, 0.0)
    return np.asarray(np.minimum(power, problem.max_kw[:, None]), dtype=np.float64)


@dataclass(kw_only=True)
class Repair:
    """The repair's state: the bound, the best schedule so far and the time spent."""

    problem: ScheduleProblem
    cells: NDArray[np.bool_]
    deadline: float
    previous: FloatArray | None
    bound: Score
    build_s: float
    solve_s: float
    best: FloatArray = field(init=False)
    best_score: Score = field(init=False)
    #: The schedule so far with the largest smallest share, then the most energy.
    fullest: Score = field(init=False)
    #: What all mixed-integer searches of this repair may use together.
    nodes: NodeBudget = field(default_factory=lambda: NodeBudget(left=REPAIR_NODE_BUDGET))
    #: Nodes kept from the searches held at the relaxed share (`search_nodes`).
    reserved: int = field(init=False)
    status: ScheduleStatus = ScheduleStatus.HEURISTIC
    message: str = "GoAlgorithm's schedule was the best"
    #: The sets of on-steps tried so far (packed bits): the same set gives the same schedule.
    tried: set[bytes] = field(default_factory=set)
    #: The search for every car's relaxed share ran and found nothing (`later_shares.py`).
    later_shares_missed: bool = False

    def __post_init__(self) -> None:
        """Keep half of the node budget for the search of fairness and energy."""
        self.reserved = self.nodes.left // 2

    def offer(self, schedule: FloatArray) -> None:
        """Start from a valid schedule (GoAlgorithm's, or no power at all)."""
        self.best, self.best_score = schedule, Score.of(self.problem, schedule)
        self.fullest = self.best_score

    def done(self) -> bool:
        """Whether some schedule so far reaches the bound (within the tolerances).

        Judged by the fullest of them, not the best: a schedule that leaves the cars after the
        worst-off one more may carry less energy, and the mixed-integer model (which searches
        the smallest share and the energy only) would then run for nothing.
        """
        return self.fullest.reaches(self.bound)

    def search_nodes(self, floor: float | None, per_stage: int) -> int:
        """Nodes per stage of one search; 0: none are left for it.

        A search held at the relaxed share may use only the first half of the repair's budget,
        the searches at that share together. That share is often out of reach, and a search
        that can neither find a schedule so fair nor prove there is none used to leave nothing
        for the search of fairness and energy: on `phase-minimums` 4 x 288, seed 11, the share
        0.2135 took all 200 nodes and the result stayed the rounded LP's 0.2094 (0.2105 now;
        the exact optimum is 0.2120). Each such search getting half of what was left instead
        let the whole model's search run as well on `degenerate` 100 x 288: 26 s more, for the
        same schedule.
        """
        if floor is None:
            return per_stage
        return max(0, min(per_stage, self.nodes.left - self.reserved))

    def fair_enough(self) -> bool:
        """Whether some schedule so far is as fair to the worst-off car as the bound."""
        return self.fullest.min_fraction >= self.bound.min_fraction - FAIRNESS_TOLERANCE

    def settled(self) -> bool:
        """Whether it reaches the bound for every car, not only the worst-off one."""
        return self.best_score.reaches(self.bound, every_share=True)

    def _solve(self, cells: NDArray[np.bool_], lower_kw: FloatArray) -> FloatArray:
        solution = solve_stages(
            self.problem,
            cells,
            lower_kw,
            self.deadline - time.perf_counter(),
            previous_kw=self.previous,
        )
        self.build_s += solution.build_s
        self.solve_s += solution.solve_s
        return clean(self.problem, solution.power)

    def try_steps(self, on: NDArray[np.bool_], how: str) -> None:
        """The LP over the steps `on` with the minimums as lower bounds; kept if it is better.

        A candidate whose LP HiGHS cannot solve is skipped: the best so far still stands. So is
        a set of steps tried before (several searches often end on the same one).
        """
        key = np.packbits(on).tobytes()
        if key in self.tried:
            return
        self.tried.add(key)
        try:
            candidate = self._solve(on, self.problem.min_kw)
        except LinearProgramError:
            return
        score = Score.of(self.problem, candidate)
        if self.problem.violations(candidate):
            return
        if score.fuller(self.fullest):
            self.fullest = score
        if score.beats(self.best_score):
            self.best, self.best_score = candidate, score
            self.status, self.message = ScheduleStatus.ROUNDED, how

    def search(
        self,
        within: NDArray[np.bool_],
        how: str,
        *,
        nodes: int,
        floor: float | FloatArray | None,
        fixed_on: NDArray[np.bool_] | None,
        held_kwh: FloatArray | None = None,
    ) -> list[tuple[NDArray[np.bool_], str]]:
        """The mixed-integer model's steps over `within`, from the best schedule so far.

        Each EV is held at `floor`, or those with `held_kwh` at it while the fairness stage
        raises the others (`lp_mip.semi_continuous_steps`). The steps served now first
        come first where they differ (`minimums.serve_now_first`); none if it found nothing,
        or if it would choose more than `MIP_MAX_FREE_COLUMNS` steps.
        """
        chosen = within if fixed_on is None else within & ~fixed_on
        if self.problem.cells_with_minimum(chosen) > MIP_MAX_FREE_COLUMNS:
            return []
        exact = semi_continuous_steps(
            self.problem,
            within,
            self.deadline - time.perf_counter(),
            start_kw=self.best,
            nodes=nodes,
            fraction_floor=floor,
            budget=self.nodes,
            fixed_on=fixed_on,
            held_kwh=held_kwh,
        )
        if exact is None:
            return []
        found = [(exact, f"LP over {how}")]
        steady = serve_now_first(self.problem, exact)
        if (steady != exact).any():
            found.insert(0, (steady, f"LP over {how}, served now first"))
        return found

    def tighten(self, usable: NDArray[np.bool_]) -> FloatArray | None:
        """The relaxed LP over the usable cells; its energy becomes the bound. None if unfair.

        If even the relaxation over them falls short of the share, no schedule with minimums
        reaches the relaxed LP's fairness: None, and the bound stays (nothing can reach it).
        """
        power = self._solve(usable, np.zeros(self.problem.n_evs))
        tight = Score.of(self.problem, power)
        if tight.min_fraction < self.bound.min_fraction - FAIRNESS_TOLERANCE:
            return None
        self.bound = replace(self.bound, energy_kwh=min(tight.energy_kwh, self.bound.energy_kwh))
        return power
