"""The cost stage's solar columns: a kWh of forecast surplus costs the feed-in price.

With `surplus_kw` (S[t], already part of the limit) the cost stage adds one
column per step where it pays, `s[t]`, the surplus the EVs use, `0 <= s[t] <= S[t]` and
`s[t] <= P[t] = sum_i x[i, t]`, costed `-(price[t] - feed_in) * hours`: each kWh's kW column
already pays the grid price (`step_costs`), and a kWh of surplus costs the feed-in price instead.
This is the grid-import model `g[t] = P[t] - s[t]` with `g >= 0`, `g >= P - S`, `g <= P` and the
cost `sum_t (price * g + feed_in * (P - g)) * hours`, written with one row per step instead of two.
Where `price >= feed_in` the optimum takes `s = min(P, S)`: exact. Where `price < feed_in`
(negative prices, say) no `g <= P` would make that model unbounded (import "more than all" to
earn the difference); with it the optimum takes `g = P` (`s = 0`: the step gets no column), so
all its energy counts at the price, as if the surplus were still exported at the feed-in price.
That is exact where the site can import and export at once (gross metering), and otherwise a
lower bound of the single-meter cost `feed_in * min(P, S) + price * (P - S)+`, which is concave
there and no LP objective: such a step looks cheaper by at most `(feed_in - price) * min(P, S)`
per hour than one meter would bill, so a price below the feed-in price beats the surplus.
Without prices the grid costs 1 and the surplus 0 per kWh: the surplus comes first, then the
earliest steps, as before. `ScheduleProblem.energy_cost` is this same cost of any schedule.
"""

from dataclasses import dataclass

import highspy
import numpy as np

from .constants import TOLERANCE
from .lp_blocks import Block, Columns
from .problem import FloatArray, IntArray, ScheduleProblem


@dataclass(frozen=True, kw_only=True, slots=True)
class SolarColumns:
    """The cost stage's solar columns: `s[t]` kW of surplus used at `step[t]`, `0 <= s <= cap`.

    Each has the row `s[t] - sum_i x[i, t] <= 0` (`rows`) and the cost `-discount * hours` (a kWh
    of surplus saves `solar_discount` against the grid price its kW column already pays).
    """

    step: IntArray
    cap_kw: FloatArray
    cost: FloatArray
    rows: Block


def solar_columns(columns: Columns, problem: ScheduleProblem, first: int) -> SolarColumns | None:
    """Solar columns (numbered from `first`) for the steps of a per-step model where they pay.

    Only where the surplus and its discount are positive and some EV may charge; None if none.
    """
    discount = problem.solar_discount()
    if discount is None or problem.surplus_kw is None or not columns.size:
        return None
    steps = columns.steps()
    present = np.zeros(columns.n_steps, dtype=bool)
    present[steps] = True
    chosen = np.nonzero(present & (discount > 0) & (problem.surplus_kw > TOLERANCE))[0]
    if not chosen.size:
        return None
    row_of = np.full(columns.n_steps, -1, dtype=np.int64)
    row_of[chosen] = np.arange(chosen.size)
    inside = np.nonzero(row_of[steps] >= 0)[0]
    row = np.concatenate([row_of[steps[inside]], np.arange(chosen.size)])
    col = np.concatenate([inside, first + np.arange(chosen.size)])
    value = np.concatenate([-np.ones(inside.size), np.ones(chosen.size)])
    order = np.lexsort((col, row))
    return SolarColumns(
        step=chosen.astype(np.int64),
        cap_kw=problem.surplus_kw[chosen],
        cost=-discount[chosen] * problem.step_hours,
        rows=Block(
            name="solar",
            row=row[order],
            col=col[order],
            value=value[order],
            lower=np.full(chosen.size, -highspy.kHighsInf),
            upper=np.zeros(chosen.size),
            owner=chosen.astype(np.int64),
        ),
    )
