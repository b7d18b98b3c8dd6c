"""Minimum powers: choosing the steps each EV runs in, and comparing the schedules that result.

A charger cannot run between 0 and its minimum, which makes the exact problem a mixed-integer
one. The repair chooses a set of *on* steps per EV (so that the LP over them, with the minimum as
lower bound, is feasible) and keeps the best schedule by `Score`: fairer by more than
`FAIRNESS_TOLERANCE` (leximin: the smallest share, then the next smallest, ...), else more
energy, else cheaper. A fairness gain below the tolerance never beats more energy.
`Score.reaches` tells when a schedule is as good as the relaxed LP (which no schedule with
minimums can beat) for the worst-off car: then the mixed-integer model is not run, so small
sites pay no MIP; with `every_share`, for every car: then nothing more is tried at all.
"""

from dataclasses import dataclass
import math
from typing import Self

import numpy as np
from numpy.typing import NDArray

from .constants import TOLERANCE
from .linear_program import FAIRNESS_TOLERANCE, eagerness_order, step_costs
from .lp_settings import ENERGY_PROOF
from .phases import room_beside_kw
from .problem import FloatArray, ScheduleProblem

#: Relative energy difference below which two schedules deliver the same (round-off).
ENERGY_TIE = 1e-7


@dataclass(frozen=True, kw_only=True, slots=True)
class Score:
    """A schedule's objectives: smallest fraction, the others, energy (kWh), cost or lateness."""

    min_fraction: float
    energy_kwh: float
    cost: float
    #: Every counted EV's share, smallest first (empty for a bound that knows only the first).
    shares: tuple[float, ...] = ()

    @classmethod
    def of(cls, problem: ScheduleProblem, power: FloatArray) -> Self:
        """Score a schedule (kW, `(N, T)`)."""
        costs = step_costs(problem) * problem.step_hours
        cost = float((costs * power).sum())
        discount = problem.solar_discount()
        if discount is not None:  # what the surplus saves, as in the LP's cost stage
            cost -= float(discount @ problem.solar_credit_kwh(power))
        shares = np.sort(problem.shares(power)[problem.open_cells().any(axis=1)])
        return cls(
            min_fraction=float(shares[0]) if shares.size else 1.0,  # as `problem.min_fraction`
            energy_kwh=problem.useful_kwh(power),
            cost=cost,
            shares=tuple(shares.tolist()),
        )

    def beats(self, other: Score) -> bool:
        """Lexicographically better: leximin (each share beyond the tolerance), energy, cost.

        The smallest share first, then the next smallest and so on, as the LP's leximin rounds
        rank them: of two schedules as fair to the worst-off car, the one that leaves the next
        car more wins, even with less energy. Compared on the smallest share alone, GoAlgorithm's
        schedule on `minimums` 4 x 288, seed 3, was kept with the second car at 0.66 of its
        request where the rounded LP gave it 0.77 (0.84 is possible).
        """
        for share, other_share in zip(self._ranked(), other._ranked(), strict=False):
            if abs(share - other_share) > FAIRNESS_TOLERANCE:
                return share > other_share
        energy = self.energy_kwh - other.energy_kwh
        if abs(energy) > ENERGY_TIE * max(1.0, other.energy_kwh):
            return energy > 0
        return self.cost < other.cost - TOLERANCE * max(1.0, abs(other.cost))

    def fuller(self, other: Score) -> bool:
        """Fairer to the worst-off car (beyond the tolerance), or as fair with more energy."""
        if abs(self.min_fraction - other.min_fraction) > FAIRNESS_TOLERANCE:
            return self.min_fraction > other.min_fraction
        return self.energy_kwh > other.energy_kwh + ENERGY_TIE * max(1.0, other.energy_kwh)

    def _ranked(self) -> tuple[float, ...]:
        """The smallest fraction, then the other shares (only it, for a bound without them)."""
        return (self.min_fraction, *self.shares[1:])

    def reaches(self, bound: Score, *, every_share: bool = False) -> bool:
        """Whether this is as fair and (within `ENERGY_PROOF`) delivers as much as `bound`.

        `every_share`: and every car after the worst-off one is as well off as in `bound`.
        """
        if every_share and any(
            share < other - FAIRNESS_TOLERANCE
            for share, other in zip(self.shares[1:], bound.shares[1:], strict=False)
        ):
            return False
        return (
            self.min_fraction >= bound.min_fraction - FAIRNESS_TOLERANCE
            and self.energy_kwh >= bound.energy_kwh * (1 - ENERGY_PROOF) - TOLERANCE
        )


def round_to_minimums(
    problem: ScheduleProblem, cells: NDArray[np.bool_], power: FloatArray
) -> NDArray[np.bool_]:
    """Choose the steps each EV with a minimum power runs in, from a relaxed schedule.

    Steps at or above the minimum stay on. Of the steps where an EV got less than its minimum
    (largest amounts first), it keeps as many as its request can pay for at the minimum, where
    the minimums already on at that step leave room under the limit (and, with per-phase
    limits, on each of its phases). The minimums on at a step
    then never exceed the limit, nor an EV's minimums its request, so the LP over the chosen steps
    is always feasible; it then moves power between the chosen steps as the stages want.
    """
    has_minimum = problem.min_kw > TOLERANCE
    minimum = problem.min_kw[:, None]
    on = cells & (~has_minimum[:, None] | (power >= minimum - TOLERANCE))
    committed = (on * minimum).sum(axis=0)
    committed_a = problem.phase_load_a(on * minimum)  # (T, 3) A, or None
    below = cells & has_minimum[:, None] & (power > TOLERANCE) & (power < minimum - TOLERANCE)
    small_kwh = np.where(below, power, 0.0).sum(axis=1) * problem.step_hours
    # Higher priority first, then the EV with most energy to place.
    for ev in np.lexsort((-small_kwh, -problem.priority)):
        if not below[ev].any():
            continue
        step_kwh = problem.min_kw[ev] * problem.step_hours
        affordable = math.floor(problem.energy_kwh[ev] / step_kwh + 1e-9) - int(on[ev].sum())
        steps = np.nonzero(below[ev])[0]
        for step in steps[np.argsort(-power[ev, steps], kind="stable")]:
            if affordable <= 0:
                break
            if committed[step] + problem.min_kw[ev] > problem.limit_kw[step] + TOLERANCE:
                continue
            if committed_a is not None and problem.amps_per_kw is not None:
                extra = problem.min_kw[ev] * problem.amps_per_kw[ev]
                if not _phases_fit(problem, committed_a[step] + extra, step):
                    continue
                committed_a[step] += extra
            on[ev, step] = True
            committed[step] += problem.min_kw[ev]
            affordable -= 1
    return on


def _phases_fit(problem: ScheduleProblem, load_a: FloatArray, step: int) -> bool:
    """Whether a current per phase (A) fits a step's phase limits (always, without them)."""
    limits = problem.phase_limits_a
    return limits is None or bool((load_a <= limits[step] + TOLERANCE).all())


def _column_fits(
    problem: ScheduleProblem, column: NDArray[np.bool_], minimum: FloatArray, step: int
) -> bool:
    """Whether the minimums of the EVs on in `column` fit the step's phase limits."""
    if problem.amps_per_kw is None:
        return True
    return _phases_fit(problem, (column * minimum) @ problem.amps_per_kw, step)


def serve_now_first(problem: ScheduleProblem, on: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """`on`, with the most eager EVs (`eagerness_order`) on at the current step where they fit.

    Many sets of steps are equally good and the mixed-integer search picks any of them: it may
    leave the current step idle or hand it to another EV, and so rotate the chargers from cycle
    to cycle. An eager EV that is off now but on later moves its last step to now if the limits
    (kW and per phase) leave room for its minimum, else swaps it with the current step of the
    least eager EV of lower priority that is on. Every EV keeps its number of steps: the LP over
    them stays feasible.
    """
    if problem.n_steps <= 1:
        return on
    on = on.copy()
    minimum = np.where(problem.min_kw > TOLERANCE, problem.min_kw, 0.0)
    open_now = problem.open_cells()
    order = eagerness_order(problem)
    for ev in order:
        later = np.flatnonzero(on[ev, 1:]) + 1
        if on[ev, 0] or not open_now[ev, 0] or not later.size:
            continue
        load = (on * minimum[:, None]).sum(axis=0)
        now = on[:, 0].copy()
        now[ev] = True
        if load[0] + minimum[ev] <= problem.limit_kw[0] + TOLERANCE and _column_fits(
            problem, now, minimum, 0
        ):
            on[ev, 0], on[ev, later[-1]] = True, False
            continue
        for other in order[::-1]:
            if problem.priority[other] >= problem.priority[ev] or not on[other, 0]:
                continue
            free = later[~on[other, later] & open_now[other, later]]
            swing = minimum[ev] - minimum[other]
            if free.size and load[0] + swing <= problem.limit_kw[0] + TOLERANCE:
                step = int(free[-1])
                if load[step] - swing <= problem.limit_kw[step] + TOLERANCE and _swap_fits(
                    problem, on, minimum, (int(ev), int(other), step)
                ):
                    on[ev, 0], on[other, 0] = True, False
                    on[ev, step], on[other, step] = False, True
                    break
    return on


def _swap_fits(
    problem: ScheduleProblem,
    on: NDArray[np.bool_],
    minimum: FloatArray,
    swap: tuple[int, int, int],
) -> bool:
    """Whether `ev` taking `other`'s current step, and `other` its `step`, fits the phases."""
    ev, other, step = swap
    now, later = on[:, 0].copy(), on[:, step].copy()
    now[ev], now[other] = True, False
    later[ev], later[other] = False, True
    return _column_fits(problem, now, minimum, 0) and _column_fits(problem, later, minimum, step)


#: Rounds of bound propagation in `unusable_cells` (a fixed count: the result never depends on
#: the CPU; measured on the `minimums` family, two or three rounds reach the fixed point).
PROPAGATION_ROUNDS = 8


def unusable_cells(
    problem: ScheduleProblem, cells: NDArray[np.bool_], fraction: float | FloatArray
) -> NDArray[np.bool_]:
    """The cells that no schedule with minimums giving every EV `fraction` (or its own) can use.

    The relaxed LP lets an EV fill the room left beside a car that must run flat out with less
    than its minimum; no schedule with minimums can, which is why it may promise several % more
    energy than any (measured: 166.8 against 163.5 kWh on the 4-EV `minimums` site of seed 0),
    and then no candidate ever reaches the bound and the mixed-integer model runs every cycle.

    Bound propagation, as a MIP solver's root node does: an EV that must take `fraction` of its
    request (less `FAIRNESS_TOLERANCE`, as `Score.reaches` allows) and has little to spare must
    take at least `cap - spare / step` in each of its cells (and then at least its minimum); what
    the others must take there lowers its cap; a cell where the others' forced load leaves less
    than the EV's minimum is unusable. With per-phase limits the others' forced current on the
    EV's phases lowers its cap the same way. Every step of the reasoning holds for every schedule
    that reaches the share, so the LP over the remaining cells is still a bound for those.
    Nothing is closed if the share is out of reach (then no schedule reaches the bound anyway).
    """
    none = np.zeros_like(cells)
    dt = problem.step_hours
    floor = np.maximum(np.asarray(fraction) - FAIRNESS_TOLERANCE, 0.0) * problem.energy_kwh
    minimum = np.where(problem.min_kw > TOLERANCE, problem.min_kw, 0.0)[:, None]
    limit = problem.limit_kw[None, :]
    top = np.minimum(np.minimum(problem.max_kw, problem.energy_kwh / dt)[:, None], limit)
    phase_room = problem.phase_room_kw()
    if phase_room is not None:
        top = np.minimum(top, phase_room)
    usable = cells.copy()
    forced = np.zeros(cells.shape)
    for _ in range(PROPAGATION_ROUNDS):
        before = forced
        others = forced.sum(axis=0)[None, :] - forced
        # What the others must take leaves this much room on the EV's phases.
        beside = _phase_room_beside(problem, forced)
        cap = np.where(usable, np.clip(np.minimum(top, limit - others), 0.0, None), 0.0)
        cap = np.minimum(cap, np.clip(beside, 0.0, None))
        spare = cap.sum(axis=1) * dt - floor
        need = cap - np.maximum(spare, 0.0)[:, None] / dt
        forced = np.where(usable & (need > TOLERANCE), np.maximum(need, minimum), 0.0)
        if (spare < -TOLERANCE).any() or (forced > cap + TOLERANCE).any():
            return none  # the share is out of reach
        others = forced.sum(axis=0)[None, :] - forced
        room = np.minimum(limit - others, _phase_room_beside(problem, forced))
        blocked = usable & (forced == 0) & (minimum > 0) & (room < minimum - TOLERANCE)
        if not blocked.any() and np.array_equal(forced, before):
            break
        usable &= ~blocked
    return cells & ~usable


def _phase_room_beside(problem: ScheduleProblem, forced: FloatArray) -> FloatArray:
    """`(N, T)`: the phase room (kW) left to each EV beside the others' `forced` kW; inf without."""
    if problem.phase_limits_a is None or problem.amps_per_kw is None:
        return np.full(forced.shape, np.inf)
    return room_beside_kw(problem.amps_per_kw, problem.phase_limits_a, forced)
