"""Room for cars yet to arrive: with prices, energy moves only into room idle chargers leave."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings, strategies as st
import numpy as np
import pytest

from custom_components.optivgi.scm.algorithm import Algorithm
from custom_components.optivgi.scm.ev import EV
from custom_components.optivgi.scm.go_algorithm import GoAlgorithm
from custom_components.optivgi.scm.problem import ScheduleProblem
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm
from custom_components.optivgi.scm.tariff import arrival_room
from custom_components.optivgi.scm.warm import WarmStart, fingerprint

from .scm_factories import NOW, params_for, random_site

ALGORITHMS = (PulpNumericalAlgorithm, GoAlgorithm)
CHARGER_KW = 11.0


def _site_kw(
    algorithm_cls: type[Algorithm], evs: list[EV], limit: list[float], **kwargs: object
) -> np.ndarray:
    """The site's planned power per step (kW) of a cold solve."""
    steps = len(limit)
    algorithm = algorithm_cls(evs, limit, NOW, params_for(steps), **kwargs)  # type: ignore[arg-type]
    algorithm.calculate()
    power = np.array([ev.power for ev in algorithm.evs]).reshape(len(evs), steps)
    assert algorithm.problem.violations(power) == []
    return power.sum(axis=0)


def _closed_loop(algorithm_cls: type[Algorithm], *, priced: bool, idle_kw: float) -> float:
    """Energy (kWh) two chargers deliver when a second car arrives unannounced (closed loop).

    One car is plugged in from the start; the other arrives at step 8 on the idle charger. The
    limit (11 kW) is less than both want: every kWh the first car defers to the cheap evening
    is a kWh the site cannot deliver once the second car shares it. `idle_kw` is what the
    empty charger could draw, given only while it is empty.
    """
    steps, days_steps, minutes = 16, 24, 15
    params = params_for(steps, minutes)
    step = timedelta(minutes=minutes)
    arrivals, wanted = {"first": 0, "second": 8}, {"first": 40.0, "second": 40.0}
    delivered = dict.fromkeys(wanted, 0.0)
    warm = WarmStart()
    for cycle in range(days_steps):
        now = NOW + step * cycle
        present = [car for car, arrival in arrivals.items() if arrival <= cycle]
        evs = [
            EV(
                ev_id=car,
                active=True,
                max_power=CHARGER_KW,
                arrival_time=NOW + step * arrivals[car] - timedelta(minutes=1),
                departure_time=NOW + step * days_steps,
                energy=max(0.0, wanted[car] - delivered[car]),
            )
            for car in present
        ]
        # Dear now, cheaper by the step: every plan defers as late as it may.
        prices = [0.4 - 0.01 * k for k in range(cycle, cycle + steps)] if priced else None
        idle = idle_kw * (len(arrivals) - len(present))
        algorithm_cls(
            evs, [CHARGER_KW] * steps, now, params, prices, warm=warm, idle_kw=idle
        ).calculate()
        for car in evs:
            delivered[car.ev_id] += car.power[0] * params.step_hours
    return sum(delivered.values())


@pytest.mark.parametrize("algorithm_cls", ALGORITHMS)
def test_a_tariff_costs_no_energy_when_the_idle_charger_is_kept_room_for(
    algorithm_cls: type[Algorithm],
) -> None:
    without_tariff = _closed_loop(algorithm_cls, priced=False, idle_kw=0.0)
    # 6 h at 11 kW: the whole limit is used whatever the split.
    assert without_tariff == pytest.approx(CHARGER_KW * 6, rel=1e-6)
    # The failure this guards against: the first car deferred, then the second shared.
    assert _closed_loop(algorithm_cls, priced=True, idle_kw=0.0) < 0.97 * without_tariff
    kept = _closed_loop(algorithm_cls, priced=True, idle_kw=CHARGER_KW)
    assert kept == pytest.approx(without_tariff, rel=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_evs=st.integers(1, 5),
    idle_share=st.floats(0.0, 1.5),
    with_minimums=st.booleans(),
)
def test_a_priced_plan_moves_energy_only_into_room_the_idle_chargers_leave(
    seed: int,
    n_evs: int,
    idle_share: float,
    with_minimums: bool,  # noqa: FBT001 - drawn
) -> None:
    """A priced plan's site power stays within `arrival_room`; its energy is the earliest plan's.

    Per step, that is the earliest plan's power or the limit less the idle chargers' power,
    whichever is more.

    GoAlgorithm's earliest plan is its schedule without prices; the LP's is its cold schedule
    without prices (the same stages, the same objective as its track stage), shown here for
    sites without minimums, where no repair chooses between schedules.
    """
    steps = 16
    evs, limit = random_site(seed, n_evs=n_evs, steps=steps, with_minimums=with_minimums)
    idle_kw = idle_share * max(limit)
    prices = np.random.default_rng(seed).uniform(0.05, 0.5, steps).round(3).tolist()
    for algorithm_cls in ALGORITHMS if not with_minimums else (GoAlgorithm,):
        earliest = _site_kw(algorithm_cls, evs, limit)
        priced = _site_kw(algorithm_cls, evs, limit, prices=prices, idle_kw=idle_kw)
        problem = ScheduleProblem.from_evs(evs, limit, NOW, params_for(steps), idle_kw=idle_kw)
        room = arrival_room(problem, earliest)
        if idle_kw <= 0:
            assert room is None
            continue
        assert room is not None
        assert (priced <= room + 1e-5).all(), algorithm_cls.name
        assert priced.sum() == pytest.approx(earliest.sum(), rel=1e-6, abs=1e-5)


def test_the_room_is_the_earliest_plans_power_or_the_limit_less_the_idle_chargers() -> None:
    evs, limit = random_site(3, n_evs=2, steps=4, with_minimums=False)
    limit = [10.0, 10.0, 4.0, 10.0]
    problem = ScheduleProblem.from_evs(evs, limit, NOW, params_for(4), idle_kw=6.0)
    room = arrival_room(problem, np.array([8.0, 1.0, 3.0, 0.0]))
    assert room is not None
    assert room.tolist() == pytest.approx([8.0, 4.0, 3.0, 4.0])
    none_idle = ScheduleProblem.from_evs(evs, limit, NOW, params_for(4))
    assert arrival_room(none_idle, np.zeros(4)) is None


@pytest.mark.parametrize("idle_kw", [-1.0, float("nan"), float("inf")])
def test_an_idle_power_below_0_or_not_a_number_is_refused(idle_kw: float) -> None:
    evs, limit = random_site(1, n_evs=1, steps=4, with_minimums=False)
    with pytest.raises(ValueError, match="idle chargers"):
        ScheduleProblem.from_evs(evs, limit, NOW, params_for(4), idle_kw=idle_kw)


def test_the_idle_power_is_part_of_a_priced_problems_fingerprint_only() -> None:
    evs, limit = random_site(2, n_evs=2, steps=4, with_minimums=False)
    params = params_for(4)

    def key(idle_kw: float, prices: list[float] | None) -> bytes:
        problem = ScheduleProblem.from_evs(evs, limit, NOW, params, prices, idle_kw=idle_kw)
        return fingerprint("LP", problem)

    prices = [0.3, 0.2, 0.1, 0.2]
    assert key(0.0, prices) != key(11.0, prices)
    assert key(11.0, prices) != key(22.0, prices)
    # Without prices nothing moves energy: the plan, and its key, do not depend on it.
    assert key(0.0, None) == key(11.0, None)
