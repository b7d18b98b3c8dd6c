"""Per-phase fuses: every schedule keeps every phase's current, and they pay on a real site.

A 1-phase car draws all its current from one phase, so a site limited per phase (3 x 16 A) is
neither one kW figure nor three independent ones. The scheduling core keeps both the kW limit
and, per step and phase, `sum_i x[i, t] * amps_per_kw[i, p] <= phase_limits_a[t, p]`.
"""

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings, strategies as st
import numpy as np
import pytest

from custom_components.optivgi.scm import linear_program
from custom_components.optivgi.scm.algorithm import Algorithm
from custom_components.optivgi.scm.ev import EV, ChargingRateUnit
from custom_components.optivgi.scm.go_algorithm import GoAlgorithm
from custom_components.optivgi.scm.linear_program import segment_starts, solve_stages
from custom_components.optivgi.scm.minimums import round_to_minimums
from custom_components.optivgi.scm.phases import amps_per_kw
from custom_components.optivgi.scm.problem import ScheduleProblem
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm
from custom_components.optivgi.scm.warm import fingerprint

from .pulp_oracle import solve_with_pulp
from .scm_factories import NOW, params_for

type Site = tuple[list[EV], list[float], list[list[float]], int]


@st.composite
def phase_sites(draw: st.DrawFn, *, minimums: bool) -> Site:
    """1-phase cars on random phases (some on 3-phase chargers), 3- and 2-phase cars."""
    steps = draw(st.integers(4, 24))
    evs = []
    for index in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["1", "1 on 3", "3", "3 default", "2"]))
        phases = {"1": 1, "1 on 3": 3, "3": 3, "3 default": 3, "2": 3}[kind]
        if kind.startswith("1"):
            wiring: tuple[int, ...] | None = (draw(st.integers(0, 2)),)
        elif kind == "2":
            wiring = tuple(draw(st.permutations([0, 1, 2]))[:2])
        else:
            wiring = None if kind == "3 default" else (0, 1, 2)
        used = phases if wiring is None else len(wiring)
        max_kw = draw(st.sampled_from([16.0, 32.0])) * 0.23 * used
        min_kw = 6 * 0.23 * used if minimums and draw(st.booleans()) else 0.0
        start = draw(st.integers(-2, steps))
        stay = draw(st.integers(0, steps + 4))
        arrival = NOW + timedelta(minutes=15 * start - draw(st.integers(0, 14)))
        evs.append(
            EV(
                ev_id=f"ev{index}",
                active=arrival <= NOW,
                min_power=min_kw,
                max_power=max_kw,
                arrival_time=arrival,
                departure_time=NOW + timedelta(minutes=15 * (start + stay)),
                energy=draw(st.sampled_from([0.0, draw(st.floats(0.5, 60))])),
                phases=phases,
                site_phases=wiring,
                priority=draw(st.integers(0, 1)),
            )
        )
    level = draw(st.sampled_from([1000.0, draw(st.floats(0, 40))]))
    fuse = [draw(st.sampled_from([0.0, 6.0, 10.0, 16.0, 25.0, draw(st.floats(0, 40))]))] * 3
    fuse = [draw(st.sampled_from([value, fuse[0]])) for value in fuse]
    phase_limits = [list(fuse) for _ in range(steps)]
    if draw(st.booleans()):  # an evening peak of the house load on one phase
        dip, phase = draw(st.integers(0, steps - 1)), draw(st.integers(0, 2))
        factor = draw(st.floats(0, 1))
        for row in phase_limits[dip : dip + steps // 3]:
            row[phase] *= factor
    return evs, [level] * steps, phase_limits, steps


def site_problem(site: Site) -> ScheduleProblem:
    """The problem of a drawn site (`phase_sites`), on its 15-minute grid."""
    evs, limit, phase_limits, steps = site
    return ScheduleProblem.from_evs(evs, limit, NOW, params_for(steps), phase_limits_a=phase_limits)


def run(
    algorithm_cls: type[Algorithm],
    evs: list[EV],
    limit: list[float],
    phase_limits: list[list[float]] | None,
    steps: int,
) -> np.ndarray:
    """The schedule (kW, `(N, T)`), checked against every hard constraint, phases included."""
    copies = [EV(**{**ev.__dict__, "power": []}) for ev in evs]
    algorithm = algorithm_cls(copies, limit, NOW, params_for(steps), phase_limits_a=phase_limits)
    algorithm.calculate()
    power = np.array([ev.power for ev in copies]).reshape(len(copies), steps)
    assert algorithm.problem.violations(power) == [], algorithm.name
    return power


@pytest.mark.parametrize("minimums", [False, True])
@pytest.mark.parametrize("algorithm_cls", [PulpNumericalAlgorithm, GoAlgorithm])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_schedule_keeps_every_phase_limit(
    data: st.DataObject, algorithm_cls: type[Algorithm], *, minimums: bool
) -> None:
    site = data.draw(phase_sites(minimums=minimums))
    evs, limit, phase_limits, steps = site
    power = run(algorithm_cls, evs, limit, phase_limits, steps)
    problem = site_problem(site)
    load = problem.phase_load_a(power)
    assert load is not None
    assert (load <= np.asarray(phase_limits) + 1e-4).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site=phase_sites(minimums=False))
def test_the_lp_is_never_less_fair_than_the_heuristic(site: Site) -> None:
    # Only the smallest share: with phases, the leximin rounds after it may cost energy (a kWh
    # of a 3-phase car takes a third of the current per phase), so equally fair GoAlgorithm
    # schedules can deliver more.
    evs, limit, phase_limits, steps = site
    problem = site_problem(site)
    lp = run(PulpNumericalAlgorithm, evs, limit, phase_limits, steps)
    go = run(GoAlgorithm, evs, limit, phase_limits, steps)
    assert problem.min_fraction(lp) >= problem.min_fraction(go) - 1e-6


@pytest.mark.parametrize("algorithm_cls", [PulpNumericalAlgorithm, GoAlgorithm])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site=phase_sites(minimums=True))
def test_phase_limits_that_never_bind_change_nothing(
    site: Site, algorithm_cls: type[Algorithm]
) -> None:
    # Fuses no car could reach build no rows and close no cell: the schedule is the kW-only one.
    evs, limit, phase_limits, steps = site
    without = run(algorithm_cls, evs, limit, None, steps)
    wide = [[1e6] * 3 for _ in phase_limits]
    assert run(algorithm_cls, evs, limit, wide, steps) == pytest.approx(without, abs=1e-9)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site=phase_sites(minimums=False))
def test_stage_optima_with_phase_limits_equal_the_pulp_oracle(site: Site) -> None:
    problem = site_problem(site)
    cells = problem.open_cells()
    ours = solve_stages(problem, cells, np.zeros(problem.n_evs), 30)
    oracle = solve_with_pulp(problem, cells, np.zeros(problem.n_evs))
    assert ours.optima.min_fraction == pytest.approx(oracle.optima.min_fraction, abs=1e-6)
    assert ours.optima.energy_kwh == pytest.approx(oracle.optima.energy_kwh, rel=1e-6, abs=1e-6)
    assert ours.optima.cost == pytest.approx(oracle.optima.cost, rel=1e-5, abs=1e-6)
    assert problem.violations(ours.power) == []
    assert problem.violations(oracle.power, tolerance=1e-5) == []


#: The worked example's site: 3 x 16 A at 230 V, 16 steps of 15 minutes (4 h).
FUSE_A, VOLTS, STEPS = 16.0, 230.0, 16


def example_evs() -> list[EV]:
    """Two 1-phase 16 A cars (3.68 kW) on L1 and L2 and a 3-phase 16 A car (11.04 kW)."""

    def car(ev_id: str, kw: float, *, phases: int, wiring: tuple[int, ...] | None) -> EV:
        return EV(
            ev_id=ev_id,
            max_power=kw,
            arrival_time=NOW - timedelta(minutes=1),
            departure_time=NOW + timedelta(hours=4),
            energy=kw * 4,  # each wants 4 h at full power: the site is congested
            phases=phases,
            site_phases=wiring,
            voltage=VOLTS,
        )

    one = FUSE_A * VOLTS / 1000
    return [
        car("l1", one, phases=1, wiring=(0,)),
        car("l2", one, phases=1, wiring=(1,)),
        car("three", 3 * one, phases=3, wiring=None),
    ]


def test_worked_example_per_phase_beats_the_phase_safe_kw_plan() -> None:
    """3 x 16 A at 230 V; cars of 3.68 (L1), 3.68 (L2) and 11.04 kW (3-phase) want 4 h each.

    Requests 14.72 + 14.72 + 44.16 = 73.6 kWh over 4 h. Per step the phases allow
    `I1 + I3 <= 16`, `I2 + I3 <= 16`, `I3 <= 16` (A per phase of each car).

    (a) Per-phase plan: the leximin share 0.5 (as if each car ran at 8 A: 1.84, 1.84 and
        5.52 kW, 9.2 kW in all), 7.36 + 7.36 + 22.08 = 36.8 kWh, L1 and L2 at their 16 A.
        A kW-only plan keeps every phase safe for every wiring only if all of its kW could sit
        on one phase (both 1-phase cars on L1, with nothing on the 3-phase car): the largest such
        limit is 230 V x 16 A = 3.68 kW (`3 x 230 x 16 / 3`). Under it the fairest plan gives
        share 0.2: 2.944 + 2.944 + 8.832 = 14.72 kWh, 40 % of the per-phase plan's.
    (b) The kW-only plan with the site's whole 3 x 230 x 16 A = 11.04 kW (share 0.6, 44.16 kWh)
        draws 21.33 A on L1 and L2 (the 1-phase cars' 2.208 kW each plus a third of 6.624 kW):
        33 % over the fuse. Any step using all 11.04 kW with a 1-phase car on overloads a phase,
        since 48 A over three phases leaves each exactly 16 A, so L3 forces 11.04 kW on the
        3-phase car.
    """
    params = params_for(STEPS)
    fuse = [[FUSE_A] * 3] * STEPS
    judge = ScheduleProblem.from_evs(example_evs(), [1e6] * STEPS, NOW, params, phase_limits_a=fuse)

    per_phase = run(PulpNumericalAlgorithm, example_evs(), [1e6] * STEPS, fuse, STEPS)
    assert judge.delivered_kwh(per_phase) == pytest.approx([7.36, 7.36, 22.08], abs=1e-5)
    load = judge.phase_load_a(per_phase)
    assert load is not None
    assert load.max(axis=0)[:2] == pytest.approx([16.0, 16.0], abs=1e-5)  # L1 and L2 full

    safe_kw = VOLTS * FUSE_A / 1000
    assert safe_kw == pytest.approx(3.68)
    kw_only = run(PulpNumericalAlgorithm, example_evs(), [safe_kw] * STEPS, None, STEPS)
    assert judge.violations(kw_only) == []  # phase-safe, as every plan under 3.68 kW is
    assert judge.delivered_kwh(kw_only) == pytest.approx([2.944, 2.944, 8.832], abs=1e-5)
    assert judge.useful_kwh(per_phase) == pytest.approx(2.5 * judge.useful_kwh(kw_only))

    whole_kw = 3 * safe_kw
    overloaded = run(PulpNumericalAlgorithm, example_evs(), [whole_kw] * STEPS, None, STEPS)
    assert judge.useful_kwh(overloaded) == pytest.approx(44.16, abs=1e-5)
    assert judge.violations(overloaded) == ["current above a phase limit"]
    load = judge.phase_load_a(overloaded)
    assert load is not None
    assert load.max(axis=0)[:2] == pytest.approx([64 / 3] * 2, abs=1e-4)  # 21.33 A


def test_the_heuristic_shares_the_phases_as_fairly_on_the_example() -> None:
    fuse = [[FUSE_A] * 3] * STEPS
    power = run(GoAlgorithm, example_evs(), [1e6] * STEPS, fuse, STEPS)
    assert power.sum(axis=1) * 0.25 == pytest.approx([7.36, 7.36, 22.08], rel=1e-3)


def test_amps_per_kw_follow_the_wiring() -> None:
    base = example_evs()[0]
    evs = [
        replace(base, phases=1, site_phases=None),  # a 1-phase charger: L1
        replace(base, phases=3, site_phases=None),  # all three evenly
        replace(base, phases=3, site_phases=(2,)),  # a 1-phase car on a 3-phase charger
        replace(base, phases=3, site_phases=(1, 2), voltage=None),  # 2 phases at 230 V
    ]
    per_kw = 1000 / VOLTS
    assert amps_per_kw(evs) == pytest.approx(
        np.array(
            [
                [per_kw, 0, 0],
                [per_kw / 3] * 3,
                [0, 0, per_kw],
                [0, per_kw / 2, per_kw / 2],
            ]
        )
    )


@pytest.mark.parametrize(
    ("phases", "wiring"), [(3, ()), (3, (0, 0)), (3, (3,)), (3, (0, 1, 2, 0)), (1, (0, 1))]
)
def test_wirings_no_site_has_are_rejected(phases: int, wiring: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="site_phases"):
        replace(example_evs()[0], phases=phases, site_phases=wiring)


def test_profiles_count_the_phases_the_car_uses() -> None:
    car = replace(example_evs()[2], site_phases=(1,), max_power=3.68, power=[2.3] * STEPS)
    params = params_for(STEPS)
    profile = car.charging_profile(NOW, params, ChargingRateUnit.A)
    period = profile["chargingSchedule"]["chargingSchedulePeriod"][0]
    assert period == {"startPeriod": 0, "limit": 10.0, "numberPhases": 1}
    now = car.current_charging_profile(NOW, ChargingRateUnit.A)
    assert now["chargingSchedule"]["chargingSchedulePeriod"][0]["numberPhases"] == 1
    plain = replace(car, site_phases=None).charging_profile(NOW, params, ChargingRateUnit.A)
    assert plain["chargingSchedule"]["chargingSchedulePeriod"][0]["numberPhases"] == 3


@pytest.mark.parametrize(
    "limits",
    [
        [[16.0] * 3] * (STEPS - 1),
        [[16.0] * 2] * STEPS,
        [[16.0, float("nan"), 16.0]] * STEPS,
        [[16.0, -1.0, 16.0]] * STEPS,
    ],
)
def test_phase_limits_are_checked_like_prices(limits: list[list[float]]) -> None:
    with pytest.raises(ValueError, match="phase limits"):
        ScheduleProblem.from_evs(
            example_evs(), [10.0] * STEPS, NOW, params_for(STEPS), phase_limits_a=limits
        )


def test_segments_split_where_a_phase_limit_changes_and_the_digest_sees_it() -> None:
    params = params_for(STEPS)
    fuse = [[FUSE_A] * 3 for _ in range(STEPS)]
    fuse[5][2] = 10.0
    flat = ScheduleProblem.from_evs(example_evs(), [20.0] * STEPS, NOW, params)
    fused = ScheduleProblem.from_evs(
        example_evs(), [20.0] * STEPS, NOW, params, phase_limits_a=fuse
    )
    assert segment_starts(flat, flat.open_cells()).tolist() == [0]
    assert segment_starts(fused, fused.open_cells()).tolist() == [0, 5, 6]
    assert fingerprint("lp", flat) != fingerprint("lp", fused)
    assert fingerprint("lp", flat) == fingerprint("lp", replace(fused, phase_limits_a=None))


def test_a_minimum_that_does_not_fit_its_phase_closes_the_cell() -> None:
    # 6 A on L1 is 1.38 kW; with 5 A left on L1 the car cannot run at all, though kW allow it.
    car = replace(example_evs()[0], min_power=1.38)
    fuse = [[5.0, 16.0, 16.0]] * STEPS
    problem = ScheduleProblem.from_evs(
        [car], [20.0] * STEPS, NOW, params_for(STEPS), phase_limits_a=fuse
    )
    assert not problem.open_cells().any()
    for algorithm_cls in (PulpNumericalAlgorithm, GoAlgorithm):
        assert not run(algorithm_cls, [car], [20.0] * STEPS, fuse, STEPS).any()


def test_rounding_keeps_the_minimums_on_a_phase_within_its_limit() -> None:
    # Two 6 A minimums (1.38 kW) on L1 with 10 A left: the relaxed LP gives each 5 A, but only
    # one of them may be on at a step, though 2.76 kW is far below the kW limit.
    cars = [
        replace(example_evs()[0], ev_id=f"l1-{index}", min_power=1.38, energy=5.0)
        for index in range(2)
    ]
    fuse = [[10.0, 16.0, 16.0]] * STEPS
    problem = ScheduleProblem.from_evs(
        cars, [100.0] * STEPS, NOW, params_for(STEPS), phase_limits_a=fuse
    )
    cells = problem.open_cells()
    on = round_to_minimums(problem, cells, np.full((2, STEPS), 1.15))
    assert on.sum(axis=0).max() == 1
    assert on.any(axis=1).all()
    held = solve_stages(problem, on, problem.min_kw, 30)
    assert problem.violations(held.power) == []
    assert problem.violations(run(PulpNumericalAlgorithm, cars, [100.0] * STEPS, fuse, STEPS)) == []


def test_when_the_leximin_rounds_run_out_the_energy_stage_still_fills_the_phases(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1-phase cars on L1, L2 and L3 that want 100, 50 and 25 kWh of 4 h at 3.68 kW (and a
    # 3-phase car beside them) have three leximin levels (about 0.15, 0.29 and 0.59); with two
    # rounds the second round's fraction is only a floor for the L3 car. The full leximin
    # schedule meets the floors of two rounds, so the energy must be at least its 44.16 kWh
    # (the energy stage was skipped, and the floors' sum is about 7 kWh less).
    one, three = example_evs()[0], example_evs()[2]
    cars = [
        replace(one, ev_id=f"l{phase + 1}", site_phases=(phase,), energy=energy)
        for phase, energy in enumerate((100.0, 50.0, 25.0))
    ]
    cars.append(replace(three, energy=2.0))
    fuse = [[16.0, 16.0, 16.0]] * STEPS
    problem = ScheduleProblem.from_evs(
        cars, [1e6] * STEPS, NOW, params_for(STEPS), phase_limits_a=fuse
    )
    cells, zeros = problem.open_cells(), np.zeros(problem.n_evs)
    full = solve_stages(problem, cells, zeros, 30)
    monkeypatch.setattr(linear_program, "LEXIMIN_ROUNDS", 2)
    cut = solve_stages(problem, cells, zeros, 30)
    assert problem.violations(cut.power) == []
    assert problem.useful_kwh(cut.power) >= problem.useful_kwh(full.power) - 1e-6
