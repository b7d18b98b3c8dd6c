"""The site's budget: the non-EV load is planned with a band, so its wandering moves nothing."""

from datetime import UTC, datetime, timedelta

from homeassistant.core import State
import pytest

from custom_components.optivgi.const import (
    CONF_GRID_POWER_ENTITY,
    CONF_SAFETY_MARGIN_KW,
    CONF_SITE_LIMIT_KW,
    NON_EV_BAND_KW,
    NON_EV_HEADROOM_KW,
    NON_EV_HOLD_S,
)
from custom_components.optivgi.site_budget import SiteBudget

NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
GRID = "sensor.grid_power"
LIMIT, MARGIN = 11.0, 0.5


class Meter:
    """A site whose meter reads a house load beside 3 kW of chargers."""

    def __init__(self) -> None:
        self.states: dict[str, State] = {}
        options = {
            CONF_SITE_LIMIT_KW: LIMIT,
            CONF_SAFETY_MARGIN_KW: MARGIN,
            CONF_GRID_POWER_ENTITY: GRID,
        }
        self.site = SiteBudget(options, self.states.get)

    def budget(self, house_kw: float, at: datetime = NOW) -> float:
        """The EV budget (kW) once the meter reads `house_kw` of house load."""
        watts = str((house_kw + 3.0) * 1000)
        self.states[GRID] = State(GRID, watts, {"unit_of_measurement": "W"})
        return self.site.read(3.0, at).ev_kw


def planned(house_kw: float) -> float:
    """The budget when `house_kw` was the reading the band was set from."""
    return LIMIT - MARGIN - house_kw - NON_EV_HEADROOM_KW


def test_a_house_load_inside_its_band_keeps_the_budget() -> None:
    meter = Meter()
    assert meter.budget(2.0) == pytest.approx(planned(2.0))
    top = 2.0 + NON_EV_HEADROOM_KW
    for house in (top, 2.2, top - NON_EV_BAND_KW + 0.01, 1.5):
        assert not meter.site.leaves_band(house)
        assert meter.budget(house) == pytest.approx(planned(2.0))


def test_a_rise_above_the_band_is_followed_at_once() -> None:
    meter = Meter()
    meter.budget(2.0)
    risen = 2.0 + NON_EV_HEADROOM_KW + 0.05
    assert meter.site.leaves_band(risen)
    assert meter.budget(risen) == pytest.approx(planned(risen))


def test_a_fall_gives_the_room_back_past_the_band_or_after_the_hold() -> None:
    meter = Meter()
    meter.budget(2.0)
    fallen = 2.0 + NON_EV_HEADROOM_KW - NON_EV_BAND_KW - 0.05
    assert meter.site.leaves_band(fallen)
    assert meter.budget(fallen) == pytest.approx(planned(fallen))
    # A smaller fall keeps the band until the hold ends, then the lower load is planned.
    meter.budget(2.0)
    assert meter.budget(1.5, NOW + timedelta(seconds=NON_EV_HOLD_S - 1)) == pytest.approx(
        planned(2.0)
    )
    later = NOW + timedelta(seconds=NON_EV_HOLD_S)
    assert meter.budget(1.5, later) == pytest.approx(planned(1.5))
