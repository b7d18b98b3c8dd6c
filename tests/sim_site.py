"""A simulated site whose chargers behave like hardware, made of real Home Assistant entities.

Each charger is a real `number` entity (a test platform of the `number` integration) that takes
its current limit the way chargers do: it clamps to its own minimum, answers after a latency, and
may reject a write, raise, hang, ignore its limit, reset itself to its maximum or go unavailable.
A car on it draws what the charger applies *after* the latency; the power sensors and the grid
meter show that draw. Tests assert on `drawn_kw`, what the simulated hardware really takes, not
on what the integration believes it wrote.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from homeassistant.components.number import NumberEntity, NumberMode
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import setup_test_component_platform

VOLTS = 230.0
PHASES = 3


def amps_kw(amps: float) -> float:
    return amps * VOLTS * PHASES / 1000


class Fault(StrEnum):
    """How a charger misbehaves while the fault lasts."""

    OK = "ok"
    REJECT = "reject"  # answers, but keeps its old limit
    RAISE_HA = "raise_ha"  # the integration behind it raises HomeAssistantError
    RAISE_OTHER = "raise_other"  # a bug behind it raises anything else
    HANG = "hang"  # the write never returns
    IGNORE = "ignore"  # takes the limit, but the car draws its maximum regardless
    OFFLINE = "offline"  # the entity is unavailable


class SimCharger(NumberEntity):
    """A charger's current limit (A per phase) as the hardware applies it."""

    _attr_has_entity_name = False
    _attr_native_unit_of_measurement = "A"
    _attr_native_step = 1.0
    _attr_mode = NumberMode.BOX
    _attr_should_poll = False

    def __init__(self, name: str, *, minimum: float = 0.0, maximum: float = 16.0) -> None:
        self._attr_name = f"{name} current"
        self._attr_unique_id = f"sim_{name}_current"
        self.entity_id = f"number.{name}_current"
        self._attr_native_min_value = minimum
        self._attr_native_max_value = maximum
        self.limit_a = maximum  # chargers boot at their maximum
        self.fault = Fault.OK
        self.latency_s = 0.0
        self.writes = 0
        #: When a write first ran into the fault under way (None: none did yet).
        self.first_faulty_write: datetime | None = None
        self._never = asyncio.Event()
        #: Writes that hang: Home Assistant runs each in a task of its own that never ends.
        self.hung: set[asyncio.Task[object]] = set()
        #: (from when, amps): what the charger applies, the draw following after the latency.
        self.history: list[tuple[datetime, float]] = []

    @property
    def native_value(self) -> float:
        return self.limit_a

    @property
    def available(self) -> bool:
        return self.fault is not Fault.OFFLINE

    async def async_set_native_value(self, value: float) -> None:
        self.writes += 1
        changes = max(value, self.native_min_value or 0.0) != self.limit_a
        if self.fault is not Fault.OK and changes and self.first_faulty_write is None:
            self.first_faulty_write = dt_util.utcnow()
        if self.fault is Fault.RAISE_HA:
            raise HomeAssistantError("the charger answered with an error")
        if self.fault is Fault.RAISE_OTHER:
            raise RuntimeError("a bug in the charger's integration")
        if self.fault is Fault.HANG:
            if (task := asyncio.current_task()) is not None:
                self.hung.add(task)
            await self._never.wait()
        if self.fault is Fault.REJECT:
            return
        self.apply(max(value, self.native_min_value or 0.0))

    def apply(self, amps: float) -> None:
        """The charger applies `amps` now (by a write, or by itself)."""
        self.limit_a = amps
        self.history.append((dt_util.utcnow(), amps))
        self.async_write_ha_state()

    def end_fault(self) -> None:
        """Behave again; writes that hung complete now, late (as a slow network delivers)."""
        if self.fault is Fault.HANG:
            self._never.set()
            self._never.clear()
            self.hung.clear()
        self.fault = Fault.OK
        self.first_faulty_write = None
        self.async_write_ha_state()

    def applied_a(self, now: datetime) -> float:
        """The limit the car follows at `now`: the last one older than the latency."""
        amps = self.native_max_value
        for at, value in self.history:
            if (now - at).total_seconds() >= self.latency_s:
                amps = value
        return amps


async def async_settle(hass: HomeAssistant, chargers: dict[str, SimCharger]) -> None:
    """`hass.async_block_till_done`, but not waiting for the writes that hang.

    A hanging write is a task of Home Assistant's that never ends; with the clock frozen, the
    integration's own timeout for it only fires when the test moves time on.
    """
    for _ in range(100):
        await asyncio.sleep(0)
        hung = {task for charger in chargers.values() for task in charger.hung}
        # Timer-started cycles run as background tasks: wait for them too, but not for the
        # actuator's batches, which wait for the clock (a confirmation window) themselves.
        tasks = hass._tasks | hass._background_tasks
        pending = [
            t
            for t in tasks
            if not t.done()
            and t not in hung
            and not (isinstance(t, asyncio.Task) and t.get_name() == "optivgi actuation")
        ]
        if not pending:
            return
        await asyncio.wait(pending)


@dataclass(kw_only=True)
class SimCar:
    """A car on a charger: it draws what the charger applies while it needs energy."""

    plugged: bool = False
    need_kwh: float = 0.0
    delivered_kwh: float = 0.0


@dataclass(kw_only=True)
class SimSite:
    """The chargers, their cars, the house and the meters of one simulated site."""

    hass: HomeAssistant
    chargers: dict[str, SimCharger]
    power_sensors: set[str]
    cars: dict[str, SimCar] = field(default_factory=dict)
    house_kw: float = 2.0
    meter_fault: str | None = None  # None, "unavailable", "garbage", "inf", "absurd"
    removed: set[str] = field(default_factory=set)
    #: Chargers with an on/off switch (`input_boolean.<name>_enabled`): off, they draw nothing.
    switched: set[str] = field(default_factory=set)

    def drawn_kw(self, name: str, now: datetime) -> float:
        """What the car on charger `name` really draws now (kW)."""
        charger, car = self.chargers[name], self.cars[name]
        if not car.plugged or car.need_kwh <= car.delivered_kwh:
            return 0.0
        if name in self.switched:
            switch = self.hass.states.get(f"input_boolean.{name}_enabled")
            if switch is None or switch.state != "on":
                return 0.0
        amps = charger.native_max_value if charger.fault is Fault.IGNORE else charger.applied_a(now)
        return amps_kw(amps)

    def total_kw(self, now: datetime) -> float:
        """The chargers' draw (kW)."""
        return sum(self.drawn_kw(name, now) for name in self.chargers)

    def advance(self, seconds: float, now: datetime) -> None:
        """Cars take energy for `seconds`; the sensors show the draw at `now`."""
        for name, car in self.cars.items():
            car.delivered_kwh += self.drawn_kw(name, now) * seconds / 3600
        self.publish(now)

    def publish(self, now: datetime) -> None:
        """Power sensors and the grid meter (import positive, W) show the draw."""
        states = self.hass.states
        for name in self.power_sensors:
            states.async_set(
                f"sensor.{name}_power",
                f"{self.drawn_kw(name, now):.3f}",
                {"unit_of_measurement": "kW", "device_class": "power"},
            )
        grid = (self.house_kw + self.total_kw(now)) * 1000
        shown = {
            None: f"{grid:.0f}",
            "unavailable": "unavailable",
            "garbage": "n/a",
            "inf": "inf",
            "absurd": "9e12",
        }[self.meter_fault]
        states.async_set(
            "sensor.grid_power", shown, {"unit_of_measurement": "W", "device_class": "power"}
        )

    def plug(self, name: str, *, plugged: bool, need_kwh: float = 0.0) -> None:
        car = self.cars[name]
        car.plugged = plugged
        if plugged:
            car.need_kwh, car.delivered_kwh = need_kwh, 0.0
        self.hass.states.async_set(f"binary_sensor.{name}_plug", "on" if plugged else "off")


async def async_setup_sim(
    hass: HomeAssistant,
    chargers: dict[str, SimCharger],
    power_sensors: set[str],
    switched: set[str] | None = None,
) -> SimSite:
    """Register the simulated chargers as `number` entities; plugs off, meters at the house."""
    assert await async_setup_component(
        hass,
        "input_boolean",
        {"input_boolean": {f"{name}_enabled": {"initial": True} for name in switched or ()}},
    )
    setup_test_component_platform(hass, "number", list(chargers.values()))
    assert await async_setup_component(hass, "number", {"number": {"platform": "test"}})
    assert await async_setup_component(
        hass,
        "input_number",
        {
            "input_number": {
                "site_limit": {
                    "min": 0,
                    "max": 100,
                    "step": 0.1,
                    "initial": 22,
                    "unit_of_measurement": "kW",
                }
            }
        },
    )
    await hass.async_block_till_done()
    site = SimSite(
        hass=hass,
        chargers=chargers,
        power_sensors=power_sensors,
        cars={name: SimCar() for name in chargers},
        switched=set(switched or ()),
    )
    for name in chargers:
        site.plug(name, plugged=False)
    site.publish(dt_util.utcnow())
    await hass.async_block_till_done()
    return site
