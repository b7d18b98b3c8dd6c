"""GoAlgorithm's leveling (`go_level.py`): leximin never worse, every hard constraint kept."""

from datetime import timedelta
from pathlib import Path
import sys

from hypothesis import HealthCheck, given, settings
import numpy as np
import pytest

from custom_components.optivgi.scm.ev import EV
from custom_components.optivgi.scm.go_algorithm import _top_up, go_schedule
from custom_components.optivgi.scm.go_fair import fair_share
from custom_components.optivgi.scm.go_level import level_shares
from custom_components.optivgi.scm.go_place import Site
from custom_components.optivgi.scm.problem import ScheduleProblem
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm

from .scm_factories import NOW, ev, params_for
from .test_phase_limits import Site as PhaseSite, phase_sites, site_problem

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from bench import algorithm_of, evs_of, problem_of
from bench_scenarios import FAMILIES


def shares(problem: ScheduleProblem, kwh: np.ndarray) -> np.ndarray:
    """Each counted EV's share of its request, smallest first."""
    counted = problem.energy_kwh > 0
    return np.sort(kwh.sum(axis=1)[counted] / problem.energy_kwh[counted])


def leximin_not_worse(after: np.ndarray, before: np.ndarray) -> bool:
    """Whether the sorted shares `after` are lexicographically at least `before` (1e-7)."""
    differ = np.flatnonzero(np.abs(after - before) > 1e-7)
    return not differ.size or bool(after[differ[0]] > before[differ[0]])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site=phase_sites(minimums=True))
def test_leveling_never_makes_leximin_worse_nor_breaks_a_rule(site: PhaseSite) -> None:
    problem = site_problem(site)
    go_site = Site.of(problem)
    before = _top_up(go_site, fair_share(go_site))
    after = level_shares(go_site, before)
    assert problem.violations(after / problem.step_hours) == []
    assert leximin_not_worse(shares(problem, after), shares(problem, before))


def test_a_car_gets_the_steps_another_can_make_up_later() -> None:
    # 6 kW for both; "short" may charge in steps 0-1 only, "long" in steps 0-3. A placement
    # that gave "long" steps 0-1 leaves "short" nothing; leveling hands "short" those steps
    # and moves "long" to steps 2-3, where the room was free: both get all they asked for.
    evs = [
        ev("short", energy=3.0, max_kw=6.0, end=2),
        ev("long", energy=3.0, max_kw=6.0, end=4),
    ]
    problem = ScheduleProblem.from_evs(evs, [6.0] * 4, NOW, params_for(4))
    site = Site.of(problem)
    unfair = np.array([[0.0, 0.0, 0.0, 0.0], [1.5, 1.5, 0.0, 0.0]])
    leveled = level_shares(site, unfair)
    assert leveled.sum(axis=1).tolist() == [3.0, 3.0]
    assert leveled[0, :2].tolist() == [1.5, 1.5]
    assert leveled[1, 2:].tolist() == [1.5, 1.5]


def test_shares_meet_where_no_room_is_left() -> None:
    # One 4 kW step, both cars want 2 kWh (15-minute steps: 1 kWh is all the step holds). The
    # better-off car hands over until both have half a kWh, and the minimum keeps every
    # set-point at 0 or at least 1 kW (0.25 kWh).
    evs = [
        ev("a", energy=2.0, max_kw=4.0, min_kw=1.0, end=1),
        ev("b", energy=2.0, max_kw=4.0, min_kw=1.0, end=1),
    ]
    problem = ScheduleProblem.from_evs(evs, [4.0], NOW, params_for(1))
    leveled = level_shares(Site.of(problem), np.array([[1.0], [0.0]]))
    assert leveled[:, 0].tolist() == [0.5, 0.5]


def one_step_car(
    ev_id: str, *, max_kw: float, phases: int, site_phases: tuple[int, ...] | None = None
) -> EV:
    """A car plugged in for one 15-minute step that wants 2.76 kWh."""
    return EV(
        ev_id=ev_id,
        active=True,
        min_power=0.0,
        max_power=max_kw,
        arrival_time=NOW,
        departure_time=NOW + timedelta(minutes=15),
        energy=2.76,
        phases=phases,
        site_phases=site_phases,
    )


def lp_smallest_share(family: str, seed: int) -> tuple[ScheduleProblem, float]:
    """A 10 x 288 benchmark site and the LP's smallest share there."""
    scenario = FAMILIES[family](10, 288, timedelta(minutes=5), seed)
    evs = evs_of(scenario)
    algorithm_of(PulpNumericalAlgorithm, scenario, evs).calculate()
    problem = problem_of(scenario)
    return problem, problem.min_fraction(np.array([car.power for car in evs]))


def test_a_full_phase_passes_on_a_third_of_what_a_three_phase_car_gives_up() -> None:
    # 16 A on each phase, one 15-minute step; a three-phase car holds all of it and a car on
    # phase 1 has nothing. A kWh for a kWh frees too little of phase 1, so the three-phase car
    # gives three for each one it passes on, until both have a quarter of their request: the
    # LP's leximin optimum (1.449 A/kW x 2.76 kW + 4.348 A/kW x 2.76 kW = 16 A on phase 1).
    cars = [
        one_step_car("three", max_kw=11.04, phases=3),
        one_step_car("one", max_kw=3.68, phases=1, site_phases=(0,)),
    ]
    problem = ScheduleProblem.from_evs(
        cars, [1000.0], NOW, params_for(1), phase_limits_a=[[16.0, 16.0, 16.0]]
    )
    leveled = level_shares(Site.of(problem), np.array([[2.76], [0.0]]))
    assert leveled[:, 0] == pytest.approx([0.69, 0.69])
    assert problem.violations(leveled / problem.step_hours) == []


def test_leveling_lifts_one_phase_cars_beside_three_phase_ones() -> None:
    """`phase-minimums` 10 x 288, seed 4: a one-phase car at 96.8 % of the LP's smallest share.

    Phase 3 is full where it may charge; only trades (three for one) reach 99 % of the LP's.
    """
    problem, best = lp_smallest_share("phase-minimums", 4)
    leveled = go_schedule(problem)
    assert problem.violations(leveled) == []
    assert problem.min_fraction(leveled) >= 0.99 * best


def test_leveling_lifts_the_worst_off_cars_on_a_pv_day() -> None:
    """`pv` 10 x 288, seed 5: four cars at 0.560 of their request without it, the LP's 0.578.

    The leveled schedule reaches 97 % of the LP's smallest share; without it, GoAlgorithm's
    schedule does not.
    """
    problem, best = lp_smallest_share("pv", 5)
    leveled, plain = go_schedule(problem), go_schedule(problem, level=False)
    assert problem.violations(leveled) == []
    assert problem.min_fraction(leveled) >= 0.97 * best
    assert problem.min_fraction(plain) < 0.97 * best
