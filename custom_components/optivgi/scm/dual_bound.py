"""The relaxed LP's bound from the last cycle's duals, so a warm cycle need not solve it.

Any multipliers `y` on the rows `l <= A x <= u` of a maximum bound it (Lagrangian relaxation):

    max c x  <=  sum_j max over x_j's bounds of (c - A'y)_j x_j  +  sum_r (y_r u_r if y_r > 0
                                                                          else y_r l_r)

with equality when `y` is the problem's optimal dual. The next cycle's problem is nearly the
same (the horizon slid a step, a limit or a request moved), and the last cycle's duals, carried
on by time and by EV (`BoundDuals.carried`), are often still optimal: one pass over the cells
then bounds both the smallest fraction and the energy (`fraction_bound`, `energy_bound`)
instead of two LP solves. Measured at 50 x 480, one to five steps on: equal to the re-solved
optimum to 1e-12 on four seeds. A bound that is not tight only costs the solve it could save.

On a cold cycle a schedule can bring its own energy multipliers (`flow_cut.py`).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

import numpy as np
from numpy.typing import NDArray

from .problem import FloatArray, IntArray, ScheduleProblem

if TYPE_CHECKING:
    from .lp_model import Model


@dataclass(frozen=True, kw_only=True, slots=True)
class StepDuals:
    """One stage's row duals as the per-step model would have them, whatever model solved it.

    `site[t]` per kW at step `t`, `phase[t, p]` per A (or None), and per EV `cap[i]` and
    `fair[i]` per kWh of its energy cap and fairness rows (0 where the model had no such row).
    """

    site: FloatArray
    phase: FloatArray | None
    cap: FloatArray
    fair: FloatArray

    @classmethod
    def of(cls, model: Model, problem: ScheduleProblem) -> Self:
        """The duals of `model`'s last (continuous) run.

        A segment's limit row stands for one row per step of it, each with the `1 / length`th
        share of its dual: the per-step model's reduced costs are then the segment model's.
        """
        columns = model.columns
        lengths = np.diff(np.append(columns.group_start, problem.n_steps))
        per_step = np.repeat(np.arange(columns.group_start.size), lengths)

        def by_owner(name: str, size: int) -> FloatArray:
            """The block's duals at its rows' owners (0 where it has none, or is absent)."""
            duals = np.zeros(size)
            if name in model.blocks:
                duals[model.blocks[name][0].owner] = model.row_duals(name)
            return duals

        groups = columns.group_start.size
        site = by_owner("site limit", groups) / lengths
        phase = None
        if problem.phase_limits_a is not None:  # owners are 3 * group + phase
            phase = by_owner("phase limit", 3 * groups).reshape(groups, 3) / lengths[:, None]
        return cls(
            site=np.asarray(site[per_step], dtype=np.float64),
            phase=None if phase is None else np.asarray(phase[per_step], dtype=np.float64),
            cap=by_owner("energy cap", problem.n_evs),
            fair=by_owner("fairness", problem.n_evs),
        )

    def carried(self, rows: IntArray, shift: int, steps: int) -> Self:
        """These duals `shift` steps on, for the EVs at `rows` (-1: new, no dual), `steps` long.

        Steps past the old horizon take its last step's duals.
        """

        def on(duals: FloatArray) -> FloatArray:
            taken = duals[shift : shift + steps]
            if not taken.size:
                return np.zeros((steps, *duals.shape[1:]))
            pad = np.repeat(taken[-1:], steps - taken.shape[0], axis=0)
            return np.asarray(np.concatenate([taken, pad]), dtype=np.float64)

        known = rows >= 0
        index = np.where(known, rows, 0)
        return type(self)(
            site=on(self.site),
            phase=None if self.phase is None else on(self.phase),
            cap=np.where(known, self.cap[index], 0.0),
            fair=np.where(known, self.fair[index], 0.0),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class BoundDuals:
    """The duals of the bound's two stages (`linear_program.BOUND_STAGES`) for `ev_ids`."""

    ev_ids: tuple[str, ...]
    fairness: StepDuals
    energy: StepDuals

    def carried(self, ev_ids: tuple[str, ...], shift: int, steps: int) -> Self:
        """These duals `shift` steps on, for `ev_ids` (an EV not seen before has none)."""
        row_of = {ev_id: row for row, ev_id in enumerate(self.ev_ids)}
        rows = np.array([row_of.get(ev_id, -1) for ev_id in ev_ids], dtype=np.int64)
        return type(self)(
            ev_ids=ev_ids,
            fairness=self.fairness.carried(rows, shift, steps),
            energy=self.energy.carried(rows, shift, steps),
        )


def _lagrangian(
    problem: ScheduleProblem,
    cells: NDArray[np.bool_],
    duals: StepDuals,
    cell_value: FloatArray | float,
    floor_kwh: FloatArray,
) -> tuple[float, float]:
    """The bound's two parts: the rows' `y u` (or `y l`) terms, and what `phi` adds per unit.

    `cell_value` is the objective per kW of each of the `cells` (the relaxed LP's, `(N, T)`,
    or one for all). A multiplier of the wrong sign for a row with an infinite side counts as
    0, which keeps the bound valid.
    """
    hours = problem.step_hours
    site = np.maximum(duals.site, 0.0)
    # Rows `kWh - phi * request >= 0`, only for EVs with a cell and a request (as the LP has
    # them): a multiplier for any other would credit `phi` with a row that does not exist.
    has_row = cells.any(axis=1) & (problem.energy_kwh > 0)
    fair = np.where(has_row, np.minimum(duals.fair, 0.0), 0.0)
    reduced = cell_value - site[None, :] - (duals.cap + fair)[:, None] * hours
    rows = float(site @ problem.limit_kw)
    if duals.phase is not None and problem.phase_limits_a is not None:
        phase = np.maximum(duals.phase, 0.0)
        if problem.amps_per_kw is not None:
            reduced -= problem.amps_per_kw @ phase.T
        rows += float((phase * problem.phase_limits_a).sum())
    upper = np.minimum(problem.max_kw, problem.energy_kwh / hours)
    rows += float((np.where(cells, np.maximum(reduced, 0.0), 0.0) * upper[:, None]).sum())
    cap = duals.cap
    rows += float(np.where(cap > 0, cap * problem.energy_kwh, cap * floor_kwh).sum())
    return rows, float(-(fair @ problem.energy_kwh))


def fraction_bound(problem: ScheduleProblem, cells: NDArray[np.bool_], duals: StepDuals) -> float:
    """At least the smallest fraction of the relaxed LP over `cells` (its fairness optimum)."""
    rows, phi_use = _lagrangian(problem, cells, duals, 0.0, np.zeros(problem.n_evs))
    # `phi` (0..1) earns 1 in the objective and `sum request * |fair|` in the rows.
    bound = rows + max(0.0, 1.0 - phi_use)
    # The same multipliers times k > 0 are multipliers too, and without the objective's cells
    # the rows scale with k: the bound is k rows + max(0, 1 - k phi_use), least at
    # k = 1 / phi_use. At the optimum phi_use is 1; once the cars have charged a step, each
    # request (and so phi_use) is a little smaller, and unscaled the bound was no longer tight:
    # 0.10726 against the re-solved 0.10626 (`minimums` 50 x 480, seed 0, one step on).
    if phi_use > 0:
        bound = min(bound, rows / phi_use)
    return bound


def energy_bound(
    problem: ScheduleProblem, cells: NDArray[np.bool_], duals: StepDuals, floor_kwh: FloatArray
) -> float:
    """At least the most energy (kWh) of the relaxed LP over `cells`, each EV at `floor_kwh`."""
    return _lagrangian(problem, cells, duals, problem.step_hours, floor_kwh)[0]
