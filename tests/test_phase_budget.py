"""The per-phase budget: each phase's fuse less the house beside the chargers (A)."""

from datetime import UTC, datetime, timedelta

from homeassistant.core import State
import pytest

from custom_components.optivgi.const import METER_GRACE_S
from custom_components.optivgi.phase_budget import PhaseBudget, PhaseDraw, amps_per_kw

from .charger_configs import charger_config

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
SENSORS = {
    "phase_current_l1_entity": "sensor.l1",
    "phase_current_l2_entity": "sensor.l2",
    "phase_current_l3_entity": "sensor.l3",
}


class Meter:
    """The phase sensors' states, as Home Assistant would hold them."""

    def __init__(self) -> None:
        self.states: dict[str, State] = {}

    def set(self, l1: str, l2: str, l3: str, unit: str = "A") -> None:
        for entity_id, value in zip(SENSORS.values(), (l1, l2, l3), strict=True):
            self.states[entity_id] = State(entity_id, value, {"unit_of_measurement": unit})

    def read(self, entity_id: str) -> State | None:
        return self.states.get(entity_id)


def test_without_a_phase_limit_there_is_no_phase_budget() -> None:
    budget = PhaseBudget({}, Meter().read)
    assert not budget.configured
    assert budget.room_a([], NOW) is None
    assert not budget.over_limit(NOW)
    assert budget.entity_ids() == set()


def test_the_house_and_what_is_counted_apart_come_off_each_phase() -> None:
    meter = Meter()
    budget = PhaseBudget({"phase_limit_a": 25, "phase_limit_l3_a": 20, **SENSORS}, meter.read)
    single = charger_config(6, 16, 1, site_phases=(1,))  # 1-phase on L2: 4.35 A per kW
    three = charger_config(6, 16, 3)  # on all three: 1.45 A per kW each
    assert amps_per_kw(single) == {1: pytest.approx(1000 / 230)}
    # The meter: 10 A of house on L1, the 1-phase car's 2.3 kW (10 A) and the 3-phase car's
    # 6.9 kW (10 A per phase) on top.
    meter.set("20", "30", "10.5")
    draws = [
        PhaseDraw(charger=single, drawing_kw=2.3, apart_kw=0.0),
        PhaseDraw(charger=three, drawing_kw=6.9, apart_kw=4.14),  # its 6 A floor, apart
    ]
    room = budget.room_a(draws, NOW)
    assert room == pytest.approx([25 - 10 - 6, 25 - 10 - 6, 20 - 0.5 - 6])
    assert budget.over_limit(NOW)  # L2 shows 30 A of a 25 A fuse
    meter.set("20", "24", "10")
    assert not budget.over_limit(NOW)


def test_milliamperes_are_read_and_absurd_or_lost_readings_are_not_values() -> None:
    meter = Meter()
    budget = PhaseBudget({"phase_limit_a": 16, **SENSORS}, meter.read)
    meter.set("6000", "0", "0", unit="mA")
    assert budget.room_a([], NOW) == pytest.approx([10, 16, 16])
    # Unavailable: the last values stand for the grace, then nothing (only the fuse).
    meter.set("unavailable", "unavailable", "unavailable")
    assert budget.room_a([], NOW + timedelta(seconds=METER_GRACE_S)) == pytest.approx([10, 16, 16])
    assert budget.room_a([], NOW + timedelta(seconds=METER_GRACE_S + 1)) == [16, 16, 16]
    # 10 x the fuse or more, or a unit that is not a current: not a reading.
    meter.set("1000", "5", "5")
    assert budget.room_a([], NOW + timedelta(hours=1)) == pytest.approx([16, 11, 11])
    meter.set("5", "5", "5", unit="W")
    assert budget.room_a([], NOW + timedelta(hours=2)) == [16, 16, 16]
    # Fewer than three sensors: none is read.
    partial = PhaseBudget({"phase_limit_a": 16, "phase_current_l1_entity": "sensor.l1"}, meter.read)
    assert partial.room_a([], NOW) == [16, 16, 16]
