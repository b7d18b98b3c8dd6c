"""Keeping every car on track for its departure when a tariff moves energy to cheap steps.

With prices, the cost stage moves energy to the cheapest steps of each car's stay, often late.
In the closed loop that energy is at risk: a car that arrives unannounced shares those steps,
and the plan's earlier cars leave short (measured with `scripts/simulate`, seed 2: 97.7 % of the
offline optimum with the tariff, 100 % without). So only energy beyond a *buffer* is moved: by
each milestone of its stay (the middle, 75 % and 90 % of it, from arrival to departure), each
car first gets at least `TRACK_SHARE` of what the earliest plan (the one without prices) gives
it before then, and what the last cycle's plan put there, up to the earliest plan's. The
earliest plan meets every buffer, so the stages stay feasible, and the rest of the energy goes
where it is cheapest. Re-planned every step, the milestones stay where they are and the buffers
keep what earlier plans promised, so the energy cannot be deferred cycle after cycle.

The buffers cannot see a car that will plug into a charger that is empty now. Where the site
says what such chargers could draw (`idle_kw`), energy moves to a cheaper step only into the
room beyond that (`arrival_room`): the car that comes finds the room the plan without prices
would have left it (`scripts/simulate`, the PV day of seed 4: 99.8 % of the offline optimum,
84.9 % with the buffers alone).

A solar surplus forecast moves energy the same way (to the sunny hours), so the buffers hold
whenever energy has a cost: with prices, a surplus, or both (`ScheduleProblem.priced`).
"""

import numpy as np
from numpy.typing import NDArray

from .problem import FloatArray, IntArray, ScheduleProblem

#: Share of the earliest plan's energy before each milestone that a car keeps there with prices.
TRACK_SHARE = 0.5
#: Points of each stay (shares of it) by which the buffers are held.
MILESTONES = (0.5, 0.75, 0.9)
#: Relative slack on a buffer (solver round-off in the earliest plan).
_SLACK = 1e-7


def arrival_room(problem: ScheduleProblem, earliest_kw: FloatArray) -> FloatArray | None:
    """Most EV power (kW) each step may take with prices: room kept for cars yet to arrive.

    `earliest_kw` is the site's power per step in the earliest plan. Energy moved to a cheaper
    step goes only into room beyond what the site's idle chargers (`idle_kw`) could draw there;
    the earliest plan's own power always stays allowed, so the stages stay feasible. None
    without idle chargers (all the limit may be used).
    """
    if problem.idle_kw <= 0:
        return None
    room = np.maximum(earliest_kw, problem.limit_kw - problem.idle_kw)
    return np.asarray(np.minimum(room, problem.limit_kw), dtype=np.float64)


def track_end(problem: ScheduleProblem, milestone: float = 0.5) -> IntArray:
    """First step after the first `milestone` of each EV's stay (0: the milestone has passed).

    The milestone is a fixed point of the whole stay, from arrival to departure, where both
    are known (`ScheduleProblem.stay_steps`) and the departure is within the horizon. Measured
    on the stay left from now instead, it recedes with every re-plan, and the cost stage could
    defer a car cycle after cycle (`test_tariff.py`: none of the 5 kWh it was promised by the
    middle of its stay). A car leaving beyond the horizon, or a problem without stays, measures
    it on the window in the horizon (at least one step).
    """
    n_steps = problem.n_steps
    start = np.clip(problem.start, 0, n_steps)
    end = np.clip(problem.end, 0, n_steps)
    reach = np.ceil((end - start) * milestone - 1e-9).astype(np.int64)
    window = start + np.maximum(reach, 1)
    if problem.stay_steps is None:
        return np.asarray(window, dtype=np.int64)
    arrival, departure = problem.stay_steps[:, 0], problem.stay_steps[:, 1]
    fixed = np.clip(np.ceil(arrival + (departure - arrival) * milestone - 1e-9), 0, n_steps)
    return np.asarray(np.where(departure <= n_steps, fixed, window), dtype=np.int64)


def track_buffers(
    problem: ScheduleProblem,
    ev: IntArray,
    step: IntArray,
    kwh: FloatArray,
    previous_kw: FloatArray | None = None,
) -> list[tuple[NDArray[np.bool_], FloatArray]]:
    """Per milestone: which cells (`ev[k]`, `step[k]`) come before it, and each EV's buffer (kWh).

    `kwh[k]` is what the earliest plan puts in cell `k`; the buffer is `TRACK_SHARE` of its sum
    over the EV's cells before the milestone. `previous_kw` is the last cycle's plan on this
    grid (`(N, T)` kW, NaN where it had none): the buffer keeps what it put before the milestone
    too, as far as the earliest plan can. Without it the buffer shrinks with the time left
    before the milestone: each re-plan may again defer a share of what is still feasible, and a
    car re-planned every step reaches its milestone with a fraction of what any one plan
    promised (`test_a_milestone_stays_where_the_stay_puts_it_when_the_plan_is_redone_every_step`).
    """
    promised_kwh = None
    if previous_kw is not None:
        promised_kwh = np.nan_to_num(previous_kw[ev, step]) * problem.step_hours
    out = []
    for milestone in MILESTONES:
        early = step < track_end(problem, milestone)[ev]
        ahead = np.bincount(ev[early], weights=kwh[early], minlength=problem.n_evs)
        buffer = TRACK_SHARE * ahead
        if promised_kwh is not None:
            promised = np.bincount(ev[early], weights=promised_kwh[early], minlength=ahead.size)
            buffer = np.maximum(buffer, np.minimum(promised, ahead))
        out.append((early, np.asarray(buffer * (1 - _SLACK), dtype=np.float64)))
    return out
