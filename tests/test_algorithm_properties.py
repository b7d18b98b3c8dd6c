"""Property-based tests of every algorithm on random sites.

Every schedule keeps every hard constraint, and the LP is never less fair than the heuristic,
nor (equally fair) delivers less energy.
"""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings, strategies as st
import numpy as np

from custom_components.optivgi.scm.algorithm import Algorithm
from custom_components.optivgi.scm.ev import EV
from custom_components.optivgi.scm.go_algorithm import GoAlgorithm
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm

from .scm_factories import NOW, params_for


@st.composite
def sites(draw: st.DrawFn, *, minimums: bool) -> tuple[list[EV], list[float], int]:
    steps = draw(st.integers(4, 40))
    evs = []
    for index in range(draw(st.integers(0, 6))):
        max_kw = draw(st.floats(1.4, 22))
        min_kw = draw(st.sampled_from([0.0, 1.4, 4.1])) if minimums else 0.0
        start = draw(st.integers(-4, steps + 2))
        stay = draw(st.integers(0, steps + 4))
        arrival = NOW + timedelta(minutes=15 * start - draw(st.integers(0, 14)))
        evs.append(
            EV(
                ev_id=f"ev{index}",
                active=arrival <= NOW,
                min_power=min(min_kw, max_kw),
                max_power=max_kw,
                arrival_time=arrival,
                departure_time=NOW + timedelta(minutes=15 * (start + stay)),
                energy=draw(st.sampled_from([0.0, draw(st.floats(0.1, 60))])),
                priority=draw(st.integers(0, 1)),
            )
        )
    level = draw(st.floats(0, 60))
    limit = [level] * steps
    if draw(st.booleans()):
        dip = draw(st.integers(0, steps - 1))
        factor = draw(st.floats(0, 1))
        limit = [
            value * factor if dip <= t < dip + steps // 3 else value
            for t, value in enumerate(limit)
        ]
    return evs, limit, steps


def run(algorithm_cls: type[Algorithm], evs: list[EV], limit: list[float], steps: int) -> Algorithm:
    copies = [EV(**{**ev.__dict__, "power": []}) for ev in evs]
    algorithm = algorithm_cls(copies, limit, NOW, params_for(steps))
    algorithm.calculate()
    power = np.array([ev.power for ev in copies]).reshape(len(copies), steps)
    assert algorithm.problem.violations(power) == [], algorithm.name
    return algorithm


def compare(
    evs: list[EV], limit: list[float], steps: int, energy_rel: float, energy_abs: float
) -> None:
    lp = run(PulpNumericalAlgorithm, evs, limit, steps)
    go = run(GoAlgorithm, evs, limit, steps)
    assert lp.result is not None
    assert go.result is not None
    assert lp.result.min_fraction >= go.result.min_fraction - 1e-6
    if abs(lp.result.min_fraction - go.result.min_fraction) <= 1e-6:
        lp_energy = lp.problem.useful_kwh(
            np.array([ev.power for ev in lp.evs]).reshape(len(evs), steps)
        )
        go_energy = go.problem.useful_kwh(
            np.array([ev.power for ev in go.evs]).reshape(len(evs), steps)
        )
        assert lp_energy >= go_energy * (1 - energy_rel) - energy_abs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site=sites(minimums=False))
def test_without_minimums_lp_dominates_exactly(site: tuple[list[EV], list[float], int]) -> None:
    compare(*site, energy_rel=0.0, energy_abs=1e-6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site=sites(minimums=True))
def test_with_minimums_lp_dominates_within_one_percent(
    site: tuple[list[EV], list[float], int],
) -> None:
    compare(*site, energy_rel=0.01, energy_abs=1e-6)
