"""The charging linear program, assembled from arrays and solved stage by stage with HiGHS.

Variables are the kW of EV `i` in a group of steps, only where the EV may charge, plus one
variable `phi`: the smallest fraction of its request that every EV gets. Rows: one per group where
the site limit can bind (`sum_i x <= limit`), and per EV its energy cap
(`sum x * hours <= request`) and its fairness row (`sum x * hours - phi * request >= 0`).

The stages of DESIGN §2 are solved in order, each holding the optimum of the one before:

1. maximise `phi` (fairness), then 2. maximise the energy. Between two breakpoints (an arrival, a
   departure, a change of the limit or of which steps an EV may use) all steps are
   interchangeable for these two stages, so they are solved on one column per EV and *segment*
   of steps: the optimum is exactly the per-step one, from a model that is many times smaller.
3. minimise cost (prices) or lateness, per step, on the full model with `phi` and the energy held.
   Lateness weighs earlier-leaving EVs a little more, so contested steps go to the same EVs step
   after step, which keeps set-points steady (DESIGN's smoothness objective, without a variable
   and a row per step and EV for it).

Lower bounds model the chargers' minimum power once the caller has fixed which steps are on.
"""

from dataclasses import dataclass
import time
from typing import Self

import highspy
import numpy as np
from numpy.typing import NDArray

from .constants import TOLERANCE
from .problem import FloatArray, IntArray, ScheduleProblem

#: Relative slack when a stage's optimum is held fixed for the next stage (solver round-off).
STAGE_SLACK = 1e-9

#: Weight of the earliness tie-break next to prices (a price per kWh dominates it).
PRICE_EARLINESS_WEIGHT = 1e-4


class LinearProgramError(RuntimeError):
    """HiGHS did not reach an optimal solution (status in the message)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class StageOptima:
    """The optimum of each stage: smallest fraction, energy (kWh), cost or lateness."""

    min_fraction: float
    energy_kwh: float
    cost: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Solution:
    """A schedule (kW, `(N, T)`), the stage optima and the time spent."""

    power: FloatArray
    optima: StageOptima
    build_s: float
    solve_s: float


def step_costs(problem: ScheduleProblem) -> FloatArray:
    """Cost of one kWh at each EV and step for the third stage, `(N, T)`.

    Prices when given, else the step's position (later is dearer), scaled per EV so an EV that
    leaves earlier is a little more eager: ties between EVs are broken the same way every step.
    """
    steps = problem.n_steps
    lateness = (np.arange(steps, dtype=np.float64) + 1) / steps
    order = np.argsort(np.argsort(problem.end, kind="stable"), kind="stable")
    eagerness = 1 + 0.1 * (1 - order / max(1, problem.n_evs))
    earliness = lateness[None, :] * eagerness[:, None]
    if problem.prices is None:
        return np.asarray(earliness, dtype=np.float64)
    return np.asarray(problem.prices[None, :] + PRICE_EARLINESS_WEIGHT * earliness)


def segment_starts(problem: ScheduleProblem, cells: NDArray[np.bool_]) -> IntArray:
    """First step of each run of steps that are alike for every EV and for the site limit.

    An EV's lower bound is the same in all its cells, so only which cells are open can differ.
    """
    changes = np.zeros(problem.n_steps, dtype=bool)
    changes[0] = True
    changes[1:] = (cells[:, 1:] != cells[:, :-1]).any(axis=0) | (
        problem.limit_kw[1:] != problem.limit_kw[:-1]
    )
    return np.nonzero(changes)[0]


def _assemble(
    problem: ScheduleProblem,
    *,
    ev_index: IntArray,
    group_index: IntArray,
    group_limit: FloatArray,
    hours: FloatArray,
    lower: FloatArray,
) -> tuple[highspy.HighsLp, bool]:
    """The HiGHS model, column-wise; and whether it has fairness rows (an EV wanting energy)."""
    n_vars = ev_index.size
    upper = np.minimum(problem.max_kw, problem.energy_kwh / problem.step_hours)[ev_index]
    # Site rows only where the EVs that may charge could together exceed the limit.
    reach = np.bincount(group_index, weights=upper, minlength=group_limit.size)
    binding = np.nonzero(reach > group_limit + TOLERANCE)[0]
    site_row = np.full(group_limit.size, -1, dtype=np.int64)
    site_row[binding] = np.arange(binding.size)
    # Fairness among EVs that want energy and have somewhere to take it.
    wanting = np.zeros(problem.n_evs, dtype=bool)
    wanting[ev_index] = True
    fair = np.nonzero(wanting & (problem.energy_kwh > 0))[0]
    n_site, n_ev = binding.size, problem.n_evs
    fair_row = np.full(n_ev, -1, dtype=np.int64)
    fair_row[fair] = n_site + n_ev + np.arange(fair.size)

    # Each x is in its site row (if any), its energy row and its fairness row (if any); the
    # last column, phi, is in every fairness row.
    in_site = site_row[group_index] >= 0
    in_fair = fair_row[ev_index] >= 0
    starts = np.zeros(n_vars + 2, dtype=np.int64)
    np.cumsum(1 + in_site + in_fair, out=starts[1 : n_vars + 1])
    starts[n_vars + 1] = starts[n_vars] + fair.size
    index = np.empty(starts[-1], dtype=np.int32)
    value = np.empty(starts[-1], dtype=np.float64)
    at = starts[:n_vars].copy()
    index[at[in_site]] = site_row[group_index[in_site]]
    value[at[in_site]] = 1.0
    at += in_site
    index[at] = n_site + ev_index
    value[at] = hours
    at += 1
    index[at[in_fair]] = fair_row[ev_index[in_fair]]
    value[at[in_fair]] = hours[in_fair]
    index[starts[n_vars] :] = fair_row[fair]
    value[starts[n_vars] :] = -problem.energy_kwh[fair]

    lp = highspy.HighsLp()
    lp.num_col_ = n_vars + 1
    lp.num_row_ = n_site + n_ev + fair.size
    lp.col_cost_ = np.zeros(n_vars + 1)
    lp.col_lower_ = np.append(np.minimum(lower, upper), 0.0)
    lp.col_upper_ = np.append(upper, 1.0 if fair.size else 0.0)
    lp.row_lower_ = np.concatenate(
        [np.full(n_site + n_ev, -highspy.kHighsInf), np.zeros(fair.size)]
    )
    lp.row_upper_ = np.concatenate(
        [group_limit[binding], problem.energy_kwh, np.full(fair.size, highspy.kHighsInf)]
    )
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.a_matrix_.num_col_ = n_vars + 1
    lp.a_matrix_.num_row_ = lp.num_row_
    return lp, bool(fair.size)


class _Model:
    """One HiGHS model over columns (EV, group of steps) plus `phi` as the last column."""

    def __init__(
        self,
        problem: ScheduleProblem,
        *,
        ev_index: IntArray,
        group_index: IntArray,
        group_limit: FloatArray,
        length: FloatArray,
        lower: FloatArray,
        time_limit_s: float,
    ) -> None:
        self.ev_index = ev_index
        self.group_index = group_index
        self.n_vars = ev_index.size
        self.hours = problem.step_hours * length
        lp, self.has_fairness = _assemble(
            problem,
            ev_index=ev_index,
            group_index=group_index,
            group_limit=group_limit,
            hours=self.hours,
            lower=lower,
        )
        self.solver = highspy.Highs()  # type: ignore[no-untyped-call]
        self.solver.setOptionValue("output_flag", False)  # noqa: FBT003 - positional only
        self.solver.setOptionValue("time_limit", float(max(time_limit_s, 1e-3)))
        # Measured: on these models presolve costs more than it saves (-30 % solve time).
        self.solver.setOptionValue("presolve", "off")
        self.solver.passModel(lp)
        self.columns = np.arange(self.n_vars, dtype=np.int32)

    @classmethod
    def per_step(
        cls,
        problem: ScheduleProblem,
        cells: NDArray[np.bool_],
        lower_kw: FloatArray,
        time_limit_s: float,
    ) -> Self:
        """A column per EV and step it may charge in."""
        ev_index, step_index = np.nonzero(cells)
        return cls(
            problem,
            ev_index=ev_index,
            group_index=step_index,
            group_limit=problem.limit_kw,
            length=np.ones(ev_index.size),
            lower=lower_kw[ev_index],
            time_limit_s=time_limit_s,
        )

    @classmethod
    def per_segment(
        cls,
        problem: ScheduleProblem,
        cells: NDArray[np.bool_],
        lower_kw: FloatArray,
        time_limit_s: float,
    ) -> Self:
        """A column per EV and segment of alike steps (exact for fairness and energy)."""
        starts = segment_starts(problem, cells)
        lengths = np.diff(np.append(starts, problem.n_steps)).astype(np.float64)
        ev_index, segment_index = np.nonzero(cells[:, starts])
        return cls(
            problem,
            ev_index=ev_index,
            group_index=segment_index,
            group_limit=problem.limit_kw[starts],
            length=lengths[segment_index],
            lower=lower_kw[ev_index],
            time_limit_s=time_limit_s,
        )

    def run(self, stage: str, sense: highspy.ObjSense, costs: FloatArray) -> float:
        """Optimise `costs` over the columns (the last one is `phi`); the optimum."""
        self.solver.changeObjectiveSense(sense)
        self.solver.changeColsCost(
            self.n_vars + 1, np.arange(self.n_vars + 1, dtype=np.int32), costs
        )
        self.solver.run()
        status = self.solver.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            msg = f"{stage} stage: HiGHS {self.solver.modelStatusToString(status)}"
            raise LinearProgramError(msg)
        return float(self.solver.getInfo().objective_function_value)

    def hold(self, phi: float, energy_kwh: float | None) -> None:
        """Keep `phi` and (if given) the total energy at least at their optima, less slack."""
        self.solver.changeColBounds(self.n_vars, max(0.0, phi * (1 - STAGE_SLACK)), 1.0)
        if energy_kwh is not None and self.n_vars:
            floor = max(0.0, energy_kwh * (1 - STAGE_SLACK) - STAGE_SLACK)
            self.solver.addRow(floor, highspy.kHighsInf, self.n_vars, self.columns, self.hours)

    def values(self) -> FloatArray:
        """The columns' values after the last run (without `phi`)."""
        return np.asarray(self.solver.getSolution().col_value, dtype=np.float64)[: self.n_vars]


def solve_stages(
    problem: ScheduleProblem,
    cells: NDArray[np.bool_],
    lower_kw: FloatArray,
    time_limit_s: float,
) -> Solution:
    """Solve the three stages over the `cells` (`(N, T)` bool) that may be non-zero.

    `lower_kw[i]` is the lowest power EV `i` may take in each of its cells (0, or its minimum
    when the caller has fixed which steps are on). Raises `LinearProgramError`, also when the
    time limit (s, for all stages together) runs out.
    """
    started = time.perf_counter()
    deadline = started + time_limit_s
    phi = 0.0
    build_s = solve_s = 0.0
    if cells.any():
        # Fairness on the per-segment model: exact, and a few milliseconds even at N = 100.
        segments = _Model.per_segment(problem, cells, lower_kw, time_limit_s)
        build_s = time.perf_counter() - started
        phi_cost = np.zeros(segments.n_vars + 1)
        phi_cost[-1] = 1.0
        if segments.has_fairness:
            phi = segments.run("fairness", highspy.ObjSense.kMaximize, phi_cost)
        solve_s = time.perf_counter() - started - build_s

    build_started = time.perf_counter()
    steps = _Model.per_step(problem, cells, lower_kw, deadline - build_started)
    steps.hold(phi, None)
    build_s += time.perf_counter() - build_started

    solve_started = time.perf_counter()
    # Energy on the per-step model (not the per-segment one) leaves HiGHS an optimal basis of
    # the full model, from which the cost stage needs few iterations (measured: 2x faster in
    # all than solving the cost stage from scratch with the energy held).
    energy = steps.run("energy", highspy.ObjSense.kMaximize, np.append(steps.hours, 0.0))
    steps.hold(phi, energy)
    costs = step_costs(problem)[steps.ev_index, steps.group_index] * problem.step_hours
    steps.solver.setOptionValue("time_limit", max(deadline - time.perf_counter(), 1e-3))
    cost = steps.run("cost", highspy.ObjSense.kMinimize, np.append(costs, 0.0))
    solve_s += time.perf_counter() - solve_started

    power = np.zeros((problem.n_evs, problem.n_steps))
    power[steps.ev_index, steps.group_index] = steps.values()
    return Solution(
        power=power,
        optima=StageOptima(min_fraction=phi, energy_kwh=energy, cost=cost),
        build_s=build_s,
        solve_s=solve_s,
    )


def semi_continuous_steps(
    problem: ScheduleProblem, cells: NDArray[np.bool_], time_limit_s: float
) -> NDArray[np.bool_] | None:
    """The steps each EV runs in, from the exact mixed-integer model of the first two stages.

    Each x is semi-continuous (0, or between the EV's minimum and maximum); HiGHS solves the
    fairness and then the energy stage by branch and bound. Its best schedule found within the
    time limit, optimal or not, fixes the steps; None if it found none.
    """
    model = _Model.per_step(problem, cells, problem.min_kw, time_limit_s)
    semi = int(highspy.HighsVarType.kSemiContinuous.value)
    continuous = int(highspy.HighsVarType.kContinuous.value)
    kinds = np.where(problem.min_kw[model.ev_index] > TOLERANCE, semi, continuous)
    model.solver.changeColsIntegrality(
        model.n_vars + 1,
        np.arange(model.n_vars + 1, dtype=np.int32),
        np.append(kinds, continuous).astype(np.uint8),
    )
    phi_cost = np.zeros(model.n_vars + 1)
    phi_cost[-1] = 1.0
    stages = (("fairness", phi_cost), ("energy", np.append(model.hours, 0.0)))
    values: FloatArray | None = None
    for stage, costs in stages:
        try:
            optimum = model.run(stage, highspy.ObjSense.kMaximize, costs)
        except LinearProgramError:
            # Out of time: the incumbent, if HiGHS has one, is still a valid schedule.
            if model.solver.getInfo().primal_solution_status != _FEASIBLE:
                return None if values is None else _support(model, problem, values)
            return _support(model, problem, model.values())
        values = model.values()
        if stage == "fairness":
            model.hold(optimum, None)
    return None if values is None else _support(model, problem, values)


_FEASIBLE = 2  # HiGHS solution status kSolutionStatusFeasible


def _support(model: _Model, problem: ScheduleProblem, values: FloatArray) -> NDArray[np.bool_]:
    """`(N, T)`: where a schedule over the model's columns is not 0."""
    support = np.zeros((problem.n_evs, problem.n_steps), dtype=bool)
    support[model.ev_index, model.group_index] = values > TOLERANCE
    return support
