"""A site with a per-phase fuse: every phase is kept at every step, on what the chargers draw.

A 3 x 16 A site: a 1-phase charger on L1 and a 3-phase charger share L1. The site is made
through the real config and subentry flows; the simulated meter shows per phase the house plus
what each car draws on that phase.
"""

from datetime import datetime

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest

from custom_components.optivgi.const import CONF_PHASES, CONF_SITE_PHASES

from .ha_site import async_setup_helpers, async_setup_site, current, settle, site_entry

NOON = datetime(2026, 12, 1, 20, 0, tzinfo=dt_util.UTC)
FUSE_A = 16.0
SENSORS = tuple(f"sensor.grid_current_l{phase}" for phase in (1, 2, 3))


@pytest.fixture(autouse=True)
def _noon(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(NOON)


def phase_amps(hass: HomeAssistant) -> list[float]:
    """What the chargers draw on L1, L2, L3 (A): the 1-phase one on L1, the other on all."""
    single, three = current(hass, "driveway"), current(hass, "garage")
    return [single + three, three, three]


async def meter(hass: HomeAssistant, house_a: tuple[float, float, float]) -> None:
    """The grid meter's phase currents: the house plus the cars, following the cars."""
    for _ in range(4):
        for sensor, house, cars in zip(SENSORS, house_a, phase_amps(hass), strict=True):
            hass.states.async_set(sensor, str(house + cars), {"unit_of_measurement": "A"})
        await settle(hass)


async def phase_site(hass: HomeAssistant, *, sensors: bool = True) -> ConfigEntry:
    await async_setup_helpers(hass, ("driveway", "garage"))
    for sensor in SENSORS:
        hass.states.async_set(sensor, "0", {"unit_of_measurement": "A"})
    phases: dict[str, object] = {"phase_limit_a": FUSE_A}
    if sensors:
        phases |= {
            f"phase_current_l{phase}_entity": sensor
            for phase, sensor in zip((1, 2, 3), SENSORS, strict=True)
        }
    wiring = {
        "driveway": {CONF_PHASES: 1, CONF_SITE_PHASES: "l1"},
        "garage": {CONF_PHASES: 3, CONF_SITE_PHASES: "l1l2l3"},
    }
    entry = await async_setup_site(
        hass, site_entry(("driveway", "garage"), charger=wiring.__getitem__, phases=phases)
    )
    for name in ("driveway", "garage"):
        hass.states.async_set(f"binary_sensor.{name}_plug", "on")
    await settle(hass)
    return entry


async def test_two_cars_on_one_phase_share_its_fuse(hass: HomeAssistant) -> None:
    entry = await phase_site(hass)
    assert entry.options["phase_limit_a"] == FUSE_A  # as the flow stores it
    await meter(hass, (0.0, 0.0, 0.0))
    amps = phase_amps(hass)
    assert amps[0] <= FUSE_A  # a kW budget of 22 kW would give both 16 A: 32 A on L1
    assert amps[0] >= FUSE_A - 1  # and the fuse is used, not wasted
    # What each phase has left, on the site's device.
    headroom = hass.states.get("sensor.home_phase_headroom")
    assert headroom is not None
    assert headroom.attributes["l2"] == pytest.approx(FUSE_A - current(hass, "garage"), abs=0.1)
    assert float(headroom.state) == pytest.approx(FUSE_A - amps[0], abs=0.1)
    # The house takes 6 A on L1: the cars give it up.
    await meter(hass, (6.0, 0.0, 0.0))
    assert phase_amps(hass)[0] + 6.0 <= FUSE_A
    # 10 A left on L1 cannot hold both 6 A minimums: one car keeps charging.
    assert max(current(hass, "driveway"), current(hass, "garage")) >= 6.0


async def test_without_its_phase_meter_the_fuse_still_holds_for_the_cars(
    hass: HomeAssistant,
) -> None:
    await phase_site(hass, sensors=False)
    amps = phase_amps(hass)
    assert max(amps) <= FUSE_A
    assert amps[0] >= FUSE_A - 1


async def test_a_phase_over_its_fuse_re_plans_at_once(hass: HomeAssistant) -> None:
    entry = await phase_site(hass)
    await meter(hass, (0.0, 0.0, 0.0))
    coordinator = entry.runtime_data.coordinator
    cycles = coordinator.cycles
    # Below the fuse, a change of the phase current does not re-plan (no feedback loop) ...
    hass.states.async_set(SENSORS[1], "3", {"unit_of_measurement": "A"})
    await settle(hass)
    assert coordinator.cycles == cycles
    # ... above it, at once: 4 A more on L1 than the cars draw there is the house's.
    assert phase_amps(hass)[0] == FUSE_A
    hass.states.async_set(SENSORS[0], str(FUSE_A + 4), {"unit_of_measurement": "A"})
    await settle(hass)
    assert coordinator.cycles == cycles + 1
    assert phase_amps(hass)[0] <= FUSE_A - 4
