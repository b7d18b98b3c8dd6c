"""Numbers from entity states, in the units the scheduler uses."""

from homeassistant.core import State
import pytest

from custom_components.optivgi.readings import state_kw, state_kwh, state_number


@pytest.mark.parametrize(
    ("state", "attributes", "expected"),
    [
        ("1500", {"unit_of_measurement": "W"}, 1.5),
        ("2.5", {"unit_of_measurement": "kW"}, 2.5),
        ("3", {}, 3.0),  # no unit: the default, kW
        ("16", {"unit_of_measurement": "A"}, None),  # not a power
        ("unavailable", {"unit_of_measurement": "kW"}, None),
        ("n/a", {"unit_of_measurement": "kW"}, None),
        ("inf", {"unit_of_measurement": "kW"}, None),
    ],
)
def test_power_in_kw(state: str, attributes: dict[str, str], expected: float | None) -> None:
    assert state_kw(State("sensor.x", state, attributes)) == expected


def test_power_without_unit_can_default_to_watts() -> None:
    assert state_kw(State("sensor.grid", "800"), "W") == pytest.approx(0.8)
    assert state_kw(None) is None


@pytest.mark.parametrize(
    ("state", "attributes", "expected"),
    [
        ("1500", {"unit_of_measurement": "Wh"}, 1.5),
        ("7", {}, 7.0),
        ("7", {"unit_of_measurement": "%"}, None),
        ("unknown", {}, None),
    ],
)
def test_energy_in_kwh(state: str, attributes: dict[str, str], expected: float | None) -> None:
    assert state_kwh(State("sensor.x", state, attributes)) == expected


def test_plain_number() -> None:
    assert state_number(State("sensor.soc", "42.5")) == 42.5
    assert state_number(None) is None
