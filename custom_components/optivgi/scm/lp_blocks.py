"""The charging LP's variables and its named constraint blocks, each built as whole arrays.

As in Caltech's adacharge, the model is a few named parts: `Columns` (one kW variable per EV and
group of steps it may charge in, plus an optional `phi`, the smallest delivered fraction) and the
row blocks `site_limit_rows`, `phase_limit_rows` (with per-phase fuses), `energy_cap_rows` and
`fairness_rows`. `assemble` stacks the blocks into one HiGHS model. Nothing here loops over single
variables.

A *group* is one step (the per-step model) or a run of steps that are alike for every EV and for
the site limit, kW and per phase (the per-segment model, exact for any objective of per-EV energy
totals: a segment's column is the EV's mean power over it, and every row is linear in it).
"""

from dataclasses import dataclass
from typing import Self

import highspy
import numpy as np
from numpy.typing import NDArray

from .constants import TOLERANCE
from .problem import FloatArray, IntArray, ScheduleProblem


@dataclass(frozen=True, kw_only=True, slots=True)
class Columns:
    """The kW variables: EV `ev[k]` in group `group[k]`; `hours[k]` h per kW (kWh = kW x h)."""

    ev: IntArray
    group: IntArray
    hours: FloatArray
    #: Bounds per variable (kW): its lowest while on (0 or a minimum) and its highest.
    lower: FloatArray
    upper: FloatArray
    #: Site limit (kW) and first step of each group.
    group_limit: FloatArray
    group_start: IntArray
    n_evs: int
    n_steps: int
    #: Current left per phase (A) of each group, `(G, 3)`; None without per-phase limits.
    group_phase_limit: FloatArray | None = None

    @property
    def size(self) -> int:
        """Number of kW variables (without `phi`)."""
        return int(self.ev.size)

    @classmethod
    def build(
        cls,
        problem: ScheduleProblem,
        cells: NDArray[np.bool_],
        lower_kw: FloatArray,
        *,
        per_segment: bool,
    ) -> Self:
        """One variable per open cell (`per_segment=False`) or per EV and segment of alike steps."""
        starts = (
            segment_starts(problem, cells) if per_segment else np.arange(problem.n_steps)
        ).astype(np.int64)
        lengths = np.diff(np.append(starts, problem.n_steps)).astype(np.float64)
        ev, group = np.nonzero(cells[:, starts]) if starts.size else (np.zeros(0, np.int64),) * 2
        upper = np.minimum(problem.max_kw, problem.energy_kwh / problem.step_hours)[ev]
        return cls(
            ev=ev.astype(np.int64),
            group=group.astype(np.int64),
            hours=problem.step_hours * lengths[group],
            lower=np.minimum(lower_kw[ev], upper),
            upper=upper,
            group_limit=problem.limit_kw[starts],
            group_start=starts,
            n_evs=problem.n_evs,
            n_steps=problem.n_steps,
            group_phase_limit=(
                None if problem.phase_limits_a is None else problem.phase_limits_a[starts]
            ),
        )

    def steps(self) -> IntArray:
        """The first step of each variable's group."""
        return np.asarray(self.group_start[self.group], dtype=np.int64)


def segment_starts(problem: ScheduleProblem, cells: NDArray[np.bool_]) -> IntArray:
    """First step of each run of steps alike for every EV and for the site limits (kW, phases).

    An EV's bounds are the same in all its cells, so only which cells are open can differ.
    """
    if problem.n_steps == 0:
        return np.zeros(0, dtype=np.int64)
    changes = np.zeros(problem.n_steps, dtype=bool)
    changes[0] = True
    changes[1:] = (cells[:, 1:] != cells[:, :-1]).any(axis=0) | (
        problem.limit_kw[1:] != problem.limit_kw[:-1]
    )
    if problem.phase_limits_a is not None:
        phases = problem.phase_limits_a
        changes[1:] |= (phases[1:] != phases[:-1]).any(axis=1)
    return np.nonzero(changes)[0].astype(np.int64)


@dataclass(frozen=True, kw_only=True, slots=True)
class Block:
    """Rows `lower <= A x <= upper`, with `A` in coordinates; `owner[r]` is what row `r` is about.

    `col` indexes `Columns` (and `Columns.size` is `phi`); `row` is local to the block.
    """

    name: str
    row: IntArray
    col: IntArray
    value: FloatArray
    lower: FloatArray
    upper: FloatArray
    owner: IntArray

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.owner.size)


def site_limit_rows(columns: Columns, margin_kw: float = 0.0) -> Block:
    """`sum_i x[i, g] <= limit[g]` (kW), where the EVs could exceed `limit[g] - margin_kw`."""
    reach = np.bincount(columns.group, weights=columns.upper, minlength=columns.group_limit.size)
    binding = np.nonzero(reach > columns.group_limit - margin_kw + TOLERANCE)[0]
    row_of = np.full(columns.group_limit.size, -1, dtype=np.int64)
    row_of[binding] = np.arange(binding.size)
    inside = np.nonzero(row_of[columns.group] >= 0)[0]
    return Block(
        name="site limit",
        row=row_of[columns.group[inside]],
        col=inside,
        value=np.ones(inside.size),
        lower=np.full(binding.size, -highspy.kHighsInf),
        upper=columns.group_limit[binding],
        owner=binding,
    )


def phase_limit_rows(columns: Columns, problem: ScheduleProblem) -> Block | None:
    """`sum_i x[i, g] * amps[i, p] <= limit[g, p]` (A) per group and phase, where it could bind.

    None without per-phase limits. The owner of a row is `3 * group + phase`.
    """
    limits, amps = columns.group_phase_limit, problem.amps_per_kw
    if limits is None or amps is None:
        return None
    coefficient = amps[columns.ev]  # (K, 3)
    reach = np.column_stack(
        [
            np.bincount(
                columns.group, weights=coefficient[:, p] * columns.upper, minlength=len(limits)
            )
            for p in range(limits.shape[1])
        ]
    )
    binding = reach.ravel() > limits.ravel() + TOLERANCE
    row_of = np.full(binding.size, -1, dtype=np.int64)
    row_of[binding] = np.arange(int(binding.sum()))
    cell_rows = row_of.reshape(limits.shape)[columns.group]  # (K, 3)
    inside = (cell_rows >= 0) & (coefficient > 0)
    col, phase = np.nonzero(inside)  # by column, as `assemble` expects
    return Block(
        name="phase limit",
        row=cell_rows[col, phase],
        col=col.astype(np.int64),
        value=coefficient[col, phase],
        lower=np.full(int(binding.sum()), -highspy.kHighsInf),
        upper=limits.ravel()[binding],
        owner=np.nonzero(binding)[0].astype(np.int64),
    )


def energy_cap_rows(columns: Columns, problem: ScheduleProblem, floor_kwh: FloatArray) -> Block:
    """`floor[i] <= sum_g x[i, g] * hours <= request[i]` (kWh) for each EV with a variable.

    The floor is what the fairness stage holds (0 before it); it never exceeds the request.
    """
    evs = np.unique(columns.ev)
    row_of = np.full(columns.n_evs, -1, dtype=np.int64)
    row_of[evs] = np.arange(evs.size)
    upper = problem.energy_kwh[evs]
    return Block(
        name="energy cap",
        row=row_of[columns.ev],
        col=np.arange(columns.size),
        value=columns.hours,
        lower=np.minimum(floor_kwh[evs], upper),
        upper=upper,
        owner=evs,
    )


def fairness_rows(columns: Columns, problem: ScheduleProblem) -> Block:
    """`sum_g x[i, g] * hours - phi * request[i] >= 0` (kWh) for each EV wanting energy."""
    fair = np.unique(columns.ev[problem.energy_kwh[columns.ev] > 0])
    row_of = np.full(columns.n_evs, -1, dtype=np.int64)
    row_of[fair] = np.arange(fair.size)
    inside = np.nonzero(row_of[columns.ev] >= 0)[0]
    return Block(
        name="fairness",
        row=np.concatenate([row_of[columns.ev[inside]], np.arange(fair.size)]),
        col=np.concatenate([inside, np.full(fair.size, columns.size)]),
        value=np.concatenate([columns.hours[inside], -problem.energy_kwh[fair]]),
        lower=np.zeros(fair.size),
        upper=np.full(fair.size, highspy.kHighsInf),
        owner=fair,
    )


def assemble(columns: Columns, blocks: tuple[Block, ...], *, with_phi: bool) -> highspy.HighsLp:
    """Stack the blocks into one column-wise HiGHS model; `phi` (0..1) is the last column."""
    n_cols = columns.size + int(with_phi)
    offsets = np.cumsum([0, *(block.n_rows for block in blocks)])
    rows = np.concatenate(
        [block.row + offset for block, offset in zip(blocks, offsets, strict=False)]
        or [np.zeros(0, np.int64)]
    )
    cols = np.concatenate([block.col for block in blocks] or [np.zeros(0, np.int64)])
    values = np.concatenate([block.value for block in blocks] or [np.zeros(0)])
    # Each block lists its entries by column, so this stable sort merges a few sorted runs.
    order = np.argsort(cols, kind="stable")
    starts = np.zeros(n_cols + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=n_cols)[:n_cols], out=starts[1:])

    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = int(offsets[-1])
    lp.col_cost_ = np.zeros(n_cols)
    lp.col_lower_ = np.append(columns.lower, [0.0] * with_phi)
    lp.col_upper_ = np.append(columns.upper, [1.0] * with_phi)
    lp.row_lower_ = np.concatenate([block.lower for block in blocks] or [np.zeros(0)])
    lp.row_upper_ = np.concatenate([block.upper for block in blocks] or [np.zeros(0)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = rows[order].astype(np.int32)
    lp.a_matrix_.value_ = values[order]
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = lp.num_row_
    return lp


#: Weight of the earliness tie-break next to prices (a price per kWh dominates it).
PRICE_EARLINESS_WEIGHT = 1e-4


def eagerness_order(problem: ScheduleProblem) -> IntArray:
    """The EVs, most eager first: higher priority, then earlier departure, then input order."""
    return np.asarray(
        np.lexsort((np.arange(problem.n_evs), problem.end, -problem.priority)), dtype=np.int64
    )


def step_costs(
    problem: ScheduleProblem, *, by_departure: bool = True, with_prices: bool = True
) -> FloatArray:
    """Cost of one kWh at each EV and step for the cost stage, `(N, T)`.

    Grid prices when given (`ScheduleProblem.grid_prices`: 1 per kWh with a surplus but no
    prices; what the surplus saves is the cost stage's solar columns, `solar.py`), else the
    step's position (later is dearer), scaled per EV so ties between EVs are broken the same way
    every step: higher priority first (Home Assistant gives it to the cars that charge now, so
    they keep charging until done instead of taking turns from cycle to cycle), then,
    `by_departure`, the EV that leaves earlier. Without it (when there is a previous plan) EVs of
    one priority are alike, and the stability stage breaks the ties.
    """
    steps = problem.n_steps
    lateness = (np.arange(steps, dtype=np.float64) + 1) / max(steps, 1)
    if by_departure:
        order = np.argsort(eagerness_order(problem), kind="stable")
    else:
        order = np.unique(-problem.priority, return_inverse=True)[1]
    eagerness = 1 + 0.1 * (1 - order / max(1, problem.n_evs))
    earliness = lateness[None, :] * eagerness[:, None]
    prices = problem.grid_prices()
    if prices is None or not with_prices:
        return np.asarray(earliness, dtype=np.float64)
    return np.asarray(prices[None, :] + PRICE_EARLINESS_WEIGHT * earliness)
