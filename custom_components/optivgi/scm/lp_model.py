"""One HiGHS model of the constraint blocks, optimised stage after stage.

`Model` owns a `highspy.Highs` built from `lp_blocks`: the stages change its objective and tighten
its rows (a stage's optimum becomes the next stage's constraint), so HiGHS re-solves from the last
basis instead of from scratch. Options are chosen by size, as measured (see `SolverSettings`).
The 20 s guard (`deadline_s`) is the only wall-clock limit: a mixed-integer solve stops after a
number of branch-and-bound nodes, so its result never depends on how fast or busy the CPU is.
"""

from dataclasses import dataclass
import time

import highspy
import numpy as np
from numpy.typing import NDArray

from .constants import TOLERANCE
from .dual_bound import BoundDuals, StepDuals
from .lp_blocks import (
    Block,
    Columns,
    assemble,
    energy_cap_rows,
    fairness_rows,
    phase_limit_rows,
    site_limit_rows,
)
from .lp_settings import (
    PRESOLVE_MIN_COLUMNS,
    PRIMAL_FIRST_ITERATIONS,
    UNSCALED_MAX_COLUMNS,
    LinearProgramError,
    SolverSettings,
)
from .problem import FloatArray, IntArray, ScheduleProblem
from .solar import SolarColumns, solar_columns

_SEMI = int(highspy.HighsVarType.kSemiContinuous.value)
_CONTINUOUS = int(highspy.HighsVarType.kContinuous.value)
_FEASIBLE = 2  # HiGHS primal_solution_status kSolutionStatusFeasible
_DUAL_SIMPLEX, _PRIMAL_SIMPLEX = 1, 4  # HiGHS simplex_strategy (1 is its default)
_STOPPED_WITH_SOLUTION = frozenset(
    {
        highspy.HighsModelStatus.kSolutionLimit,
        highspy.HighsModelStatus.kInterrupt,
        highspy.HighsModelStatus.kIterationLimit,
    }
)


class Model:
    """The blocks `site limit`, `phase limit` (if any), `energy cap` and (with `phi`) `fairness`."""

    def __init__(
        self,
        problem: ScheduleProblem,
        columns: Columns,
        *,
        floor_kwh: FloatArray,
        with_phi: bool,
        integral: bool,
        settings: SolverSettings,
        fixed_on: NDArray[np.bool_] | None = None,
    ) -> None:
        """Assemble and pass the model; `integral` makes minimum-power cells semi-continuous.

        Columns marked in `fixed_on` stay continuous from their minimum: on, not chosen.
        """
        self.columns = columns
        self.settings = settings
        self.integral = integral
        # With idle chargers a priced plan's site rows are lowered (`cap_site`): rows wherever
        # the EVs could exceed the limit less what those chargers could draw.
        blocks = [site_limit_rows(columns, problem.idle_kw if problem.priced else 0.0)]
        phase_rows = phase_limit_rows(columns, problem)
        if phase_rows is not None:
            blocks.append(phase_rows)
        blocks.append(energy_cap_rows(columns, problem, floor_kwh))
        if with_phi:
            blocks.append(fairness_rows(columns, problem))
        self.blocks: dict[str, tuple[Block, int]] = {}
        offset = 0
        for block in blocks:
            self.blocks[block.name] = (block, offset)
            offset += block.n_rows
        self.n_cols = columns.size + int(with_phi)
        #: The solar columns (after `n_cols`) once `add_solar` has added them.
        self.solar: SolarColumns | None = None
        self.solver = highspy.Highs()  # type: ignore[no-untyped-call]
        self.solver.setOptionValue("output_flag", False)  # noqa: FBT003 - positional only
        presolve = "on" if columns.size >= PRESOLVE_MIN_COLUMNS and not integral else "off"
        self.solver.setOptionValue("presolve", presolve)
        if columns.size <= UNSCALED_MAX_COLUMNS and not integral:
            self.solver.setOptionValue("simplex_scale_strategy", 0)
        self.solver.passModel(assemble(columns, tuple(blocks), with_phi=with_phi))
        if integral:
            chosen = columns.lower > TOLERANCE
            if fixed_on is not None:
                chosen &= ~fixed_on
            kinds = np.where(chosen, _SEMI, _CONTINUOUS)
            self.solver.changeColsIntegrality(
                self.n_cols,
                np.arange(self.n_cols, dtype=np.int32),
                np.append(kinds, [_CONTINUOUS] * with_phi).astype(np.uint8),
            )

    def optimise(
        self,
        stage: str,
        sense: highspy.ObjSense,
        costs: FloatArray,
        solar_costs: FloatArray | None = None,
        *,
        primal_first: bool = False,
    ) -> float:
        """Optimise `costs` (one per column, `phi` last) and `solar_costs` (0 if None); the optimum.

        `primal_first` runs up to `PRIMAL_FIRST_ITERATIONS` of primal simplex from the last
        basis before dual simplex (for an objective whose optimum the last stage nearly holds).
        A mixed-integer stage that used up its nodes returns its best schedule so far; anything
        else short of optimal (or the wall-clock guard) is a `LinearProgramError`.
        """
        remaining = self.settings.deadline_s - time.perf_counter()
        self.solver.setOptionValue("time_limit", float(max(remaining, 1e-3)))
        budget = self.settings.budget
        if self.integral:
            nodes = self.settings.mip_nodes
            if budget is not None:
                nodes = max(1, min(nodes, budget.left))
            self.solver.setOptionValue("mip_max_nodes", nodes)
        self.solver.changeObjectiveSense(sense)
        self.solver.changeColsCost(self.n_cols, np.arange(self.n_cols, dtype=np.int32), costs)
        if self.solar is not None:
            n = self.solar.step.size
            self.solver.changeColsCost(
                n,
                np.arange(self.n_cols, self.n_cols + n, dtype=np.int32),
                np.zeros(n) if solar_costs is None else solar_costs,
            )
        if primal_first and not self.integral:
            self._run_primal_first()
        else:
            self.solver.run()
        if self.integral and budget is not None:
            budget.left -= max(1, int(self.solver.getInfo().mip_node_count))
        status = self.solver.getModelStatus()
        stopped = self.integral and status in _STOPPED_WITH_SOLUTION and self.has_solution()
        if status != highspy.HighsModelStatus.kOptimal and not stopped:
            msg = f"{stage} stage: HiGHS {self.solver.modelStatusToString(status)}"
            raise LinearProgramError(msg, infeasible=status == highspy.HighsModelStatus.kInfeasible)
        return float(self.solver.getInfo().objective_function_value)

    def _run_primal_first(self) -> None:
        """Primal simplex for a few iterations, then (unless it is done) dual simplex."""
        solver = self.solver
        solver.setOptionValue("simplex_strategy", _PRIMAL_SIMPLEX)
        solver.setOptionValue("simplex_iteration_limit", PRIMAL_FIRST_ITERATIONS)
        try:
            solver.run()
        finally:
            solver.setOptionValue("simplex_strategy", _DUAL_SIMPLEX)
            solver.setOptionValue("simplex_iteration_limit", highspy.kHighsIInf)
        if solver.getModelStatus() == highspy.HighsModelStatus.kIterationLimit:
            solver.run()

    def has_solution(self) -> bool:
        """Whether HiGHS holds a feasible schedule (an incumbent, for a mixed-integer stage)."""
        return bool(self.solver.getInfo().primal_solution_status == _FEASIBLE)

    def values(self) -> FloatArray:
        """Every column's value after the last run (`phi` last, if any)."""
        return np.asarray(self.solver.getSolution().col_value, dtype=np.float64)[: self.n_cols]

    def row_duals(self, name: str) -> FloatArray:
        """The duals of one block's rows after the last (continuous) run."""
        block, offset = self.blocks[name]
        duals = np.asarray(self.solver.getSolution().row_dual, dtype=np.float64)
        return duals[offset : offset + block.n_rows]

    def start_from(self, values: FloatArray) -> None:
        """Give HiGHS a feasible schedule to start from (a mixed-integer incumbent)."""
        solution = highspy.HighsSolution()
        solution.col_value = list(values)
        solution.value_valid = True
        self.solver.setSolution(solution)

    def hold_floors(self, evs: IntArray, floor_kwh: FloatArray) -> None:
        """Raise the energy cap rows' lower bounds of `evs` to `floor_kwh` (kWh, one each)."""
        block, offset = self.blocks["energy cap"]
        row_of = np.full(self.columns.n_evs, -1, dtype=np.int64)
        row_of[block.owner] = np.arange(block.n_rows)
        rows = row_of[evs]
        keep = rows >= 0
        rows = rows[keep]
        lower = np.minimum(floor_kwh[keep], block.upper[rows])
        self.solver.changeRowsBounds(  # type: ignore[attr-defined] # not in highspy's stubs
            rows.size, (rows + offset).astype(np.int32), lower, block.upper[rows]
        )
        if "fairness" in self.blocks:
            fair, fair_offset = self.blocks["fairness"]
            fair_of = np.full(self.columns.n_evs, -1, dtype=np.int64)
            fair_of[fair.owner] = np.arange(fair.n_rows)
            for row in fair_of[evs[keep]].tolist():
                if row >= 0:  # its share is held: it no longer limits phi
                    self.solver.changeCoeff(row + fair_offset, self.columns.size, 0.0)

    def cap_site(self, upper_kw: FloatArray) -> None:
        """Lower the `site limit` rows to `upper_kw` (kW per group; never above the limit)."""
        block, offset = self.blocks["site limit"]
        rows = np.arange(block.n_rows, dtype=np.int32) + offset
        upper = np.minimum(upper_kw[block.owner], block.upper)
        lower = np.full(rows.size, -highspy.kHighsInf)
        self.solver.changeRowsBounds(rows.size, rows, lower, upper)  # type: ignore[attr-defined]

    def add_row(self, lower: float, upper: float, coefficients: FloatArray) -> None:
        """Add one dense row over the kW columns (`lower <= coefficients . x <= upper`)."""
        nonzero = np.nonzero(coefficients)[0].astype(np.int32)
        self.solver.addRow(lower, upper, nonzero.size, nonzero, coefficients[nonzero])

    def add_sum_rows(
        self, owner: IntArray, cols: IntArray, coefficients: FloatArray, lower: FloatArray
    ) -> None:
        """Add `sum_k coefficients[k] x[cols[k]] >= lower[i]` for each `i` in `owner` (kWh)."""
        if not cols.size:
            return
        order = np.argsort(owner, kind="stable")
        owner, cols, coefficients = owner[order], cols[order], coefficients[order]
        rows, starts = np.unique(owner, return_index=True)
        self.solver.addRows(
            rows.size,
            lower[rows],
            np.full(rows.size, highspy.kHighsInf),
            cols.size,
            starts.astype(np.int32),
            cols.astype(np.int32),
            coefficients,
        )

    def add_solar(self, problem: ScheduleProblem) -> SolarColumns | None:
        """Add the solar columns and rows (`solar.solar_columns`) once; None if none pay.

        Only before any other column is added (`add_closeness`), so they follow `n_cols`.
        """
        if self.solar is None and self.solver.getNumCol() == self.n_cols:
            self.solar = solar_columns(self.columns, problem, self.n_cols)
            if self.solar is not None:
                n, rows = self.solar.step.size, self.solar.rows
                self.solver.addCols(
                    n,
                    np.zeros(n),
                    np.zeros(n),
                    self.solar.cap_kw,
                    0,
                    np.zeros(0, np.int32),
                    np.zeros(0, np.int32),
                    np.zeros(0),
                )
                starts = np.searchsorted(rows.row, np.arange(n)).astype(np.int32)
                self.solver.addRows(
                    n,
                    rows.lower,
                    rows.upper,
                    rows.col.size,
                    starts,
                    rows.col.astype(np.int32),
                    rows.value,
                )
        return self.solar

    def add_closeness(self, cells: IntArray, target_kw: FloatArray, weight: FloatArray) -> None:
        """Add `|x[c] - target[c]|` as `u + v` with `x - u + v = target` (kW), costed by weight."""
        n = cells.size
        if not n:
            return
        first = self.solver.getNumCol()
        self.solver.changeColsCost(
            self.n_cols, np.arange(self.n_cols, dtype=np.int32), np.zeros(self.n_cols)
        )
        self.solver.addCols(
            2 * n,
            np.tile(weight, 2),
            np.zeros(2 * n),
            np.full(2 * n, highspy.kHighsInf),
            0,
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0),
        )
        starts = np.arange(n, dtype=np.int32) * 3
        index = np.column_stack([cells, first + np.arange(n), first + n + np.arange(n)])
        value = np.tile([1.0, -1.0, 1.0], n)
        self.solver.addRows(
            n, target_kw, target_kw, 3 * n, starts, index.ravel().astype(np.int32), value
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class StageOptima:
    """The optimum of each stage: smallest fraction, energy (kWh), cost or lateness."""

    min_fraction: float
    energy_kwh: float
    cost: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Solution:
    """A schedule (kW, `(N, T)`), the stage optima and the time spent (s)."""

    power: FloatArray
    optima: StageOptima
    build_s: float
    solve_s: float
    #: The bound's duals, when `BOUND_STAGES` ran (`dual_bound.py`).
    duals: BoundDuals | None = None
    #: The bound's fairness duals, also when only its fairness stage ran (`BOUND_FAIRNESS`).
    fairness_duals: StepDuals | None = None
