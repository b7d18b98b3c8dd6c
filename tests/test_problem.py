"""The problem arrays and the single definition of the hard constraints."""

import numpy as np
import pytest

from custom_components.optivgi.scm.go_algorithm import GoAlgorithm
from custom_components.optivgi.scm.problem import ScheduleProblem

from .scm_factories import NOW, ev, params_for

STEPS = 8


def problem() -> ScheduleProblem:
    evs = [
        ev("a", energy=4.0, max_kw=10.0, min_kw=4.0, start=2, end=6, steps=STEPS),
        ev("b", energy=2.0, max_kw=5.0, steps=STEPS),
    ]
    return ScheduleProblem.from_evs(evs, [12.0] * STEPS, NOW, params_for(STEPS))


def valid() -> np.ndarray:
    power = np.zeros((2, STEPS))
    power[0, 2:4] = [8.0, 8.0]  # 4 kWh in two 15-minute steps
    power[1, 0:2] = [4.0, 4.0]  # 2 kWh
    return power


def test_a_valid_schedule_has_no_violations() -> None:
    assert problem().violations(valid()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: p.__setitem__((0, 1), 5.0), "power outside an EV's window"),
        (lambda p: p.__setitem__((1, 5), -1.0), "negative power"),
        (lambda p: p.__setitem__((1, 0), 6.0), "power above an EV's maximum"),
        (lambda p: p.__setitem__((0, 4), 2.0), "power between 0 and an EV's minimum"),
        (lambda p: p.__setitem__((1, 2), 5.0), "total power above the site limit"),
        (lambda p: p.__setitem__((1, 7), 5.0), "more energy than requested"),
    ],
)
def test_each_broken_constraint_is_named(change: object, expected: str) -> None:
    power = valid()
    change(power)  # type: ignore[operator]
    assert expected in problem().violations(power)


def test_wrong_shape_and_nan_are_violations() -> None:
    assert problem().violations(np.zeros((3, STEPS)))[0].startswith("schedule shape")
    power = valid()
    power[0, 0] = np.nan
    assert problem().violations(power) == ["schedule has values that are not finite numbers"]


def test_limits_that_are_negative_or_nan_mean_no_room() -> None:
    limits = [5.0, -3.0, float("nan"), float("inf")] + [1.0] * (STEPS - 4)
    built = ScheduleProblem.from_evs([], limits, NOW, params_for(STEPS))
    assert built.limit_kw[:4].tolist() == [5.0, 0.0, 0.0, 0.0]


def test_prices_must_cover_the_horizon() -> None:
    with pytest.raises(ValueError, match="prices must be 8 finite values"):
        ScheduleProblem.from_evs([], [1.0] * STEPS, NOW, params_for(STEPS), [0.1] * 7)
    with pytest.raises(ValueError, match="prices"):
        ScheduleProblem.from_evs([], [1.0] * STEPS, NOW, params_for(STEPS), [np.nan] * 8)


def test_fraction_and_energy_figures() -> None:
    built = problem()
    power = valid()
    assert built.delivered_kwh(power).tolist() == [4.0, 2.0]
    assert built.min_fraction(power) == 1.0
    power[0] = 0.0
    assert built.min_fraction(power) == 0.0
    assert built.useful_kwh(power) == 2.0
    nobody = ScheduleProblem.from_evs([], [1.0] * STEPS, NOW, params_for(STEPS))
    assert nobody.min_fraction(np.zeros((0, STEPS))) == 1.0


def test_algorithm_reports_current_power_and_energy() -> None:
    evs = [ev("a", energy=2.0, max_kw=8.0, steps=STEPS)]
    algorithm = GoAlgorithm(evs, [8.0] * STEPS, NOW, params_for(STEPS))
    algorithm.calculate()
    current = algorithm.get_current_power()[evs[0]]
    assert current["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 8000.0
    assert algorithm.get_total_energy_charged() == {evs[0]: pytest.approx(2.0)}


def test_each_share_is_capped_at_the_request_and_zero_without_an_open_cell() -> None:
    evs = [
        ev("a", energy=4.0, max_kw=4.0, steps=STEPS),
        ev("b", energy=2.0, max_kw=4.0, start=2, end=2, steps=STEPS),  # no step to charge in
        ev("c", energy=2.0, max_kw=4.0, steps=STEPS),
    ]
    built = ScheduleProblem.from_evs(evs, [10.0] * STEPS, NOW, params_for(STEPS))
    power = np.zeros((3, STEPS))
    power[0] = 4.0  # 2 h x 4 kW: twice its request
    power[2, :4] = 1.0  # 1 h x 1 kW: half of its request
    assert built.shares(power).tolist() == [1.0, 0.0, 0.5]
    assert built.min_fraction(power) == 0.5
