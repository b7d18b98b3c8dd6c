"""The relaxed bound from carried duals: always a bound, tight one step on, and never a change.

A warm cycle on a large site with minimums may accept GoAlgorithm's schedule on the strength of
the last cycle's duals (`dual_bound.py`) instead of solving the relaxed LP's bound. That is only
right if every carried bound is at least the LP's optimum, so the warm cycle gives exactly the
schedule a cold one does.
"""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
import sys
from typing import Any

import highspy
from hypothesis import HealthCheck, example, given, settings, strategies as st
import numpy as np
import pytest

from custom_components.optivgi.scm import flow_cut, heuristic_bound
from custom_components.optivgi.scm.algorithm import ScheduleStatus
from custom_components.optivgi.scm.dual_bound import (
    BoundDuals,
    StepDuals,
    energy_bound,
    fraction_bound,
)
from custom_components.optivgi.scm.ev import EV
from custom_components.optivgi.scm.flow_cut import cut_duals, max_flow_cut
from custom_components.optivgi.scm.go_algorithm import go_schedule
from custom_components.optivgi.scm.linear_program import BOUND_STAGES, solve_stages
from custom_components.optivgi.scm.minimums import Score
from custom_components.optivgi.scm.problem import ScheduleProblem
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm
from custom_components.optivgi.scm.warm import WarmStart

from .scm_factories import NOW, ev, params_for, random_site
from .test_phase_limits import phase_sites

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from bench import evs_of, params_of
from bench_scenarios import FAMILIES

from custom_components.optivgi.scm.heuristic_bound import CARRIED, SOLVED


def bound_of(problem: ScheduleProblem) -> tuple[float, float, BoundDuals]:
    """The relaxed LP's smallest fraction and energy (kWh) with every EV at it, and its duals."""
    cells = problem.open_cells()
    solution = solve_stages(problem, cells, np.zeros(problem.n_evs), 60, stages=BOUND_STAGES)
    assert solution.duals is not None
    return solution.optima.min_fraction, solution.optima.energy_kwh, solution.duals


def floors(problem: ScheduleProblem, fraction: float) -> np.ndarray:
    """The energy stage's floors: every EV with an open cell at `fraction` (as `_fairness`)."""
    held = np.minimum(fraction * (1 - 1e-9) * problem.energy_kwh, problem.energy_kwh)
    return np.where(problem.open_cells().any(axis=1), held, 0.0)


def perturbed(duals: StepDuals, rng: np.random.Generator) -> StepDuals:
    """The same duals with noise of either sign: still multipliers, so still a bound."""

    def noisy(values: np.ndarray) -> np.ndarray:
        return values + rng.normal(0, 0.2, values.shape) * (rng.random(values.shape) < 0.5)

    return StepDuals(
        site=noisy(duals.site),
        phase=None if duals.phase is None else noisy(duals.phase),
        cap=noisy(duals.cap),
        fair=noisy(duals.fair),
    )


def check_bounds(problem: ScheduleProblem, seed: int) -> None:
    cells = problem.open_cells()
    if not cells.any():
        return  # nothing to solve, no duals
    fraction, energy, duals = bound_of(problem)
    # Its own duals give the optimum back; any others give at least the optimum.
    assert fraction_bound(problem, cells, duals.fairness) == pytest.approx(fraction, abs=1e-6)
    held = floors(problem, fraction)
    own = energy_bound(problem, cells, duals.energy, held)
    assert own == pytest.approx(energy, rel=1e-6, abs=1e-6)
    rng = np.random.default_rng(seed)
    assert fraction_bound(problem, cells, perturbed(duals.fairness, rng)) >= fraction - 1e-7
    assert energy_bound(problem, cells, perturbed(duals.energy, rng), held) >= energy - 1e-6


@given(seed=st.integers(0, 2**16), n_evs=st.integers(1, 8), steps=st.integers(2, 40))
@example(seed=3406, n_evs=2, steps=6)  # a car with no open cell: no floor for it
@example(seed=4263, n_evs=6, steps=3)  # nor a fairness multiplier
@settings(max_examples=60, deadline=None)
def test_duals_bound_the_relaxed_lp_and_its_own_give_its_optimum(
    seed: int, n_evs: int, steps: int
) -> None:
    evs, limit = random_site(seed, n_evs=n_evs, steps=steps, with_minimums=True)
    check_bounds(ScheduleProblem.from_evs(evs, limit, NOW, params_for(steps)), seed)


@given(site=phase_sites(minimums=True), seed=st.integers(0, 2**16))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_with_per_phase_fuses_the_duals_still_bound_it(
    site: tuple[list[EV], list[float], list[list[float]], int], seed: int
) -> None:
    evs, limit, phase_limits, steps = site
    problem = ScheduleProblem.from_evs(
        evs, limit, NOW, params_for(steps), phase_limits_a=phase_limits
    )
    check_bounds(problem, seed)


def test_an_ev_the_duals_did_not_know_gets_none_and_the_grid_slides() -> None:
    duals = StepDuals(
        site=np.array([1.0, 2.0, 3.0]),
        phase=np.arange(9, dtype=np.float64).reshape(3, 3),
        cap=np.array([4.0, 5.0]),
        fair=np.array([-1.0, -2.0]),
    )
    carried = BoundDuals(ev_ids=("a", "b"), fairness=duals, energy=duals).carried(
        ("b", "new"), 2, 3
    )
    # Past the old horizon, its last step's duals; a new EV has no row duals yet.
    np.testing.assert_array_equal(carried.fairness.site, [3.0, 3.0, 3.0])
    assert carried.energy.phase is not None
    np.testing.assert_array_equal(carried.energy.phase, [[6, 7, 8]] * 3)
    np.testing.assert_array_equal(carried.energy.cap, [5.0, 0.0])
    np.testing.assert_array_equal(carried.energy.fair, [-2.0, 0.0])
    beyond = duals.carried(np.array([0]), 5, 2)
    np.testing.assert_array_equal(beyond.site, [0.0, 0.0])


STEPS = 24
CHANGES = st.sampled_from(["slide", "slide", "limit", "request", "leave", "arrive", "nothing"])


def large_site(seed: int) -> tuple[list[EV], list[float]]:
    """Eight EVs with minimums, 3 h of 15-minute steps, a limit that often binds."""
    rng = np.random.default_rng(seed)
    evs = [
        ev(
            f"ev{i}",
            energy=float(rng.uniform(2, 30)),
            max_kw=float(rng.uniform(7, 11)),
            min_kw=float(rng.choice([0.0, 1.4, 4.1])),
            start=int(rng.integers(0, 6)),
            end=int(rng.integers(10, STEPS + 8)),
            steps=STEPS,
        )
        for i in range(8)
    ]
    return evs, [float(rng.uniform(15, 60))] * STEPS


def cycle(
    evs: list[EV], limit: list[float], shift: int, warm: WarmStart | None
) -> tuple[PulpNumericalAlgorithm, np.ndarray]:
    now = NOW + timedelta(minutes=15) * shift
    sites = [replace(car, active=car.arrival_time <= now) for car in evs]
    algorithm = PulpNumericalAlgorithm(sites, limit, now, params_for(len(limit)), warm=warm)
    algorithm.calculate()
    return algorithm, np.array([car.power for car in sites]).reshape(len(sites), len(limit))


@given(seed=st.integers(0, 2**16), changes=st.lists(CHANGES, min_size=2, max_size=6))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_warm_cycle_gives_the_cold_cycles_schedule_whatever_changed(
    monkeypatch: pytest.MonkeyPatch, seed: int, changes: list[str]
) -> None:
    """Slides, limits, requests, EVs that leave or arrive: warm and cold schedules are equal."""
    # The same patch for every example: every site takes the bound-first path.
    monkeypatch.setattr(heuristic_bound, "BOUND_FIRST_MIN_CELLS", 1)
    evs, limit = large_site(seed)
    rng = np.random.default_rng(seed)
    warm = WarmStart()
    shift = 0
    for change in ["nothing", *changes]:
        if change == "slide":
            shift += 1
            limit = [*limit[1:], limit[-1]]
        elif change == "limit":
            limit = [value * float(rng.uniform(0.7, 1.3)) for value in limit]
        elif change == "request":
            evs[0] = replace(evs[0], energy=evs[0].energy * float(rng.uniform(0.5, 1.5)))
        elif change == "leave" and len(evs) > 1:
            evs = evs[1:]
        elif change == "arrive":
            evs = [*evs, ev(f"new{len(evs)}", energy=12, max_kw=11, min_kw=4.1, steps=STEPS)]
        warmed, warm_power = cycle(evs, limit, shift, warm)
        cold, cold_power = cycle(evs, limit, shift, None)
        assert warmed.result is not None
        assert cold.result is not None
        if warmed.result.message == CARRIED:
            # Proven by the carried duals: exactly what the cold cycle's solved bound accepts.
            assert cold.result.message == SOLVED
            np.testing.assert_array_equal(warm_power, cold_power)
        if cold.result.message == SOLVED:
            assert warmed.result.message in {CARRIED, SOLVED}
            np.testing.assert_array_equal(warm_power, cold_power)


def test_one_step_on_the_last_cycles_duals_prove_the_heuristic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(heuristic_bound, "BOUND_FIRST_MIN_CELLS", 1)
    evs, limit = large_site(9)  # congested: the smallest fraction is 0.80
    warm = WarmStart()
    first, _ = cycle(evs, limit, 0, warm)
    assert first.result is not None
    assert first.result.message == SOLVED
    for shift in (1, 2, 3):
        limit = [*limit[1:], limit[-1]]
        later, power = cycle(evs, limit, shift, warm)
        assert later.result is not None
        assert later.result.status is ScheduleStatus.HEURISTIC
        assert later.result.message == CARRIED
        assert later.result.build_s == 0.0  # no model was built
        assert later.problem.violations(power) == []


def test_after_the_cars_charged_a_step_the_last_cycles_duals_still_prove_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The closed loop: one step on, each request is what the last plan did not deliver.

    The requests shrink, so the carried fairness multipliers no longer sum to 1 over them; the
    bound is tight again only with them scaled (`fraction_bound`). Unscaled, every such cycle
    solved the bound again (measured at 50 x 480: 1.0-1.1 of a cold cycle instead of 0.15).
    """
    monkeypatch.setattr(heuristic_bound, "BOUND_FIRST_MIN_CELLS", 1)
    evs, limit = large_site(9)
    warm = WarmStart()
    first, power = cycle(evs, limit, 0, warm)
    assert first.result is not None
    assert first.result.message == SOLVED
    for shift in (1, 2, 3):
        step_kwh = power[:, 0] * 0.25
        evs = [
            replace(car, energy=max(0.0, car.energy - kwh))
            for car, kwh in zip(evs, step_kwh, strict=True)
        ]
        limit = [*limit[1:], limit[-1]]
        later, power = cycle(evs, limit, shift, warm)
        _, cold_power = cycle(evs, limit, shift, None)
        assert later.result is not None
        assert later.result.message == CARRIED
        np.testing.assert_array_equal(power, cold_power)  # the cold cycle's schedule
        assert later.problem.violations(power) == []


def test_the_carried_fraction_bound_is_tight_after_the_cars_charged_a_step() -> None:
    """`minimums` 50 x 480 (1-minute steps), seed 0, one step on, each request less its step.

    Unscaled, the carried multipliers bounded the smallest fraction at 0.10726; the re-solved
    bound (and GoAlgorithm's schedule) is 0.10626, so every such cycle solved it again.
    """
    scenario = FAMILIES["minimums"](50, 480, timedelta(minutes=1), 0)
    params = params_of(scenario)
    warm = WarmStart()
    evs = evs_of(scenario)
    PulpNumericalAlgorithm(evs, scenario.limit_kw, scenario.now, params, warm=warm).calculate()
    got = {car.ev_id: car.power[0] * params.step_hours for car in evs}
    now = scenario.now + scenario.resolution
    later = evs_of(scenario)
    for car in later:
        car.energy = max(0.0, car.energy - got[car.ev_id])
    limit = [*scenario.limit_kw[1:], scenario.limit_kw[-1]]
    problem = ScheduleProblem.from_evs(later, limit, now, params)
    carried = warm.bound_duals(problem.ev_ids, now, params.resolution, problem.n_steps)
    assert carried is not None
    fraction, _, _ = bound_of(problem)
    assert fraction_bound(problem, problem.open_cells(), carried.fairness) == pytest.approx(
        fraction, abs=1e-6
    )


def cut_bound(problem: ScheduleProblem, power: np.ndarray, *, augmented: bool = False) -> float:
    """The energy bound (kWh) of the cut that `power` (kW) leaves (`augmented`: after paths)."""
    cells = problem.open_cells()
    duals = (max_flow_cut if augmented else cut_duals)(problem, cells, power)
    return energy_bound(problem, cells, duals, np.zeros(problem.n_evs))


@given(seed=st.integers(0, 2**16), n_evs=st.integers(1, 8), steps=st.integers(2, 30))
@settings(max_examples=60, deadline=None)
def test_any_schedules_cut_bounds_the_relaxed_energy_and_goalgorithms_is_often_tight(
    seed: int, n_evs: int, steps: int
) -> None:
    evs, limit = random_site(seed, n_evs=n_evs, steps=steps, with_minimums=True)
    problem = ScheduleProblem.from_evs(evs, limit, NOW, params_for(steps))
    if not problem.open_cells().any():
        return
    _, energy, _ = bound_of(problem)
    go = go_schedule(problem, level=False)
    rng = np.random.default_rng(seed)
    for power in (go, go * rng.uniform(0, 1, go.shape), np.zeros_like(go)):
        # Energy with every EV at the bound's fraction is at most the energy without floors.
        assert cut_bound(problem, power) >= energy - 1e-6
        assert cut_bound(problem, power, augmented=True) >= energy - 1e-6
    # A schedule is never worth more than its cut; equal, it is a maximum flow.
    assert cut_bound(problem, go) >= Score.of(problem, go).energy_kwh - 1e-6


def test_a_cut_proves_a_full_schedule_and_finds_room_left_on_a_path() -> None:
    # 15-minute steps, 4 kW a step. "early" (steps 0-1) and "late" (steps 0-3) want 2 kWh each.
    # "late" in steps 0-1 leaves "early" nothing: the path early -> step 0 -> late -> step 2
    # reaches a step with room, and the cut counts steps 0-3 at their limit (4 kWh).
    evs = [
        ev("early", energy=2.0, max_kw=4.0, end=2, steps=4),
        ev("late", energy=2.0, max_kw=4.0, end=4, steps=4),
    ]
    problem = ScheduleProblem.from_evs(evs, [4.0] * 4, NOW, params_for(4))
    blocked = np.array([[0.0, 0.0, 0.0, 0.0], [4.0, 4.0, 0.0, 0.0]])
    assert cut_bound(problem, blocked) == pytest.approx(4.0)
    # Both served: no EV is short, so the cut is their requests, the schedule's own 4 kWh.
    served = np.array([[4.0, 4.0, 0.0, 0.0], [0.0, 0.0, 4.0, 4.0]])
    assert cut_bound(problem, served) == pytest.approx(4.0)
    # Congested (2 kW a step): both short, every step reached and full, 2 kWh in all.
    congested = ScheduleProblem.from_evs(evs, [2.0] * 4, NOW, params_for(4))
    assert cut_bound(congested, np.array([[2.0, 2.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])) == (
        pytest.approx(2.0)
    )


def test_paths_followed_on_a_copy_tighten_the_cut_to_the_most_energy() -> None:
    # 15-minute steps; steps 0-1 allow 4 kW, step 2 8 kW. "early" (steps 0-1) wants 1 kWh,
    # "late" (steps 0-2, at most 4 kW) 2 kWh. With "late" in steps 0-1, every step is on the
    # source's side of the cut, step 2 at its 8 kW: a bound of 4 kWh. One path (early takes
    # step 0, late moves to step 2) gives the most there is, 3 kWh, and a cut that says so.
    evs = [
        ev("early", energy=1.0, max_kw=4.0, end=2, steps=3),
        ev("late", energy=2.0, max_kw=4.0, end=3, steps=3),
    ]
    problem = ScheduleProblem.from_evs(evs, [4.0, 4.0, 8.0], NOW, params_for(3))
    blocked = np.array([[0.0, 0.0, 0.0], [4.0, 4.0, 0.0]])
    assert cut_bound(problem, blocked) == pytest.approx(4.0)
    assert cut_bound(problem, blocked, augmented=True) == pytest.approx(3.0)
    assert blocked.tolist() == [[0.0, 0.0, 0.0], [4.0, 4.0, 0.0]]  # the schedule is untouched


@given(seed=st.integers(0, 2**16))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_cut_that_proves_the_energy_changes_no_cycle(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Proven by its cut, the bound's energy stage is skipped, and the cycle ends as without."""
    monkeypatch.setattr(heuristic_bound, "BOUND_FIRST_MIN_CELLS", 1)
    evs, limit = large_site(seed)
    with_cut, with_cut_power = cycle(evs, limit, 0, None)
    monkeypatch.setattr(heuristic_bound, "max_flow_cut", no_cut)
    without, without_power = cycle(evs, limit, 0, None)
    assert with_cut.result is not None
    assert without.result is not None
    assert with_cut.result.message == without.result.message
    np.testing.assert_array_equal(with_cut_power, without_power)


def no_cut(problem: ScheduleProblem, cells: np.ndarray, power: np.ndarray) -> StepDuals:
    """Multipliers that prove nothing: every EV's request and every step's limit counted."""
    hours = problem.step_hours
    return StepDuals(
        site=np.full(problem.n_steps, hours),
        phase=None,
        cap=np.ones(problem.n_evs),
        fair=np.zeros(problem.n_evs),
    )


def test_on_a_large_site_the_cut_spares_the_bounds_energy_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`house` 100 x 1440, seed 1: GoAlgorithm's cut is its energy, so only fairness is solved."""
    scenario = FAMILIES["house"](100, 1440, timedelta(minutes=1), 1)
    stages_run: list[tuple[str, ...]] = []
    solve = heuristic_bound.solve_stages

    def spy(*args: object, **kwargs: Any) -> Any:
        stages_run.append(tuple(stage.name for stage in kwargs["stages"]))
        return solve(*args, **kwargs)

    monkeypatch.setattr(heuristic_bound, "solve_stages", spy)
    params, warm = params_of(scenario), WarmStart()
    for shift in (0, 1):
        evs = evs_of(scenario)
        now = scenario.now + shift * scenario.resolution
        limit = [*scenario.limit_kw[shift:], *scenario.limit_kw[-1:] * shift]
        algorithm = PulpNumericalAlgorithm(evs, limit, now, params, warm=warm)
        algorithm.calculate()
        assert algorithm.result is not None
        assert algorithm.problem.violations(np.array([car.power for car in evs])) == []
        # One step on, the cut's multipliers and the fairness duals carried prove it again.
        assert algorithm.result.message == (SOLVED if shift == 0 else CARRIED)
    assert stages_run == [("fairness",)]


def max_flow_kwh(problem: ScheduleProblem) -> float:
    """The most energy (kWh) without floors and phases, by HiGHS: EVs -> cells -> steps."""
    cells = problem.open_cells()
    ev_of, step_of = np.nonzero(cells)
    hours = problem.step_hours
    upper = np.minimum(problem.max_kw, problem.energy_kwh / hours)[ev_of]
    lp = highspy.Highs()
    lp.setOptionValue("output_flag", False)  # noqa: FBT003 - positional only
    n = ev_of.size
    lp.addVars(n, np.zeros(n), upper)
    lp.changeColsCost(n, np.arange(n, dtype=np.int32), np.full(n, -hours))
    for ev_index in range(problem.n_evs):
        cols = np.flatnonzero(ev_of == ev_index).astype(np.int32)
        lp.addRow(0, problem.energy_kwh[ev_index], cols.size, cols, np.full(cols.size, hours))
    for step in range(problem.n_steps):
        cols = np.flatnonzero(step_of == step).astype(np.int32)
        lp.addRow(0, problem.limit_kw[step], cols.size, cols, np.ones(cols.size))
    lp.run()
    return -float(lp.getInfo().objective_function_value)


@given(seed=st.integers(0, 2**16), n_evs=st.integers(1, 8), steps=st.integers(2, 30))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_with_paths_enough_the_cut_is_the_most_energy_there_is(
    monkeypatch: pytest.MonkeyPatch, seed: int, n_evs: int, steps: int
) -> None:
    """Augmented to the end, from GoAlgorithm's schedule or from nothing: a maximum flow."""
    monkeypatch.setattr(flow_cut, "MAX_PATHS", 10_000)
    evs, limit = random_site(seed, n_evs=n_evs, steps=steps, with_minimums=True)
    problem = ScheduleProblem.from_evs(evs, limit, NOW, params_for(steps))
    if not problem.open_cells().any():
        return
    most = max_flow_kwh(problem)
    for power in (go_schedule(problem, level=False), np.zeros((problem.n_evs, steps))):
        assert cut_bound(problem, power, augmented=True) == pytest.approx(most, abs=1e-6)
