"""GoAlgorithm's stage 3: each EV's energy moved to its earliest, or cheapest, steps with room.

See `go_algorithm.py` for the stages; amounts are kWh per step. Each EV (in `Site.early` order)
lifts its row and places its whole total again; if that does not fit within its buffers, it
keeps part of its row in place and moves the rest (`go_track.place_kept`); failing that too, it
keeps its row, so no EV ever loses energy here.
"""

import numpy as np

from .go_place import EPS, Site
from .go_track import Buffers, kept_of, place_buffered, place_kept
from .problem import FloatArray, ScheduleProblem


def shift(site: Site, power: FloatArray, keep: Buffers | None = None) -> FloatArray:
    """Move each EV's energy to the first steps of `site.steps` with room: (N, T) kWh per step.

    With `keep`, each EV holds its buffers (`go_track.py`).
    """
    rate, rows = site.rate[:, site.steps], power[:, site.steps]
    spare = site.room[site.steps] - rows.sum(axis=0)
    phase = site.phase_left(rows, site.steps)
    for i in site.early.tolist():
        total = float(rows[i].sum())
        if total <= EPS:
            continue
        row, free = np.zeros_like(rows[i]), np.maximum(spare + rows[i], 0.0)
        phase_free = None if phase is None else phase.copy()
        site.take(i, -rows[i], phase_free)
        room = site.cap(i, free.copy(), phase_free)
        got = place_buffered(
            rate[i],
            row,
            room,
            zone=None if keep is None else keep.zone[i, site.steps],
            caps=None if keep is None else keep.caps[i],
            need=total,
            low=float(site.low[i]),
            most=float(site.energy[i]),
        )
        if got < total - EPS and keep is not None:
            row, room = np.zeros_like(rows[i]), site.cap(i, free.copy(), phase_free)
            kept = kept_of(rows[i], keep.zone[i, site.steps], float(site.low[i]))
            got = place_kept(
                rate[i], row, room, kept=kept, need=total, low=site.low[i], most=site.energy[i]
            )
        if got >= total - EPS:
            rows[i], spare = row, free - row
            site.take(i, row, phase_free)
            phase = phase_free
    out = np.empty_like(rows)
    out[:, site.steps] = rows
    return out


def shift_solar(
    site: Site, power: FloatArray, problem: ScheduleProblem, keep: Buffers | None = None
) -> FloatArray:
    """`shift` with a surplus: each EV into its cheapest solar or grid slots (`go_algorithm.py`).

    An EV's buffers (`keep`) count its solar and grid slots of a step alike.
    """
    grid, discount, surplus = problem.grid_prices(), problem.solar_discount(), problem.surplus_kw
    if grid is None or discount is None or surplus is None:
        return shift(site, power, keep)
    solar_price = grid - discount  # the feed-in price, or the price where that is lower
    steps = problem.n_steps
    # Slots 0..T-1 are the surplus, T..2T-1 the rest: cheapest, then earliest, solar first.
    order = np.lexsort(
        (np.repeat([0, 1], steps), np.tile(np.arange(steps), 2), np.append(solar_price, grid))
    )
    sun = np.where(discount > 0, surplus * problem.step_hours, 0.0)
    rows = power.copy()
    spare = site.room - rows.sum(axis=0)
    phase = site.phase_left(rows, np.arange(steps))
    for i in site.early.tolist():
        total = float(rows[i].sum())
        if total > EPS:
            free = np.maximum(spare + rows[i], 0.0)
            phase_free = None if phase is None else phase.copy()
            site.take(i, -rows[i], phase_free)
            cap = np.minimum(site.rate[i], site.cap(i, free, phase_free))
            solar = np.minimum(cap, sun)
            slots = np.append(solar, cap - solar)[order]
            placed = np.zeros_like(slots)
            got = place_buffered(
                slots,
                placed,
                slots.copy(),
                zone=None if keep is None else np.tile(keep.zone[i], 2)[order],
                caps=None if keep is None else keep.caps[i],
                need=total,
                low=float(site.low[i]),
                most=float(site.energy[i]),
            )
            if got < total - EPS and keep is not None:
                kept = kept_of(rows[i], keep.zone[i], float(site.low[i]))
                sunny = np.minimum(kept, solar)
                placed = np.zeros_like(slots)
                got = place_kept(
                    slots,
                    placed,
                    slots.copy(),
                    kept=np.append(sunny, kept - sunny)[order],
                    need=total,
                    low=float(site.low[i]),
                    most=float(site.energy[i]),
                )
            if got >= total - EPS:
                both = np.empty_like(placed)
                both[order] = placed
                rows[i] = both[:steps] + both[steps:]
                spare = free - rows[i]
                site.take(i, rows[i], phase_free)
                phase = phase_free
        sun = np.maximum(sun - rows[i], 0.0)
    return rows
