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
   leaving room for the demand of the EVs still to come (at least their smallest minimum), then,
   if it must, taking that too. The best placement tried (largest smallest fraction) is kept.
   The bisection runs a second time with the EVs of larger minimums placed first, and the
   fairer placement wins (`go_fair.py`).
2. **Top up, then level.** In the same orders, every EV takes what the limit still allows, up to
   its request. Then the worst-off EVs get energy from the others within a step (`go_level.py`):
   first what the giver can place again in room still free, then, from a better-off one, until
   their shares meet. With per-phase limits, trades follow (`go_trade.py`: on a full phase a
   one-phase car gains a third of what a three-phase car gives up), then a last top-up.
3. **Charge early (or cheap).** Each EV (higher priority, then earlier departure, then least
   slack: of two cars leaving together, the one that needs more of its stay goes first, so the
   room it cannot use later is not spent on a car that could catch up) lifts its energy
   and puts it back at full power into the earliest steps with room, or the cheapest (then
   earliest) ones when prices are given. Runs at full power also keep set-point changes few.
   With a solar surplus (`_shift_solar`) each step is two slots: the surplus still unused there
   (by the EVs already moved), at the feed-in price, and the rest of the step, at the price
   (without prices: 0 and 1). The EV fills the slots cheapest first (then earliest, solar first),
   so it takes no more of a step than the surplus while a cheaper grid step is free; the surplus
   it uses is gone for the EVs after it (greedy). Where the price is below the feed-in price the
   surplus slot is priced at the price, as in the LP. A slot is used whole or from the EV's
   minimum, so a step gets 0 or at least the minimum.
4. **On track.** With prices or a surplus (`ScheduleProblem.priced`), stage 3 first runs without
   them. From that earliest plan (and the last cycle's plan, when there is one) each EV has the
   LP's buffers (`Track`, `tariff.track_buffers`): by each milestone of its stay it keeps a
   share of the energy the earliest plan gives it before then. Stage 3 then runs with the prices
   (`SHIFT_PASSES` times): each EV first places each buffer in its cheapest slots before that
   milestone, then the rest in its cheapest slots (`place_on_track`). So the closed loop keeps
   every car on track for its departure, as the LP does (`scripts/simulate`). An EV whose
   energy does not fit so keeps the row it had. With idle chargers (`ScheduleProblem.idle_kw`)
   the slots are only the room `tariff.arrival_room` leaves: what a car arriving there could
   take stays free. Without prices and surplus stage 3 runs once, as described.

With per-phase limits each step also keeps `phase[t, p]`, the current (A h) each phase still
allows: an EV takes at most what its own phases leave (`Site.cap`), and what it takes is
charged to them (`Site.take`), in every stage.

A set-point is 0 or between the EV's minimum and maximum. A step whose remaining room is below an
EV's minimum is not used by it: that is how EVs take turns, higher priority first, when their
minimums do not all fit under the limit. A last step below the minimum borrows from the step
before it; failing that it is raised to the minimum if that stays within the target, else dropped,
so an EV whose remaining request is below one step at its minimum gets nothing more. No stage
exceeds a request, a window, a maximum or the limit.
"""

from dataclasses import replace
import time
from typing import override

import numpy as np

from .algorithm import Algorithm, Schedule, ScheduleStatus
from .go_fair import Plan, fair_share
from .go_level import level_shares
from .go_place import EPS, Site, Track, place_capped, place_on_track
from .problem import FloatArray, ScheduleProblem
from .tariff import arrival_room

#: Passes of the cheap shift with prices: the second lets each EV take the cheap steps that the
#: EVs moved after it left (`prices` 50 x 480: 101.1 % of the LP's cost per kWh after one pass,
#: 100.3 % after two; a third gains 0.1 %).
SHIFT_PASSES = 2


def _top_up(site: Site, plan: Plan) -> FloatArray:
    """Let every EV take what is left of the limit, up to its request: (N, T) kWh per step."""
    rate = site.rate[:, plan.steps]
    for i in plan.evs:
        need = site.energy[i] - plan.power[i].sum()
        if need > EPS:
            place_capped(
                site, i, rate[i], plan.power[i], plan.spare, phase=plan.phase, need=need, most=need
            )
    power = np.empty_like(plan.power)
    power[:, plan.steps] = plan.power
    return power


def _shift(site: Site, power: FloatArray, track: Track | None = None) -> FloatArray:
    """Move each EV's energy to the earliest (or cheapest) steps with room: (N, T) kWh per step.

    With `track`, each EV first meets its buffers (`place_on_track`).
    """
    rate, rows = site.rate[:, site.steps], power[:, site.steps]
    spare = site.room[site.steps] - rows.sum(axis=0)
    phase = site.phase_left(rows, site.steps)
    for i in site.early:
        total = float(rows[i].sum())
        if total <= EPS:
            continue
        row, free = np.zeros_like(rows[i]), np.maximum(spare + rows[i], 0.0)
        phase_free = None if phase is None else phase.copy()
        site.take(i, -rows[i], phase_free)
        room = site.cap(i, free.copy(), phase_free)
        if place_on_track(
            rate[i],
            row,
            room,
            track=track,
            ev=i,
            slot_step=site.steps,
            need=total,
            low=float(site.low[i]),
            most=float(site.energy[i]),
        ):
            rows[i], spare = row, free - row
            site.take(i, row, phase_free)
            phase = phase_free
    out = np.empty_like(rows)
    out[:, site.steps] = rows
    return out


def _shift_solar(
    site: Site, power: FloatArray, problem: ScheduleProblem, track: Track | None = None
) -> FloatArray:
    """`_shift` with a surplus: each EV into its cheapest solar or grid slots (module docstring)."""
    grid, discount, surplus = problem.grid_prices(), problem.solar_discount(), problem.surplus_kw
    if grid is None or discount is None or surplus is None:
        return _shift(site, power, track)
    solar_price = grid - discount  # the feed-in price, or the price where that is lower
    steps = problem.n_steps
    # Slots 0..T-1 are the surplus, T..2T-1 the rest: cheapest, then earliest, solar first.
    order = np.lexsort(
        (np.repeat([0, 1], steps), np.tile(np.arange(steps), 2), np.append(solar_price, grid))
    )
    slot_step = np.tile(np.arange(steps), 2)[order]
    sun = np.where(discount > 0, surplus * problem.step_hours, 0.0)
    rows = power.copy()
    spare = site.room - rows.sum(axis=0)
    phase = site.phase_left(rows, np.arange(steps))
    for i in site.early:
        total = float(rows[i].sum())
        if total > EPS:
            free = np.maximum(spare + rows[i], 0.0)
            phase_free = None if phase is None else phase.copy()
            site.take(i, -rows[i], phase_free)
            cap = np.minimum(site.rate[i], site.cap(i, free, phase_free))
            solar = np.minimum(cap, sun)
            slots = np.append(solar, cap - solar)[order]
            placed = np.zeros_like(slots)
            if place_on_track(
                slots,
                placed,
                slots.copy(),
                track=track,
                ev=i,
                slot_step=slot_step,
                need=total,
                low=float(site.low[i]),
                most=float(site.energy[i]),
            ):
                both = np.empty_like(placed)
                both[order] = placed
                rows[i] = both[:steps] + both[steps:]
                spare = free - rows[i]
                site.take(i, rows[i], phase_free)
                phase = phase_free
        sun = np.maximum(sun - rows[i], 0.0)
    return rows


def go_schedule(
    problem: ScheduleProblem, previous_kw: FloatArray | None = None, *, level: bool = True
) -> FloatArray:
    """The heuristic's schedule, (N, T) kW; also what the linear program falls back to.

    `previous_kw` is the last cycle's plan on this grid (kW, NaN where it had none): with prices
    or a surplus, the buffers keep what it put before each milestone (`tariff.track_buffers`).
    `level`: the shares are leveled (`go_level.py`); the LP's repair, which re-solves the LP
    over the steps only, goes without (up to 0.1 s more at 50 EVs, every cycle with minimums).
    """
    site = Site.of(problem)
    power = _top_up(site, fair_share(site))
    if level:
        power = level_shares(site, power)
    if not problem.priced:
        return _shift(site, power) / problem.step_hours
    earliest = _shift(replace(site, steps=np.arange(problem.n_steps)), power)
    track = Track.of(problem, site, earliest, previous_kw)
    room = arrival_room(problem, earliest.sum(axis=0) / problem.step_hours)
    if room is not None:
        site = replace(site, room=np.minimum(site.room, room * problem.step_hours))
    shifted = earliest
    for _ in range(SHIFT_PASSES):
        shifted = (
            _shift(site, shifted, track)
            if problem.surplus_kw is None
            else _shift_solar(site, shifted, problem, track)
        )
    return shifted / problem.step_hours


class GoAlgorithm(Algorithm):
    """Fair shares by bisection, then top-ups, then charging as early (or cheap) as there is room.

    With prices or a surplus each EV first keeps its buffers from its earliest plan (on track).

    The stages are in the module docstring; the schedule always satisfies every hard constraint.
    """

    name = "GoAlgorithm"

    @override
    def _schedule(self, problem: ScheduleProblem) -> Schedule:
        started = time.perf_counter()
        power = go_schedule(problem, self.previous_plan())
        return Schedule(
            power=power,
            status=ScheduleStatus.HEURISTIC,
            solve_s=time.perf_counter() - started,
        )
