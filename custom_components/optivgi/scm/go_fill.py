"""GoAlgorithm's stages 1 and 2: fair shares by bisection on `phi`, then top-ups.

See `go_algorithm.py` for the method; amounts are kWh per step, rows in `Plan.steps` order.
"""

from dataclasses import dataclass, replace

import numpy as np

from .go_place import EPS, Site, place, place_capped
from .go_shift import shift
from .problem import FloatArray, IntArray

#: Bisection probes after the first: `phi` is found to 1/2**PROBES of its bound (7 placements,
#: each N vectorised EV placements; about 2-10 ms at 50 EVs x 480 steps).
PROBES = 6


@dataclass(frozen=True, kw_only=True, slots=True)
class Plan:
    """A placement: rows (kWh) with the steps in `steps` order, the kWh left per step, the EV order.

    `score` is the smallest fraction of its request an EV with a target received (at most `phi`);
    `ok` says every target was met, but for less than one step at the EV's minimum.
    """

    power: FloatArray
    spare: FloatArray
    evs: IntArray
    steps: IntArray
    score: float
    ok: bool
    #: What each phase still allows (A h per step, in `steps` order), or None.
    phase: FloatArray | None = None

    def natural(self) -> FloatArray:
        """The rows with the steps in time order: (N, T) kWh per step."""
        power = np.empty_like(self.power)
        power[:, self.steps] = self.power
        return power


def _targets(site: Site, phi: float) -> FloatArray:
    return np.asarray(np.minimum(phi * site.energy, site.reach), dtype=np.float64)


def _judged(site: Site, phi: float, plan: Plan) -> Plan:
    """`plan` with its `score` and `ok` for `phi`."""
    targets = _targets(site, phi)
    got = plan.power.sum(axis=1)
    placed = targets > EPS
    return replace(
        plan,
        ok=bool((got >= targets - site.low - EPS * (1 + targets)).all()),
        score=min(phi, float(np.min(got[placed] / site.energy[placed], initial=phi))),
    )


def fill(site: Site, phi: float) -> Plan:
    """Place every EV's target for `phi`: slackest EV last, each in the steps others want least."""
    targets = _targets(site, phi)
    share = np.divide(targets, site.reach, out=np.zeros_like(targets), where=site.reach > EPS)
    load = np.divide(
        share @ site.rate, site.room, out=np.full_like(site.room, np.inf), where=site.room > 0
    )
    peak = site.rate.max(axis=1, initial=0.0)
    slack = np.divide(site.reach - targets, peak, out=np.zeros_like(targets), where=peak > 0)
    evs, steps = np.lexsort((slack, site.urgent)), np.argsort(load, kind="stable")
    rate = site.rate[:, steps]
    power, spare = np.zeros_like(rate), site.room[steps]
    phase = None if site.phase is None else site.phase[steps]
    want = share[:, None] * rate
    demand = want.sum(axis=0)
    # An EV leaves, where EVs still to come want a step, room for the *largest* minimum among
    # them, not the smallest among all EVs: room below a later EV's minimum is room it cannot
    # use, and the last, slackest EVs (often with larger minimums) were left with slivers
    # (`pv` 50 x 480: smallest fraction 95.2 % of the LP's, now 98.7 %).
    waiting = np.where(want[evs] > EPS, site.low[evs, None], 0.0)
    after = np.zeros_like(waiting)
    if evs.size > 1:
        after[:-1] = np.maximum.accumulate(waiting[::-1], axis=0)[::-1][1:]
    need, low = targets.tolist(), site.low.tolist()
    most = np.maximum(targets, np.minimum(site.energy, site.low)).tolist()
    for k, i in enumerate(evs.tolist()):
        demand -= want[i]
        if need[i] > EPS:
            keep = spare - np.where(demand > EPS, np.maximum(demand, after[k]), 0.0)
            np.maximum(keep, 0.0, out=keep)
            keep = site.cap(i, keep, phase)
            got = place(rate[i], power[i], keep, need=need[i], low=low[i], most=most[i])
            spare -= power[i]
            site.take(i, power[i], phase)
            if got < need[i] - EPS:
                got += place_capped(
                    site,
                    i,
                    rate[i],
                    power[i],
                    spare,
                    phase=phase,
                    need=need[i] - got,
                    most=most[i] - got,
                )
            if got < need[i] - EPS:
                # The rest is below one step at the minimum, and room was left only in steps
                # at the minimum: take one more such step, a little beyond the target, rather
                # than stay short by almost a step (`pv` 10 x 288: worst fraction 96.0 % of the
                # LP's, now 97.5 %; 50 x 480: 98.2 %, now 99.0 %).
                got += place_capped(
                    site,
                    i,
                    rate[i],
                    power[i],
                    spare,
                    phase=phase,
                    need=need[i] - got,
                    most=min(float(site.energy[i]), need[i] + low[i]) - got,
                )
    plan = Plan(power=power, spare=spare, evs=evs, steps=steps, score=0.0, ok=False, phase=phase)
    return _judged(site, phi, plan)


def boost(site: Site, plan: Plan, phi: float) -> Plan:
    """Make room for the EVs `plan` left short of their target for `phi`, then place the rest.

    Every EV moves its energy (`shift`) to the steps the short EVs can use least, then each
    short EV tops up to its target. A greedy fill leaves EVs short where the room was taken by
    EVs that could have charged elsewhere (`phase-minimums` 10 x 288: smallest fraction 95.7 %
    of the LP's, now 97.5 %).
    """
    targets = _targets(site, phi)
    power = plan.natural()
    short = power.sum(axis=1) < targets - EPS
    usable = np.where(short[:, None], np.maximum(site.rate - power, 0.0), 0.0).sum(axis=0)
    order = np.argsort(usable, kind="stable")
    rows = shift(replace(site, steps=order), power)[:, order]
    spare = site.room[order] - rows.sum(axis=0)
    phase = site.phase_left(rows, order)
    rate = site.rate[:, order]
    for i in plan.evs[short[plan.evs]].tolist():
        have = float(rows[i].sum())
        need = float(targets[i]) - have
        if need > EPS:
            most = max(float(targets[i]), min(float(site.energy[i]), float(site.low[i]))) - have
            place_capped(site, i, rate[i], rows[i], spare, phase=phase, need=need, most=most)
    moved = Plan(power=rows, spare=spare, evs=plan.evs, steps=order, score=0.0, ok=False)
    return _judged(site, phi, replace(moved, phase=phase))


def _probe(site: Site, phi: float) -> Plan:
    plan = fill(site, phi)
    if plan.ok:
        return plan
    boosted = boost(site, plan, phi)
    return boosted if boosted.ok or boosted.score > plan.score else plan


def _better(plan: Plan, than: Plan) -> bool:
    """A larger smallest fraction, or as large and more energy placed.

    An EV that cannot take its share (its stay is short) makes every probe score the same;
    keeping the first of them kept small targets for all others, and the top-up could not
    make up for it (the 3-car site of `test_go_algorithm.py` with a per-phase fuse: energy 78 %
    of the LP's, now 100 %; `phase-minimums` 10 x 288: worst energy 93.1 %, then 96.2 %).
    """
    if abs(plan.score - than.score) > EPS:
        return plan.score > than.score
    return float(plan.power.sum()) > float(than.power.sum()) + EPS


def fair_plans(site: Site) -> tuple[Plan, ...]:
    """The best placements found by bisection on `phi`, from the bound that total room sets.

    The best first, then the runner-up if it is as fair (`_better`): which of two equally fair
    fills leaves the top-up more is chance, so both are topped up (`phase-minimums` 50 x 480:
    worst energy 98.0 % of the LP's with the best alone, 98.4 % with both).
    """
    phis = np.linspace(0.0, 1.0, 257)
    total = np.minimum(phis[:, None] * site.energy, site.reach).sum(axis=1)
    usable = np.minimum(site.room, site.rate.sum(axis=0)).sum()
    upper = float(phis[min(int(np.searchsorted(total, usable + EPS)), 256)])
    best, lower = _probe(site, upper), 0.0
    second: Plan | None = None
    for _ in range(0 if best.ok else PROBES):
        phi = (max(lower, best.score) + upper) / 2
        plan = _probe(site, phi)
        if _better(plan, best):
            best, second = plan, best
        elif second is None or _better(plan, second):
            second = plan
        lower, upper = (phi, upper) if plan.ok else (lower, phi)
    if second is None or abs(second.score - best.score) > EPS:
        return (best,)
    return (best, second)


def fair(site: Site) -> Plan:
    """The best placement found by bisection on `phi` (`fair_plans`)."""
    return fair_plans(site)[0]


def top_up(site: Site, plan: Plan) -> FloatArray:
    """Let every EV take what is left of the limit, up to its request: (N, T) kWh per step.

    With per-phase limits, EVs on more phases go first (within a priority): a kWh costs them
    less current on the phase that binds (`phase-minimums` 10 x 288: energy 90.9 % of the LP's
    on seed 2, now 97.1 %).
    """
    rate = site.rate[:, plan.steps]
    order = plan.evs
    # Only where a phase can bind: a limit that never binds must change nothing.
    if (
        site.amps is not None
        and site.phase is not None
        and (site.rate.T @ site.amps > site.phase).any()
    ):
        heavy = site.amps.max(axis=1)[order]
        order = order[np.lexsort((heavy, site.urgent[order]))]
    for i in order.tolist():
        need = float(site.energy[i] - plan.power[i].sum())
        if need > EPS:
            place_capped(
                site, i, rate[i], plan.power[i], plan.spare, phase=plan.phase, need=need, most=need
            )
    return plan.natural()
