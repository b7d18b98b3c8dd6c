"""The array-built LP against the plain PuLP formulation of the same stages."""

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from custom_components.optivgi.scm import linear_program, lp_model
from custom_components.optivgi.scm.linear_program import (
    LEXIMIN_ROUNDS,
    LinearProgramError,
    segment_starts,
    solve_stages,
)
from custom_components.optivgi.scm.lp_mip import semi_continuous_steps
from custom_components.optivgi.scm.lp_model import Model
from custom_components.optivgi.scm.problem import ScheduleProblem
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm

from .pulp_oracle import PulpFormulationError, solve_with_pulp
from .scm_factories import NOW, ev, params_for, random_site


def problem_for(seed: int, *, n_evs: int, steps: int, minimums: bool) -> ScheduleProblem:
    evs, limit = random_site(seed, n_evs=n_evs, steps=steps, with_minimums=minimums)
    return ScheduleProblem.from_evs(evs, limit, NOW, params_for(steps))


@pytest.mark.parametrize("seed", range(12))
def test_stage_optima_equal_the_pulp_oracle(seed: int) -> None:
    problem = problem_for(seed, n_evs=1 + seed % 6, steps=24 + 4 * seed, minimums=False)
    cells = problem.open_cells()
    ours = solve_stages(problem, cells, np.zeros(problem.n_evs), 30)
    oracle = solve_with_pulp(problem, cells, np.zeros(problem.n_evs))
    assert ours.optima.min_fraction == pytest.approx(oracle.optima.min_fraction, abs=1e-6)
    assert ours.optima.energy_kwh == pytest.approx(oracle.optima.energy_kwh, rel=1e-6, abs=1e-6)
    assert ours.optima.cost == pytest.approx(oracle.optima.cost, rel=1e-5, abs=1e-6)
    assert problem.violations(ours.power) == []
    # Every EV that can charge at all gets at least the fraction the first stage found.
    reachable = cells.any(axis=1)
    shares = problem.delivered_kwh(ours.power)[reachable] / problem.energy_kwh[reachable]
    assert (shares >= ours.optima.min_fraction - 1e-6).all()


@pytest.mark.parametrize("seed", range(6))
def test_interior_point_fairness_on_a_step_by_step_limit_equals_the_oracle(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A limit that changes every step (no segments to merge) and the interior point method,
    # as on large sites: fairness then runs on the per-step model, from which the rest starts.
    # With as many rounds as a small site gets, it is the exact leximin optimum.
    monkeypatch.setattr(linear_program, "IPM_MIN_COLUMNS", 1)
    monkeypatch.setattr(linear_program, "LARGE_LEXIMIN_ROUNDS", linear_program.LEXIMIN_ROUNDS)
    evs, limit = random_site(seed, n_evs=2 + seed % 5, steps=30, with_minimums=False)
    noisy = np.asarray(limit) * np.random.default_rng(seed).uniform(0.6, 1.0, len(limit))
    problem = ScheduleProblem.from_evs(evs, noisy.tolist(), NOW, params_for(30))
    cells = problem.open_cells()
    assert linear_program.SEGMENT_GAIN * segment_starts(problem, cells).size > problem.n_steps
    ours = solve_stages(problem, cells, np.zeros(problem.n_evs), 30)
    oracle = solve_with_pulp(problem, cells, np.zeros(problem.n_evs))
    assert ours.optima.min_fraction == pytest.approx(oracle.optima.min_fraction, abs=1e-6)
    assert ours.optima.energy_kwh == pytest.approx(oracle.optima.energy_kwh, rel=1e-6, abs=1e-6)
    assert ours.optima.cost == pytest.approx(oracle.optima.cost, rel=1e-5, abs=1e-6)
    assert problem.violations(ours.power) == []


@pytest.mark.parametrize("seed", range(6))
def test_a_large_fairness_model_stops_after_fewer_rounds_and_loses_no_energy(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each round on a model that large costs seconds: the rounds stop at LARGE_LEXIMIN_ROUNDS.
    # The smallest share is still the exact one, and with fewer EVs held at a floor the energy
    # stage can only find more, never less.
    monkeypatch.setattr(linear_program, "IPM_MIN_COLUMNS", 1)
    monkeypatch.setattr(linear_program, "LARGE_LEXIMIN_ROUNDS", 1)
    rounds: list[str] = []
    optimise = Model.optimise

    def counted(model: Model, stage: str, *args: Any, **kwargs: Any) -> float:
        rounds.append(stage)
        return optimise(model, stage, *args, **kwargs)

    monkeypatch.setattr(Model, "optimise", counted)
    evs, limit = random_site(seed, n_evs=3 + seed % 4, steps=30, with_minimums=False)
    noisy = np.asarray(limit) * np.random.default_rng(seed).uniform(0.4, 0.8, len(limit))
    problem = ScheduleProblem.from_evs(evs, noisy.tolist(), NOW, params_for(30))
    cells = problem.open_cells()
    ours = solve_stages(problem, cells, np.zeros(problem.n_evs), 30)
    oracle = solve_with_pulp(problem, cells, np.zeros(problem.n_evs))
    assert rounds.count("fairness") == 1
    assert ours.optima.min_fraction == pytest.approx(oracle.optima.min_fraction, abs=1e-6)
    assert ours.optima.energy_kwh >= oracle.optima.energy_kwh * (1 - 1e-6) - 1e-6
    assert problem.violations(ours.power) == []


@pytest.mark.parametrize("seed", range(6))
def test_stage_optima_with_minimums_held_equal_the_oracle(seed: int) -> None:
    # Lower bounds on a fixed set of cells: the model the algorithm re-solves after rounding.
    problem = problem_for(seed, n_evs=4, steps=32, minimums=True)
    rng = np.random.default_rng(seed)
    cells = problem.open_cells() & (rng.random((problem.n_evs, problem.n_steps)) < 0.3)
    # Keep it feasible: minimums on at a step fit under the limit, and in the request.
    for t in range(problem.n_steps):
        on = np.nonzero(cells[:, t])[0]
        while problem.min_kw[on].sum() > problem.limit_kw[t]:
            cells[on[-1], t] = False
            on = on[:-1]
    for i in range(problem.n_evs):
        while cells[i].sum() * problem.min_kw[i] * problem.step_hours > problem.energy_kwh[i]:
            cells[i, np.nonzero(cells[i])[0][-1]] = False
    ours = solve_stages(problem, cells, problem.min_kw, 30)
    oracle = solve_with_pulp(problem, cells, problem.min_kw)
    assert ours.optima.min_fraction == pytest.approx(oracle.optima.min_fraction, abs=1e-6)
    assert ours.optima.energy_kwh == pytest.approx(oracle.optima.energy_kwh, rel=1e-6, abs=1e-6)
    assert ours.optima.cost == pytest.approx(oracle.optima.cost, rel=1e-5, abs=1e-6)
    assert problem.violations(ours.power) == []


def test_two_evs_share_a_limit_fairly_then_fill_it() -> None:
    steps = 8  # two hours of 15 minutes
    evs = [
        ev("a", energy=20.0, max_kw=11.0, steps=steps),
        ev("b", energy=10.0, max_kw=11.0, steps=steps),
    ]
    problem = ScheduleProblem.from_evs(evs, [11.0] * steps, NOW, params_for(steps))
    solution = solve_stages(problem, problem.open_cells(), np.zeros(2), 30)
    delivered = problem.delivered_kwh(solution.power)
    # 22 kWh fit in the 2 h at 11 kW: each gets the same share (22/30), all of the limit is used.
    assert solution.optima.min_fraction == pytest.approx(22 / 30)
    assert delivered == pytest.approx([20 * 22 / 30, 10 * 22 / 30])
    assert solution.power.sum(axis=0) == pytest.approx([11.0] * steps)


def test_earliest_charging_without_prices_and_cheapest_with() -> None:
    steps = 8
    evs = [ev("a", energy=5.5, max_kw=11.0, steps=steps)]
    limit = [22.0] * steps
    problem = ScheduleProblem.from_evs(evs, limit, NOW, params_for(steps))
    early = solve_stages(problem, problem.open_cells(), np.zeros(1), 30).power[0]
    assert early == pytest.approx([11.0, 11.0, 0, 0, 0, 0, 0, 0])
    prices = [0.4, 0.4, 0.4, 0.1, 0.1, 0.3, 0.3, 0.3]
    priced = ScheduleProblem.from_evs(evs, limit, NOW, params_for(steps), prices)
    cheap = solve_stages(priced, priced.open_cells(), np.zeros(1), 30).power[0]
    assert cheap == pytest.approx([0, 0, 0, 11.0, 11.0, 0, 0, 0])


def test_segments_split_at_windows_and_limit_changes() -> None:
    steps = 10
    evs = [ev("a", energy=5, max_kw=5, start=2, end=6, steps=steps)]
    limit = [10.0] * 8 + [4.0] * 2
    problem = ScheduleProblem.from_evs(evs, limit, NOW, params_for(steps))
    assert segment_starts(problem, problem.open_cells()).tolist() == [0, 2, 6, 8]


def test_empty_site_and_no_cells_give_zero_schedules() -> None:
    steps = 6
    empty = ScheduleProblem.from_evs([], [5.0] * steps, NOW, params_for(steps))
    solution = solve_stages(empty, empty.open_cells(), np.zeros(0), 30)
    assert solution.power.shape == (0, steps)
    full = ScheduleProblem.from_evs(
        [ev("full", energy=0.0, max_kw=7, steps=steps)], [5.0] * steps, NOW, params_for(steps)
    )
    solution = solve_stages(full, full.open_cells(), np.zeros(1), 30)
    assert solution.power.tolist() == [[0.0] * steps]
    assert solution.optima.energy_kwh == 0.0


def test_infeasible_lower_bounds_raise() -> None:
    steps = 4
    evs = [ev(name, energy=10, max_kw=7, min_kw=6, steps=steps) for name in "ab"]
    problem = ScheduleProblem.from_evs(evs, [10.0] * steps, NOW, params_for(steps))
    with pytest.raises(LinearProgramError, match="HiGHS"):
        solve_stages(problem, problem.open_cells(), problem.min_kw, 30)


def test_an_ev_with_energy_but_no_window_leaves_no_one_to_be_fair_to() -> None:
    steps = 6
    evs = [
        ev("nowhere", energy=10, max_kw=7, start=0, end=0, steps=steps),
        ev("full", energy=0, max_kw=7, steps=steps),
    ]
    problem = ScheduleProblem.from_evs(evs, [5.0] * steps, NOW, params_for(steps))
    cells = problem.window_mask()  # the EV wanting nothing still has cells here
    solution = solve_stages(problem, cells, np.zeros(2), 30)
    assert solution.optima.min_fraction == 0.0
    assert not solution.power.any()


def test_mixed_integer_steps_respect_minimums_and_the_time_limit() -> None:
    steps = 16
    evs = [ev(name, energy=6, max_kw=11, min_kw=4.14, steps=steps) for name in "abc"]
    problem = ScheduleProblem.from_evs(evs, [10.0] * steps, NOW, params_for(steps))
    support = semi_continuous_steps(problem, problem.open_cells(), 10)
    assert support is not None
    # At most two minimums fit under 10 kW at any step, and each EV has steps to run in.
    assert support.sum(axis=0).max() <= 2
    assert support.any(axis=1).all()
    # Given no time at all, HiGHS has no schedule, or a valid one.
    rushed = semi_continuous_steps(problem, problem.open_cells(), 1e-9)
    assert rushed is None or (rushed.sum(axis=0) <= 2).all()


def test_mixed_integer_steps_held_at_a_share_reach_it_or_say_none() -> None:
    # Three 6 kWh requests, 4.14 kW minimums, two fit under 10 kW: 8 steps of 15 min carry
    # at most 2 x 8 x 5 kW x 0.25 h = 20 kWh, so every EV can get all of its 6 kWh.
    steps = 8
    evs = [ev(name, energy=6, max_kw=11, min_kw=4.14, steps=steps) for name in "abc"]
    problem = ScheduleProblem.from_evs(evs, [10.0] * steps, NOW, params_for(steps))
    cells = problem.open_cells()
    support = semi_continuous_steps(problem, cells, 10, fraction_floor=1.0)
    assert support is not None
    held = solve_stages(problem, support, problem.min_kw, 10)
    assert held.optima.min_fraction >= 1.0 - 1e-4
    assert not problem.violations(held.power)
    # One step only: two minimums fit, the third EV gets nothing, so no share above 0 is reachable.
    short = ScheduleProblem.from_evs(
        [ev(name, energy=6, max_kw=11, min_kw=4.14, steps=1) for name in "abc"],
        [10.0],
        NOW,
        params_for(1),
    )
    assert semi_continuous_steps(short, short.open_cells(), 10, fraction_floor=0.5) is None
    assert semi_continuous_steps(short, short.open_cells(), 10) is not None


def test_pulp_oracle_reports_a_failed_solve() -> None:
    steps = 4
    evs = [ev(name, energy=10, max_kw=7, min_kw=6, steps=steps) for name in "ab"]
    problem = ScheduleProblem.from_evs(evs, [10.0] * steps, NOW, params_for(steps))
    with pytest.raises(PulpFormulationError, match="Infeasible"):
        solve_with_pulp(problem, problem.open_cells(), problem.min_kw)


def test_one_unreachable_request_no_longer_lowers_the_others_share() -> None:
    # "hungry" can take at most 3.7 kW for 30 min (1.85 kWh) of its 100 kWh: its fraction is
    # 0.0185 whatever happens. Leximin holds it there and shares the rest of the 22 kWh equally
    # among the three congested EVs, instead of letting the energy stage split it at random.
    steps = 8
    evs = [
        ev("hungry", energy=100, max_kw=3.7, end=2, steps=steps),
        *(ev(name, energy=20, max_kw=11, steps=steps) for name in "bcd"),
    ]
    problem = ScheduleProblem.from_evs(evs, [11.0] * steps, NOW, params_for(steps))
    solution = solve_stages(problem, problem.open_cells(), np.zeros(4), 30)
    shares = problem.delivered_kwh(solution.power) / problem.energy_kwh
    assert solution.optima.min_fraction == pytest.approx(0.0185)
    assert shares[0] == pytest.approx(0.0185)
    assert shares[1:] == pytest.approx([(22 - 1.85) / 60] * 3, rel=1e-6)
    assert problem.violations(solution.power) == []


@pytest.mark.parametrize("seed", range(8))
def test_stability_never_changes_the_first_three_objectives(seed: int) -> None:
    problem = problem_for(seed, n_evs=2 + seed % 4, steps=24, minimums=False)
    cells = problem.open_cells()
    plain = solve_stages(problem, cells, np.zeros(problem.n_evs), 30)
    rng = np.random.default_rng(seed)
    previous = np.where(rng.random(cells.shape) < 0.8, rng.uniform(0, 11, cells.shape), np.nan)
    steady = solve_stages(problem, cells, np.zeros(problem.n_evs), 30, previous_kw=previous)
    assert problem.violations(steady.power) == []
    assert steady.optima.min_fraction == pytest.approx(plain.optima.min_fraction, abs=1e-7)
    delivered = problem.delivered_kwh(steady.power)
    assert delivered == pytest.approx(problem.delivered_kwh(plain.power), rel=1e-6, abs=1e-6)
    # Lateness without the per-EV tie-break is the same for every EV: the cost stage's optimum.
    lateness = (np.arange(problem.n_steps) + 1) / problem.n_steps * problem.step_hours
    assert (steady.power.sum(axis=0) * lateness).sum() == pytest.approx(
        (plain.power.sum(axis=0) * lateness).sum(), rel=1e-6, abs=1e-6
    )


@pytest.mark.parametrize("seed", range(8))
def test_a_cost_stage_started_in_primal_simplex_reaches_the_dual_simplex_optimum(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a previous plan the cost stage starts in primal simplex; cut short, dual finishes."""
    problem = problem_for(seed, n_evs=3 + seed % 4, steps=32, minimums=False)
    cells = problem.open_cells()
    rng = np.random.default_rng(seed)
    previous = np.where(rng.random(cells.shape) < 0.8, rng.uniform(0, 11, cells.shape), np.nan)

    def solve() -> Any:
        return solve_stages(problem, cells, np.zeros(problem.n_evs), 30, previous_kw=previous)

    monkeypatch.setattr(lp_model, "PRIMAL_FIRST_ITERATIONS", 1)
    cut_short = solve()
    monkeypatch.setattr(lp_model, "PRIMAL_FIRST_ITERATIONS", 10**9)
    primal = solve()
    monkeypatch.setattr(Model, "_run_primal_first", lambda model: model.solver.run())
    dual = solve()
    for solution in (cut_short, primal):
        assert solution.optima.cost == pytest.approx(dual.optima.cost, rel=1e-7, abs=1e-7)
        assert solution.optima.energy_kwh == pytest.approx(dual.optima.energy_kwh, rel=1e-9)
        assert problem.violations(solution.power) == []


def test_stability_keeps_the_previous_split_of_a_shared_step() -> None:
    # Two alike EVs share 11 kW; either split of the first step is optimal. The previous plan
    # gave "b" the power first: the new plan keeps that, instead of the tie-break's "a" first.
    steps = 8
    evs = [ev(name, energy=11, max_kw=11, steps=steps) for name in "ab"]
    problem = ScheduleProblem.from_evs(evs, [11.0] * steps, NOW, params_for(steps))
    cells = problem.open_cells()
    previous = np.zeros((2, steps))
    previous[1, :4] = 11.0
    previous[0, 4:] = 11.0
    steady = solve_stages(problem, cells, np.zeros(2), 30, previous_kw=previous)
    assert steady.power[:, 0] == pytest.approx(previous[:, 0], abs=1e-6)
    plain = solve_stages(problem, cells, np.zeros(2), 30)
    assert plain.power[:, 0] == pytest.approx([11.0, 0.0])


def test_evs_beyond_the_last_leximin_round_still_get_all_the_energy_they_can() -> None:
    """Ten EVs, each alone in its own hour, that can reach ten different shares (1/10 to 1).

    Progressive filling settles one level per round; after `LEXIMIN_ROUNDS` the rest are held
    at the last round's share. The energy stage must still give them what they can take.
    """
    steps = 40
    evs = [
        ev(f"ev{i}", energy=11.0 * (10 - i), max_kw=11.0, start=4 * i, end=4 * i + 4, steps=steps)
        for i in range(10)
    ]
    algorithm = PulpNumericalAlgorithm(evs, [50.0] * steps, NOW, params_for(steps))
    algorithm.calculate()
    delivered = {e.ev_id: sum(e.power) * 0.25 for e in algorithm.evs}
    assert len({round(11.0 / (11.0 * (10 - i)), 3) for i in range(10)}) > LEXIMIN_ROUNDS
    # Each can take 11 kWh in its hour: every one gets it, whatever its share.
    assert delivered == pytest.approx({f"ev{i}": 11.0 for i in range(10)})


@pytest.mark.parametrize("infeasible", [True, False])
def test_a_tie_breaker_found_infeasible_leaves_the_schedule_before_it(
    monkeypatch: pytest.MonkeyPatch,
    infeasible: bool,  # noqa: FBT001
) -> None:
    # Two EVs ask 30 kWh of 20: the cost stage (earliest first) only breaks a tie between plans.
    steps = 8
    evs = [ev(name, energy=15, max_kw=11, steps=steps) for name in "ab"]
    problem = ScheduleProblem.from_evs(evs, [10.0] * steps, NOW, params_for(steps))
    cells = problem.open_cells()
    whole = solve_stages(problem, cells, np.zeros(2), 30)

    def round_off(_: object, __: Model) -> None:
        msg = "cost stage: HiGHS Infeasible"
        raise LinearProgramError(msg, infeasible=infeasible)

    stages = tuple(
        replace(stage, solve=round_off) if stage.name == "cost" else stage
        for stage in linear_program.STAGES
    )
    monkeypatch.setattr(linear_program, "STAGES", stages)
    # One leximin round: the energy stage runs on the per-step model before the cost stage.
    monkeypatch.setattr(linear_program, "LEXIMIN_ROUNDS", 1)
    if not infeasible:  # a time-out or a failure is no round-off: the solve fails
        with pytest.raises(LinearProgramError):
            solve_stages(problem, cells, np.zeros(2), 30)
        return
    tied = solve_stages(problem, cells, np.zeros(2), 30)
    # As fair and as full as the whole table's plan; only the tie between plans is left open.
    assert problem.min_fraction(tied.power) == pytest.approx(whole.optima.min_fraction)
    assert problem.useful_kwh(tied.power) == pytest.approx(problem.useful_kwh(whole.power))
    assert problem.violations(tied.power) == []
