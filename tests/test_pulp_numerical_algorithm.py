"""PulpNumericalAlgorithm: the defects upstream has, fixed; minimum powers; solver failures."""

from typing import Any

import numpy as np
import pytest

from custom_components.optivgi.scm import heuristic_bound, pulp_numerical_algorithm, repair
from custom_components.optivgi.scm.algorithm import ScheduleStatus
from custom_components.optivgi.scm.ev import EV
from custom_components.optivgi.scm.linear_program import LinearProgramError
from custom_components.optivgi.scm.problem import ScheduleProblem
from custom_components.optivgi.scm.pulp_numerical_algorithm import (
    PulpNumericalAlgorithm,
    round_to_minimums,
)
from custom_components.optivgi.scm.repair import REPAIR_NODE_BUDGET

from .scm_factories import NOW, ev, params_for

STEPS = 16  # four hours of 15 minutes


def schedule(evs: list[EV], limit: list[float]) -> tuple[PulpNumericalAlgorithm, np.ndarray]:
    algorithm = PulpNumericalAlgorithm(evs, limit, NOW, params_for(len(limit)))
    algorithm.calculate()
    power = np.array([e.power for e in evs]).reshape(len(evs), len(limit))
    assert algorithm.problem.violations(power) == []
    return algorithm, power


def test_never_schedules_more_than_requested() -> None:
    # Upstream fills spare capacity past the request; a 5 kWh request gets 5 kWh here.
    algorithm, power = schedule([ev("a", energy=5, max_kw=11, steps=STEPS)], [22.0] * STEPS)
    assert power.sum() * 0.25 == pytest.approx(5.0)
    assert algorithm.result is not None
    assert algorithm.result.shortfall_kwh == {"a": pytest.approx(0.0, abs=1e-6)}
    assert algorithm.result.unmet == ()


def test_an_ev_needing_nothing_gets_nothing_and_does_not_crash() -> None:
    # Upstream divides by the request: ZeroDivisionError.
    evs = [ev("full", energy=0, max_kw=11, steps=STEPS), ev("b", energy=8, max_kw=11, steps=STEPS)]
    algorithm, power = schedule(evs, [11.0] * STEPS)
    assert power[0].tolist() == [0.0] * STEPS
    assert power[1].sum() * 0.25 == pytest.approx(8.0)
    assert algorithm.result is not None
    assert algorithm.result.min_fraction == pytest.approx(1.0)


def test_minimums_above_the_limit_pause_evs_instead_of_breaking_it() -> None:
    # Three EVs at 6 A x 3 phases (4.14 kW minimum) on a 10 kW limit: only two fit at a time.
    evs = [ev(name, energy=6, max_kw=11, min_kw=4.14, steps=STEPS) for name in ("a", "b", "c")]
    algorithm, power = schedule(evs, [10.0] * STEPS)
    assert (power.sum(axis=0) <= 10.0 + 1e-6).all()
    running = (power > 0).sum(axis=0)
    assert running.max() <= 2
    assert algorithm.result is not None
    assert algorithm.result.status in {ScheduleStatus.ROUNDED, ScheduleStatus.HEURISTIC}
    # 4 h x 10 kW is plenty: every request is met despite the turns.
    assert algorithm.result.unmet == ()


def test_priority_decides_who_charges_when_only_one_minimum_fits() -> None:
    evs = [
        ev("low", energy=20, max_kw=7, min_kw=6, steps=STEPS),
        ev("high", energy=20, max_kw=7, min_kw=6, steps=STEPS, priority=1),
    ]
    problem = ScheduleProblem.from_evs(evs, [7.0] * STEPS, NOW, params_for(STEPS))
    even_split = np.full((2, STEPS), 3.5)
    on = round_to_minimums(problem, problem.open_cells(), even_split)
    # 20 kWh pays for 13 steps at 6 kW (1.5 kWh each); the limit has room for one minimum per
    # step, and the high-priority EV chooses first.
    assert on[1].sum() == 13
    assert on[0].sum() == STEPS - 13
    assert not (on[0] & on[1]).any()


def test_empty_site_zero_limit_and_departed_ev() -> None:
    algorithm, power = schedule([], [10.0] * STEPS)
    assert power.shape == (0, STEPS)
    gone = ev("gone", energy=10, max_kw=11, start=0, end=0, steps=STEPS)
    algorithm, power = schedule([gone, ev("b", energy=10, max_kw=11, steps=STEPS)], [0.0] * STEPS)
    assert not power.any()
    assert algorithm.result is not None
    assert algorithm.result.shortfall_kwh == {"gone": 10.0, "b": 10.0}
    assert algorithm.result.unmet == ("gone", "b")


def test_solver_failure_falls_back_to_go_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object, **__: object) -> None:
        raise LinearProgramError("fairness stage: HiGHS Time limit reached")

    monkeypatch.setattr(pulp_numerical_algorithm, "solve_stages", fail)
    algorithm, power = schedule([ev("a", energy=5, max_kw=11, steps=STEPS)], [11.0] * STEPS)
    assert algorithm.result is not None
    assert algorithm.result.status is ScheduleStatus.FALLBACK
    assert "Time limit" in (algorithm.result.message or "")
    assert power.sum() * 0.25 == pytest.approx(5.0)


def test_tiny_time_limit_still_gives_a_valid_schedule() -> None:
    evs = [ev(f"ev{i}", energy=30, max_kw=11, min_kw=1.4, steps=96) for i in range(30)]
    algorithm = PulpNumericalAlgorithm(
        evs, [40.0] * 96, NOW, params_for(96).__class__(**{**_grid(96), "solve_time_limit_s": 1e-6})
    )
    result = algorithm.calculate()
    assert result.status is ScheduleStatus.FALLBACK
    power = np.array([e.power for e in evs])
    assert algorithm.problem.violations(power) == []


def test_a_search_at_an_unreachable_share_leaves_nodes_for_fairness(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Three 4.14 kW minimums on 6 kW: one car at a time, so the relaxed share is out of reach.
    # The searches held at that share must not use up the budget of the search of fairness.
    searches: list[tuple[float | None, int, int]] = []
    search = repair.semi_continuous_steps

    def recorded(*args: Any, **kwargs: Any) -> np.ndarray | None:
        searches.append((kwargs["fraction_floor"], kwargs["nodes"], kwargs["budget"].left))
        return search(*args, **kwargs)

    monkeypatch.setattr(repair, "semi_continuous_steps", recorded)
    evs = [
        ev("a", energy=9.12, max_kw=11, min_kw=4.14, steps=16, end=8),
        ev("b", energy=12.08, max_kw=11, min_kw=4.14, steps=16, end=11),
        ev("c", energy=8.13, max_kw=11, min_kw=4.14, steps=16, end=14),
    ]
    schedule(evs, [6.04] * 16)
    # (The search at every car's own share, `later_shares.py`, holds an array.)
    held = [(nodes, left) for floor, nodes, left in searches if isinstance(floor, float)]
    assert held
    # Together they may use the first half of the budget only.
    assert all(nodes <= left - REPAIR_NODE_BUDGET // 2 for nodes, left in held)
    fairness = [left for floor, _, left in searches if floor is None]
    assert fairness
    assert fairness[0] >= REPAIR_NODE_BUDGET // 2


def _grid(steps: int) -> dict[str, object]:
    params = params_for(steps)
    return {"resolution": params.resolution, "horizon": params.horizon}


def large_site() -> tuple[list[EV], list[float]]:
    """30 EVs with a 4.14 kW minimum over 48 h of 15-minute steps, with room for all.

    5760 cells with a minimum: more than `BOUND_FIRST_MIN_CELLS`.
    """
    steps = 96 * 2
    evs = [
        ev(f"ev{i}", energy=6.0 + i % 5, max_kw=11.04, min_kw=4.14, steps=steps) for i in range(30)
    ]
    # Room for all at once: every schedule is quick, whatever the machine (the 20 s guard).
    limit = [400.0 if t % 24 < 20 else 300.0 for t in range(steps)]
    return evs, limit


def test_a_large_site_takes_the_heuristic_when_it_reaches_the_bound() -> None:
    evs, limit = large_site()
    algorithm, power = schedule(evs, limit)
    problem = algorithm.problem
    cells = np.count_nonzero(problem.open_cells() & (problem.min_kw > 0)[:, None])
    assert cells >= heuristic_bound.BOUND_FIRST_MIN_CELLS
    assert algorithm.result is not None
    assert algorithm.result.message == "GoAlgorithm's schedule reached the relaxed bound"
    # Every request fits: the heuristic delivers all of it, as the LP would.
    assert problem.delivered_kwh(power) == pytest.approx(problem.energy_kwh, abs=1e-6)


def test_a_large_site_whose_heuristic_falls_short_solves_the_relaxed_lp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def nothing(problem: ScheduleProblem, *, level: bool) -> np.ndarray:
        assert not level  # the repair and the bound check go without the leveling
        return np.zeros((problem.n_evs, problem.n_steps))

    monkeypatch.setattr(heuristic_bound, "go_schedule", nothing)
    monkeypatch.setattr(pulp_numerical_algorithm, "go_schedule", nothing)
    evs, limit = large_site()
    algorithm, power = schedule(evs, limit)
    assert algorithm.result is not None
    assert algorithm.result.message != "GoAlgorithm's schedule reached the relaxed bound"
    assert algorithm.problem.delivered_kwh(power) == pytest.approx(
        algorithm.problem.energy_kwh, abs=1e-6
    )
