"""The cost of a planned profile: known steps summed, unknown ones reported, not guessed."""

from datetime import timedelta

import pytest

from custom_components.optivgi.plan_cost import planned_cost

QUARTER = timedelta(minutes=15)


def test_cost_is_energy_times_price_per_step() -> None:
    # 11 kW for a quarter hour is 2.75 kWh; 7.4 kW for another is 1.85 kWh.
    cost, complete = planned_cost([11.0, 7.4, 0.0], [0.2, 0.3, None], QUARTER)
    assert cost == pytest.approx(2.75 * 0.2 + 1.85 * 0.3)
    assert complete  # the unpriced step draws nothing


def test_a_step_with_power_and_no_price_makes_the_cost_partial() -> None:
    cost, complete = planned_cost([11.0, 11.0], [0.2, None], timedelta(hours=1))
    assert cost == pytest.approx(2.2)
    assert not complete


def test_negative_prices_earn_money() -> None:
    cost, complete = planned_cost([4.0, 4.0], [-0.05, 0.1], timedelta(minutes=30))
    assert cost == pytest.approx(2.0 * -0.05 + 2.0 * 0.1)
    assert complete


def test_round_off_power_on_an_unpriced_step_does_not_count() -> None:
    cost, complete = planned_cost([1e-9, 3.0], [None, 0.5], timedelta(minutes=5))
    assert cost == pytest.approx(3.0 / 12 * 0.5)
    assert complete


def test_nothing_planned_costs_nothing() -> None:
    assert planned_cost([], [], QUARTER) == (0.0, True)
    assert planned_cost([0.0, 0.0], [None, None], QUARTER) == (0.0, True)


@pytest.mark.parametrize(
    ("powers", "prices", "resolution", "message"),
    [
        ([1.0], [0.1, 0.2], QUARTER, "1 powers but 2 prices"),
        ([1.0], [0.1], timedelta(0), "must be positive"),
    ],
)
def test_bad_arguments_are_refused(
    powers: list[float], prices: list[float | None], resolution: timedelta, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        planned_cost(powers, prices, resolution)
