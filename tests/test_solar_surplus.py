"""A *Solar* charger's share: within the surplus, the room and its charger's range."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, strategies as st
import pytest

from custom_components.optivgi.site_evs import Wanted
from custom_components.optivgi.solar_surplus import SOLAR_HOLD_KW, solar_share

from .charger_configs import charger_config as charger

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
TOL = 1e-9


def wanted(
    *, floor: float = 0.0, energy: float = 10.0, held: bool = False, wait: bool = False
) -> Wanted:
    return Wanted(
        energy_kwh=energy,
        departure=NOW + timedelta(hours=8),
        arrival=NOW + timedelta(minutes=3) if wait else NOW,
        floor_kw=floor,
        held=held,
        on=True,
        transaction_id=None,
    )


@given(
    min_a=st.floats(0, 16),
    span=st.floats(0, 16),
    phases=st.sampled_from([1, 3]),
    floor_share=st.floats(0, 1),
    surplus=st.floats(0, 30),
    room=st.floats(0, 30),
    charging=st.booleans(),
    held=st.booleans(),
)
def test_a_share_stays_within_the_surplus_the_room_and_the_charger(  # noqa: PLR0917
    min_a: float,
    span: float,
    phases: int,
    floor_share: float,
    surplus: float,
    room: float,
    charging: bool,  # noqa: FBT001
    held: bool,  # noqa: FBT001
) -> None:
    c = charger(min_a, min_a + span, phases)
    floor = floor_share * c.min_kw
    share = solar_share(
        c,
        wanted(floor=floor, held=held),
        surplus_kw=surplus,
        room_kw=room,
        charging=charging,
        now=NOW,
    )
    assert share.from_surplus <= surplus + TOL
    assert share.from_grid <= room + 1e-6
    assert share.kw == pytest.approx(share.from_surplus + share.from_grid + floor)
    assert share.kw <= max(c.max_kw, floor) + TOL
    if share.kw > floor + TOL:
        assert share.kw >= c.min_kw - TOL
    if share.from_grid > TOL:  # only to keep a car that charges at its minimum
        assert charging
        assert share.kw <= c.min_kw + TOL


def test_the_hysteresis_and_what_stops_a_share() -> None:
    c = charger(6, 16, 3)  # 4.14 to 11.04 kW
    just_under = c.min_kw - SOLAR_HOLD_KW / 2
    start = solar_share(c, wanted(), surplus_kw=just_under, room_kw=10, charging=False, now=NOW)
    assert start.kw == 0.0  # under its minimum, it does not start
    keep = solar_share(c, wanted(), surplus_kw=just_under, room_kw=10, charging=True, now=NOW)
    assert keep.kw == c.min_kw  # but it keeps charging, the rest from the grid
    assert keep.from_grid == c.min_kw - just_under
    full = solar_share(c, wanted(), surplus_kw=just_under, room_kw=0.1, charging=True, now=NOW)
    assert full.kw == 0.0  # unless the grid has no room for the rest
    for stopped in (wanted(energy=0.0), wanted(wait=True)):
        share = solar_share(c, stopped, surplus_kw=20, room_kw=20, charging=True, now=NOW)
        assert share.kw == 0.0
    big = solar_share(c, wanted(), surplus_kw=20, room_kw=0, charging=False, now=NOW)
    assert big.kw == c.max_kw
    assert big.from_grid == 0.0
