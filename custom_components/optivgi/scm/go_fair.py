"""GoAlgorithm's first stage, the fair share: one common fraction of every request, by bisection.

See `go_algorithm.py` for the stages and the units (kWh per step). `fair_share` finds the largest
fraction `phi` for which every EV can be placed its target `min(phi * request, all it could take
alone)`, by bisection on `phi` from the bound the total room sets, each probe a greedy placement
(`_fill`). It runs the bisection with two orders of the EVs and keeps the fairer placement.
"""

from dataclasses import dataclass, replace

import numpy as np

from .go_place import EPS, Site, place, place_capped
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
    #: Every target met in full at the bound the total room sets: no placement is fairer.
    at_bound: bool = False
    #: Every target met in full (`ok` allows one step at the minimum less).
    full: bool = False


def _fill(site: Site, phi: float, *, minimums_first: bool) -> Plan:
    """Place every EV's target for `phi`: slackest EV last, each in the steps others want least.

    `minimums_first`: EVs with a larger minimum power go first (then by slack).
    """
    targets = np.minimum(phi * site.energy, site.reach)
    share = np.divide(targets, site.reach, out=np.zeros_like(targets), where=site.reach > EPS)
    load = np.divide(
        share @ site.rate, site.room, out=np.full_like(site.room, np.inf), where=site.room > 0
    )
    peak = site.rate.max(axis=1, initial=0.0)
    slack = np.divide(site.reach - targets, peak, out=np.zeros_like(targets), where=peak > 0)
    order = (slack, -site.low, site.urgent) if minimums_first else (slack, site.urgent)
    evs, steps = np.lexsort(order), np.argsort(load, kind="stable")
    rate = site.rate[:, steps]
    power, spare = np.zeros_like(rate), site.room[steps]
    phase = None if site.phase is None else site.phase[steps]
    want = share[:, None] * rate
    demand, floor = want.sum(axis=0), site.floor[steps]
    need, low = targets.tolist(), site.low.tolist()
    most = np.maximum(targets, np.minimum(site.energy, site.low)).tolist()
    for i in evs.tolist():
        demand -= want[i]
        if need[i] > EPS:
            keep = spare - np.where(demand > EPS, np.maximum(demand, floor), 0.0)
            np.maximum(keep, 0.0, out=keep)
            keep = site.cap(i, keep, phase)
            got = place(rate[i], power[i], keep, need=need[i], low=low[i], most=most[i])
            spare -= power[i]
            site.take(i, power[i], phase)
            if got < need[i] - EPS:
                place_capped(
                    site,
                    i,
                    rate[i],
                    power[i],
                    spare,
                    phase=phase,
                    need=need[i] - got,
                    most=most[i] - got,
                )
    got = power.sum(axis=1)
    ok = bool((got >= targets - site.low - EPS * (1 + targets)).all())
    full = bool((got >= targets - EPS * (1 + targets)).all())
    placed = targets > EPS
    score = min(phi, float(np.min(got[placed] / site.energy[placed], initial=phi)))
    return Plan(
        power=power, spare=spare, evs=evs, steps=steps, score=score, ok=ok, phase=phase, full=full
    )


def fair_share(site: Site) -> Plan:
    """The fairer of the placements found with each EV order (`_bisect`); ties: more energy.

    Placed by slack alone, cars with a minimum that came later found the steps they could use
    taken by cars without one, which could have used any: on the `pv` family (a limit that
    rises to a midday peak) the smallest fraction was 94.9 % of the LP's at 50 x 480, and
    92.4 % on `phase-minimums` 10 x 288; with the better of both orders, 98.9 and 96.0 %
    (`scripts/bench_quality.py --only go`). It doubles the placements: a few ms.
    """
    best = _bisect(site, minimums_first=False)
    if not (site.low > EPS).any() or best.at_bound:
        return best  # both orders are the same, or the other cannot be fairer
    other = _bisect(site, minimums_first=True)
    if other.score > best.score + EPS or (
        other.score > best.score - EPS and other.power.sum() > best.power.sum() + EPS
    ):
        return other
    return best


def _bisect(site: Site, *, minimums_first: bool) -> Plan:
    """The best placement found by bisection on `phi`, from the bound that total room sets."""
    phis = np.linspace(0.0, 1.0, 257)
    total = np.minimum(phis[:, None] * site.energy, site.reach).sum(axis=1)
    usable = np.minimum(site.room, site.rate.sum(axis=0)).sum()
    upper = float(phis[min(int(np.searchsorted(total, usable + EPS)), 256)])
    best, lower = _fill(site, upper, minimums_first=minimums_first), 0.0
    if best.ok:
        return replace(best, at_bound=best.full)
    for _ in range(PROBES):
        phi = (max(lower, best.score) + upper) / 2
        plan = _fill(site, phi, minimums_first=minimums_first)
        best = plan if plan.score > best.score else best
        lower, upper = (phi, upper) if plan.ok else (lower, phi)
    return best
