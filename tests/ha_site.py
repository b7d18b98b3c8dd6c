"""A real site in the test Home Assistant: helpers for chargers, meter and the config entry."""

from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.optivgi.const import (
    CONF_ALGORITHM,
    CONF_CONTROL,
    CONF_CONTROL_ENTITY,
    CONF_DEFAULT_DEPARTURE,
    CONF_DEFAULT_ENERGY_KWH,
    CONF_GRID_POWER_ENTITY,
    CONF_HORIZON_H,
    CONF_MAX_CURRENT_A,
    CONF_MIN_CURRENT_A,
    CONF_PHASES,
    CONF_PLUG_ENTITY,
    CONF_REPLAN_MIN,
    CONF_RESOLUTION_MIN,
    CONF_SAFETY_MARGIN_KW,
    CONF_SITE_LIMIT_ENTITY,
    CONF_SITE_LIMIT_KW,
    CONF_VOLTAGE,
    DOMAIN,
    SUBENTRY_TYPE_CHARGER,
)

CHARGERS = ("driveway", "garage", "street")


async def async_setup_helpers(hass: HomeAssistant, chargers: tuple[str, ...] = CHARGERS) -> None:
    """A current-limit input_number (A) per charger and a site-limit input_number (kW)."""
    numbers: dict[str, Any] = {
        f"{name}_current": {
            "min": 0,
            "max": 32,
            "step": 1,
            "initial": 0,
            "unit_of_measurement": "A",
        }
        for name in chargers
    }
    numbers["site_limit"] = {
        "min": 0,
        "max": 100,
        "step": 0.1,
        "initial": 22,
        "unit_of_measurement": "kW",
    }
    assert await async_setup_component(hass, "input_number", {"input_number": numbers})
    for name in chargers:
        hass.states.async_set(f"binary_sensor.{name}_plug", "off")
    await hass.async_block_till_done()


def charger_data(name: str, **overrides: Any) -> dict[str, Any]:
    """A 3-phase 230 V charger, 6-16 A, controlled through its input_number."""
    data = {
        CONF_NAME: name.title(),
        CONF_CONTROL: "number",
        CONF_CONTROL_ENTITY: f"input_number.{name}_current",
        CONF_PLUG_ENTITY: f"binary_sensor.{name}_plug",
        CONF_DEFAULT_ENERGY_KWH: 10.0,
        CONF_DEFAULT_DEPARTURE: "07:00:00",
        CONF_MIN_CURRENT_A: 6.0,
        CONF_MAX_CURRENT_A: 16.0,
        CONF_PHASES: 3,
        CONF_VOLTAGE: 230.0,
    }
    data.update(overrides)
    return data


def site_entry(
    chargers: tuple[str, ...] = CHARGERS,
    *,
    grid: bool = False,
    charger: Callable[[str], dict[str, Any]] | None = None,
    **options: Any,
) -> MockConfigEntry:
    """A site entry with the given chargers as subentries (5-minute steps, 12 h).

    `charger(name)` gives settings that replace `charger_data`'s for that charger.
    """
    site_options: dict[str, Any] = {
        CONF_SITE_LIMIT_KW: 22.0,
        CONF_SITE_LIMIT_ENTITY: "input_number.site_limit",
        CONF_ALGORITHM: "PulpNumericalAlgorithm",
        CONF_RESOLUTION_MIN: 5,
        CONF_HORIZON_H: 12,
        CONF_REPLAN_MIN: 5,
        CONF_SAFETY_MARGIN_KW: 0.0,
    }
    if grid:
        site_options[CONF_GRID_POWER_ENTITY] = "sensor.grid_power"
    site_options.update(options)
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="home",
        data={CONF_NAME: "Home"},
        options=site_options,
        subentries_data=[
            ConfigSubentryData(
                data=charger_data(name, **(charger(name) if charger else {})),
                subentry_type=SUBENTRY_TYPE_CHARGER,
                title=name.title(),
                unique_id=name,
            )
            for name in chargers
        ],
    )


async def async_setup_site(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add and load the site."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def current(hass: HomeAssistant, name: str) -> float:
    """The current (A) a charger's input_number was set to."""
    state = hass.states.get(f"input_number.{name}_current")
    assert state is not None
    return float(state.state)


def subentry_id(entry: MockConfigEntry, name: str) -> str:
    """The subentry id of a charger by its name."""
    return next(sid for sid, sub in entry.subentries.items() if sub.title == name.title())
