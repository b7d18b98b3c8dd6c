"""`PulpNumericalAlgorithm`: the optimal schedule from a linear program (DESIGN §2).

The name is Opti-VGI's. The model is the one a PuLP user would write (`tests/pulp_oracle.py`
holds exactly that, as the test oracle), but it is assembled from arrays and handed to HiGHS
directly (`linear_program.py`): building it through PuLP costs more than solving it, and the
integration does not need PuLP at all.

The LP is solved without minimum powers first; if its optimum already respects them, it is
optimal. (On a large site with minimums, GoAlgorithm's schedule is first checked against the
bound alone, `heuristic_bound.py`.)
Otherwise its `Score` bounds every schedule, and the repair (`minimums.py`) tries sets of
on-steps in order, re-solving the LP over each with the minimum as lower bound: the rounded
relaxed optimum; then, where bound propagation (`minimums.unusable_cells`) shows that some cells
cannot be used by any schedule that fair, the relaxed LP over the others (a tighter bound: on
the 4-EV `minimums` site of seed 0, 163.5 instead of 166.8 kWh) and its rounding; GoAlgorithm's
steps; and the exact mixed-integer model's (a fixed number of branch-and-bound nodes, from the
best schedule so far), first over the cells some schedule so far uses and only then, if that
falls short, over all of them. The mixed-integer model first holds every
EV at the relaxed LP's smallest fraction and searches the energy only (measured on 13 small
`minimums` sites: 13/13 exact instead of 11/13, median 0.10 s instead of 0.36 s); only if no
schedule reaches that share does it search fairness and energy in turn. It stops as soon as a
schedule reaches the bound (often the rounded LP or GoAlgorithm's, so many sites never pay for
the MIP) and keeps the best by `Score`; a candidate whose LP HiGHS cannot solve is skipped.
A schedule that reaches the bound for the worst-off car but not every relaxed share gets one
more search, for the cars after it (`later_shares.py`). The result depends on the inputs (and
the site's `WarmStart`) only, never on the CPU. If the relaxed LP fails (or the 20 s
guard runs out before it is solved), `GoAlgorithm`'s schedule is returned and the result says
why; a guard that runs out later leaves the best schedule so far.

Per-phase limits (`phases.py`) are rows of every LP and of the mixed-integer model; every set of
on-steps tried keeps the minimums on at a step within each phase's limit too (`minimums.py`),
so the LP over it stays feasible.
"""

from collections.abc import Iterator
from dataclasses import replace
from functools import partial
import time
from typing import override

import numpy as np
from numpy.typing import NDArray

from .algorithm import Algorithm, Schedule, ScheduleStatus
from .constants import TOLERANCE
from .dual_bound import BoundDuals
from .go_algorithm import go_schedule
from .heuristic_bound import heuristic_at_bound
from .later_shares import last_plan_steps, later_share_supports
from .linear_program import solve_stages
from .lp_settings import MIP_NODE_LIMIT, NodeBudget
from .minimums import Score, round_to_minimums, serve_now_first, unusable_cells
from .problem import FloatArray, ScheduleProblem
from .repair import REPAIR_NODE_BUDGET, Repair, clean

__all__ = ["MIP_MAX_CELLS", "PulpNumericalAlgorithm", "round_to_minimums"]

#: Sites with at most this many cells with a minimum power may also get the mixed-integer model;
#: each search then also chooses at most `repair.MIP_MAX_FREE_COLUMNS` steps (its root node
#: grows with the model, and with per-phase limits fastest).
MIP_MAX_CELLS = 6000


class PulpNumericalAlgorithm(Algorithm):
    """Fairest (leximin), then most energy, then cheapest or earliest, then steadiest schedule."""

    name = "PulpNumericalAlgorithm"
    #: Branch-and-bound nodes per MIP stage, and for all of one repair's searches together
    #: (None: `lp_settings.MIP_NODE_LIMIT` and `repair.REPAIR_NODE_BUDGET`).
    mip_nodes: int | None = None

    @override
    def _schedule(self, problem: ScheduleProblem) -> Schedule:
        started = time.perf_counter()
        deadline = started + self.params.solve_time_limit_s
        previous = self.previous_plan()
        try:
            cells = problem.open_cells()
            if (
                early := heuristic_at_bound(problem, cells, deadline, partial(self._duals, problem))
            ) is not None:
                return early
            relaxed = solve_stages(
                problem, cells, np.zeros(problem.n_evs), deadline - started, previous_kw=previous
            )
            power = clean(problem, relaxed.power)
            if not problem.violations(power):
                return Schedule(
                    power=power,
                    status=ScheduleStatus.OPTIMAL,
                    build_s=relaxed.build_s,
                    solve_s=relaxed.solve_s,
                )
            repair = Repair(
                problem=problem,
                cells=cells,
                deadline=deadline,
                previous=previous,
                bound=Score.of(problem, power),
                build_s=relaxed.build_s,
                solve_s=relaxed.solve_s,
                nodes=NodeBudget(left=self.mip_nodes or REPAIR_NODE_BUDGET),
            )
            # GoAlgorithm's earliest schedule, even with prices or a surplus: its cheapest one
            # would skip the tariff's buffers (`tariff.py`), and the LP over its steps could not
            # restore them.
            heuristic = go_schedule(replace(problem, prices=None, surplus_kw=None), level=False)
            # Nothing is safer than no power at all, should even the heuristic break a rule.
            repair.offer(np.zeros_like(power) if problem.violations(heuristic) else heuristic)
            # Each candidate is computed only when the one before has not reached the bound. With
            # prices or a surplus the relaxed plan follows them, often below the minimums, and
            # the heuristic's earliest schedule ignores what energy costs: the first candidate is
            # tried even if that schedule reaches the bound (measured with `scripts/simulate`,
            # PV day, seed 2: 51.7 instead of 53.4; a home car with a 6 A minimum and a cap
            # charged 22 of its 30 kWh in the dear hours, `test_site_prices.py`).
            settled = repair.settled() and not problem.priced
            # Unless GoAlgorithm's schedule reaches the bound for every car, the rounded LP
            # (leximin over its steps) is tried, and may leave the cars after the worst-off
            # one more: `minimums` 4 x 288, seed 3, the second car 0.77 of its request instead
            # of 0.66. Once a schedule reaches the bound for the worst-off car, the search ends.
            last = None
            if not settled:
                rounded = round_to_minimums(problem, cells, power)
                # The last cycle's steps, one step on (an EV it did not know: the rounded LP's).
                last = last_plan_steps(repair, rounded)
                for on, how in self._supports(repair, power, heuristic, rounded, last):
                    repair.try_steps(on, how)
                    if repair.done():
                        break  # as good as the bound: no other candidate is searched for
            self._serve_later_shares(repair, power, last)
        except Exception as err:  # noqa: BLE001 - any solver failure must still give a schedule
            return Schedule(
                power=go_schedule(problem),
                status=ScheduleStatus.FALLBACK,
                solve_s=time.perf_counter() - started,
                message=f"linear program failed ({err}); used GoAlgorithm",
            )
        # The MIP's own time is not in the stages' figures: count all of the repair as solving.
        solve_s = max(repair.solve_s, time.perf_counter() - started - repair.build_s)
        return Schedule(
            power=repair.best,
            status=repair.status,
            build_s=repair.build_s,
            solve_s=solve_s,
            message=repair.message,
            later_shares_missed=repair.later_shares_missed,
        )

    def _duals(self, problem: ScheduleProblem) -> BoundDuals | None:
        """The last cycle's bound duals on this cycle's grid, if the site kept any."""
        if self.warm is None:
            return None
        return self.warm.bound_duals(
            problem.ev_ids, self.now, self.params.resolution, problem.n_steps
        )

    def _supports(
        self,
        repair: Repair,
        relaxed: FloatArray,
        heuristic: FloatArray,
        rounded: NDArray[np.bool_],
        last: NDArray[np.bool_] | None,
    ) -> Iterator[tuple[NDArray[np.bool_], str]]:
        """The sets of on-steps to try, cheapest first; the MIP starts from the best so far.

        `rounded` is the relaxed LP rounded to the minimums, `last` the last plan's steps.
        After the rounded LP, the bound is tightened (`unusable_cells`): on many home sites no
        schedule can reach the relaxed LP's energy, and the rounded LP over the cells that
        remain usable then reaches the tighter bound, so the MIP never runs.
        """
        problem, cells = repair.problem, repair.cells
        yield rounded, "rounded LP"
        support: NDArray[np.bool_] = relaxed > TOLERANCE
        if last is not None:
            # When nothing but the clock moved, the last plan's steps are as good as they were,
            # and the mixed-integer model need not run every cycle. Served now first: a step
            # the last plan left idle now would waste the room now.
            last = serve_now_first(problem, last)
            yield last, "LP over the last plan's steps"
            support |= last
        fraction = repair.bound.min_fraction
        usable = cells & ~unusable_cells(problem, cells, fraction)
        floors: tuple[tuple[float | None, NDArray[np.bool_]], ...] = (
            (fraction, usable),
            (None, cells),
        )
        if (usable != cells).any():
            # Before GoAlgorithm's steps: measured on the 4-EV site of seed 0, this reaches the
            # tighter bound and saves one LP.
            tight = repair.tighten(usable)
            if tight is None:
                floors = floors[1:]  # no schedule is that fair: search fairness, then energy
            else:
                support |= tight > TOLERANCE
                yield round_to_minimums(problem, usable, tight), "rounded LP over the usable steps"
        yield heuristic > TOLERANCE, "LP over GoAlgorithm's steps"
        if problem.cells_with_minimum(cells) > MIP_MAX_CELLS:
            return
        support |= (heuristic > TOLERANCE) | (repair.best > TOLERANCE)
        minimum = problem.min_kw[:, None]
        on = cells & (minimum > TOLERANCE) & (relaxed >= minimum - TOLERANCE)
        yield from self._exact_supports(repair, floors, support, on)

    def _serve_later_shares(
        self, repair: Repair, relaxed: FloatArray, last: NDArray[np.bool_] | None
    ) -> None:
        """Search for the cars after the worst-off one (`later_shares.py`), once it is served.

        Served means as fair to it as the relaxed LP, even with less energy than the bound: on
        `minimums` 4 x 288, seed 8, no schedule carries the relaxed energy, and the later level
        is what gives the two other cars 0.539 of their request instead of 0.441 and 0.567.

        Not again with the same cars once a search found nothing: where the exact leximin is
        below the relaxed one, a failed search cost each cycle of `minimums` 10 x 288, seed 3,
        about 0.6 s (0.74 s a re-plan instead of 0.14 s).
        """
        problem = repair.problem
        missed = self.warm is not None and self.warm.later_shares_missed(problem.ev_ids)
        # A cycle that does not search passes on what the last search found.
        repair.later_shares_missed = missed and not repair.settled()
        if (
            not repair.fair_enough()
            or repair.settled()
            or problem.cells_with_minimum(repair.cells) > MIP_MAX_CELLS
        ):
            return
        nodes = 0 if missed else self.mip_nodes or MIP_NODE_LIMIT
        for on, how in later_share_supports(repair, relaxed, last, nodes):
            repair.try_steps(on, how)
            if repair.settled():
                return
        repair.later_shares_missed = True

    def _exact_supports(
        self,
        repair: Repair,
        floors: tuple[tuple[float | None, NDArray[np.bool_]], ...],
        support: NDArray[np.bool_],
        relaxed_on: NDArray[np.bool_],
    ) -> Iterator[tuple[NDArray[np.bool_], str]]:
        """The mixed-integer model's steps, for each (share held, cells it may use) of `floors`.

        Usually some schedule is as fair as the relaxed LP: then only its energy is searched,
        over the cells a schedule that fair can use. Each search runs first over the cells of
        `support` (those some schedule so far uses, as a MIP solver's RENS heuristic does, but
        decided here): measured on the 24 `minimums` sites of 4 and 10 EVs x 288, it reaches the
        bound on 6 of the 8 that need the MIP, 4-8 times faster than the whole model.
        """
        for floor, where in floors:
            if floor is None and repair.fair_enough():
                return  # the share is reached: the search at it has looked for the energy
            searches = (
                (where & support, relaxed_on & where, "the rounded"),
                (where & support, None, "the reduced"),
                (where, None, "the"),
            )
            for within, fixed_on, how in searches:
                if repair.done():
                    return  # it searches the smallest share and the energy only: reached
                nodes = repair.search_nodes(floor, self.mip_nodes or MIP_NODE_LIMIT)
                if not nodes or (
                    within is not where and (within == where).all() and fixed_on is None
                ):
                    continue  # none left for it, or the reduced model is the whole one
                found = repair.search(
                    within,
                    f"{how} mixed-integer model's steps",
                    nodes=nodes,
                    floor=floor,
                    fixed_on=fixed_on,
                )
                if not found:
                    continue
                yield from found
                if within is where:
                    return
                # The reduced model's best did not reach the bound: the whole model follows.
