"""The exact optima with minimum powers, by HiGHS's branch and bound to proven optimality.

Each cell has an on/off binary `z` with `min * z <= x <= max * z` (no time or node limit unless
asked, relative gap 1e-9): the references of the benchmark (`scripts/bench.py`) and the tests
for the repair. Only for small sites; they may take minutes beyond.

`exact_with_minimums` maximises the smallest fraction, then the energy. `exact_leximin` is the
lexicographic optimum the algorithm's order asks for: leximin, then energy. It maximises, in
turn, the sum of the `k` smallest fractions for `k = 1..N` (Ogryczak's formulation: `k t_k -
sum_i d_ik` with `d_ik >= t_k - f_i`, `d_ik >= 0`), each held for the next, so it needs no
probe per EV as `pulp_oracle._leximin` does; then the energy.
"""

from dataclasses import dataclass

import numpy as np
import pulp

from custom_components.optivgi.scm.linear_program import StageOptima
from custom_components.optivgi.scm.problem import ScheduleProblem

from .pulp_oracle import PulpFormulationError, _phase_rows

#: What a held optimum may give up, as HiGHS finds it infeasible held exactly (round-off):
#: with four sums held at 1e-7 each, the energy of a 24-step site was (`random_site`, seed 17).
_HOLD = 1e-6


@dataclass(frozen=True, kw_only=True, slots=True)
class ExactLeximin:
    """The leximin optimum: every counted EV's share (smallest first), the energy (kWh).

    `proven` is False when a solve stopped at its time limit: then the figures are only what
    HiGHS had found, not a reference.
    """

    shares: tuple[float, ...]
    energy_kwh: float
    proven: bool


class _Model:
    """The semi-continuous model: one variable per open cell, the site and phase rows."""

    def __init__(self, problem: ScheduleProblem, time_limit_s: float | None) -> None:
        dt = problem.step_hours
        cells = problem.open_cells()
        self.model = pulp.LpProblem("exact", pulp.LpMaximize)
        upper = np.minimum(problem.max_kw, problem.energy_kwh / dt)
        x: dict[tuple[int, int], pulp.LpVariable] = {}
        for i, t in zip(*np.nonzero(cells), strict=True):
            var = self.model.add_variable(f"x_{i}_{t}", lowBound=0, upBound=upper[i])
            if problem.min_kw[i] > 0:
                on = self.model.add_variable(f"z_{i}_{t}", cat="Binary")
                self.model += var <= upper[i] * on
                self.model += var >= min(problem.min_kw[i], upper[i]) * on
            x[int(i), int(t)] = var
        for t in range(problem.n_steps):
            present = [x[i, t] for i in range(problem.n_evs) if (i, t) in x]
            if present:
                self.model += pulp.lpSum(present) <= problem.limit_kw[t]
        _phase_rows(self.model, x, problem)
        self.delivered: dict[int, pulp.LpAffineExpression] = {}
        for i in range(problem.n_evs):
            mine = [x[i, t] for t in range(problem.n_steps) if (i, t) in x]
            if mine:
                self.delivered[i] = pulp.lpSum(mine) * dt
                self.model += self.delivered[i] <= problem.energy_kwh[i]
        #: Each counted EV's fraction of its request.
        self.fractions = [
            self.delivered[i] * (1.0 / problem.energy_kwh[i])
            for i in self.delivered
            if problem.energy_kwh[i] > 0
        ]
        self.solver = pulp.HiGHS(msg=False, gapRel=1e-9, gapAbs=1e-9, timeLimit=time_limit_s)
        self.proven = True

    def maximise(self, objective: pulp.LpAffineExpression, *, strict: bool = True) -> float:
        """The optimum of `objective`; one that HiGHS did not prove clears `proven` (or raises)."""
        self.model.setObjective(objective)
        self.model.sense = pulp.LpMaximize
        stats = self.model.solve(self.solver)
        if stats.status is not pulp.LpSolveStatus.Optimal:
            if strict:
                msg = f"PuLP/HiGHS status {stats.status.name}"
                raise PulpFormulationError(msg)
            self.proven = False
        return float(stats.objective or 0.0)

    def energy(self, *, strict: bool = True) -> float:
        """The most energy (kWh) with what is held so far."""
        return self.maximise(pulp.lpSum(self.delivered.values()), strict=strict)


def exact_with_minimums(problem: ScheduleProblem) -> StageOptima:
    """The exact optimum with minimum powers: smallest fraction, then energy (kWh); cost 0."""
    exact = _Model(problem, None)
    if not exact.delivered:
        return StageOptima(min_fraction=0.0, energy_kwh=0.0, cost=0.0)
    phi = exact.model.add_variable("phi", lowBound=0, upBound=1)
    for fraction in exact.fractions:
        exact.model += fraction >= phi
    min_fraction = exact.maximise(phi + 0)
    exact.model += phi >= min_fraction - _HOLD
    return StageOptima(min_fraction=min_fraction, energy_kwh=exact.energy(), cost=0.0)


def exact_leximin(problem: ScheduleProblem, time_limit_s: float | None = None) -> ExactLeximin:
    """The leximin optimum with minimum powers, then the most energy (see the module's doc).

    `time_limit_s` bounds each solve (None: none); a solve it stops leaves `proven` False.
    """
    exact = _Model(problem, time_limit_s)
    sums: list[float] = []
    for k in range(1, len(exact.fractions) + 1):
        level = exact.model.add_variable(f"t_{k}")
        below = [exact.model.add_variable(f"d_{k}_{j}", lowBound=0) for j in exact.fractions]
        for gap, fraction in zip(below, exact.fractions, strict=True):
            exact.model += gap >= level - fraction
        smallest = k * level - pulp.lpSum(below)
        sums.append(exact.maximise(smallest, strict=False))
        exact.model += smallest >= sums[-1] - _HOLD
    shares = tuple(float(b - a) for a, b in zip([0.0, *sums[:-1]], sums, strict=True))
    return ExactLeximin(shares=shares, energy_kwh=exact.energy(strict=False), proven=exact.proven)
