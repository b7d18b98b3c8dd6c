"""GoAlgorithm's tariff buffers: each EV's cheapest placement that keeps it on track.

With prices or a surplus, every EV holds, by each milestone of its stay (`tariff.py`), at least
`TRACK_SHARE` of what the earliest plan gives it there in *contested* steps (an EV below its
rate there still charges later: that plan had no room for more; where no EV is short of room,
all may move). With a row's total fixed, "at least `B_k` before milestone `k`" is "at most
`total - B_k` from milestone `k` on": caps on nested sets of steps. Filling the cheapest slots
first while every cap allows is then the cheapest placement of one EV (a greedy over a laminar
family of caps), and one `place` per cap that binds finds it.

These buffers replace keeping `TRACK_SHARE` of each contested step in that very step: the EV
may now hold them in the cheapest steps before the milestone, as the LP's buffers do (`prices`
family, 50 x 480: cost per kWh 103.6 % of the LP's median, 104.1 % worst; now 100.5 / 100.6 %).

Amounts are kWh per step (see `go_algorithm.py`).
"""

from dataclasses import dataclass

import numpy as np

from .go_place import EPS, place
from .problem import FloatArray, IntArray, ScheduleProblem
from .tariff import MILESTONES, TRACK_SHARE, track_end


@dataclass(frozen=True, kw_only=True, slots=True)
class Buffers:
    """Per EV and step, how many milestones lie at or before the step; the caps beyond them.

    `caps[i, k]` is the most EV `i` may take in the steps with `zone > k` (kWh): its total less
    its buffer for milestone `k`.
    """

    zone: IntArray
    caps: FloatArray

    @classmethod
    def of(cls, problem: ScheduleProblem, earliest: FloatArray, rate: FloatArray) -> Buffers:
        """The buffers of the earliest plan `earliest` ((N, T) kWh per step) on `Site.rate`."""
        total = earliest.sum(axis=1)
        later = np.cumsum(earliest[:, ::-1], axis=1)[:, ::-1] - earliest
        contested = np.asarray(((earliest < rate - EPS) & (later > EPS)).any(axis=0))
        held = np.where(contested[None, :], earliest, 0.0)
        ends = np.stack([track_end(problem, milestone) for milestone in MILESTONES])
        steps = np.arange(problem.n_steps)
        zone = (steps[None, None, :] >= ends[:, :, None]).sum(axis=0)
        ahead = np.cumsum(held, axis=1)
        at = np.clip(ends - 1, -1, problem.n_steps - 1).T  # (N, K): last step before each
        before = np.where(at >= 0, np.take_along_axis(ahead, np.maximum(at, 0), axis=1), 0.0)
        caps = total[:, None] - TRACK_SHARE * before
        return cls(zone=np.asarray(zone, dtype=np.int64), caps=np.asarray(caps, dtype=np.float64))


def place_buffered(
    rate: FloatArray,
    row: FloatArray,
    spare: FloatArray,
    *,
    zone: IntArray | None,
    caps: FloatArray | None,
    need: float,
    low: float,
    most: float,
) -> float:
    """`place` into `row` (slots in order of preference) within the caps; what was added.

    `zone[s]` is the zone of slot `s` and `caps` the EV's row of `Buffers.caps` (None: no
    buffers); `spare` is used up in place.
    """
    # No cap can bind (no buffers, or none that asks for anything): place as without them.
    if zone is None or caps is None or (caps >= most - EPS).all():
        return place(rate, row, spare, need=need, low=low, most=most)
    closed = np.zeros(row.size, dtype=np.bool_)
    got = 0.0
    for _ in range(caps.size + 1):
        before = row.copy()
        trial = np.where(closed, 0.0, spare)
        added_kwh = place(rate, row, trial, need=need - got, low=low, most=most - got)
        added = row - before
        # Most rows fit their caps at once: check the sums per zone before any running sum.
        ahead = np.bincount(zone, weights=row, minlength=caps.size + 1)
        beyond_sum = np.cumsum(ahead[::-1])[::-1][1:]
        first, binding, excess = row.size, -1, 0.0
        for k in np.flatnonzero(beyond_sum[: caps.size] > caps + EPS).tolist():
            beyond = zone > k
            used = np.cumsum(np.where(beyond, added, 0.0)) + float(before[beyond].sum())
            over = np.flatnonzero(used > caps[k] + EPS)
            if over.size and (over[0], -used[over[0]] + caps[k]) < (first, -excess):
                first, binding, excess = int(over[0]), k, float(used[over[0]] - caps[k])
        if binding < 0:
            spare -= added
            return got + added_kwh
        added[first + 1 :] = 0.0
        added[first] = max(added[first] - excess, 0.0)
        if added[first] < max(low, EPS) and before[first] <= EPS:
            added[first] = 0.0  # a new step below the minimum: leave it
        row[:] = before + added
        spare -= added
        got += float(added.sum())
        closed |= zone > binding
    return got


def kept_of(row: FloatArray, zone: IntArray, low: float) -> FloatArray:
    """What an EV keeps of `row` where its caps do not fit (`place_kept`).

    `TRACK_SHARE` of each step before its last milestone, raised to its minimum (never above
    the row): the earliest row meets every buffer with it.
    """
    share = np.minimum(row, np.maximum(TRACK_SHARE * row, low))
    return np.asarray(np.where((zone < len(MILESTONES)) & (row > EPS), share, 0.0))


def place_kept(
    rate: FloatArray,
    row: FloatArray,
    spare: FloatArray,
    *,
    kept: FloatArray,
    need: float,
    low: float,
    most: float,
) -> float:
    """`place` into an empty `row` after `kept` (within `spare`); what was added in all.

    The fallback when the cheapest placement within the caps does not fit (the EVs moved
    before took the room of its buffers): the EV keeps `kept` of its row in those very steps and
    places only the rest, as before the caps (`prices` 4 x 48, seed 11: cost per kWh 16.9 %
    above the LP's when it kept its whole earliest row instead; now 0.4 %).
    """
    row += kept
    np.maximum(spare - kept, 0.0, out=spare)
    got = float(kept.sum())
    if need - got > EPS:
        got += place(rate, row, spare, need=need - got, low=low, most=most - got)
    return got
