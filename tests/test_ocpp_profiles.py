"""When an OCPP profile must replace the one a charger holds."""

from datetime import UTC, datetime, timedelta

from custom_components.optivgi.ocpp_profiles import profile_changed, stop_profile
from custom_components.optivgi.scm.ev import ChargingProfile, ChargingRateUnit, tx_profile

NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)


def plan(amps: float, at: datetime = NOW, hours: int = 12) -> ChargingProfile:
    period = {"startPeriod": 0, "limit": amps, "numberPhases": 3}
    return tx_profile(at, [period], ChargingRateUnit.A, hours * 3600, transaction_id=7)


def test_a_held_stop_profile_never_runs_out_and_a_plan_replaces_it() -> None:
    # The stop profile has no duration: comparing with it must not fail (it once raised
    # OverflowError, and with it every charger's command of the cycle was lost).
    held = stop_profile(7, NOW, 3)
    days_later = NOW + timedelta(days=3)
    assert not profile_changed(held, stop_profile(7, days_later, 3), days_later)
    assert profile_changed(held, plan(16.0), NOW)


def test_a_plan_is_resent_only_beyond_the_dead_band_or_before_it_runs_out() -> None:
    held = plan(16.0)
    assert not profile_changed(held, plan(15.9, NOW + timedelta(minutes=5)), NOW)
    assert profile_changed(held, plan(10.0), NOW)
    late = NOW + timedelta(hours=11, minutes=30)
    assert profile_changed(held, plan(16.0, late), late)
