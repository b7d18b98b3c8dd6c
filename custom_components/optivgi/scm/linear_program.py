"""The charging LP as a table of stages, solved in order by one loop (DESIGN §2).

Each stage optimises one objective over a `Model` (`lp_model.py`, built from the named blocks of
`lp_blocks.py`) and then holds its optimum as a constraint for the stages after it:

======== ========= ==========================================================================
stage    model     objective, and what it holds
======== ========= ==========================================================================
fairness segments  leximin: maximise the smallest delivered fraction; the EVs that cannot do
                   better (a positive dual on their fairness row) keep it as an energy floor,
                   the others go on to the next round (progressive filling, `LEXIMIN_ROUNDS`)
energy   steps     maximise the energy; skipped when every EV's share is already settled
track    steps     with prices or a surplus only: the earliest plan, whose first-half energy
                   per EV partly becomes a floor (`tariff.py`), so a tariff (or the sun) cannot
                   starve the closed loop; with idle chargers, the site rows are lowered to
                   the room left for cars yet to arrive (`tariff.arrival_room`)
cost     steps     minimise cost (prices, less what a surplus saves) or lateness, higher priority
                   first (`step_costs`); with a previous plan, EVs of one priority are alike and
                   the cost is held for the next stage
stability steps    closest to the previous cycle's plan in the first step (when one is given):
                   it chooses between EVs where the cost stage left a tie
======== ========= ==========================================================================

`STAGES` is that table; `MIP_STAGES` runs fairness (one round, within `FAIRNESS_TOLERANCE`) and
energy on the exact mixed-integer model (`lp_mip.py`), whose steps the repair then re-solves
with `STAGES`.
Fairness runs on one column per EV and *segment* of alike steps: exact, as the fractions depend
only on each EV's total, and many times smaller than the per-step model. Where segments do not
make it smaller (a limit that changes every step), fairness runs on the per-step model itself.
Large fairness stages use the interior point method (`IPM_MIN_COLUMNS`).

With a solar surplus forecast the cost stage adds solar columns: see `solar.py`. With per-phase
limits every model of every stage also holds the `phase limit` rows (`lp_blocks.py`), and steps
are alike for a segment only if their phase limits are equal too.
"""

from collections.abc import Callable
from dataclasses import dataclass
import time

import highspy
import numpy as np
from numpy.typing import NDArray

from .constants import TOLERANCE
from .dual_bound import StepDuals
from .lp_blocks import eagerness_order, segment_starts, step_costs
from .lp_model import Model, Solution, StageOptima
from .lp_run import ModelKind, Run
from .lp_settings import LinearProgramError, SolverSettings
from .lp_track import track_stage
from .problem import FloatArray, ScheduleProblem

__all__ = [
    "LinearProgramError",
    "Solution",
    "StageOptima",
    "eagerness_order",
    "segment_starts",
    "solve_stages",
    "step_costs",
]

#: Relative slack when a stage's optimum is held for the next stage (solver round-off).
STAGE_SLACK = 1e-9
#: Fractions closer than this are equally fair: a gain below it never costs energy.
FAIRNESS_TOLERANCE = 1e-4
#: Leximin rounds at most; EVs not settled by then keep the last round's fraction as a floor.
LEXIMIN_ROUNDS = 8
#: The rounds on a fairness model large enough for the interior point method.
LARGE_LEXIMIN_ROUNDS = 3
#: Steps the stability stage keeps close to the last plan: the set-points of now (1 h: 2 s).
STABILITY_STEPS = 1
#: From this many columns the fairness stage runs HiGHS's interior point method (with crossover, so
#: the later stages still start from a basis). Measured on the house family: 50 x 480, 8.1 s of
#: dual simplex against 1.3 s; at 10 x 288, 20 ms against 46 ms.
IPM_MIN_COLUMNS = 5000
#: Fairness runs on segments only when they have at most 1/`SEGMENT_GAIN` of the steps.
SEGMENT_GAIN = 2
#: A dual below this is round-off: the EV's share could still rise.
_DUAL_TOLERANCE = 1e-9


def _fairness(run: Run, model: Model, rounds: int | None = None) -> None:
    """Leximin by progressive filling; one round within `FAIRNESS_TOLERANCE` for the MIP.

    `rounds` (default `LEXIMIN_ROUNDS`, 1 for the MIP) bounds the rounds. EVs already held at
    a floor (a search for a later level, `later_shares.py`) do not limit the fraction.
    """
    problem, columns = run.problem, model.columns
    free = model.blocks["fairness"][0].owner
    held = free[run.floors[free] > 0]
    if held.size:
        model.hold_floors(held, run.floors[held])
        free = free[run.floors[free] <= 0]
    costs = np.zeros(model.n_cols)
    costs[-1] = 1.0
    interior = not run.integral and columns.size >= IPM_MIN_COLUMNS
    if rounds is None:
        rounds = 1 if run.integral else LARGE_LEXIMIN_ROUNDS if interior else LEXIMIN_ROUNDS
    model.solver.setOptionValue("solver", "ipm" if interior else "simplex")
    if run.integral:  # the energy stage holds the share less the tolerance anyway
        model.solver.setOptionValue("mip_abs_gap", FAIRNESS_TOLERANCE)
    # Some EVs were held at a round's fraction that they could exceed (the last round, or no
    # positive dual): their shares are floors, not settled.
    unsettled = False
    for round_ in range(rounds):
        if not free.size:
            break
        phi = run.optimise(model, "fairness", highspy.ObjSense.kMaximize, costs)
        if round_ == 0:
            run.phi = phi
        blocked = free
        unsettled = phi < 1 - TOLERANCE
        if not run.integral and phi < 1 - TOLERANCE and round_ < rounds - 1:
            fair_block = model.blocks["fairness"][0]
            duals = np.zeros(columns.n_evs)
            duals[fair_block.owner] = np.abs(model.row_duals("fairness"))
            blocked = free[duals[free] > _DUAL_TOLERANCE]
            unsettled = not blocked.size
            blocked = blocked if blocked.size else free
        if run.integral:
            floor = max(phi - FAIRNESS_TOLERANCE, 0.0) * problem.energy_kwh[blocked]
        else:
            floor = phi * (1 - STAGE_SLACK) * problem.energy_kwh[blocked]
        run.floors[blocked] = floor
        model.hold_floors(blocked, floor)
        free = np.setdiff1d(free, blocked)
    model.solver.setOptionValue("solver", "simplex")
    run.settled = not free.size and not run.integral and rounds > 1
    # When the rounds run out before every level is found, the last round's EVs are held at a
    # share they could exceed: the energy stage must still fill what the floors leave (`base`
    # 50 x 480, seed 0: 1174 of 1702 kWh without it; `phases` 953.7 of 1612.3 kWh).
    if unsettled:
        run.settled = False


def _energy(run: Run, model: Model, *, hold: bool = True) -> None:
    """Maximise the energy; hold it (`hold`, and not for the MIP, whose last stage it is)."""
    hours = model.columns.hours
    if run.settled:
        # Every EV sits at its leximin share: the floors already fix the total.
        run.energy = float(run.floors.sum())
        return
    costs = np.append(hours, np.zeros(model.n_cols - hours.size))
    if run.integral and model.has_solution():
        model.start_from(model.values())  # the fairness stage's schedule is feasible here
    if run.integral:
        model.solver.setOptionValue("mip_rel_gap", run.settings.mip_energy_gap)
    # Large, after fairness on this model: interior point again (100 x 1440 with minimums,
    # 0.39 s against 1.27 s); after fairness on segments, simplex (50 x 480: 48 against 132 ms).
    interior = not run.integral and not run.aggregate and model.columns.size >= IPM_MIN_COLUMNS
    model.solver.setOptionValue("solver", "ipm" if interior else "simplex")
    run.energy = run.optimise(model, "energy", highspy.ObjSense.kMaximize, costs)
    model.solver.setOptionValue("solver", "simplex")
    if hold and not run.integral:
        floor = max(0.0, run.energy * (1 - STAGE_SLACK) - STAGE_SLACK)
        model.add_row(floor, highspy.kHighsInf, hours)


def _cost(run: Run, model: Model) -> None:
    """Minimise cost or lateness (with a surplus: less its solar columns); hold it for stability."""
    columns = model.columns
    eager = run.previous_kw is None
    costs = step_costs(run.problem, by_departure=eager)[columns.ev, columns.steps()] * columns.hours
    solar = model.add_solar(run.problem)
    solar_costs = None if solar is None else solar.cost
    run.cost = run.optimise(
        model,
        "cost",
        highspy.ObjSense.kMinimize,
        np.append(costs, [0.0] * (model.n_cols - costs.size)),
        solar_costs,
        primal_first=not eager,  # alike EVs: dual degenerate (`PRIMAL_FIRST_ITERATIONS`)
    )
    if not eager:
        if solar_costs is not None:
            costs = np.concatenate([costs, np.zeros(model.n_cols - costs.size), solar_costs])
        model.add_row(-highspy.kHighsInf, run.cost + STAGE_SLACK * abs(run.cost) + 1e-7, costs)


def _stability(run: Run, model: Model) -> None:
    """Among equal plans, the one closest (kWh) to the previous plan in the first steps."""
    if run.previous_kw is None:
        return
    columns = model.columns
    steps = columns.steps()
    horizon = min(STABILITY_STEPS, run.problem.n_steps)  # at most the horizon
    target = run.previous_kw[columns.ev, steps]
    near = np.nonzero((steps < horizon) & np.isfinite(target))[0]
    if not near.size:
        return
    # The first step is what the chargers get now: moving it weighs as much as the rest together.
    weight = columns.hours[near] * np.where(steps[near] == 0, horizon, 1.0)
    model.add_closeness(near, np.minimum(target[near], columns.upper[near]), weight)
    run.optimise(model, "stability", highspy.ObjSense.kMinimize, np.zeros(model.n_cols))


@dataclass(frozen=True, kw_only=True, slots=True)
class Stage:
    """One row of the stage table: its name, the model it runs on, and what it does."""

    name: str
    model: ModelKind
    solve: Callable[[Run, Model], None]


STAGES: tuple[Stage, ...] = (
    Stage(name="fairness", model="segments", solve=_fairness),
    Stage(name="energy", model="steps", solve=_energy),
    Stage(name="track", model="steps", solve=track_stage),
    Stage(name="cost", model="steps", solve=_cost),
    Stage(name="stability", model="steps", solve=_stability),
)
MIP_STAGES: tuple[Stage, ...] = (
    Stage(name="fairness", model="steps", solve=_fairness),
    Stage(name="energy", model="steps", solve=_energy),
)


def _bound_fairness(run: Run, model: Model) -> None:
    """One round, without crossover: a bound needs no basis (100 x 1440: 0.92 -> 0.75 s).

    Without crossover HiGHS may stop short of optimal ("Unknown": `minimums` 100 x 1440,
    seed 2, after 22 interior point iterations); that round is solved again with it.
    """
    model.solver.setOptionValue("run_crossover", "off")
    try:
        _fairness(run, model, rounds=1)
    except LinearProgramError as err:
        if err.infeasible:
            raise
        model.solver.setOptionValue("run_crossover", "on")
        _fairness(run, model, rounds=1)
    run.duals["fairness"] = StepDuals.of(model, run.problem)


def _bound_energy(run: Run, model: Model) -> None:
    """The energy, not held (nothing follows); its duals bound the next cycle's (`dual_bound`)."""
    _energy(run, model, hold=False)
    run.duals["energy"] = StepDuals.of(model, run.problem)


#: The relaxed LP's `Score` only (the smallest fraction, then the most energy with every EV at
#: it): one fairness round and the energy, without the rounds, cost and stability after them.
BOUND_STAGES: tuple[Stage, ...] = (
    Stage(name="fairness", model="segments", solve=_bound_fairness),
    Stage(name="energy", model="steps", solve=_bound_energy),
)
#: The bound's smallest fraction alone, for a schedule whose energy a cut proves (`flow_cut`).
BOUND_FAIRNESS: tuple[Stage, ...] = BOUND_STAGES[:1]


#: Stages that only break ties: one HiGHS finds infeasible (a held optimum, by round-off; seen
#: on `minimums` 10 x 288, seed 3) leaves the schedule before it. Other failures still fail.
_TIE_BREAKERS = frozenset({"track", "cost", "stability"})


def run_stages(stages: tuple[Stage, ...], run: Run) -> tuple[Model, FloatArray]:
    """The stage loop: each stage on its model, in order; the last model and its values.

    A tie-breaker found infeasible (`_TIE_BREAKERS`) leaves the per-step model's values of the
    last stage solved on it (`Run.solved`); without such a stage, it fails the solve.
    """
    model: Model | None = None
    for stage in stages:
        model = run.model(stage.model)
        try:
            stage.solve(run, model)
        except LinearProgramError as err:
            if not err.infeasible or stage.name not in _TIE_BREAKERS or run.solved is None:
                raise
            return run.solved
    assert model is not None  # noqa: S101 - both tables are non-empty
    return model, model.values()


def solve_stages(
    problem: ScheduleProblem,
    cells: NDArray[np.bool_],
    lower_kw: FloatArray,
    time_limit_s: float,
    *,
    previous_kw: FloatArray | None = None,
    stages: tuple[Stage, ...] | None = None,
) -> Solution:
    """Solve `stages` (default `STAGES`) over the `cells` (`(N, T)` bool) that may be non-zero.

    `lower_kw[i]` is the lowest power EV `i` may take in each of its cells (0, or its minimum
    when the caller has fixed which steps are on). `previous_kw` is the last cycle's plan on this
    grid (kW, NaN where it had none) for the stability stage. Raises `LinearProgramError`, also
    when the wall-clock guard `time_limit_s` (s, all stages together) runs out.
    """
    run = Run(
        problem=problem,
        cells=cells,
        lower_kw=lower_kw,
        integral=False,
        settings=SolverSettings(deadline_s=time.perf_counter() + time_limit_s),
        previous_kw=previous_kw,
        start_kw=None,
        floors=np.zeros(problem.n_evs),
    )
    power = np.zeros((problem.n_evs, problem.n_steps))
    run.aggregate = SEGMENT_GAIN * segment_starts(problem, cells).size <= problem.n_steps
    if cells.any():
        model, values = run_stages(STAGES if stages is None else stages, run)
        power[model.columns.ev, model.columns.steps()] = values[: model.columns.size]
    return Solution(
        power=power,
        optima=StageOptima(min_fraction=run.phi, energy_kwh=run.energy, cost=run.cost),
        build_s=run.build_s,
        solve_s=run.solve_s,
        duals=run.bound_duals(),
        fairness_duals=run.duals.get("fairness"),
    )
