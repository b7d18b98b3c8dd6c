"""GoAlgorithm's trades: where a phase is full, a donor gives more than the receiver gains.

See `go_algorithm.py` for the stages and the units (kWh per step, phase current A h per step).
A one-phase car on a full phase gains only a third of what a three-phase car gives up there
(4.35 against 1.45 A per kW on that phase), so leveling a kWh for a kWh (`go_level.py`) moves
nothing: on `phase-minimums` 10 x 288, seed 4, a one-phase car stayed at 0.78 of its request
beside three-phase cars at 0.83, where the LP gives all four 0.81. A trade hands the receiver
what the phases let through, steps with the best rate first, until it meets the donor's share
or its cap. The energy the phases cannot pass on stays free for the fill-up that follows.
"""

import numpy as np

from .go_place import EPS, Site
from .problem import FloatArray, IntArray


def exchange(
    site: Site,
    amps: FloatArray,
    power: FloatArray,
    phase: FloatArray,
    spare: FloatArray,
    *,
    ev: int,
    donor: int,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """The steps where `ev` gains if `donor` gives up what it holds there; gains; amounts given.

    The donor gives up all it holds (so it is off), or, where `ev` is full before that, just
    enough for `ev` to fill up, if what it keeps is at least its minimum. A step that `ev` does
    not charge in must gain at least its minimum. `amps` is `site.amps`.
    """
    mine, theirs = power[ev], power[donor]
    room = site.rate[ev] - mine
    steps = np.flatnonzero((theirs > EPS) & (room > EPS))
    room, theirs = room[steps], theirs[steps]
    used = np.flatnonzero(amps[ev] > EPS)
    # Each limit on `ev`'s gain is `base + slope * given`: its room, the site, each phase.
    base = np.column_stack(
        [
            room,
            np.maximum(spare[steps], 0.0),
            np.maximum(phase[steps][:, used], 0.0) / amps[ev, used],
        ]
    )
    slope = np.concatenate(([0.0, 1.0], amps[donor, used] / amps[ev, used]))
    rising = slope > EPS
    full = ((room[:, None] - base[:, rising]) / slope[rising]).max(axis=1, initial=0.0)
    give = np.minimum(np.maximum(full, 0.0), theirs)
    keeps = theirs - give
    give = np.where((keeps > EPS) & (keeps < site.low[donor] - EPS), theirs, give)
    gain = np.minimum(room, (base + slope * give[:, None]).min(axis=1))
    usable = (give > EPS) & (gain > EPS) & ((mine[steps] > EPS) | (gain >= site.low[ev] - EPS))
    return steps[usable], gain[usable], give[usable]


def pick_trades(
    site: Site,
    power: FloatArray,
    phase: FloatArray | None,
    spare: FloatArray,
    *,
    ev: int,
    donor: int,
    got: tuple[float, float],
    energy: tuple[float, float],
    cap: float,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """The trades that raise `ev` towards `cap` kWh: steps, what `ev` gains, what `donor` gives.

    `got` and `energy` are both EVs' totals and requests. Whole steps, best rate first, while
    `ev`'s share stays at most the donor's; then part of the next step, minimums allowing.
    """
    none = np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    if phase is None or site.amps is None:
        return none
    steps, gain, give = exchange(site, site.amps, power, phase, spare, ev=ev, donor=donor)
    order = np.argsort(-gain / np.maximum(give, EPS), kind="stable")
    steps, gain, give = steps[order], gain[order], give[order]
    raised = got[0] + np.add.accumulate(gain)
    lowered = got[1] - np.add.accumulate(give)
    fits = (raised <= cap + EPS) & (raised / energy[0] <= lowered / energy[1])
    count = int(np.argmin(fits)) if not fits.all() else fits.size
    if count < steps.size:
        now_in = got[0] + float(gain[:count].sum())
        now_out = got[1] - float(give[:count].sum())
        meet = (now_out / energy[1] - now_in / energy[0]) / (
            gain[count] / energy[0] + give[count] / energy[1]
        )
        part = min(meet, (cap - now_in) / gain[count], 1.0)
        step = steps[count]
        kept = power[donor, step] - part * give[count]
        if (
            part > EPS
            and (power[ev, step] > EPS or part * gain[count] >= site.low[ev] - EPS)
            and (kept <= EPS or kept >= site.low[donor] - EPS)
        ):
            gain[count], give[count] = part * gain[count], part * give[count]
            count += 1
    if count == 0:
        return none
    return steps[:count], gain[:count], give[:count]
