"""Energy prices: slots from a price source, resampled onto the site's step grid.

A price source is either an entity whose state attributes hold price lists (the shapes are read
in `price_shapes`) or the response of a core action (`nordpool.get_prices_for_date`,
`tibber.get_prices`). Whatever the source, the result is a `PriceSeries`: slots in UTC with a
price in currency per kWh. `resample` turns it into one price per planning step.

All times here are UTC. A slot or a step covers `[start, end)`: start inclusive, end exclusive.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import itertools

from homeassistant.util import dt as dt_util


class PriceFormatError(ValueError):
    """A price source's data cannot be read: the message says what and where."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PriceSlot:
    """One price interval: `price` (currency per kWh) applies from `start` to `end` (UTC)."""

    start: datetime
    end: datetime
    price: float


@dataclass(frozen=True, kw_only=True, slots=True)
class PriceSeries:
    """The known prices of one source, sorted by start and not overlapping.

    `currency` is the ISO code (or the source's own label) of the prices, None when the source
    does not say; cost sensors then fall back to Home Assistant's configured currency.
    """

    slots: tuple[PriceSlot, ...]
    currency: str | None


_MICROSECOND = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=dt_util.UTC)


def _micros(when: datetime) -> int:
    """Microseconds since the epoch: integer time, so coverage sums are exact."""
    return (when - _EPOCH) // _MICROSECOND


def build_series(slots: Iterable[PriceSlot], currency: str | None) -> PriceSeries:
    """Sort slots, drop exact duplicates and reject overlaps that disagree.

    Sources that list today and tomorrow separately may repeat the slot at the seam; the same
    slot twice is harmless. Two different prices for the same time are not: there is no way to
    tell which is right, so the whole source is refused rather than guessed.
    """
    ordered = sorted(set(slots), key=lambda slot: (slot.start, slot.end))
    for earlier, later in itertools.pairwise(ordered):
        if later.start < earlier.end:
            msg = (
                f"price slots overlap: {earlier.start.isoformat()} to {earlier.end.isoformat()} "
                f"at {earlier.price} and {later.start.isoformat()} to {later.end.isoformat()} "
                f"at {later.price}"
            )
            raise PriceFormatError(msg)
    return PriceSeries(slots=tuple(ordered), currency=currency)


def resample(
    slots: Sequence[PriceSlot], start: datetime, resolution: timedelta, steps: int
) -> list[float | None]:
    """Price per step on the grid `start + k * resolution`, `k` in `range(steps)`.

    Each step's price is the time-weighted mean of the slots that overlap it (currency per kWh),
    which is the price of a constant power drawn over the whole step. A step that the slots do
    not cover completely is None: a mean of part of a step would be a plausible but unfounded
    number, and the planner treats unknown steps explicitly. The grid is walked in UTC, so a
    local day of 23 or 25 hours needs nothing special. `slots` must be sorted and not overlap,
    as in a `PriceSeries`.
    """
    if start.tzinfo is None:
        msg = f"the grid start {start.isoformat()} has no time zone"
        raise ValueError(msg)
    if resolution <= timedelta(0):
        msg = f"the step length must be positive, not {resolution}"
        raise ValueError(msg)
    if steps < 0:
        msg = f"the number of steps must not be negative, not {steps}"
        raise ValueError(msg)
    step = resolution // _MICROSECOND
    origin = _micros(start)
    bounds = [(_micros(slot.start), _micros(slot.end), slot.price) for slot in slots]
    result: list[float | None] = []
    first = 0  # the first slot that may still overlap the current step (slots are sorted)
    for index in range(steps):
        lower = origin + index * step
        upper = lower + step
        while first < len(bounds) and bounds[first][1] <= lower:
            first += 1
        covered = 0
        weighted = 0.0
        for slot_start, slot_end, price in itertools.islice(bounds, first, None):
            if slot_start >= upper:
                break
            overlap = min(slot_end, upper) - max(slot_start, lower)
            covered += overlap
            weighted += price * overlap
        result.append(weighted / covered if covered == step else None)
    return result
