"""One solve's state, which the linear program's stages share (`linear_program.py`)."""

from dataclasses import dataclass, field
import time
from typing import Literal

import highspy
import numpy as np
from numpy.typing import NDArray

from .dual_bound import BoundDuals, StepDuals
from .lp_blocks import Columns
from .lp_model import Model
from .lp_settings import SolverSettings
from .problem import FloatArray, ScheduleProblem

type ModelKind = Literal["segments", "steps"]


@dataclass(kw_only=True)
class Run:
    """One solve's state: the inputs, what the stages so far hold, and the models built."""

    problem: ScheduleProblem
    cells: NDArray[np.bool_]
    lower_kw: FloatArray
    integral: bool
    settings: SolverSettings
    previous_kw: FloatArray | None
    start_kw: FloatArray | None
    floors: FloatArray
    phi: float = 0.0
    energy: float = 0.0
    cost: float = 0.0
    #: Every EV's share is fixed by the fairness stage (so the energy stage has nothing to do).
    settled: bool = False
    models: dict[ModelKind, Model] = field(default_factory=dict)
    #: Whether fairness runs on the per-segment model (see `model`).
    aggregate: bool = True
    build_s: float = 0.0
    solve_s: float = 0.0
    #: Cells (`(N, T)`) a mixed-integer model holds on (between the minimum and the maximum)
    #: instead of choosing: None, every cell with a minimum is chosen.
    fixed_on: NDArray[np.bool_] | None = None
    #: The per-step model and its values after the last stage solved on it (`run_stages`
    #: falls back on them): changing a model afterwards (a held optimum) discards HiGHS's.
    solved: tuple[Model, FloatArray] | None = None
    #: The duals the bound's stages keep, by stage (`linear_program.BOUND_STAGES`).
    duals: dict[Literal["fairness", "energy"], StepDuals] = field(default_factory=dict)

    def model(self, kind: ModelKind) -> Model:
        """The model of that kind, built on first use with the floors held so far.

        When segments would not make the model at least `linear_program.SEGMENT_GAIN` times
        smaller (a limit that changes every step), fairness runs on the per-step model itself:
        one build, and the later stages start from its basis.
        """
        if kind == "segments" and not self.aggregate:
            kind = "steps"
        if kind not in self.models:
            started = time.perf_counter()
            columns = Columns.build(
                self.problem, self.cells, self.lower_kw, per_segment=kind == "segments"
            )
            model = Model(
                self.problem,
                columns,
                floor_kwh=self.floors,
                with_phi=kind == "segments" or self.integral or not self.aggregate,
                integral=self.integral,
                settings=self.settings,
                fixed_on=None
                if self.fixed_on is None
                else self.fixed_on[columns.ev, columns.steps()],
            )
            if self.start_kw is not None and self.integral:
                start = self.start_kw[columns.ev, columns.steps()]
                model.start_from(np.append(start, self.problem.min_fraction(self.start_kw)))
            self.models[kind] = model
            self.build_s += time.perf_counter() - started
        return self.models[kind]

    def optimise(
        self,
        model: Model,
        stage: str,
        sense: highspy.ObjSense,
        costs: FloatArray,
        solar_costs: FloatArray | None = None,
        *,
        primal_first: bool = False,
    ) -> float:
        """Run one stage on a model, timed (`primal_first`: see `Model.optimise`)."""
        started = time.perf_counter()
        try:
            optimum = model.optimise(stage, sense, costs, solar_costs, primal_first=primal_first)
        finally:
            self.solve_s += time.perf_counter() - started
        if self.models.get("steps") is model:
            self.solved = model, model.values()
        return optimum

    def bound_duals(self) -> BoundDuals | None:
        """The duals of the bound's stages, if both ran (`linear_program.BOUND_STAGES`)."""
        fairness, energy = self.duals.get("fairness"), self.duals.get("energy")
        if fairness is None or energy is None:
            return None
        return BoundDuals(ev_ids=self.problem.ev_ids, fairness=fairness, energy=energy)
