"""WarmStart: what a site keeps between cycles (reuse of unchanged inputs, the last plan)."""

from datetime import timedelta

import numpy as np
import pytest

from custom_components.optivgi.scm.go_algorithm import GoAlgorithm
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm
from custom_components.optivgi.scm.warm import WarmStart

from .scm_factories import NOW, ev, params_for

STEPS = 8


def test_unchanged_inputs_reuse_the_last_schedule() -> None:
    warm = WarmStart()
    evs = [ev(name, energy=10, max_kw=11, steps=STEPS) for name in "ab"]
    first = PulpNumericalAlgorithm(evs, [11.0] * STEPS, NOW, params_for(STEPS), warm=warm)
    assert not first.calculate().reused
    plan = [list(e.power) for e in evs]
    again = PulpNumericalAlgorithm(evs, [11.0] * STEPS, NOW, params_for(STEPS), warm=warm)
    result = again.calculate()
    assert result.reused
    assert warm.reused == 1
    assert [e.power for e in evs] == plan
    # Another limit, or another algorithm, is a new solve.
    other = PulpNumericalAlgorithm(evs, [10.0] * STEPS, NOW, params_for(STEPS), warm=warm)
    assert not other.calculate().reused
    assert (
        not GoAlgorithm(evs, [10.0] * STEPS, NOW, params_for(STEPS), warm=warm).calculate().reused
    )


def test_the_last_plan_slides_with_the_grid() -> None:
    warm = WarmStart()
    step = params_for(STEPS).resolution
    evs = [ev("a", energy=5, max_kw=4, steps=STEPS)]
    GoAlgorithm(evs, [11.0] * STEPS, NOW, params_for(STEPS), warm=warm).calculate()
    planned = np.array(evs[0].power)
    later = warm.previous_kw(("a", "new"), NOW + 2 * step, step, STEPS)
    assert later is not None
    assert later[0, : STEPS - 2] == pytest.approx(planned[2:])
    assert np.isnan(later[0, STEPS - 2 :]).all()
    assert np.isnan(later[1]).all()
    # Off the grid (half a step later, another resolution, or earlier): nothing to go by.
    assert warm.previous_kw(("a",), NOW + step / 2, step, STEPS) is None
    assert warm.previous_kw(("a",), NOW, timedelta(minutes=5), STEPS) is None
    assert warm.previous_kw(("a",), NOW - step, step, STEPS) is None


def test_a_noisy_limit_moves_one_set_point_at_most_with_the_last_plan() -> None:
    # Four EVs share a limit with an early dip; the forecast is re-drawn with +-10 % noise each
    # cycle, the current step included. When that step's limit changes, one charger at least
    # must follow it; kept close to its last plan, no more than one does.
    steps = 96
    rng = np.random.default_rng(0)
    evs = [
        ev(f"ev{i}", energy=float(rng.uniform(10, 40)), max_kw=11, end=int(rng.integers(20, 96)))
        for i in range(4)
    ]
    base = 15 * (1 - 0.3 * np.exp(-(((np.arange(steps) - 10) / 8.0) ** 2)))
    moved: dict[bool, list[int]] = {}
    for warm in (None, WarmStart()):
        noise = np.random.default_rng(100)
        last = None
        moved[warm is not None] = []
        for _ in range(12):
            limit = (base * noise.uniform(0.9, 1.1, steps)).tolist()
            PulpNumericalAlgorithm(evs, limit, NOW, params_for(steps), warm=warm).calculate()
            first = np.array([e.power[0] for e in evs])
            if last is not None:
                moved[warm is not None].append(int((np.abs(first - last) > 0.1).sum()))
            last = first
    assert max(moved[True]) <= 1
    assert sum(moved[True]) <= sum(moved[False])
