"""EV model: unit conversions, step windows and OCPP 1.6 charging profiles."""

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.optivgi.scm.constants import DEFAULT_VOLTAGE, SchedulingParameters
from custom_components.optivgi.scm.ev import EV, ChargingRateUnit, amps_to_kw, kw_to_amps
from custom_components.optivgi.scm.go_algorithm import GoAlgorithm

NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
PARAMS = SchedulingParameters(resolution=timedelta(minutes=5), horizon=timedelta(hours=1))


def make_ev(**overrides: object) -> EV:
    values: dict[str, object] = {
        "ev_id": "ev",
        "max_power": 11.0,
        "arrival_time": NOW - timedelta(hours=1),
        "departure_time": NOW + timedelta(hours=8),
        "energy": 20.0,
    }
    values.update(overrides)
    return EV(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amps", "voltage", "phases", "kw"),
    [
        (16, 230, 3, 11.04),  # the common 11 kW wallbox
        (32, 230, 3, 22.08),
        (6, 230, 1, 1.38),  # IEC 61851 minimum, one phase
        (16, 240, 1, 3.84),
        (16, None, 1, 16 * DEFAULT_VOLTAGE / 1000),  # no voltage: the documented 230 V
    ],
)
def test_amps_and_kw_convert_both_ways(
    amps: float, voltage: float | None, phases: int, kw: float
) -> None:
    assert amps_to_kw(amps, voltage, phases) == pytest.approx(kw)
    assert kw_to_amps(kw, voltage, phases) == pytest.approx(amps)
    assert ChargingRateUnit.A.from_kw(kw, voltage, phases) == pytest.approx(amps)


def test_watts_ignore_voltage_and_phases() -> None:
    assert ChargingRateUnit.W.from_kw(11.04, 230, 3) == pytest.approx(11040)
    assert DEFAULT_VOLTAGE == 230.0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"energy": -1.0}, "energy"),
        ({"max_power": float("nan")}, "max_power"),
        ({"min_power": 12.0}, "min_power 12.0 > max_power"),
        ({"arrival_time": datetime(2026, 1, 5)}, "timezone-aware"),  # noqa: DTZ001
        ({"phases": 4}, "phases"),
        ({"voltage": 0.0}, "voltage"),
    ],
)
def test_rejects_impossible_sessions(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_ev(**overrides)


def test_equality_and_hash_follow_the_id() -> None:
    first, same, other = make_ev(), make_ev(energy=5.0), make_ev(ev_id="other")
    assert first == same
    assert first != other
    assert first != "ev"
    assert len({first, same, other}) == 2


def test_window_uses_whole_steps_inside_arrival_and_departure() -> None:
    ev = make_ev(
        active=False,
        arrival_time=NOW + timedelta(minutes=7),
        departure_time=NOW + timedelta(minutes=33),
    )
    # Arrival 17:07 -> first whole step 17:10 (index 2); departure 17:33 -> last step ends 17:30.
    assert ev.arrival_index(NOW, PARAMS) == 2
    assert ev.departure_index(NOW, PARAMS) == 6
    plugged = make_ev()
    assert plugged.arrival_index(NOW, PARAMS) == 0
    assert plugged.departure_index(NOW, PARAMS) == PARAMS.steps  # clamped to the horizon
    gone = make_ev(departure_time=NOW - timedelta(minutes=1))
    assert gone.departure_index(NOW, PARAMS) == 0
    # Plugged in two minutes into the current step: it may use that step.
    just_plugged = make_ev(arrival_time=NOW + timedelta(minutes=2))
    assert just_plugged.arrival_index(NOW, PARAMS) == 0
    # Plugged in, but kept off until 17:07 (minimum off-time): it waits for the 17:10 step.
    kept_off = make_ev(arrival_time=NOW + timedelta(minutes=7))
    assert kept_off.active
    assert kept_off.arrival_index(NOW, PARAMS) == 2


def test_profile_is_ocpp_shaped_with_merged_periods() -> None:
    ev = make_ev(unit=ChargingRateUnit.A, phases=3, voltage=230, transaction_id=42)
    ev.power = [11.04, 11.04, 4.14, 4.14, 4.14, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    profile = ev.charging_profile(NOW, PARAMS)
    assert profile["transactionId"] == 42
    assert profile["chargingProfilePurpose"] == "TxProfile"
    assert profile["chargingProfileKind"] == "Absolute"
    schedule = profile["chargingSchedule"]
    assert schedule["startSchedule"] == "2026-01-05T17:00:00Z"
    assert schedule["chargingRateUnit"] == "A"
    assert schedule["duration"] == 3600
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
        {"startPeriod": 600, "limit": 6.0, "numberPhases": 3},
        {"startPeriod": 1500, "limit": 0.0, "numberPhases": 3},
    ]
    assert all(
        isinstance(period["startPeriod"], int) for period in schedule["chargingSchedulePeriod"]
    )


def test_profile_limits_round_down_never_up() -> None:
    ev = make_ev(unit=ChargingRateUnit.A, voltage=230)
    ev.power = [2.2999] + [0.0] * 11  # 9.9995 A
    periods = ev.charging_profile(NOW, PARAMS)["chargingSchedule"]["chargingSchedulePeriod"]
    assert periods[0]["limit"] == 9.9
    ev.power = [1.38] + [0.0] * 11  # exactly 6 A up to float error: stays 6 A
    periods = ev.charging_profile(NOW, PARAMS)["chargingSchedule"]["chargingSchedulePeriod"]
    assert periods[0]["limit"] == 6.0
    # The solver's round-off below a bound the plan reaches (8.97 kW, 13 A on three phases).
    ev = make_ev(unit=ChargingRateUnit.A, phases=3, voltage=230)
    ev.power = [8.969999883] + [0.0] * 11
    periods = ev.charging_profile(NOW, PARAMS)["chargingSchedule"]["chargingSchedulePeriod"]
    assert periods[0]["limit"] == 13.0
    assert (
        ev.current_charging_profile(NOW)["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
        == 13.0
    )


def test_profile_in_watts_without_transaction_and_without_schedule() -> None:
    ev = make_ev()
    profile = ev.charging_profile(NOW, PARAMS)
    assert "transactionId" not in profile
    assert profile["chargingSchedule"]["chargingRateUnit"] == "W"
    assert profile["chargingSchedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 0.0, "numberPhases": 1}
    ]


def test_current_profile_is_the_first_step_without_duration() -> None:
    ev = make_ev(unit=ChargingRateUnit.W)
    ev.power = [7.4, 3.0] + [0.0] * 10
    profile = ev.current_charging_profile(NOW, ChargingRateUnit.A)
    schedule = profile["chargingSchedule"]
    assert "duration" not in schedule
    assert schedule["chargingRateUnit"] == "A"
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 32.1, "numberPhases": 1}
    ]
    assert (
        make_ev().current_charging_profile(NOW)["chargingSchedule"]["chargingSchedulePeriod"][0][
            "limit"
        ]
        == 0.0
    )


def test_energy_charged_uses_the_step_length() -> None:
    ev = make_ev()
    algorithm = GoAlgorithm([ev], [11.0] * PARAMS.steps, NOW, PARAMS)
    ev.power = [6.0] * 12
    assert algorithm.get_total_energy_charged()[ev] == pytest.approx(6.0)


def test_parameters_reject_bad_grids() -> None:
    assert PARAMS.steps == 12
    assert PARAMS.step_seconds == 300
    assert PARAMS.step_hours == pytest.approx(1 / 12)
    with pytest.raises(ValueError, match="resolution"):
        SchedulingParameters(resolution=timedelta(0))
    with pytest.raises(ValueError, match="shorter"):
        SchedulingParameters(resolution=timedelta(hours=2), horizon=timedelta(hours=1))
    with pytest.raises(ValueError, match="time limit"):
        SchedulingParameters(solve_time_limit_s=0)
