"""The repair: the steps it tries, and how it compares schedules (fairness, energy, cost)."""

from datetime import timedelta

import numpy as np
from numpy.typing import NDArray
import pytest

from custom_components.optivgi.scm.ev import EV
from custom_components.optivgi.scm.linear_program import FAIRNESS_TOLERANCE, solve_stages
from custom_components.optivgi.scm.lp_mip import semi_continuous_steps
from custom_components.optivgi.scm.minimums import (
    ENERGY_PROOF,
    Score,
    serve_now_first,
    unusable_cells,
)
from custom_components.optivgi.scm.problem import ScheduleProblem
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm
from custom_components.optivgi.scm.warm import WarmStart

from .exact_reference import exact_leximin, exact_with_minimums
from .scm_factories import NOW, ev as make_ev, params_for, random_site


def score(fraction: float, energy: float, cost: float = 0.0) -> Score:
    return Score(min_fraction=fraction, energy_kwh=energy, cost=cost)


def test_a_fairness_gain_below_the_tolerance_never_beats_more_energy() -> None:
    tiny = FAIRNESS_TOLERANCE / 2
    assert not score(0.5 + tiny, 80.0).beats(score(0.5, 100.0))
    assert score(0.5, 100.0).beats(score(0.5 + tiny, 80.0))
    assert score(0.5 + 2 * FAIRNESS_TOLERANCE, 80.0).beats(score(0.5, 100.0))


def test_equal_fairness_and_energy_go_by_cost() -> None:
    assert score(0.5, 100.0, 3.0).beats(score(0.5, 100.0, 4.0))
    assert not score(0.5, 100.0, 4.0).beats(score(0.5, 100.0, 4.0))


def test_reaching_the_relaxed_bound_is_within_the_tolerances() -> None:
    bound = score(0.5, 100.0)
    assert score(0.5 - FAIRNESS_TOLERANCE / 2, 100 * (1 - ENERGY_PROOF / 2)).reaches(bound)
    assert not score(0.5 - 2 * FAIRNESS_TOLERANCE, 100.0).reaches(bound)
    assert not score(0.5, 100 * (1 - 2 * ENERGY_PROOF)).reaches(bound)


def ranked(*shares: float, energy: float) -> Score:
    return Score(min_fraction=shares[0], energy_kwh=energy, cost=0.0, shares=shares)


def test_the_next_smallest_share_ranks_before_energy() -> None:
    # As fair to the worst-off car: the one that leaves the second car more wins, with less energy.
    fairer = ranked(0.4, 0.8, 1.0, energy=90.0)
    fuller = ranked(0.4, 0.6, 1.0, energy=100.0)
    assert fairer.beats(fuller)
    assert not fuller.beats(fairer)
    # ... but by the worst-off car and the energy alone (what the mixed-integer model searches),
    # the other is fuller.
    assert fuller.fuller(fairer)
    assert not fairer.fuller(fuller)
    assert ranked(0.5, 0.5, energy=10.0).fuller(fuller)
    # Below the tolerance the next share is a tie: energy decides.
    assert fuller.beats(ranked(0.4, 0.6 + FAIRNESS_TOLERANCE / 2, 1.0, energy=90.0))


def test_reaching_the_bound_for_every_car() -> None:
    bound = ranked(0.4, 0.8, 0.9, energy=100.0)
    short = ranked(0.4, 0.7, 1.0, energy=100.0)
    assert short.reaches(bound)
    assert not short.reaches(bound, every_share=True)
    assert ranked(0.4, 0.8, 0.9, energy=100.0).reaches(bound, every_share=True)
    # A bound that knows the smallest share only is reached by it alone.
    assert short.reaches(score(0.4, 100.0), every_share=True)


def _fitted(problem: ScheduleProblem, on: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """`on` within the open cells, cut so that the LP over it with the minimums is feasible."""
    on = on & problem.open_cells()
    step_kwh = np.maximum(problem.min_kw * problem.step_hours, 1e-9)
    affordable = np.where(problem.min_kw > 0, np.floor(problem.energy_kwh / step_kwh), np.inf)
    on &= np.cumsum(on, axis=1) <= affordable[:, None]
    for step in range(problem.n_steps):
        for ev in np.flatnonzero(on[:, step]):
            if (on[:, step] * problem.min_kw).sum() <= problem.limit_kw[step] + 1e-9:
                break
            on[ev, step] = False
    return on


@pytest.mark.parametrize("seed", range(40))
def test_serving_now_first_keeps_each_evs_steps_and_the_limit(seed: int) -> None:
    evs, limit = random_site(seed, n_evs=2 + seed % 5, steps=12, with_minimums=True)
    rng = np.random.default_rng(seed)
    for car in evs:
        car.priority = int(rng.integers(0, 2))
    problem = ScheduleProblem.from_evs(evs, limit, NOW, params_for(12))
    on = _fitted(problem, rng.random((problem.n_evs, problem.n_steps)) < 0.4)
    served = serve_now_first(problem, on)
    assert (served.sum(axis=1) == on.sum(axis=1)).all()
    assert not (served & ~problem.open_cells()).any()
    assert ((served * problem.min_kw[:, None]).sum(axis=0) <= problem.limit_kw + 1e-6).all()
    solution = solve_stages(problem, served, problem.min_kw, 30)
    assert problem.violations(solution.power) == []
    # An EV of the highest priority that runs later runs now where the limit leaves it room.
    room = problem.limit_kw[0] - (served[:, 0] * problem.min_kw).sum()
    top = problem.priority == problem.priority.max()
    waiting = top & ~served[:, 0] & served[:, 1:].any(axis=1) & problem.open_cells()[:, 0]
    assert not (waiting & (problem.min_kw <= room + 1e-9)).any()


def test_the_car_that_charges_keeps_the_slot_from_cycle_to_cycle() -> None:
    # One 6 A minimum (4.14 kW) fits under 5.8 kW at a time; all three requests fit by the
    # morning, so every order is optimal. Home Assistant gives the charging car priority 1.
    steps, minutes = 168, 5
    warm = WarmStart()
    energy = {"a": 20.0, "b": 20.0, "c": 15.0}
    charging: str | None = None
    chargers = []
    for cycle in range(12):
        now = NOW + timedelta(minutes=minutes * cycle)
        evs = [
            EV(
                ev_id=name,
                min_power=4.14,
                max_power=11.04,
                arrival_time=NOW - timedelta(hours=1),
                departure_time=NOW + timedelta(hours=14),
                energy=kwh,
                priority=int(name == charging),
            )
            for name, kwh in energy.items()
        ]
        params = params_for(steps, minutes)
        PulpNumericalAlgorithm(evs, [5.8] * steps, now, params, warm=warm).calculate()
        on = [car for car in evs if car.power[0] > 0]
        assert len(on) == 1
        charging = on[0].ev_id
        chargers.append(charging)
        energy[charging] -= on[0].power[0] * minutes / 60
    assert set(chargers) == {chargers[0]}, chargers


def test_cells_beside_a_car_that_must_run_flat_out_are_unusable() -> None:
    # Car a must take 10 kW in each of its 4 steps to get its 10 kWh; the 12 kW limit then
    # leaves 2 kW beside it, less than b's 4 kW minimum: b cannot charge there in any schedule
    # that serves a fully, though the relaxed LP (earliest first) puts 2 kW of b there.
    steps = 10
    evs = [
        make_ev("a", energy=10.0, max_kw=10.0, min_kw=4.0, end=4, steps=steps),
        make_ev("b", energy=12.0, max_kw=10.0, min_kw=4.0, steps=steps),
    ]
    problem = ScheduleProblem.from_evs(evs, [12.0] * steps, NOW, params_for(steps))
    closed = unusable_cells(problem, problem.open_cells(), 1.0)
    expected = np.zeros((2, steps), dtype=bool)
    expected[1, :4] = True
    assert (closed == expected).all()
    # Out of reach (more than a can take): nothing is closed.
    assert not unusable_cells(problem, problem.open_cells(), 1.0 + 0.1).any()
    PulpNumericalAlgorithm(evs, [12.0] * steps, NOW, params_for(steps)).calculate()
    power = np.array([car.power for car in evs])
    assert problem.violations(power) == []
    assert problem.delivered_kwh(power) == pytest.approx([10.0, 12.0])


@pytest.mark.parametrize("seed", range(60))
def test_the_bound_over_the_usable_cells_never_cuts_off_the_exact_optimum(seed: int) -> None:
    evs, limit = random_site(seed, n_evs=2 + seed % 3, steps=12, with_minimums=True)
    problem = ScheduleProblem.from_evs(evs, limit, NOW, params_for(12))
    cells = problem.open_cells()
    relaxed = solve_stages(problem, cells, np.zeros(problem.n_evs), 30)
    fraction = problem.min_fraction(relaxed.power)
    exact = exact_with_minimums(problem)
    usable = cells & ~unusable_cells(problem, cells, fraction)
    if exact.min_fraction < fraction - FAIRNESS_TOLERANCE:
        return  # the share is out of reach: the tighter bound is not used for it
    tight = solve_stages(problem, usable, np.zeros(problem.n_evs), 30)
    assert problem.min_fraction(tight.power) >= fraction - FAIRNESS_TOLERANCE
    assert problem.useful_kwh(tight.power) >= exact.energy_kwh * (1 - 1e-6) - 1e-6


def test_the_repair_is_the_exact_leximin_optimum() -> None:
    """On small random sites with minimums: the exact lexicographic optimum, nearly always.

    The smallest share within `FAIRNESS_TOLERANCE` of the exact leximin optimum's and the energy
    within 0.5 % of its energy on every site (the issue's bar), and every share within the
    tolerance on all 40 (before the search at every relaxed share, `later_shares.py`, one site's
    third car was 0.0007 short; before the candidates were ranked by every share, two sites).
    Some of them need a mixed-integer search: two (one at every relaxed share, one at the next
    level, `later_shares.py`); the others are settled by cheaper candidates.
    """
    how: list[str] = []
    equal = 0
    for seed in range(40):
        evs, limit = random_site(seed, n_evs=3 + seed % 3, steps=24, with_minimums=True)
        algorithm = PulpNumericalAlgorithm(evs, limit, NOW, params_for(24))
        result = algorithm.calculate()
        power = np.array([car.power for car in evs])
        problem = algorithm.problem
        exact = exact_leximin(problem)
        assert exact.proven, seed
        assert problem.violations(power) == [], seed
        assert problem.min_fraction(power) >= exact.shares[0] - FAIRNESS_TOLERANCE, seed
        assert problem.useful_kwh(power) >= exact.energy_kwh * 0.995 - 1e-6, seed
        shares = Score.of(problem, power).shares
        equal += shares == pytest.approx(exact.shares, abs=FAIRNESS_TOLERANCE)
        how.append(result.message or "")
    assert equal == 40
    assert sum("mixed-integer" in message for message in how) >= 2, how


def test_the_next_cycle_starts_from_the_last_plans_steps() -> None:
    """Re-planned one step later, a site that needed the mixed-integer search does not.

    Three cars, one 6 A minimum at a time under 5.8 kW: the first cycle needs the search; the
    next ones start from the last plan's steps, one step on, which are as good as they were:
    the same fairness and energy as a cold solve of the same inputs.
    """
    steps, minutes = 168, 5
    warm = WarmStart()
    energy = {"a": 20.0, "b": 20.0, "c": 15.0}
    messages = []
    for cycle in range(4):
        now = NOW + timedelta(minutes=minutes * cycle)

        def cars() -> list[EV]:
            return [
                EV(
                    ev_id=name,
                    min_power=4.14,
                    max_power=11.04,
                    arrival_time=NOW - timedelta(hours=1),
                    departure_time=NOW + timedelta(hours=10),
                    energy=kwh,
                )
                for name, kwh in energy.items()
            ]

        evs = cars()
        params = params_for(steps, minutes)
        algorithm = PulpNumericalAlgorithm(evs, [5.8] * steps, now, params, warm=warm)
        messages.append(algorithm.calculate().message)
        power = np.array([car.power for car in evs])
        cold = PulpNumericalAlgorithm(cars(), [5.8] * steps, now, params)
        cold.calculate()
        cold_power = np.array([car.power for car in cold.evs])
        problem = algorithm.problem
        assert problem.violations(power) == []
        assert problem.min_fraction(power) >= problem.min_fraction(cold_power) - 1e-4
        assert problem.useful_kwh(power) >= problem.useful_kwh(cold_power) - 1e-6
        for car in evs:
            energy[car.ev_id] -= car.power[0] * minutes / 60
    assert "mixed-integer" in (messages[0] or "")
    assert messages[1:] == ["LP over the last plan's steps"] * 3


def test_the_rounded_mixed_integer_model_keeps_the_cells_it_is_given_on() -> None:
    # 8 kWh at 4-8 kW fit in two steps of 1 h; holding steps 5 and 6 on, the model can only
    # choose to add none: the earliest steps it would take otherwise stay off.
    steps = 8
    car = make_ev("a", energy=8.0, max_kw=8.0, min_kw=4.0, steps=steps, minutes=60)
    problem = ScheduleProblem.from_evs([car], [8.0] * steps, NOW, params_for(steps, 60))
    cells = problem.open_cells()
    free = semi_continuous_steps(problem, cells, 30)
    held = np.zeros_like(cells)
    held[0, [5, 6]] = True
    fixed = semi_continuous_steps(problem, cells, 30, fixed_on=held)
    assert free is not None
    assert fixed is not None
    assert fixed[0].tolist() == [False] * 5 + [True, True, False]
    assert free.sum() >= 1
    # Held on beyond what the request can pay for at the minimum: no schedule.
    held[0, :3] = True
    assert semi_continuous_steps(problem, cells, 30, fixed_on=held) is None
