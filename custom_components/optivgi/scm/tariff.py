"""Keeping every car on track for its departure when a tariff moves energy to cheap steps.

With prices, the cost stage moves energy to the cheapest steps of each car's stay, often late.
In the closed loop that energy is at risk: a car that arrives unannounced shares those steps,
and the plan's earlier cars leave short (measured with `scripts/simulate`, seed 2: 97.7 % of the
offline optimum with the tariff, 100 % without). So only energy beyond a *buffer* is moved: each
car first gets, within the first half of its stay in the horizon, at least `TRACK_SHARE` of what
the earliest plan (the one without prices) gives it there. The earliest plan meets every buffer,
so the stages stay feasible, and the rest of the energy goes where it is cheapest.

A solar surplus forecast moves energy the same way (to the sunny hours), so the buffers hold
whenever energy has a cost: with prices, a surplus, or both (`ScheduleProblem.priced`).
"""

import numpy as np
from numpy.typing import NDArray

from .problem import FloatArray, IntArray, ScheduleProblem

#: Share of the earliest plan's first-half energy each car keeps in its first half with prices.
TRACK_SHARE = 0.5
#: Points of each stay (shares of it) by which the buffers are held.
MILESTONES = (0.5, 0.75, 0.9)
#: Relative slack on a buffer (solver round-off in the earliest plan).
_SLACK = 1e-7


def track_end(problem: ScheduleProblem, milestone: float = 0.5) -> IntArray:
    """First step after the first `milestone` of each EV's stay in the horizon (at least one)."""
    start = np.clip(problem.start, 0, problem.n_steps)
    end = np.clip(problem.end, 0, problem.n_steps)
    reach = np.ceil((end - start) * milestone - 1e-9).astype(np.int64)
    return np.asarray(start + np.maximum(reach, 1), dtype=np.int64)


def track_buffers(
    problem: ScheduleProblem, ev: IntArray, step: IntArray, kwh: FloatArray
) -> list[tuple[NDArray[np.bool_], FloatArray]]:
    """Per milestone: which cells (`ev[k]`, `step[k]`) come before it, and each EV's buffer (kWh).

    `kwh[k]` is what the earliest plan puts in cell `k`; the buffer is `TRACK_SHARE` of its sum
    over the EV's cells before the milestone.
    """
    out = []
    for milestone in MILESTONES:
        early = step < track_end(problem, milestone)[ev]
        ahead = np.bincount(ev[early], weights=kwh[early], minlength=problem.n_evs)
        out.append((early, np.asarray(TRACK_SHARE * ahead * (1 - _SLACK), dtype=np.float64)))
    return out
