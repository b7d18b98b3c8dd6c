"""The cost of a planned power profile at the source's prices (pure: no Home Assistant)."""

from collections.abc import Sequence
from datetime import timedelta

from .scm.constants import TOLERANCE


def planned_cost(
    powers_kw: Sequence[float], prices: Sequence[float | None], resolution: timedelta
) -> tuple[float, bool]:
    """The cost of drawing `powers_kw[t]` over step `t` at `prices[t]` (currency per kWh).

    Returns the cost of the energy over the steps with a known price, and whether that is the
    whole cost: True when every step that draws power has a known price. A cost that leaves
    out unpriced steps is a lower bound, and a sensor must be able to say so rather than show
    it as the total. Powers within solver round-off of zero draw nothing: an unpriced step
    with 1e-9 kW must not mark the cost as partial. Negative prices give negative costs, and
    negative powers (feeding back) are priced the same way.

    Raises:
        ValueError: the two sequences differ in length or the step is not positive.
    """
    if resolution <= timedelta(0):
        msg = f"the step length must be positive, not {resolution}"
        raise ValueError(msg)
    if len(powers_kw) != len(prices):
        msg = f"{len(powers_kw)} powers but {len(prices)} prices"
        raise ValueError(msg)
    hours = resolution / timedelta(hours=1)
    cost = 0.0
    complete = True
    for power, price in zip(powers_kw, prices, strict=True):
        if abs(power) <= TOLERANCE:
            continue
        if price is None:
            complete = False
        else:
            cost += power * hours * price
    return cost, complete
