"""The tariff's buffer: with prices, each car keeps part of its earliest energy early."""

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings, strategies as st
import numpy as np
import pytest

from custom_components.optivgi.scm.ev import EV
from custom_components.optivgi.scm.linear_program import solve_stages
from custom_components.optivgi.scm.problem import ScheduleProblem
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm
from custom_components.optivgi.scm.tariff import MILESTONES, TRACK_SHARE, track_buffers, track_end
from custom_components.optivgi.scm.warm import WarmStart

from .pulp_oracle import solve_with_pulp
from .scm_factories import NOW, ev, params_for, random_site


def test_the_first_half_of_a_stay_ends_midway_and_is_never_empty() -> None:
    steps = 10
    evs = [
        ev("whole", energy=5, max_kw=5, steps=steps),
        ev("late", energy=5, max_kw=5, start=6, end=9, steps=steps),
        ev("one step", energy=5, max_kw=5, start=9, end=10, steps=steps),
    ]
    problem = ScheduleProblem.from_evs(evs, [10.0] * steps, NOW, params_for(steps))
    assert track_end(problem).tolist() == [5, 8, 10]
    ev_of = np.array([0, 0, 1, 1], dtype=np.int64)
    step_of = np.array([4, 5, 6, 8], dtype=np.int64)
    assert track_end(problem, 0.9).tolist() == [9, 9, 10]
    held = track_buffers(problem, ev_of, step_of, np.array([1.0, 2.0, 3.0, 4.0]))
    assert len(held) == len(MILESTONES)
    early, buffers = held[0]  # the first milestone is the middle of each stay
    assert early.tolist() == [True, False, True, False]
    assert buffers[:2] == pytest.approx([TRACK_SHARE * 1.0, TRACK_SHARE * 3.0])
    early, buffers = held[-1]  # 90 % of each stay: steps before 9 count for both EVs
    assert early.tolist() == [True, True, True, True]
    assert buffers[:2] == pytest.approx([TRACK_SHARE * 3.0, TRACK_SHARE * 7.0])


def test_a_cheap_night_does_not_take_all_of_a_cars_energy_away_from_its_first_half() -> None:
    # Cheap only in the second half: without a buffer all 10 kWh would go there.
    steps = 8
    evs = [ev("a", energy=10.0, max_kw=10.0, steps=steps)]
    prices = [0.4] * 4 + [0.1] * 4
    problem = ScheduleProblem.from_evs(evs, [10.0] * steps, NOW, params_for(steps), prices)
    power = solve_stages(problem, problem.open_cells(), np.zeros(1), 30).power[0]
    first_half = power[:4].sum() * problem.step_hours
    # The earliest plan puts all 10 kWh in the first half; half of it stays there (the later
    # milestones hold the same 10 kWh, so half of it, and the first half already has that).
    assert first_half == pytest.approx(TRACK_SHARE * 10.0, rel=1e-5)
    assert power.sum() * problem.step_hours == pytest.approx(10.0)


@pytest.mark.parametrize("seed", range(8))
def test_priced_stage_optima_equal_the_pulp_oracle(seed: int) -> None:
    steps = 24 + 2 * seed
    evs, limit = random_site(seed, n_evs=1 + seed % 5, steps=steps, with_minimums=False)
    prices = np.random.default_rng(seed).uniform(-0.1, 0.5, steps).round(2).tolist()
    problem = ScheduleProblem.from_evs(evs, limit, NOW, params_for(steps), prices)
    cells = problem.open_cells()
    ours = solve_stages(problem, cells, np.zeros(problem.n_evs), 30)
    oracle = solve_with_pulp(problem, cells, np.zeros(problem.n_evs))
    assert ours.optima.energy_kwh == pytest.approx(oracle.optima.energy_kwh, rel=1e-6, abs=1e-6)
    assert ours.optima.cost == pytest.approx(oracle.optima.cost, rel=1e-5, abs=1e-6)
    assert problem.violations(ours.power) == []


def test_a_milestone_stays_where_the_stay_puts_it_when_the_plan_is_redone_every_step() -> None:
    """Re-planned every step, a car keeps its buffer by the middle of its whole stay.

    Prices fall step by step until a cheap evening, so every plan puts the buffer as late as it
    may. Measured on the stay left from now, the middle moved half a step further with every
    re-plan; measured on the time left before a fixed middle, the buffer shrank with it, each
    plan deferring half of what the last one left: 1.25 of the 5 kWh by the middle.
    """
    steps, minutes = 24, 15
    step = timedelta(minutes=minutes)
    params = params_for(steps, minutes)
    arrival, departure = NOW - timedelta(minutes=1), NOW + step * steps
    remaining, delivered_by_middle = 10.0, 0.0
    warm = WarmStart()
    for cycle in range(steps // 2):
        now = NOW + step * cycle
        car = EV(
            ev_id="a",
            active=True,
            max_power=10.0,
            arrival_time=arrival,
            departure_time=departure,
            energy=remaining,
        )
        prices = [0.4 - 0.01 * k if k < 18 else 0.1 for k in range(cycle, cycle + steps)]
        PulpNumericalAlgorithm([car], [10.0] * steps, now, params, prices, warm=warm).calculate()
        remaining -= car.power[0] * params.step_hours
        delivered_by_middle += car.power[0] * params.step_hours
    # The plan at plug-in could deliver all 10 kWh before the middle (step 12).
    assert delivered_by_middle >= TRACK_SHARE * 10.0 * (1 - 1e-6)
    # And no more: the rest still waits for the cheap evening.
    assert delivered_by_middle == pytest.approx(TRACK_SHARE * 10.0, rel=1e-4)


def test_a_car_leaving_beyond_the_horizon_measures_its_milestones_on_the_horizon() -> None:
    steps = 8
    car = ev("long stay", energy=5, max_kw=5, end=40, steps=steps)
    problem = ScheduleProblem.from_evs([car], [10.0] * steps, NOW, params_for(steps))
    assert problem.stay_steps is not None
    assert problem.stay_steps[0, 1] == pytest.approx(40.0)
    assert track_end(problem).tolist() == [4]  # half of the 8 steps it can see, not step 20
    passed = ev("passed", energy=5, max_kw=5, steps=steps)
    late = replace(passed, arrival_time=NOW - 4 * timedelta(minutes=15))
    problem = ScheduleProblem.from_evs([late], [10.0] * steps, NOW, params_for(steps))
    # Arrived 4 steps ago, leaves in 8: the middle is 2 steps from now, 90 % in 7.
    assert track_end(problem).tolist() == [2]
    assert track_end(problem, 0.9).tolist() == [7]
    # A problem that knows only the windows measures them: half of the 8 steps left.
    assert track_end(replace(problem, stay_steps=None)).tolist() == [4]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prices=st.lists(st.integers(1, 40), min_size=32, max_size=32),
    stay=st.integers(6, 16),
    energy=st.floats(1.0, 30.0),
)
def test_a_car_replanned_every_step_keeps_its_first_plans_buffer(
    prices: list[int], stay: int, energy: float
) -> None:
    """Whatever the prices, a car alone reaches the middle of its stay with its buffer.

    Its first plan gives it at least `TRACK_SHARE` of what it could take before the middle;
    every later plan keeps what the one before put there, so the closed loop delivers it.
    """
    steps, minutes = 16, 15
    step = timedelta(minutes=minutes)
    params = params_for(steps, minutes)
    middle = -(-stay // 2)  # the first step after the first half of the stay
    remaining, delivered_by_middle = energy, 0.0
    warm = WarmStart()
    for cycle in range(middle):
        car = EV(
            ev_id="a",
            active=True,
            max_power=7.0,
            arrival_time=NOW - timedelta(minutes=1),
            departure_time=NOW + step * stay,
            energy=remaining,
        )
        ahead = [price / 100 for price in prices[cycle : cycle + steps]]
        now = NOW + step * cycle
        PulpNumericalAlgorithm([car], [7.0] * steps, now, params, ahead, warm=warm).calculate()
        remaining -= car.power[0] * params.step_hours
        delivered_by_middle += car.power[0] * params.step_hours
    could = min(energy, 7.0 * middle * params.step_hours)
    assert delivered_by_middle >= TRACK_SHARE * could * (1 - 1e-6) - 1e-6
