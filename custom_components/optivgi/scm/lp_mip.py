"""The exact mixed-integer model of the charging LP: which steps each EV really runs in.

`MIP_STAGES` of `linear_program.py` on semi-continuous columns (0, or between the EV's minimum
and maximum); the repair in `pulp_numerical_algorithm.py` then re-solves the steps it chose
with the LP's `STAGES`.
"""

import time

import highspy
import numpy as np
from numpy.typing import NDArray

from .constants import TOLERANCE
from .linear_program import FAIRNESS_TOLERANCE, MIP_STAGES, run_stages
from .lp_run import Run
from .lp_settings import (
    ENERGY_PROOF,
    MIP_NODE_LIMIT,
    LinearProgramError,
    NodeBudget,
    SolverSettings,
)
from .problem import FloatArray, ScheduleProblem


def semi_continuous_steps(
    problem: ScheduleProblem,
    cells: NDArray[np.bool_],
    time_limit_s: float,
    *,
    start_kw: FloatArray | None = None,
    nodes: int | None = None,
    fraction_floor: float | FloatArray | None = None,
    budget: NodeBudget | None = None,
    fixed_on: NDArray[np.bool_] | None = None,
    held_kwh: FloatArray | None = None,
) -> NDArray[np.bool_] | None:
    """The steps each EV runs in, from the exact mixed-integer model.

    Each x is semi-continuous (0, or between the EV's minimum and maximum); HiGHS solves
    `MIP_STAGES` by branch and bound within `nodes` nodes per stage (deterministic), from the
    feasible schedule `start_kw` (kW) if given. Its best schedule fixes the steps; None if it has
    none (or the wall-clock guard `time_limit_s` ran out).

    With `fraction_floor` (the relaxed LP's smallest fraction, or one share per EV), every EV is
    held at its share less half `FAIRNESS_TOLERANCE` and only the energy is maximised: one
    search instead of two, on a tighter model. None when no schedule reaches those shares.

    With a `budget` (shared by the searches of one repair), the stages use no more nodes than
    are left in it; None at once when none are, or when the guard has run out. Cells in
    `fixed_on` are on in every schedule of the model: only the others are chosen.

    With `held_kwh` (kWh per EV, 0 for none), the EVs with a floor keep it and the fairness
    stage raises the smallest fraction of the others only: a later leximin level.
    """
    if time_limit_s <= 0 or (budget is not None and budget.left <= 0):
        return None
    settings = SolverSettings(
        deadline_s=time.perf_counter() + time_limit_s,
        mip_nodes=MIP_NODE_LIMIT if nodes is None else nodes,
        budget=budget,
        # Each EV held at its own relaxed share: any schedule carries the relaxed energy (less
        # the tolerance), so the first one found is as good as the best. A later level's search
        # chooses steps only: the LP over them fills them (`Repair.try_steps`).
        mip_energy_gap=ENERGY_PROOF
        if isinstance(fraction_floor, float | None) and held_kwh is None
        else highspy.kHighsInf,
    )
    run = Run(
        problem=problem,
        cells=cells,
        lower_kw=problem.min_kw,
        integral=True,
        settings=settings,
        previous_kw=None,
        start_kw=start_kw,
        floors=np.zeros(problem.n_evs) if held_kwh is None else held_kwh.copy(),
        fixed_on=fixed_on,
    )
    stages = MIP_STAGES
    if fraction_floor is not None:
        counted = cells.any(axis=1)
        share = np.maximum(np.asarray(fraction_floor) - FAIRNESS_TOLERANCE / 2, 0.0)
        run.floors = np.where(counted, share * problem.energy_kwh, 0.0)
        run.phi = float(np.min(share))
        stages = MIP_STAGES[1:]
    try:
        model, values = run_stages(stages, run)
    except LinearProgramError:
        return None
    support = np.zeros((problem.n_evs, problem.n_steps), dtype=bool)
    x = values[: model.columns.size]
    support[model.columns.ev, model.columns.steps()] = x > TOLERANCE
    return support
