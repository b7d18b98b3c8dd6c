"""The repair's last search: the cars after the worst-off one, each at its relaxed share.

Once a schedule with minimums is as fair as the relaxed LP to the worst-off car, the repair's
mixed-integer searches stop (`Repair.fair_enough`): they hold every EV at the smallest share. The
next cars may still get less than the relaxed leximin gives them: measured on the 4 x 288
`minimums` and `phase-minimums` sites of seeds 3 and 6, a car 0.015-0.09 of its request below
the exact leximin optimum. No schedule with minimums is leximin-better than the relaxed one (it
is a schedule of the relaxation too), so one that reaches every relaxed share is the exact one.

So, unless a schedule already reaches them (`Repair.settled`), one more search runs: the last
plan's steps as they were, then the mixed-integer model holding every EV at its own relaxed share
(less half the tolerance) over the cells bound propagation leaves usable for those shares. If
none reaches them all, the exact leximin has a later level below the relaxed one: on a small
site (`NEXT_LEVEL_MAX_CELLS`) the cars of the levels reached keep their share and the
mixed-integer fairness stage raises the others (`_next_level`). Both share the repair's node
budget, so the result depends on the inputs and the site's `WarmStart` only: a search that found
nothing is not run again for the same cars (`WarmStart.later_shares_missed`).
"""

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from .constants import TOLERANCE
from .linear_program import FAIRNESS_TOLERANCE
from .minimums import unusable_cells
from .problem import FloatArray
from .repair import Repair


def last_plan_steps(repair: Repair, rounded: NDArray[np.bool_]) -> NDArray[np.bool_] | None:
    """The last plan's steps, one step on (an EV it did not know: `rounded`); None without one."""
    if repair.previous is None:
        return None
    known = np.asarray(~np.isnan(repair.previous).all(axis=1), dtype=np.bool_)
    planned = np.nan_to_num(repair.previous) > TOLERANCE
    steps: NDArray[np.bool_] = repair.cells & np.where(known[:, None], planned, rounded)
    return steps


def later_share_supports(
    repair: Repair,
    relaxed: FloatArray,
    last: NDArray[np.bool_] | None,
    per_stage: int,
) -> Iterator[tuple[NDArray[np.bool_], str]]:
    """The sets of on-steps that may reach every relaxed share, cheapest first.

    `relaxed` is the relaxed LP's schedule, `last` the last plan's steps, `per_stage` the nodes
    one stage of a search may use (0: the last plan's steps only). Nothing once some schedule
    so far reaches every share.
    """
    if last is not None:
        # Served now first, they lost this car 0.004 of its share on `minimums` 4 x 288, seed
        # 3, and the search below ran every cycle; as they were, they reach every share.
        yield last, "LP over the last plan's steps as they were"
    if not per_stage:
        return
    problem, cells = repair.problem, repair.cells
    shares = problem.shares(relaxed)
    # The whole model over the usable cells only: held at every share, the rounded and the
    # reduced models (as the repair's first searches have them) never gave the schedule that
    # reached every share on the 40 `minimums` and `phase-minimums` sites of 4 and 10 EVs x 288
    # (the whole model did, each time), and cost 15-55 ms a site.
    yield from repair.search(
        cells & ~unusable_cells(problem, cells, shares),
        "the mixed-integer model's steps at every share",
        nodes=per_stage,
        floor=shares,
        fixed_on=None,
    )
    yield from _next_level(repair, shares, per_stage)


#: Cells with a minimum power up to which the next level is searched (`_next_level`): a site of
#: 10 chargers at 5-minute steps, not a 1-minute home (4 x 480 has up to 1920). Measured on the
#: `minimums` and `phase-minimums` sites: 4 EVs x 288 (250-400 cells), 44-167 ms a search;
#: 10 EVs x 288 (about 1000 cells), 0.4-2.5 s in HiGHS's root node, for the first plan of a
#: set of cars only (`WarmStart.later_shares_missed`). At 10 EVs it made `minimums` seed 3
#: exact and brought two more sites within 0.003 of the exact shares.
NEXT_LEVEL_MAX_CELLS = 1500


def _next_level(
    repair: Repair, shares: FloatArray, per_stage: int
) -> Iterator[tuple[NDArray[np.bool_], str]]:
    """The cars of the levels reached held at their share, the smallest share of the others raised.

    When no schedule reaches every relaxed share, the exact leximin has a later level below the
    relaxed one (`minimums` 4 x 288, seed 8: the two worst-off cars at 0.4315 in both, the two
    others at 0.539 against 0.571). The relaxed LP's levels, from the lowest, that the best
    schedule so far reaches for every car of the level are held (`phase-minimums` seed 8: the
    first two, one car each), and the mixed-integer fairness stage raises the others.
    """
    problem, cells = repair.problem, repair.cells
    if problem.cells_with_minimum(cells) > NEXT_LEVEL_MAX_CELLS:
        return
    counted = cells.any(axis=1)
    best = problem.shares(repair.best)
    held = np.zeros_like(counted)
    for level in np.sort(shares[counted]):
        at_level = counted & ~held & (np.abs(shares - level) <= FAIRNESS_TOLERANCE)
        if not at_level.any():
            continue  # a car of a level already held
        if (best[at_level] < shares[at_level] - FAIRNESS_TOLERANCE).any():
            break
        held |= at_level
    if not held.any() or not (counted & ~held).any():
        return
    held_share = np.where(held, shares, 0.0)
    usable = cells & ~unusable_cells(problem, cells, held_share)
    floor = np.maximum(held_share - FAIRNESS_TOLERANCE / 2, 0.0) * problem.energy_kwh
    yield from repair.search(
        usable,
        "the mixed-integer model's steps at the next level",
        nodes=per_stage,
        floor=None,
        fixed_on=None,
        held_kwh=np.where(held, floor, 0.0),
    )
