"""Energy multipliers from a schedule's own cut: the bound's energy stage without a solve.

Without the fairness floors and the phases, the bound's energy stage is a maximum flow from the
EVs (each up to its request) through its cells (each up to the EV's most) to the steps (each up
to the site limit); floors and phases only lower it. A schedule with no augmenting path (room
on a path from an EV short of its request to a step with room) is such a maximum, and the cut
its residual network leaves gives multipliers (`cut_duals`) for which `dual_bound.energy_bound`
is that flow's energy. GoAlgorithm's schedule often leaves a few paths of a few Wh: a copy of
it is first augmented along up to `MAX_PATHS` of them (`max_flow_cut`), which moves no charger,
only the bound. Measured at 100 x 1440 (`pv`, `house`, `minimums`): the cut proves
GoAlgorithm's energy on 7 of 9 sites without any path, and spares the energy stage (1-4 s).
"""

import numpy as np
from numpy.typing import NDArray

from .dual_bound import StepDuals
from .problem import FloatArray, ScheduleProblem

#: Room (kW, or kWh relative to a request) below which a path does not pass: the round-off of a
#: schedule. Any cut bounds the energy; this only decides which one is taken.
ROOM_KW = 1e-9
#: Augmenting paths followed on the copy before its cut is taken (each one breadth-first search
#: over the cells, a few ms at 100 x 1440): enough for the few Wh GoAlgorithm leaves.
MAX_PATHS = 20


def cut_duals(
    problem: ScheduleProblem, cells: NDArray[np.bool_], power_kw: FloatArray
) -> StepDuals:
    """Energy multipliers from the cut that `power_kw` (`(N, T)`, within every limit) leaves.

    The EVs short of their request, and every step and EV that a path of residual room reaches
    from them (an EV below its cell's most in a step, or charging in it), are on the source's
    side. A step there gets its hours on the site row, an EV on the other side 1 on its cap:
    then `energy_bound` is the cut's capacity, the power's own energy when no path reaches a
    step with room (the power is then a maximum flow), more otherwise.
    """
    hours = problem.step_hours
    short, forward, backward = _residual(problem, cells, power_kw)
    reached = np.zeros(problem.n_steps, dtype=np.bool_)
    while True:
        steps = reached | forward[short].any(axis=0)
        evs = short | backward[:, steps].any(axis=1)
        if (steps == reached).all() and (evs == short).all():
            break
        reached, short = steps, evs
    return StepDuals(
        site=np.where(reached, hours, 0.0),
        phase=None,
        cap=np.where(short, 0.0, 1.0),
        fair=np.zeros(problem.n_evs),
    )


def max_flow_cut(
    problem: ScheduleProblem, cells: NDArray[np.bool_], power_kw: FloatArray
) -> StepDuals:
    """`cut_duals` of a copy of `power_kw` augmented along up to `MAX_PATHS` paths."""
    flow = power_kw.copy()
    for _ in range(MAX_PATHS):
        if not _augment(problem, cells, flow):
            break
    return cut_duals(problem, cells, flow)


def _cell_most(problem: ScheduleProblem) -> FloatArray:
    """The most (kW) each EV's cell carries, as `dual_bound.energy_bound` counts it."""
    return np.asarray(np.minimum(problem.max_kw, problem.energy_kwh / problem.step_hours))


def _residual(
    problem: ScheduleProblem, cells: NDArray[np.bool_], power_kw: FloatArray
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
    """The EVs short of their request, the cells with room, the cells with power."""
    hours = problem.step_hours
    upper = _cell_most(problem)
    short = power_kw.sum(axis=1) * hours < problem.energy_kwh - ROOM_KW * np.maximum(
        1.0, problem.energy_kwh
    )
    forward = cells & (power_kw < upper[:, None] - ROOM_KW)
    backward = cells & (power_kw > ROOM_KW)
    return short, forward, backward


def _augment(problem: ScheduleProblem, cells: NDArray[np.bool_], flow: FloatArray) -> bool:
    """Push along one shortest augmenting path of `flow` (kW, in place); whether there was one."""
    hours = problem.step_hours
    short, forward, backward = _residual(problem, cells, flow)
    spare = problem.limit_kw - flow.sum(axis=0)
    step_from = np.full(problem.n_steps, -1)  # the EV that reached each step
    ev_from = np.full(problem.n_evs, -1)  # the step that reached each EV (-1: a source)
    reached_evs, reached_steps = short.copy(), np.zeros(problem.n_steps, dtype=np.bool_)
    frontier = np.flatnonzero(short)
    end = -1
    while frontier.size:
        new_steps = forward[frontier].any(axis=0) & ~reached_steps
        found = np.flatnonzero(new_steps)
        if not found.size:
            return False
        step_from[found] = frontier[np.argmax(forward[frontier][:, found], axis=0)]
        reached_steps |= new_steps
        open_steps = found[spare[found] > ROOM_KW]
        if open_steps.size:
            end = int(open_steps[0])
            break
        new_evs = backward[:, found].any(axis=1) & ~reached_evs
        frontier = np.flatnonzero(new_evs)
        ev_from[frontier] = found[np.argmax(backward[frontier][:, found], axis=1)]
        reached_evs |= new_evs
    if end < 0:
        return False
    upper = _cell_most(problem)
    raised, lowered, step = [], [], end
    while True:
        ev = int(step_from[step])
        raised.append((ev, step))
        if ev_from[ev] < 0:
            break
        step = int(ev_from[ev])
        lowered.append((ev, step))
    source = raised[-1][0]
    room = min(
        float(spare[end]),
        float(problem.energy_kwh[source] / hours - flow[source].sum()),
        *(float(upper[ev] - flow[ev, t]) for ev, t in raised),
        *(float(flow[ev, t]) for ev, t in lowered),
    )
    for ev, t in raised:
        flow[ev, t] += room
    for ev, t in lowered:
        flow[ev, t] -= room
    return room > ROOM_KW
