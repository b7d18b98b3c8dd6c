"""The tariff's buffer: with prices, each car keeps part of its earliest energy early."""

import numpy as np
import pytest

from custom_components.optivgi.scm.linear_program import solve_stages
from custom_components.optivgi.scm.problem import ScheduleProblem
from custom_components.optivgi.scm.tariff import MILESTONES, TRACK_SHARE, track_buffers, track_end

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
