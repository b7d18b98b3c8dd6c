"""A real site in the test Home Assistant: helpers for chargers, meter and the config entry.

Sites are made through the real config flow and charger subentry flows, so that they hold
exactly what the product stores (a fixture that stored a key the flow never stores once hid a
bug that showed every user internal ids instead of charger names).
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component

from custom_components.optivgi.charger_schemas import (
    CHARGER_DETAILS_SCHEMA,
    CONTROL_SCHEMAS,
    DEFAULT_CHARGER_DETAILS,
)
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
    AlgorithmChoice,
    Control,
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


@dataclass(frozen=True, kw_only=True)
class SiteSpec:
    """A site to create through the real config and subentry flows."""

    name: str
    settings: dict[str, Any]
    chargers: dict[str, dict[str, Any]]


def site_entry(
    chargers: tuple[str, ...] = CHARGERS,
    *,
    grid: bool = False,
    charger: Callable[[str], dict[str, Any]] | None = None,
    **options: Any,
) -> SiteSpec:
    """A site with the given chargers (5-minute steps, 12 h), for `async_setup_site`.

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
    return SiteSpec(
        name="Home",
        settings=site_options,
        chargers={
            name: charger_data(name, **(charger(name) if charger else {})) for name in chargers
        },
    )


def _form(values: dict[str, Any], schema: Any) -> dict[str, Any]:
    """The fields of a form's schema that `values` fills in (as the frontend sends them)."""
    keys = {str(key) for key in schema.schema}
    return {key: value for key, value in values.items() if key in keys and value is not None}


async def _async_charger_steps(
    flow: Any, flow_id: str, name: str, data: dict[str, Any], result: dict[str, Any]
) -> dict[str, Any]:
    """Fill in a charger's three steps: name and control, the control's step, the details."""
    assert result["type"] is FlowResultType.FORM, result
    control = Control(data[CONF_CONTROL])
    result = await flow.async_configure(
        flow_id, {CONF_NAME: data.get(CONF_NAME, name.title()), CONF_CONTROL: control.value}
    )
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == control.value, result
    result = await flow.async_configure(flow_id, _form(data, CONTROL_SCHEMAS[control]))
    if result.get("errors", {}).get(CONF_CONTROL_ENTITY) == "script_mode_drops_calls":
        result = await flow.async_configure(flow_id, _form(data, CONTROL_SCHEMAS[control]))
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == "details", result
    details = {**DEFAULT_CHARGER_DETAILS, **_form(data, CHARGER_DETAILS_SCHEMA)}
    details[CONF_PHASES] = str(details[CONF_PHASES])
    result = await flow.async_configure(flow_id, details)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    return result


async def async_setup_site(hass: HomeAssistant, spec: SiteSpec) -> ConfigEntry:
    """Create and load the site through the config flow, then add its other chargers."""
    settings = dict(spec.settings)
    settings[CONF_ALGORITHM] = AlgorithmChoice(settings[CONF_ALGORITHM]).name.lower()
    settings[CONF_RESOLUTION_MIN] = str(settings[CONF_RESOLUTION_MIN])
    flow = hass.config_entries.flow
    result = await flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    flow_id = result["flow_id"]
    settings = {key: value for key, value in settings.items() if value is not None}
    result = await flow.async_configure(flow_id, {CONF_NAME: spec.name, **settings})
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == "charger", result
    names = list(spec.chargers)
    result = await _async_charger_steps(flow, flow_id, names[0], spec.chargers[names[0]], result)
    entry = result["result"]
    await hass.async_block_till_done()
    subentries = hass.config_entries.subentries
    for name in names[1:]:
        result = await subentries.async_init(
            (entry.entry_id, SUBENTRY_TYPE_CHARGER), context={"source": SOURCE_USER}
        )
        await _async_charger_steps(subentries, result["flow_id"], name, spec.chargers[name], result)
        await hass.async_block_till_done()
    await settle(hass)
    assert entry.state is ConfigEntryState.LOADED, entry.state
    return entry


async def settle(hass: HomeAssistant) -> None:
    """Let every task finish, and the actuators' writes as far as they get without time passing.

    A write that waits for a confirmation or hangs stays pending (time is frozen in tests): it
    moves on when a test advances the clock.
    """
    for _ in range(10):
        await hass.async_block_till_done()
        await _cycles_done(hass)
        batches = [
            entry.runtime_data.coordinator.translation.actuator._batch
            for entry in hass.config_entries.async_entries(DOMAIN)
            if entry.state is ConfigEntryState.LOADED
        ]
        if all(batch is None or batch.done() for batch in batches):
            return
        await asyncio.sleep(0)


async def _cycles_done(hass: HomeAssistant) -> None:
    """Wait for cycles the timer started: they are background tasks `block_till_done` skips.

    Their solve runs in the executor in real time; on a loaded machine it can outlast the
    rounds above, and a test's clock must not move on while a cycle is still planning.
    """
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            async with asyncio.timeout(60), entry.runtime_data.coordinator._cycle:
                pass
    await hass.async_block_till_done()


async def replan(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Run one cycle now and let its commands be written and confirmed."""
    await entry.runtime_data.coordinator.async_refresh()
    await settle(hass)


async def set_site_limit(hass: HomeAssistant, kw: float) -> None:
    """Set the site-limit input_number (kW) the way a user or an automation does."""
    await hass.services.async_call(
        "input_number",
        "set_value",
        {"entity_id": "input_number.site_limit", "value": kw},
        blocking=True,
    )


def current(hass: HomeAssistant, name: str) -> float:
    """The current (A) a charger's input_number was set to."""
    state = hass.states.get(f"input_number.{name}_current")
    assert state is not None
    return float(state.state)


def subentry_id(entry: ConfigEntry, name: str) -> str:
    """The subentry id of a charger by its name."""
    return next(sid for sid, sub in entry.subentries.items() if sub.title == name.title())
