"""GoAlgorithm: the solver-free heuristic, fast and always within the hard constraints.

Powers are kW and energies kWh. Step `t` covers `[now + t * resolution, now + (t + 1) * resolution)`
and EV `i` may charge in the steps `start[i] <= t < end[i]` (start inclusive). Inside, amounts are
kWh per step (kW x step hours): `rate[i, t]` is the most EV `i` may take in step `t` (its maximum or
the site limit; 0 outside its window, where the limit is below its minimum, or if one step at its
minimum is more than it wants), `room[t]` what the limit allows. EVs are placed one at a time,
each with numpy over all steps (no loop over cells):

1. **Fair share.** Each EV's target is `min(phi * request, all it could take alone)` for one common
   fraction `phi`, found by bisection from the bound that the total room sets. To try a `phi`, EVs
   are placed by higher priority, then least slack (steps to spare at full power). Each takes full
   power in the steps the other EVs want least (their expected demand over the limit), first
   leaving room for the demand of the EVs still to come (at least the largest minimum among
   those that want the step, so none is left a sliver below its minimum), then, if it must,
   taking that too. A probe that leaves an EV short first makes room for it (`go_fill.boost`).
   The best placement tried (largest smallest fraction, then most energy) is kept; when two are
   as fair, both are topped up and the one with more energy wins.
2. **Top up.** In the same orders, every EV takes what the limit still allows, up to its request
   (with per-phase limits that can bind, EVs on more phases first). If an EV is still short,
   every EV moves its energy to the steps the short EVs can use least and they top up again
   (`make_room`).
3. **Charge early (or cheap).** Each EV (higher priority, then earlier departure) lifts its energy
   and puts it back at full power into the earliest steps with room, or the cheapest (then
   earliest) ones when prices are given. Runs at full power also keep set-point changes few.
   With a solar surplus (`shift_solar`) each step is two slots: the surplus still unused there
   (by the EVs already moved), at the feed-in price, and the rest of the step, at the price
   (without prices: 0 and 1). The EV fills the slots cheapest first (then earliest, solar first),
   so it takes no more of a step than the surplus while a cheaper grid step is free; the surplus
   it uses is gone for the EVs after it (greedy). Where the price is below the feed-in price the
   surplus slot is priced at the price, as in the LP. A slot is used whole or from the EV's
   minimum, so a step gets 0 or at least the minimum.
4. **On track.** With prices or a surplus (`ScheduleProblem.priced`), stage 3 first runs without
   them. Where that earliest plan is contested (an EV short of room there charges later), each
   EV holds by every milestone of its stay `TRACK_SHARE` of its contested energy before it (the
   buffers of `tariff.py`, `go_track.py`) and places its energy in the cheapest slots that
   allow it. So in the closed loop it charges early at least half of what it would without
   prices: energy moved to cheap steps is not all lost to cars that arrive unannounced
   (`scripts/simulate`). An EV whose energy does not fit so keeps `TRACK_SHARE` of each of its
   steps before its last milestone and moves the rest (`go_track.place_kept`); if even that
   does not fit, it keeps its earliest row. The cheapest
   move runs twice: an EV moved first may take a slot a later EV needed for its buffer, and the
   second pass lets it go (`prices` 50 x 480: cost per kWh 101.0 % of the LP's, now 100.5 %).
   Without prices and surplus stage 3 runs once, as described.

With per-phase limits each step also keeps `phase[t, p]`, the current (A h) each phase still
allows: an EV takes at most what its own phases leave (`Site.cap`), and what it takes is
charged to them (`Site.take`), in every stage. The stages live in `go_fill.py` (1, 2),
`go_shift.py` (3) and `go_track.py` (4); `go_place.py` places one EV.

A set-point is 0 or between the EV's minimum and maximum. A step whose remaining room is below an
EV's minimum is not used by it: that is how EVs take turns, higher priority first, when their
minimums do not all fit under the limit. A last step below the minimum borrows from the step
before it (or from one the row already uses); failing that it is raised to the minimum if that
stays within the target, else dropped, so an EV whose remaining request is below one step at its
minimum gets nothing more. In stage 1 such a rest may also take one more step at the minimum,
a little beyond the target. No stage
exceeds a request, a window, a maximum or the limit.
"""

from dataclasses import replace
import time
from typing import override

import numpy as np

from .algorithm import Algorithm, Schedule, ScheduleStatus
from .go_fill import Plan, fair_plans, top_up
from .go_place import EPS, Site
from .go_shift import shift, shift_solar
from .go_track import Buffers
from .problem import FloatArray, ScheduleProblem

#: Passes of the cheapest move (stage 4; a third changed nothing on the `prices` family).
CHEAP_PASSES = 2


def make_room(site: Site, power: FloatArray, plan: Plan) -> FloatArray:
    """If an EV is still short of its request, move every EV away from the steps it could use.

    Each EV moves its energy (`shift`) to the steps the short EVs can use least, and then every
    EV tops up again: `(N, T)` kWh per step. The first top-up lets an EV take steps a short EV
    needed while it had others (`phase-minimums` 10 x 288: energy 93.8 % of the LP's on seed 0,
    now 98.2 %).
    """
    got = power.sum(axis=1)
    short = (site.energy - got > EPS) & (site.reach - got > EPS)
    if not short.any():
        return power
    usable = np.where(short[:, None], np.maximum(site.rate - power, 0.0), 0.0).sum(axis=0)
    order = np.argsort(usable, kind="stable")
    rows = shift(replace(site, steps=order), power)[:, order]
    moved = Plan(
        power=rows,
        spare=site.room[order] - rows.sum(axis=0),
        evs=plan.evs,
        steps=order,
        score=plan.score,
        ok=plan.ok,
        phase=site.phase_left(rows, order),
    )
    return top_up(site, moved)


def go_schedule(problem: ScheduleProblem) -> FloatArray:
    """The heuristic's schedule, (N, T) kW; also what the linear program falls back to."""
    site = Site.of(problem)
    rows = [make_room(site, top_up(site, plan), plan) for plan in fair_plans(site)]
    power = max(rows, key=lambda row: float(row.sum()))
    if not problem.priced:
        return shift(site, power) / problem.step_hours
    earliest = shift(replace(site, steps=np.arange(problem.n_steps)), power)
    keep = Buffers.of(problem, earliest, site.rate)
    cheap = earliest
    for _ in range(CHEAP_PASSES):
        cheap = (
            shift(site, cheap, keep)
            if problem.surplus_kw is None
            else shift_solar(site, cheap, problem, keep)
        )
    return cheap / problem.step_hours


class GoAlgorithm(Algorithm):
    """Fair shares by bisection, then top-ups, then charging as early (or cheap) as there is room.

    With prices or a surplus each EV first holds its buffers from its earliest plan (on track).

    The stages are in the module docstring; the schedule always satisfies every hard constraint.
    """

    name = "GoAlgorithm"

    @override
    def _schedule(self, problem: ScheduleProblem) -> Schedule:
        started = time.perf_counter()
        power = go_schedule(problem)
        return Schedule(
            power=power,
            status=ScheduleStatus.HEURISTIC,
            solve_s=time.perf_counter() - started,
        )
