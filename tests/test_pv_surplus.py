"""A solar surplus forecast changes only what energy costs: never the limits, energy or fairness.

`surplus_kw[t]` is PV power beyond the non-EV load, already part of the limit; EV energy up to it
costs the feed-in price, the rest the step's price (without prices: 0 and 1 per kWh).
"""

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings, strategies as st
import numpy as np
import pytest

from custom_components.optivgi.scm.algorithm import Algorithm
from custom_components.optivgi.scm.ev import EV
from custom_components.optivgi.scm.go_algorithm import GoAlgorithm, go_schedule
from custom_components.optivgi.scm.linear_program import FAIRNESS_TOLERANCE, solve_stages
from custom_components.optivgi.scm.minimums import ENERGY_PROOF
from custom_components.optivgi.scm.problem import ScheduleProblem
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm
from custom_components.optivgi.scm.tariff import TRACK_SHARE
from custom_components.optivgi.scm.warm import WarmStart, fingerprint

from .pulp_oracle import solve_with_pulp
from .scm_factories import NOW, ev, params_for, random_site

FEED_IN = 0.08
PRICE = 0.30


def run(
    algorithm_cls: type[Algorithm],
    evs: list[EV],
    limit: list[float],
    steps: int,
    *,
    prices: list[float] | None = None,
    surplus: list[float] | None = None,
    feed_in: float = FEED_IN,
) -> tuple[Algorithm, np.ndarray]:
    """Run one algorithm on copies of the EVs; its schedule (kW) must keep every constraint."""
    copies = [EV(**{**car.__dict__, "power": []}) for car in evs]
    algorithm = algorithm_cls(
        copies, limit, NOW, params_for(steps), prices, surplus_kw=surplus, feed_in_price=feed_in
    )
    algorithm.calculate()
    power = np.array([car.power for car in copies]).reshape(len(copies), steps)
    assert algorithm.problem.violations(power) == [], algorithm.name
    return algorithm, power


@st.composite
def solar_sites(
    draw: st.DrawFn, *, minimums: bool
) -> tuple[list[EV], list[float], int, list[float] | None, list[float]]:
    """EVs, a limit, maybe prices (some negative) and a bell-shaped surplus within the limit."""
    steps = draw(st.integers(4, 32))
    evs = []
    for index in range(draw(st.integers(0, 5))):
        start = draw(st.integers(-2, steps))
        arrival = NOW + timedelta(minutes=15 * start - draw(st.integers(0, 14)))
        max_kw = draw(st.floats(1.4, 22))
        evs.append(
            EV(
                ev_id=f"ev{index}",
                active=arrival <= NOW,
                min_power=min(draw(st.sampled_from([0.0, 1.4, 4.1])), max_kw) if minimums else 0,
                max_power=max_kw,
                arrival_time=arrival,
                departure_time=NOW + timedelta(minutes=15 * (start + draw(st.integers(0, steps)))),
                energy=draw(st.sampled_from([0.0, draw(st.floats(0.1, 50))])),
                priority=draw(st.integers(0, 1)),
            )
        )
    limit = np.full(steps, draw(st.floats(0, 40)))
    peak, middle, width = draw(st.floats(0, 12)), draw(st.integers(0, steps)), steps / 4 + 1
    surplus = np.minimum(peak * np.exp(-(((np.arange(steps) - middle) / width) ** 2)), limit)
    prices = None
    if draw(st.booleans()):
        prices = np.round(
            np.random.default_rng(draw(st.integers(0, 99))).uniform(-0.1, 0.5, steps), 2
        )
    return evs, limit.tolist(), steps, None if prices is None else prices.tolist(), surplus.tolist()


def same_energy_and_fairness(
    site: tuple[list[EV], list[float], int, list[float] | None, list[float]],
    *,
    fairness: float,
    energy_rel: float,
) -> None:
    """Both algorithms, with and without the surplus: valid, and as fair and full either way."""
    evs, limit, steps, prices, surplus = site
    for algorithm_cls in (PulpNumericalAlgorithm, GoAlgorithm):
        plain, without = run(algorithm_cls, evs, limit, steps, prices=prices)
        solar, power = run(algorithm_cls, evs, limit, steps, prices=prices, surplus=surplus)
        assert plain.result is not None
        assert solar.result is not None
        assert solar.result.min_fraction == pytest.approx(plain.result.min_fraction, abs=fairness)
        planned, solar_planned = plain.result.energy_planned_kwh, solar.result.energy_planned_kwh
        assert sum(solar_planned.values()) == pytest.approx(
            sum(planned.values()), rel=energy_rel, abs=1e-6
        )
        if energy_rel <= 1e-6:
            # Without minimums the LP's plan is leximin, so every EV's energy is the same too.
            # With them, two schedules the repair accepts may split the energy differently
            # beyond the smallest share (a 4.1 kW car 16.19 against 16.21 kWh, as found).
            for ev_id, kwh in planned.items():
                assert solar_planned[ev_id] == pytest.approx(kwh, rel=energy_rel, abs=1e-6)
        if algorithm_cls is PulpNumericalAlgorithm and not energy_rel > 1e-6:
            # The surplus only ever makes the LP's plan cheaper, by its own accounting.
            cost = solar.problem.energy_cost
            assert cost(power) <= cost(without) + 1e-6 * (1 + abs(cost(without)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(solar_sites(minimums=False))
def test_a_surplus_keeps_every_constraint_and_changes_no_energy_nor_fairness(
    site: tuple[list[EV], list[float], int, list[float] | None, list[float]],
) -> None:
    same_energy_and_fairness(site, fairness=1e-6, energy_rel=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(solar_sites(minimums=True))
def test_with_minimum_powers_a_surplus_keeps_every_constraint_and_the_energy(
    site: tuple[list[EV], list[float], int, list[float] | None, list[float]],
) -> None:
    # With minimums the repair may stop at any schedule within `ENERGY_PROOF` of the bound (and
    # fairness within `FAIRNESS_TOLERANCE`), and the surplus changes which one it meets first.
    same_energy_and_fairness(site, fairness=FAIRNESS_TOLERANCE, energy_rel=ENERGY_PROOF)


def one_car_with_a_midday_sun() -> tuple[list[EV], list[float], list[float], list[float]]:
    """One car 08:00-20:00 of 15-minute steps from 08:00, 4 kW of surplus 10:00-13:00."""
    steps = 48
    evs = [ev("car", energy=10.0, max_kw=11.0, steps=steps)]
    surplus = [4.0 if 8 <= t < 20 else 0.0 for t in range(steps)]
    limit = [11.0 + s for s in surplus]
    return evs, limit, [PRICE] * steps, surplus


@pytest.mark.parametrize("algorithm_cls", [PulpNumericalAlgorithm, GoAlgorithm])
def test_a_car_charges_from_the_midday_surplus_at_the_feed_in_price(
    algorithm_cls: type[Algorithm],
) -> None:
    # 12 kWh of surplus in its stay (and in the first half of it, so the tariff's buffer allows
    # it): all 10 kWh come from it, at the feed-in price instead of the flat 0.30.
    evs, limit, prices, surplus = one_car_with_a_midday_sun()
    algorithm, power = run(algorithm_cls, evs, limit, len(limit), prices=prices, surplus=surplus)
    problem = algorithm.problem
    assert problem.delivered_kwh(power)[0] == pytest.approx(10.0)
    assert (power[0] <= np.asarray(surplus) + 1e-6).all()
    assert problem.energy_cost(power) == pytest.approx(10.0 * FEED_IN)
    # Without the surplus it would have charged at once, at 0.30.
    plain, early = run(algorithm_cls, evs, limit, len(limit), prices=prices)
    assert plain.problem.energy_cost(early) == pytest.approx(10.0 * PRICE)


@pytest.mark.parametrize("algorithm_cls", [PulpNumericalAlgorithm, GoAlgorithm])
def test_without_prices_the_surplus_comes_first_then_the_earliest_steps(
    algorithm_cls: type[Algorithm],
) -> None:
    # 20 kWh, 12 kWh of surplus: the grid energy goes as early as it can (at full power).
    evs, limit, _, surplus = one_car_with_a_midday_sun()
    evs = [replace(evs[0], energy=20.0)]
    algorithm, power = run(algorithm_cls, evs, limit, len(limit), surplus=surplus)
    grid = np.maximum(power[0] - np.asarray(surplus), 0.0) * algorithm.problem.step_hours
    solar = np.minimum(power[0], surplus) * algorithm.problem.step_hours
    assert solar.sum() == pytest.approx(12.0)
    assert grid.sum() == pytest.approx(8.0)
    assert algorithm.problem.energy_cost(power) == pytest.approx(8.0)  # 1 per grid kWh
    assert np.nonzero(grid > 1e-6)[0].max() < 8  # all of it before the sun


@pytest.mark.parametrize("algorithm_cls", [PulpNumericalAlgorithm, GoAlgorithm])
def test_a_price_below_the_feed_in_price_beats_the_surplus(
    algorithm_cls: type[Algorithm],
) -> None:
    # Documented: where the price (-0.05) is below the feed-in price (0.08), a grid kWh is
    # cheaper than a solar one, so the car charges there, not from the midday surplus.
    evs, limit, prices, surplus = one_car_with_a_midday_sun()
    prices = [-0.05 if 2 <= t < 6 else p for t, p in enumerate(prices)]
    algorithm, power = run(algorithm_cls, evs, limit, len(limit), prices=prices, surplus=surplus)
    assert power[0, 2:6].sum() * algorithm.problem.step_hours == pytest.approx(10.0)
    assert algorithm.problem.energy_cost(power) == pytest.approx(-0.05 * 10.0)


def test_where_the_price_is_below_the_feed_in_price_the_step_counts_at_the_price() -> None:
    # The LP counts such a step's energy at the price (all of it "imported", the surplus still
    # exported): never unbounded, and cheaper than the surplus elsewhere. `energy_cost` agrees.
    steps = 4
    evs = [ev("car", energy=2.0, max_kw=4.0, steps=steps)]
    problem = ScheduleProblem.from_evs(
        evs,
        [8.0] * steps,
        NOW,
        params_for(steps),
        [-0.1, 0.3, 0.3, 0.3],
        surplus_kw=[4.0] * steps,
        feed_in_price=FEED_IN,
    )
    assert problem.solar_discount() == pytest.approx([0.0, 0.22, 0.22, 0.22])
    solution = solve_stages(problem, problem.open_cells(), np.zeros(1), 30)
    assert problem.violations(solution.power) == []
    assert solution.power[0].tolist() == pytest.approx([4.0, 4.0, 0.0, 0.0])
    assert problem.energy_cost(solution.power) == pytest.approx(-0.1 * 1 + FEED_IN * 1)
    oracle = solve_with_pulp(problem, problem.open_cells(), np.zeros(1))
    assert solution.optima.cost == pytest.approx(oracle.optima.cost, rel=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_the_cost_with_a_surplus_equals_the_pulp_oracles(seed: int) -> None:
    steps = 24 + 2 * seed
    evs, limit = random_site(seed, n_evs=1 + seed % 4, steps=steps, with_minimums=False)
    rng = np.random.default_rng(seed)
    prices = rng.uniform(-0.1, 0.5, steps).round(2).tolist() if seed % 3 else None
    surplus = np.minimum(rng.uniform(0, 8, steps) * (rng.random(steps) < 0.6), limit)
    problem = ScheduleProblem.from_evs(
        evs,
        limit,
        NOW,
        params_for(steps),
        prices,
        surplus_kw=surplus.tolist(),
        feed_in_price=0.1,
    )
    cells = problem.open_cells()
    ours = solve_stages(problem, cells, np.zeros(problem.n_evs), 30)
    oracle = solve_with_pulp(problem, cells, np.zeros(problem.n_evs))
    assert ours.optima.energy_kwh == pytest.approx(oracle.optima.energy_kwh, rel=1e-6, abs=1e-6)
    assert ours.optima.cost == pytest.approx(oracle.optima.cost, rel=1e-5, abs=1e-6)
    assert problem.energy_cost(ours.power) == pytest.approx(
        problem.energy_cost(oracle.power), rel=1e-4, abs=1e-4
    )
    assert problem.violations(ours.power) == []


def test_a_previous_plan_keeps_the_solar_cost_in_the_stability_stage() -> None:
    # With a previous plan the cost stage's optimum (with the solar columns) is held: the
    # stability stage may only choose among equally cheap plans.
    evs, limit, prices, surplus = one_car_with_a_midday_sun()
    evs = [*evs, ev("other", energy=6.0, max_kw=7.4, steps=len(limit))]
    problem = ScheduleProblem.from_evs(
        evs, limit, NOW, params_for(len(limit)), prices, surplus_kw=surplus, feed_in_price=FEED_IN
    )
    cells = problem.open_cells()
    cold = solve_stages(problem, cells, np.zeros(2), 30)
    previous = np.full((2, len(limit)), 7.0)
    warm = solve_stages(problem, cells, np.zeros(2), 30, previous_kw=previous)
    assert problem.violations(warm.power) == []
    assert problem.energy_cost(warm.power) == pytest.approx(problem.energy_cost(cold.power))
    # 16 kWh wanted, 12 kWh of surplus: the other 4 kWh at the flat price.
    assert problem.energy_cost(cold.power) == pytest.approx(12.0 * FEED_IN + 4.0 * PRICE)


def test_the_tariff_buffer_still_holds_with_a_surplus() -> None:
    # Sun only in the second half of the stay: `TRACK_SHARE` of the earliest plan's first-half
    # energy stays in the first half, the rest goes to the sun.
    steps = 8
    evs = [ev("a", energy=10.0, max_kw=10.0, steps=steps)]
    surplus = [0.0] * 4 + [10.0] * 4
    for prices in ([0.3] * steps, None):
        problem = ScheduleProblem.from_evs(
            evs, [10.0] * steps, NOW, params_for(steps), prices, surplus_kw=surplus
        )
        power = solve_stages(problem, problem.open_cells(), np.zeros(1), 30).power[0]
        assert power[:4].sum() * problem.step_hours == pytest.approx(TRACK_SHARE * 10.0, rel=1e-5)
        assert power[4:].sum() * problem.step_hours == pytest.approx(
            (1 - TRACK_SHARE) * 10.0, rel=1e-5
        )


def test_the_surplus_is_checked_like_the_prices() -> None:
    params = params_for(4)
    for bad in ([1.0] * 3, [1.0, -0.5, 0, 0], [1.0, float("nan"), 0, 0]):
        with pytest.raises(ValueError, match="surplus must be 4 finite values >= 0"):
            ScheduleProblem.from_evs([], [1.0] * 4, NOW, params, surplus_kw=bad)
    with pytest.raises(ValueError, match="feed-in price"):
        ScheduleProblem.from_evs(
            [], [1.0] * 4, NOW, params, surplus_kw=[0] * 4, feed_in_price=np.inf
        )


def test_without_a_surplus_nothing_changes_and_the_fingerprint_sees_it() -> None:
    evs, limit, prices, surplus = one_car_with_a_midday_sun()
    params = params_for(len(limit))
    plain = ScheduleProblem.from_evs(evs, limit, NOW, params, prices)
    assert plain.surplus_kw is None
    assert plain.solar_discount() is None
    assert plain.grid_prices() is plain.prices
    sunny = ScheduleProblem.from_evs(evs, limit, NOW, params, prices, surplus_kw=surplus)
    cheaper = replace(sunny, feed_in_price=0.01)
    keys = {fingerprint("LP", p) for p in (plain, sunny, cheaper)}
    assert len(keys) == 3
    # Same inputs: the warm start reuses the schedule; a new surplus forecast re-plans.
    warm = WarmStart()
    first = PulpNumericalAlgorithm(evs, limit, NOW, params, prices, surplus_kw=surplus, warm=warm)
    first.calculate()
    again = PulpNumericalAlgorithm(evs, limit, NOW, params, prices, surplus_kw=surplus, warm=warm)
    assert again.calculate().reused
    cloudy = PulpNumericalAlgorithm(
        evs, limit, NOW, params, prices, surplus_kw=[0.0] * 48, warm=warm
    )
    assert not cloudy.calculate().reused
    assert (go_schedule(plain) == go_schedule(replace(sunny, surplus_kw=None))).all()


def test_with_a_minimum_above_the_surplus_the_lp_still_charges_in_the_sun() -> None:
    # 2 kW of sun, a 4.14 kW minimum: the relaxed plan (2 kW in the sun) breaks the minimum, and
    # GoAlgorithm's earliest schedule (all at once, at 0.30) already delivers everything. The
    # repair still tries the rounded plan, which runs at its minimum in the sun: cheaper.
    evs, limit, prices, _ = one_car_with_a_midday_sun()
    evs = [replace(evs[0], min_power=4.14)]
    surplus = [2.0 if 8 <= t < 20 else 0.0 for t in range(len(limit))]
    algorithm, power = run(
        PulpNumericalAlgorithm, evs, limit, len(limit), prices=prices, surplus=surplus
    )
    assert algorithm.result is not None
    assert algorithm.result.status == "rounded"
    assert algorithm.problem.delivered_kwh(power)[0] == pytest.approx(10.0)
    solar_kwh = algorithm.problem.solar_credit_kwh(power).sum()
    assert solar_kwh > 3.0
    assert algorithm.problem.energy_cost(power) == pytest.approx(
        solar_kwh * FEED_IN + (10.0 - solar_kwh) * PRICE
    )
    assert algorithm.problem.energy_cost(power) < 10.0 * PRICE - 0.5
