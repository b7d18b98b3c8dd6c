"""The site config flow, its options and reconfigure flows, and the charger subentry flow.

Every path of `config_flow.py`, run through Home Assistant's flow managers against real entity
states and a real device registry. Only the integration's own `async_setup_entry` is replaced, so
these tests do not depend on what setting up a site does.
"""

from collections.abc import Generator, Mapping
import json
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigFlowResult,
    ConfigSubentryData,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import config_validation as cv, device_registry as dr
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.optivgi.config_flow import ChargerSubentryFlowHandler, OptiVgiConfigFlow
from custom_components.optivgi.const import (
    CONF_ALGORITHM,
    CONF_BATTERY_KWH,
    CONF_CONTROL,
    CONF_CONTROL_ENTITY,
    CONF_DEFAULT_DEPARTURE,
    CONF_DEFAULT_ENERGY_KWH,
    CONF_FEEDBACK_ENTITY,
    CONF_GRID_POWER_ENTITY,
    CONF_HORIZON_H,
    CONF_MAX_CURRENT_A,
    CONF_MIN_CURRENT_A,
    CONF_OCPP_DEVICE,
    CONF_PHASE_SWITCH_ENTITY,
    CONF_PHASES,
    CONF_PLUG_ENTITY,
    CONF_PLUG_STATES,
    CONF_POWER_ENTITY,
    CONF_PRICE_AREA,
    CONF_PRICE_CONFIG_ENTRY,
    CONF_PRICE_ENTITY,
    CONF_PRICE_HOME,
    CONF_PRICE_SOURCE,
    CONF_REPLAN_MIN,
    CONF_RESOLUTION_MIN,
    CONF_SAFETY_MARGIN_KW,
    CONF_SESSION_ENERGY_ENTITY,
    CONF_SITE_LIMIT_ENTITY,
    CONF_SITE_LIMIT_KW,
    CONF_SITE_PHASES,
    CONF_SOC_ENTITY,
    CONF_SWITCH_ENTITY,
    CONF_TARGET_SOC,
    CONF_TRANSACTION_ENTITY,
    CONF_VOLTAGE,
    DEFAULT_PLUG_STATES,
    DOMAIN,
    SUBENTRY_TYPE_CHARGER,
    AlgorithmChoice,
    Control,
)
from custom_components.optivgi.price_flow import PRICES_SECTION

TRANSLATIONS: dict[str, Any] = json.loads(
    (
        Path(__file__).resolve().parent.parent
        / "custom_components"
        / "optivgi"
        / "translations"
        / "en.json"
    ).read_text(encoding="utf-8")
)
CONFIG = TRANSLATIONS["config"]
OPTIONS = TRANSLATIONS["options"]
SUBENTRY = TRANSLATIONS["config_subentries"][SUBENTRY_TYPE_CHARGER]

#: The site settings form as a user fills it in, and the options it is stored as.
SETTINGS_INPUT: dict[str, Any] = {
    CONF_SITE_LIMIT_KW: 11.0,
    CONF_ALGORITHM: "go",
    CONF_RESOLUTION_MIN: "15",
    CONF_HORIZON_H: 12,
    CONF_REPLAN_MIN: 15,
    CONF_SAFETY_MARGIN_KW: 1.0,
}
SETTINGS_STORED: dict[str, Any] = {
    CONF_SITE_LIMIT_KW: 11.0,
    CONF_ALGORITHM: AlgorithmChoice.GO.value,
    CONF_RESOLUTION_MIN: 15,
    CONF_HORIZON_H: 12,
    CONF_REPLAN_MIN: 15,
    CONF_SAFETY_MARGIN_KW: 1.0,
}
DEFAULT_SETTINGS_SUGGESTED: dict[str, Any] = {
    CONF_SITE_LIMIT_KW: 22.0,
    CONF_ALGORITHM: "pulp",
    CONF_RESOLUTION_MIN: "5",
    CONF_HORIZON_H: 24,
    CONF_REPLAN_MIN: 5,
    CONF_SAFETY_MARGIN_KW: 0.5,
}
#: The details form as a user fills it in (nothing optional), and how it is stored.
DETAILS_INPUT: dict[str, Any] = {
    CONF_BATTERY_KWH: 77.0,
    CONF_TARGET_SOC: 90.0,
    CONF_DEFAULT_ENERGY_KWH: 15.0,
    CONF_DEFAULT_DEPARTURE: "7:05",
    CONF_MIN_CURRENT_A: 6.0,
    CONF_MAX_CURRENT_A: 32.0,
    CONF_PHASES: "1",
    CONF_VOLTAGE: 230.0,
}
DETAILS_STORED: dict[str, Any] = {
    **DETAILS_INPUT,
    CONF_DEFAULT_DEPARTURE: "07:05:00",
    CONF_PHASES: 1,
    CONF_SITE_PHASES: "L1",  # stored for every new charger: the default of its phases
}
#: The limit entity of a charger added next to Garage: one entity per charger.
DRIVE_CURRENT = "number.drive_current"
#: A charger as stored in a subentry, for tests that start with one.
GARAGE: dict[str, Any] = {
    CONF_CONTROL: Control.NUMBER.value,
    CONF_CONTROL_ENTITY: "number.wallbox_current",
    CONF_PLUG_ENTITY: "binary_sensor.wallbox_plug",
    **DETAILS_STORED,
}


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Generator[AsyncMock]:
    """Replace setting up a site, so a created or reloaded entry is only counted."""
    with patch("custom_components.optivgi.async_setup_entry", AsyncMock(return_value=True)) as mock:
        yield mock


@pytest.fixture(autouse=True)
def entities(hass: HomeAssistant) -> None:
    """Create the entity states the flows validate against."""
    power = {"unit_of_measurement": "kW", "device_class": "power"}
    for entity_id, state, attributes in (
        ("sensor.site_limit", "20", power),
        ("sensor.site_limit_w", "20000", {**power, "unit_of_measurement": "W"}),
        ("sensor.no_unit", "5", {}),
        ("number.site_limit", "20", {}),
        ("input_number.site_limit", "20", {"unit_of_measurement": "kW"}),
        ("number.site_limit_amps", "32", {"unit_of_measurement": "A"}),
        ("sensor.grid_power", "3000", {**power, "unit_of_measurement": "W"}),
        ("sensor.grid_energy", "1234", {"unit_of_measurement": "kWh", "device_class": "energy"}),
        ("number.wallbox_current", "16", {"unit_of_measurement": "A"}),
        (DRIVE_CURRENT, "16", {"unit_of_measurement": "A"}),
        ("number.wallbox_power", "11000", {"unit_of_measurement": "W"}),
        ("number.wallbox_voltage", "230", {"unit_of_measurement": "V"}),
        ("number.wallbox_no_unit", "16", {}),
        ("script.wallbox_limit", "off", {"mode": "queued"}),
        ("script.single_limit", "off", {"mode": "single"}),
        ("binary_sensor.wallbox_plug", "on", {}),
        ("sensor.wallbox_status", "Charging", {}),
        ("sensor.wallbox_power", "7.2", power),
        ("sensor.wallbox_session_energy", "4.2", {"unit_of_measurement": "kWh"}),
        ("sensor.wallbox_session_energy_mwh", "0.004", {"unit_of_measurement": "MWh"}),
        ("sensor.car_soc", "55", {"unit_of_measurement": "%", "device_class": "battery"}),
        ("sensor.wallbox_transaction_id", "1234", {}),
    ):
        hass.states.async_set(entity_id, state, attributes)


@pytest.fixture
def ocpp_device(hass: HomeAssistant) -> str:
    """Register a charger device of the OCPP integration and return its device ID."""
    ocpp_entry = MockConfigEntry(domain="ocpp", title="OCPP")
    ocpp_entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=ocpp_entry.entry_id, identifiers={("ocpp", "cp1")}, name="CP1"
    )
    return device.id


def _add_site(
    hass: HomeAssistant, name: str, charger: str, data: dict[str, Any]
) -> MockConfigEntry:
    """Add a site with one charger, as the flows store them."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=name,
        unique_id=name.lower(),
        data={CONF_NAME: name},
        options=SETTINGS_STORED,
        subentries_data=[
            ConfigSubentryData(
                subentry_type=SUBENTRY_TYPE_CHARGER, title=charger, data=data, unique_id=None
            )
        ],
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
def site(hass: HomeAssistant) -> MockConfigEntry:
    """Add a site with one charger, Garage."""
    return _add_site(hass, "Home", "Garage", GARAGE)


def _subentry_id(entry: MockConfigEntry, title: str) -> str:
    return next(sub.subentry_id for sub in entry.subentries.values() if sub.title == title)


def assert_form(
    result: ConfigFlowResult | SubentryFlowResult,
    step_id: str,
    translations: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check a shown form and return its suggested values.

    The form is the step expected, its errors are the ones expected and each has a text in
    `translations` (the flow's section of en.json), and its schema serializes the way the
    frontend receives it.
    """
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == step_id
    assert result["errors"] == (errors or {})
    for error in result["errors"] or {}:
        assert result["errors"][error] in translations["error"]
    schema = result["data_schema"]
    assert schema is not None
    assert probatio.to_field_list(schema, custom_serializer=cv.custom_serializer)
    return {
        str(key): key.description["suggested_value"]
        for key in schema.schema
        if key.description and "suggested_value" in key.description
    }


async def _site_flow_at_charger_step(hass: HomeAssistant, name: str = "Home") -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: name, **SETTINGS_INPUT}
    )
    assert_form(result, "charger", CONFIG)
    return result["flow_id"]


async def _site(hass: HomeAssistant) -> MockConfigEntry:
    """Add a site as an older version stored it: a name and no options."""
    entry = MockConfigEntry(domain=DOMAIN, title="Home", unique_id="home", data={CONF_NAME: "Home"})
    entry.add_to_hass(hass)
    return entry


async def _add_charger_flow(hass: HomeAssistant, entry: MockConfigEntry) -> SubentryFlowResult:
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_TYPE_CHARGER), context={"source": SOURCE_USER}
    )


# The site: user step, then its first charger.


async def test_user_creates_site_with_its_first_charger(
    hass: HomeAssistant, mock_setup_entry: AsyncMock
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert assert_form(result, "user", CONFIG) == DEFAULT_SETTINGS_SUGGESTED

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "  Home  ",
            **SETTINGS_INPUT,
            CONF_SITE_LIMIT_ENTITY: "sensor.site_limit",
            CONF_GRID_POWER_ENTITY: "sensor.grid_power",
        },
    )
    assert assert_form(result, "charger", CONFIG) == {CONF_NAME: "", CONF_CONTROL: "number"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: " Garage ", CONF_CONTROL: Control.NUMBER}
    )
    assert assert_form(result, "number", CONFIG) == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CONTROL_ENTITY: "number.wallbox_current"}
    )
    assert assert_form(result, "details", CONFIG) == {
        CONF_PLUG_STATES: list(DEFAULT_PLUG_STATES),
        CONF_BATTERY_KWH: 60.0,
        CONF_TARGET_SOC: 80.0,
        CONF_DEFAULT_ENERGY_KWH: 20.0,
        CONF_DEFAULT_DEPARTURE: "07:30:00",
        CONF_MIN_CURRENT_A: 6.0,
        CONF_MAX_CURRENT_A: 16.0,
        CONF_PHASES: "3",
        CONF_VOLTAGE: 230.0,
    }

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            **DETAILS_INPUT,
            CONF_PLUG_ENTITY: "sensor.wallbox_status",
            CONF_PLUG_STATES: ["charging", "SuspendedEV"],
            CONF_POWER_ENTITY: "sensor.wallbox_power",
            CONF_SESSION_ENERGY_ENTITY: "sensor.wallbox_session_energy",
            CONF_SOC_ENTITY: "sensor.car_soc",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home"
    assert result["data"] == {CONF_NAME: "Home"}
    assert result["options"] == {
        **SETTINGS_STORED,
        CONF_SITE_LIMIT_ENTITY: "sensor.site_limit",
        CONF_GRID_POWER_ENTITY: "sensor.grid_power",
    }
    entry = result["result"]
    assert entry.unique_id == "home"
    assert entry.version == 1
    [charger] = entry.subentries.values()
    assert charger.subentry_type == SUBENTRY_TYPE_CHARGER
    assert charger.title == "Garage"
    assert charger.unique_id is None
    assert charger.data == {
        CONF_CONTROL: "number",
        CONF_CONTROL_ENTITY: "number.wallbox_current",
        **DETAILS_STORED,
        CONF_PLUG_ENTITY: "sensor.wallbox_status",
        CONF_PLUG_STATES: ["charging", "SuspendedEV"],
        CONF_POWER_ENTITY: "sensor.wallbox_power",
        CONF_SESSION_ENERGY_ENTITY: "sensor.wallbox_session_energy",
        CONF_SOC_ENTITY: "sensor.car_soc",
    }
    await hass.async_block_till_done()
    assert mock_setup_entry.await_count == 1


async def test_duplicate_site_name_is_an_error_on_the_name(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    taken = {CONF_NAME: "HOME", **SETTINGS_INPUT, CONF_SITE_LIMIT_KW: 17.0}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], taken)
    # The form stays, with everything the user typed, and says what is wrong with the name.
    assert assert_form(result, "user", CONFIG, {CONF_NAME: "already_configured"}) == taken
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"].get("unique_id") is None
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**taken, CONF_NAME: "Holiday home"}
    )
    assert_form(result, "charger", CONFIG)


async def test_a_site_renamed_in_home_assistants_menu_is_known_by_its_new_name(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    # Home Assistant's own Rename changes only the title; the site is what it shows.
    hass.config_entries.async_update_entry(site, title="Home North")
    result = await site.start_reconfigure_flow(hass)
    assert assert_form(result, "reconfigure", CONFIG) == {CONF_NAME: "Home North"}
    hass.config_entries.flow.async_abort(result["flow_id"])

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    shown = {CONF_NAME: "home north", **SETTINGS_INPUT}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], shown)
    assert_form(result, "user", CONFIG, {CONF_NAME: "already_configured"})
    # Until the site is set up again its id is still the old name's: that name stays taken
    # rather than two entries sharing one unique id.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**shown, CONF_NAME: "Home"}
    )
    assert_form(result, "user", CONFIG, {CONF_NAME: "already_configured"})


async def test_same_site_name_in_another_flow_is_an_error_on_the_name(
    hass: HomeAssistant,
) -> None:
    await _site_flow_at_charger_step(hass, "Office car park")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    taken = {CONF_NAME: "office car park", **SETTINGS_INPUT}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], taken)
    assert assert_form(result, "user", CONFIG, {CONF_NAME: "already_in_progress"}) == taken

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**taken, CONF_NAME: "Office"}
    )
    assert_form(result, "charger", CONFIG)


@pytest.mark.parametrize(
    ("changes", "stored"),
    [
        ({CONF_SITE_LIMIT_ENTITY: "sensor.site_limit_w"}, {}),
        ({CONF_SITE_LIMIT_ENTITY: "number.site_limit"}, {}),  # no unit: read as kW
        ({CONF_SITE_LIMIT_ENTITY: "input_number.site_limit"}, {}),
        ({CONF_REPLAN_MIN: 15, CONF_RESOLUTION_MIN: "15"}, {CONF_RESOLUTION_MIN: 15}),
        ({CONF_SAFETY_MARGIN_KW: 0.0}, {}),
        ({CONF_ALGORITHM: "pulp"}, {CONF_ALGORITHM: "PulpNumericalAlgorithm"}),
    ],
)
async def test_site_settings_accepted(
    hass: HomeAssistant, changes: dict[str, Any], stored: dict[str, Any]
) -> None:
    result = await hass.config_entries.options.async_init((await _site(hass)).entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, **changes}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {**SETTINGS_STORED, **changes, **stored}


SETTINGS_ERRORS = [
    pytest.param(
        {CONF_SITE_LIMIT_ENTITY: "sensor.missing"},
        {CONF_SITE_LIMIT_ENTITY: "entity_not_found"},
        id="limit-entity-missing",
    ),
    pytest.param(
        {CONF_SITE_LIMIT_ENTITY: "sensor.no_unit"},
        {CONF_SITE_LIMIT_ENTITY: "unit_not_power"},
        id="limit-sensor-without-unit",
    ),
    pytest.param(
        {CONF_SITE_LIMIT_ENTITY: "number.site_limit_amps"},
        {CONF_SITE_LIMIT_ENTITY: "unit_not_power"},
        id="limit-number-in-amps",
    ),
    pytest.param(
        {CONF_GRID_POWER_ENTITY: "sensor.missing"},
        {CONF_GRID_POWER_ENTITY: "entity_not_found"},
        id="grid-missing",
    ),
    pytest.param(
        {CONF_GRID_POWER_ENTITY: "sensor.grid_energy"},
        {CONF_GRID_POWER_ENTITY: "unit_not_power"},
        id="grid-in-kwh",
    ),
    pytest.param(
        {CONF_GRID_POWER_ENTITY: "sensor.no_unit"},
        {CONF_GRID_POWER_ENTITY: "unit_not_power"},
        id="grid-without-unit",
    ),
    pytest.param(
        {CONF_RESOLUTION_MIN: "15", CONF_REPLAN_MIN: 14},
        {CONF_REPLAN_MIN: "replan_shorter_than_resolution"},
        id="replan-shorter-than-resolution",
    ),
    pytest.param(
        {CONF_SAFETY_MARGIN_KW: 11.0},
        {CONF_SAFETY_MARGIN_KW: "margin_not_below_limit"},
        id="margin-equal-to-limit",
    ),
    pytest.param(
        {CONF_SITE_LIMIT_KW: 1.0, CONF_SAFETY_MARGIN_KW: 1.5},
        {CONF_SAFETY_MARGIN_KW: "margin_not_below_limit"},
        id="margin-above-limit",
    ),
]


@pytest.mark.parametrize(("changes", "errors"), SETTINGS_ERRORS)
async def test_user_step_errors_keep_the_input(
    hass: HomeAssistant, changes: dict[str, Any], errors: dict[str, str]
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    bad = {CONF_NAME: "Home", **SETTINGS_INPUT, **changes}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], bad)
    assert assert_form(result, "user", CONFIG, errors) == bad

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Home", **SETTINGS_INPUT}
    )
    assert_form(result, "charger", CONFIG)


async def test_user_step_blank_name(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "   ", **SETTINGS_INPUT, CONF_REPLAN_MIN: 1}
    )
    assert_form(
        result,
        "user",
        CONFIG,
        {CONF_NAME: "invalid_name", CONF_REPLAN_MIN: "replan_shorter_than_resolution"},
    )
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"].get("unique_id") is None


async def test_first_charger_blank_name(hass: HomeAssistant) -> None:
    flow_id = await _site_flow_at_charger_step(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_NAME: " ", CONF_CONTROL: Control.SCRIPT}
    )
    assert assert_form(result, "charger", CONFIG, {CONF_NAME: "invalid_name"}) == {
        CONF_NAME: " ",
        CONF_CONTROL: "script",
    }


async def test_first_charger_may_share_the_site_name(hass: HomeAssistant) -> None:
    flow_id = await _site_flow_at_charger_step(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_NAME: "Home", CONF_CONTROL: Control.SCRIPT}
    )
    assert_form(result, "script", CONFIG)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_CONTROL_ENTITY: "script.wallbox_limit"}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, DETAILS_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [charger] = result["result"].subentries.values()
    assert charger.title == "Home"
    assert charger.data == {
        CONF_CONTROL: "script",
        CONF_CONTROL_ENTITY: "script.wallbox_limit",
        **DETAILS_STORED,
    }


async def test_a_single_mode_script_is_warned_of_once(hass: HomeAssistant) -> None:
    """A script in mode single drops a call made while it runs: warn, then accept it."""
    flow_id = await _site_flow_at_charger_step(hass)
    await hass.config_entries.flow.async_configure(
        flow_id, {CONF_NAME: "Wallbox", CONF_CONTROL: Control.SCRIPT}
    )
    script = {
        CONF_CONTROL_ENTITY: "script.single_limit",
        CONF_FEEDBACK_ENTITY: "number.wallbox_current",
    }
    result = await hass.config_entries.flow.async_configure(flow_id, script)
    assert_form(result, "script", CONFIG, {CONF_CONTROL_ENTITY: "script_mode_drops_calls"})
    result = await hass.config_entries.flow.async_configure(flow_id, script)
    assert_form(result, "details", CONFIG)
    result = await hass.config_entries.flow.async_configure(flow_id, DETAILS_INPUT)
    [charger] = result["result"].subentries.values()
    assert charger.data == {CONF_CONTROL: "script", **script, **DETAILS_STORED}


async def test_a_feedback_entity_must_report_a_current_or_power(hass: HomeAssistant) -> None:
    flow_id = await _site_flow_at_charger_step(hass)
    await hass.config_entries.flow.async_configure(
        flow_id, {CONF_NAME: "Wallbox", CONF_CONTROL: Control.SCRIPT}
    )
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_CONTROL_ENTITY: "script.wallbox_limit",
            CONF_FEEDBACK_ENTITY: "number.wallbox_voltage",
        },
    )
    assert_form(result, "script", CONFIG, {CONF_FEEDBACK_ENTITY: "unit_not_current_or_power"})


# Chargers added to a site.


@pytest.mark.parametrize(
    ("control", "control_input", "control_stored"),
    [
        (
            Control.NUMBER,
            {CONF_CONTROL_ENTITY: "number.wallbox_power"},
            {CONF_CONTROL_ENTITY: "number.wallbox_power"},
        ),
        (
            Control.SCRIPT,
            {CONF_CONTROL_ENTITY: "script.wallbox_limit"},
            {CONF_CONTROL_ENTITY: "script.wallbox_limit"},
        ),
        (Control.OCPP, {}, {}),
        (
            Control.OCPP,
            {CONF_TRANSACTION_ENTITY: "sensor.wallbox_transaction_id"},
            {CONF_TRANSACTION_ENTITY: "sensor.wallbox_transaction_id"},
        ),
    ],
)
async def test_add_charger(
    hass: HomeAssistant,
    *,
    site: MockConfigEntry,
    ocpp_device: str,
    control: Control,
    control_input: dict[str, Any],
    control_stored: dict[str, Any],
) -> None:
    if control is Control.OCPP:
        control_input = control_input | {CONF_OCPP_DEVICE: ocpp_device}
        control_stored = control_stored | {CONF_OCPP_DEVICE: ocpp_device}
    result = await _add_charger_flow(hass, site)
    assert assert_form(result, "user", SUBENTRY) == {CONF_NAME: "", CONF_CONTROL: "number"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Drive", CONF_CONTROL: control}
    )
    assert assert_form(result, control.value, SUBENTRY) == {}

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], control_input)
    assert_form(result, "details", SUBENTRY)

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**DETAILS_INPUT, CONF_PLUG_STATES: []}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Drive"
    expected = {CONF_CONTROL: control.value, **control_stored, **DETAILS_STORED}
    assert result["data"] == expected
    drive = site.subentries[_subentry_id(site, "Drive")]
    assert drive.subentry_type == SUBENTRY_TYPE_CHARGER
    assert drive.data == expected
    assert len(site.subentries) == 2


@pytest.mark.parametrize(
    ("name", "error"),
    [("garage ", "charger_name_taken"), ("GARAGE", "charger_name_taken"), ("", "invalid_name")],
)
async def test_add_charger_name_errors(
    hass: HomeAssistant, site: MockConfigEntry, ocpp_device: str, name: str, error: str
) -> None:
    result = await _add_charger_flow(hass, site)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: name, CONF_CONTROL: Control.OCPP}
    )
    assert assert_form(result, "user", SUBENTRY, {CONF_NAME: error}) == {
        CONF_NAME: name,
        CONF_CONTROL: "ocpp",
    }
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Garage 2", CONF_CONTROL: Control.OCPP}
    )
    assert_form(result, "ocpp", SUBENTRY)


@pytest.mark.parametrize(
    ("control", "bad", "errors"),
    [
        (
            Control.NUMBER,
            {CONF_CONTROL_ENTITY: "number.missing"},
            {CONF_CONTROL_ENTITY: "entity_not_found"},
        ),
        (
            Control.NUMBER,
            {CONF_CONTROL_ENTITY: "number.wallbox_voltage"},
            {CONF_CONTROL_ENTITY: "unit_not_current_or_power"},
        ),
        (
            Control.NUMBER,
            {CONF_CONTROL_ENTITY: "number.wallbox_no_unit"},
            {CONF_CONTROL_ENTITY: "unit_not_current_or_power"},
        ),
        (
            Control.SCRIPT,
            {CONF_CONTROL_ENTITY: "script.missing"},
            {CONF_CONTROL_ENTITY: "entity_not_found"},
        ),
        (
            Control.OCPP,
            {CONF_OCPP_DEVICE: "no-such-device"},
            {CONF_OCPP_DEVICE: "device_not_found"},
        ),
        (
            Control.OCPP,
            {CONF_OCPP_DEVICE: "no-such-device", CONF_TRANSACTION_ENTITY: "sensor.missing"},
            {CONF_OCPP_DEVICE: "device_not_found", CONF_TRANSACTION_ENTITY: "entity_not_found"},
        ),
    ],
)
async def test_control_step_errors(
    hass: HomeAssistant,
    *,
    site: MockConfigEntry,
    ocpp_device: str,
    control: Control,
    bad: dict[str, Any],
    errors: dict[str, str],
) -> None:
    good = {
        Control.NUMBER: {CONF_CONTROL_ENTITY: DRIVE_CURRENT},
        Control.SCRIPT: {CONF_CONTROL_ENTITY: "script.wallbox_limit"},
        Control.OCPP: {CONF_OCPP_DEVICE: ocpp_device},
    }[control]
    result = await _add_charger_flow(hass, site)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Drive", CONF_CONTROL: control}
    )
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], bad)
    assert assert_form(result, control.value, SUBENTRY, errors) == bad

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], good)
    assert_form(result, "details", SUBENTRY)


@pytest.mark.parametrize(
    ("bad", "errors"),
    [
        ({CONF_PLUG_ENTITY: "binary_sensor.missing"}, {CONF_PLUG_ENTITY: "entity_not_found"}),
        ({CONF_POWER_ENTITY: "sensor.missing"}, {CONF_POWER_ENTITY: "entity_not_found"}),
        (
            {CONF_POWER_ENTITY: "sensor.wallbox_session_energy"},
            {CONF_POWER_ENTITY: "unit_not_power"},
        ),
        (
            {CONF_SESSION_ENERGY_ENTITY: "sensor.missing"},
            {CONF_SESSION_ENERGY_ENTITY: "entity_not_found"},
        ),
        (
            {CONF_SESSION_ENERGY_ENTITY: "sensor.wallbox_power"},
            {CONF_SESSION_ENERGY_ENTITY: "unit_not_energy"},
        ),
        (
            {CONF_SESSION_ENERGY_ENTITY: "sensor.wallbox_session_energy_mwh"},
            {CONF_SESSION_ENERGY_ENTITY: "unit_not_energy"},
        ),
        ({CONF_SOC_ENTITY: "sensor.missing"}, {CONF_SOC_ENTITY: "entity_not_found"}),
        (
            {CONF_MIN_CURRENT_A: 16.5, CONF_MAX_CURRENT_A: 16.0},
            {CONF_MIN_CURRENT_A: "min_above_max"},
        ),
    ],
)
async def test_details_step_errors_keep_the_input(
    hass: HomeAssistant, site: MockConfigEntry, bad: dict[str, Any], errors: dict[str, str]
) -> None:
    result = await _add_charger_flow(hass, site)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Drive", CONF_CONTROL: Control.NUMBER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_CONTROL_ENTITY: DRIVE_CURRENT}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**DETAILS_INPUT, **bad}
    )
    suggested = assert_form(result, "details", SUBENTRY, errors)
    assert suggested == {**DETAILS_STORED, CONF_PHASES: "1", CONF_SITE_PHASES: "l1", **bad}

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], DETAILS_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_details_equal_min_and_max_current(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    result = await _add_charger_flow(hass, site)
    for user_input in (
        {CONF_NAME: "Drive", CONF_CONTROL: Control.NUMBER},
        {CONF_CONTROL_ENTITY: DRIVE_CURRENT},
        {**DETAILS_INPUT, CONF_MIN_CURRENT_A: 16.0, CONF_MAX_CURRENT_A: 16.0},
    ):
        result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_MIN_CURRENT_A] == result["data"][CONF_MAX_CURRENT_A] == 16.0


async def test_details_max_current_must_be_positive(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    result = await _add_charger_flow(hass, site)
    for user_input in (
        {CONF_NAME: "Drive", CONF_CONTROL: Control.NUMBER},
        {CONF_CONTROL_ENTITY: DRIVE_CURRENT},
    ):
        result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    with pytest.raises(probatio.Invalid):
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], {**DETAILS_INPUT, CONF_MIN_CURRENT_A: 0.0, CONF_MAX_CURRENT_A: 0.0}
        )


# Reconfiguring a charger.


async def test_reconfigure_charger_prefilled_and_renamed(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    garage_id = _subentry_id(site, "Garage")
    result = await site.start_subentry_reconfigure_flow(hass, garage_id)
    assert assert_form(result, "reconfigure", SUBENTRY) == {
        CONF_NAME: "Garage",
        CONF_CONTROL: "number",
    }

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Carport", CONF_CONTROL: Control.NUMBER}
    )
    assert assert_form(result, "number", SUBENTRY) == {
        CONF_CONTROL_ENTITY: "number.wallbox_current"
    }

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_CONTROL_ENTITY: "number.wallbox_power"}
    )
    assert assert_form(result, "details", SUBENTRY) == {
        CONF_PLUG_ENTITY: "binary_sensor.wallbox_plug",
        CONF_PLUG_STATES: list(DEFAULT_PLUG_STATES),
        **DETAILS_STORED,
        CONF_PHASES: "1",
        CONF_SITE_PHASES: "l1",
    }

    # The plug entity is cleared: it must go from the stored data, not linger.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            **DETAILS_INPUT,
            CONF_PHASES: "3",
            CONF_SITE_PHASES: "l2l3l1",
            CONF_POWER_ENTITY: "sensor.wallbox_power",
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    carport = site.subentries[garage_id]
    assert carport.title == "Carport"
    assert dict(carport.data) == {
        CONF_CONTROL: "number",
        CONF_CONTROL_ENTITY: "number.wallbox_power",
        **DETAILS_STORED,
        CONF_PHASES: 3,
        CONF_SITE_PHASES: "L2L3L1",
        CONF_POWER_ENTITY: "sensor.wallbox_power",
    }
    assert len(site.subentries) == 1


async def test_reconfigure_charger_to_another_control(
    hass: HomeAssistant, site: MockConfigEntry, ocpp_device: str
) -> None:
    garage_id = _subentry_id(site, "Garage")
    result = await site.start_subentry_reconfigure_flow(hass, garage_id)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Garage", CONF_CONTROL: Control.OCPP}
    )
    # The number entity of the old control is no suggestion for the OCPP step.
    assert assert_form(result, "ocpp", SUBENTRY) == {}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_OCPP_DEVICE: ocpp_device}
    )
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], DETAILS_INPUT)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert dict(site.subentries[garage_id].data) == {
        CONF_CONTROL: "ocpp",
        CONF_OCPP_DEVICE: ocpp_device,
        **DETAILS_STORED,
    }


async def test_reconfigure_charger_to_a_taken_name(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    result = await _add_charger_flow(hass, site)
    for user_input in (
        {CONF_NAME: "Drive", CONF_CONTROL: Control.SCRIPT},
        {CONF_CONTROL_ENTITY: "script.wallbox_limit"},
        DETAILS_INPUT,
    ):
        result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY

    result = await site.start_subentry_reconfigure_flow(hass, _subentry_id(site, "Garage"))
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "drive", CONF_CONTROL: Control.NUMBER}
    )
    assert_form(result, "reconfigure", SUBENTRY, {CONF_NAME: "charger_name_taken"})

    # Its own name, in other letters, is not taken.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "GARAGE", CONF_CONTROL: Control.NUMBER}
    )
    assert_form(result, "number", SUBENTRY)


# The site's options.


async def test_options_prefilled_validated_and_stored(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        site, options={**SETTINGS_STORED, CONF_GRID_POWER_ENTITY: "sensor.grid_power"}
    )
    result = await hass.config_entries.options.async_init(site.entry_id)
    assert assert_form(result, "init", OPTIONS) == {
        **SETTINGS_INPUT,
        CONF_GRID_POWER_ENTITY: "sensor.grid_power",
    }

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**SETTINGS_INPUT, CONF_SITE_LIMIT_ENTITY: "sensor.missing", CONF_REPLAN_MIN: 5},
    )
    assert assert_form(
        result,
        "init",
        OPTIONS,
        {
            CONF_SITE_LIMIT_ENTITY: "entity_not_found",
            CONF_REPLAN_MIN: "replan_shorter_than_resolution",
        },
    ) == {**SETTINGS_INPUT, CONF_SITE_LIMIT_ENTITY: "sensor.missing", CONF_REPLAN_MIN: 5}

    # The grid sensor is cleared: it must go from the options.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, CONF_SITE_LIMIT_ENTITY: "number.site_limit"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(site.options) == {**SETTINGS_STORED, CONF_SITE_LIMIT_ENTITY: "number.site_limit"}
    assert site.data == {CONF_NAME: "Home"}


@pytest.mark.parametrize(("changes", "errors"), SETTINGS_ERRORS)
async def test_options_errors(
    hass: HomeAssistant, site: MockConfigEntry, changes: dict[str, Any], errors: dict[str, str]
) -> None:
    result = await hass.config_entries.options.async_init(site.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, **changes}
    )
    assert_form(result, "init", OPTIONS, errors)
    assert dict(site.options) == SETTINGS_STORED


async def test_options_of_a_site_without_options_suggest_defaults(hass: HomeAssistant) -> None:
    entry = await _site(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert assert_form(result, "init", OPTIONS) == DEFAULT_SETTINGS_SUGGESTED


# Reconfiguring the site.


async def test_reconfigure_site(
    hass: HomeAssistant, site: MockConfigEntry, mock_setup_entry: AsyncMock
) -> None:
    result = await site.start_reconfigure_flow(hass)
    assert assert_form(result, "reconfigure", CONFIG) == {CONF_NAME: "Home"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: " Holiday home "}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert dict(site.options) == SETTINGS_STORED  # renaming leaves the settings alone
    result = await hass.config_entries.options.async_init(site.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, CONF_SITE_LIMIT_KW: 7.4}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert site.title == "Holiday home"
    assert site.unique_id == "holiday_home"
    assert site.data == {CONF_NAME: "Holiday home"}
    assert dict(site.options) == {**SETTINGS_STORED, CONF_SITE_LIMIT_KW: 7.4}
    assert len(site.subentries) == 1
    await hass.async_block_till_done()
    assert mock_setup_entry.await_count == 1  # reloaded


async def test_reconfigure_site_leaves_the_reload_to_its_update_listener(
    hass: HomeAssistant, site: MockConfigEntry, mock_setup_entry: AsyncMock
) -> None:
    updated: list[str] = []

    async def update_listener(hass: HomeAssistant, entry: ConfigEntry) -> None:
        updated.append(entry.title)

    site.add_update_listener(update_listener)
    result = await site.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Holiday home"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert updated == ["Holiday home"]
    assert mock_setup_entry.await_count == 0  # not reloaded by the flow as well
    assert site.unique_id == "holiday_home"
    assert site.data == {CONF_NAME: "Holiday home"}
    result = await hass.config_entries.options.async_init(site.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, CONF_HORIZON_H: 48}
    )
    await hass.async_block_till_done()
    assert updated == ["Holiday home", "Holiday home"]  # the options reload it the same way
    assert mock_setup_entry.await_count == 0
    assert dict(site.options) == {**SETTINGS_STORED, CONF_HORIZON_H: 48}


async def test_reconfigure_site_keeps_its_own_name(
    hass: HomeAssistant, site: MockConfigEntry, mock_setup_entry: AsyncMock
) -> None:
    result = await site.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: "HOME"})
    assert result["type"] is FlowResultType.ABORT
    assert site.unique_id == "home"
    assert site.title == "HOME"
    await hass.async_block_till_done()
    assert mock_setup_entry.await_count == 1  # reloaded, and done before the test ends


async def test_reconfigure_site_errors(hass: HomeAssistant, site: MockConfigEntry) -> None:
    MockConfigEntry(
        domain=DOMAIN, title="Office", unique_id="office", data={CONF_NAME: "Office"}
    ).add_to_hass(hass)
    result = await site.start_reconfigure_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "office"}
    )
    assert assert_form(result, "reconfigure", CONFIG, {CONF_NAME: "already_configured"}) == {
        CONF_NAME: "office",
    }

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: " "})
    assert_form(result, "reconfigure", CONFIG, {CONF_NAME: "invalid_name"})
    result = await hass.config_entries.options.async_init(site.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, CONF_SAFETY_MARGIN_KW: 20.0}
    )
    assert_form(result, "init", OPTIONS, {CONF_SAFETY_MARGIN_KW: "margin_not_below_limit"})
    assert site.title == "Home"
    assert site.unique_id == "home"
    assert dict(site.options) == SETTINGS_STORED


async def test_reconfigure_edits_the_name_and_the_options_the_settings(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    result = await site.start_reconfigure_flow(hass)
    assert result["data_schema"] is not None
    assert {str(key) for key in result["data_schema"].schema} == {CONF_NAME}
    with pytest.raises(InvalidData):  # a setting is not the reconfigure step's to change
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_NAME: "Home", CONF_SITE_LIMIT_KW: 7.4}
        )
    result = await hass.config_entries.options.async_init(site.entry_id)
    assert result["data_schema"] is not None
    assert CONF_NAME not in {str(key) for key in result["data_schema"].schema}
    # One form per setting in en.json: the reconfigure step has the name and nothing else.
    assert set(CONFIG["step"]["reconfigure"]["data"]) == {CONF_NAME}
    assert "sections" not in CONFIG["step"]["reconfigure"]
    assert CONF_NAME not in OPTIONS["step"]["init"]["data"]
    assert dict(site.options) == SETTINGS_STORED


async def test_supported_subentry_types(hass: HomeAssistant, site: MockConfigEntry) -> None:
    assert OptiVgiConfigFlow.async_get_supported_subentry_types(site) == {
        SUBENTRY_TYPE_CHARGER: ChargerSubentryFlowHandler
    }
    assert OptiVgiConfigFlow.async_supports_options_flow(site)


# The site's energy prices (a collapsed section of the site settings, stored flat).

PRICE_ATTRIBUTES: dict[str, Any] = {
    "unit_of_measurement": "EUR/kWh",
    "raw_today": [
        {"start": "2026-01-05T00:00:00+01:00", "end": "2026-01-05T01:00:00+01:00", "value": 0.2}
    ],
    "raw_tomorrow": [],
}


@pytest.fixture
def price_sources(hass: HomeAssistant) -> dict[str, str]:
    """A price sensor, a sensor without prices, Nord Pool entries with one and two areas."""
    hass.states.async_set("sensor.spot_price", "0.2", PRICE_ATTRIBUTES)
    hass.states.async_set("sensor.no_prices", "0.2", {"unit_of_measurement": "EUR/kWh"})
    one = MockConfigEntry(domain="nordpool", data={"areas": ["SE3"], "currency": "SEK"})
    two = MockConfigEntry(domain="nordpool", data={"areas": ["SE3", "SE4"], "currency": "SEK"})
    other = MockConfigEntry(domain="ocpp", data={})
    for entry in (one, two, other):
        entry.add_to_hass(hass)
    return {"one_area": one.entry_id, "two_areas": two.entry_id, "other": other.entry_id}


def section_suggestions(result: ConfigFlowResult) -> dict[str, Any]:
    """The suggested values of the price section of a shown site form."""
    schema = result["data_schema"]
    assert schema is not None
    [prices] = [value for key, value in schema.schema.items() if str(key) == PRICES_SECTION]
    assert prices.options == {"collapsed": True}
    return {
        str(key): key.description["suggested_value"]
        for key in prices.schema.schema
        if key.description and "suggested_value" in key.description
    }


async def test_price_settings_hold_only_what_their_source_uses(
    hass: HomeAssistant, site: MockConfigEntry, price_sources: dict[str, str]
) -> None:
    result = await hass.config_entries.options.async_init(site.entry_id)
    assert section_suggestions(result) == {CONF_PRICE_SOURCE: "none"}
    # Fields of another source kind, left over from switching, are not stored.
    prices = {
        CONF_PRICE_SOURCE: "entity",
        CONF_PRICE_ENTITY: "sensor.spot_price",
        CONF_PRICE_CONFIG_ENTRY: price_sources["one_area"],
        CONF_PRICE_HOME: "Cabin",
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, PRICES_SECTION: prices}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(site.options) == {
        **SETTINGS_STORED,
        CONF_PRICE_SOURCE: "entity",
        CONF_PRICE_ENTITY: "sensor.spot_price",
    }

    result = await hass.config_entries.options.async_init(site.entry_id)
    assert assert_form(result, "init", OPTIONS) == SETTINGS_INPUT  # none of it at the top
    assert section_suggestions(result) == {
        CONF_PRICE_SOURCE: "entity",
        CONF_PRICE_ENTITY: "sensor.spot_price",
    }
    # Back to no source: the price keys go.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, PRICES_SECTION: {CONF_PRICE_SOURCE: "none"}}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(site.options) == SETTINGS_STORED


@pytest.mark.parametrize(
    ("prices", "stored"),
    [
        (
            {CONF_PRICE_SOURCE: "nordpool", CONF_PRICE_CONFIG_ENTRY: "one_area"},
            {CONF_PRICE_SOURCE: "nordpool", CONF_PRICE_CONFIG_ENTRY: "one_area"},
        ),
        (
            {
                CONF_PRICE_SOURCE: "nordpool",
                CONF_PRICE_CONFIG_ENTRY: "two_areas",
                CONF_PRICE_AREA: "SE4",
                CONF_PRICE_ENTITY: "sensor.spot_price",
            },
            {
                CONF_PRICE_SOURCE: "nordpool",
                CONF_PRICE_CONFIG_ENTRY: "two_areas",
                CONF_PRICE_AREA: "SE4",
            },
        ),
        (
            {CONF_PRICE_SOURCE: "tibber", CONF_PRICE_HOME: "  Cabin ", CONF_PRICE_AREA: "SE3"},
            {CONF_PRICE_SOURCE: "tibber", CONF_PRICE_HOME: "Cabin"},
        ),
        ({CONF_PRICE_SOURCE: "tibber", CONF_PRICE_HOME: " "}, {CONF_PRICE_SOURCE: "tibber"}),
    ],
)
async def test_action_price_sources_accepted(
    hass: HomeAssistant,
    *,
    site: MockConfigEntry,
    price_sources: dict[str, str],
    prices: dict[str, Any],
    stored: dict[str, Any],
) -> None:
    MockConfigEntry(domain="tibber", data={}).add_to_hass(hass)
    entry_ids = {**price_sources}
    prices = {
        k: entry_ids.get(v, v) if k == CONF_PRICE_CONFIG_ENTRY else v for k, v in prices.items()
    }
    stored = {
        k: entry_ids.get(v, v) if k == CONF_PRICE_CONFIG_ENTRY else v for k, v in stored.items()
    }
    result = await hass.config_entries.options.async_init(site.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, PRICES_SECTION: prices}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(site.options) == {**SETTINGS_STORED, **stored}


PRICE_ERRORS = [
    pytest.param({CONF_PRICE_SOURCE: "entity"}, "price_entity_required", id="entity-not-picked"),
    pytest.param(
        {CONF_PRICE_SOURCE: "entity", CONF_PRICE_ENTITY: "sensor.missing"},
        "entity_not_found",
        id="entity-missing",
    ),
    pytest.param(
        {CONF_PRICE_SOURCE: "entity", CONF_PRICE_ENTITY: "sensor.no_prices"},
        "price_entity_invalid",
        id="entity-without-prices",
    ),
    pytest.param(
        {CONF_PRICE_SOURCE: "nordpool"}, "price_nordpool_entry_required", id="nordpool-no-entry"
    ),
    pytest.param(
        {CONF_PRICE_SOURCE: "nordpool", CONF_PRICE_CONFIG_ENTRY: "other"},
        "price_nordpool_entry_required",
        id="nordpool-entry-of-another-integration",
    ),
    pytest.param(
        {CONF_PRICE_SOURCE: "nordpool", CONF_PRICE_CONFIG_ENTRY: "two_areas"},
        "price_area_required",
        id="nordpool-two-areas-none-picked",
    ),
    pytest.param({CONF_PRICE_SOURCE: "tibber"}, "price_tibber_not_set_up", id="tibber-missing"),
]


@pytest.mark.parametrize(("prices", "error"), PRICE_ERRORS)
async def test_price_errors_are_shown_on_the_section(
    hass: HomeAssistant,
    *,
    site: MockConfigEntry,
    price_sources: dict[str, str],
    prices: dict[str, Any],
    error: str,
) -> None:
    if CONF_PRICE_CONFIG_ENTRY in prices:
        prices = {**prices, CONF_PRICE_CONFIG_ENTRY: price_sources[prices[CONF_PRICE_CONFIG_ENTRY]]}
    result = await hass.config_entries.options.async_init(site.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, PRICES_SECTION: prices}
    )
    assert_form(result, "init", OPTIONS, {PRICES_SECTION: error})
    # The chosen kind and its fields are offered again.
    assert section_suggestions(result) == prices
    assert dict(site.options) == SETTINGS_STORED


async def test_site_created_and_its_options_changed_with_a_price_source(
    hass: HomeAssistant, price_sources: dict[str, str]
) -> None:
    prices = {CONF_PRICE_SOURCE: "entity", CONF_PRICE_ENTITY: "sensor.no_prices"}
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert section_suggestions(result) == {CONF_PRICE_SOURCE: "none"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Home", **SETTINGS_INPUT, PRICES_SECTION: prices}
    )
    assert_form(result, "user", CONFIG, {PRICES_SECTION: "price_entity_invalid"})
    prices[CONF_PRICE_ENTITY] = "sensor.spot_price"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Home", **SETTINGS_INPUT, PRICES_SECTION: prices}
    )
    assert_form(result, "charger", CONFIG)
    for user_input in (
        {CONF_NAME: "Garage", CONF_CONTROL: Control.NUMBER},
        {CONF_CONTROL_ENTITY: "number.wallbox_current"},
        DETAILS_INPUT,
    ):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert dict(entry.options) == {**SETTINGS_STORED, **prices}

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert section_suggestions(result) == prices
    nordpool = {
        CONF_PRICE_SOURCE: "nordpool",
        CONF_PRICE_CONFIG_ENTRY: price_sources["two_areas"],
        CONF_PRICE_AREA: "SE3",
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, PRICES_SECTION: nordpool}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {**SETTINGS_STORED, **nordpool}


def test_price_errors_and_source_kinds_are_translated() -> None:
    errors = {param.values[1] for param in PRICE_ERRORS}
    for flow in (CONFIG, OPTIONS):
        assert errors <= set(flow["error"])
    labels = TRANSLATIONS["selector"][CONF_PRICE_SOURCE]["options"]
    assert set(labels) == {"none", "entity", "nordpool", "tibber"}
    for step in (CONFIG["step"]["user"], OPTIONS["step"]["init"]):
        section = step["sections"][PRICES_SECTION]
        fields = {CONF_PRICE_SOURCE, CONF_PRICE_ENTITY, CONF_PRICE_CONFIG_ENTRY, CONF_PRICE_AREA}
        fields |= {CONF_PRICE_HOME}
        fields |= SOLAR_FIELD_KEYS | {CONF_FEED_IN_PRICE}  # the solar fields, tested below
        assert set(section["data"]) == set(section["data_description"]) == fields
        assert section["name"]


# The site's solar forecast (fields of the same collapsed section, stored flat).

from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockModule,
    MockPlatform,
    mock_integration,
    mock_platform,
)

from custom_components.optivgi.const import (  # noqa: E402
    CONF_FEED_IN_PRICE,
    CONF_SOLAR_CONFIG_ENTRY,
    CONF_SOLAR_ENTITY,
    CONF_SOLAR_SOURCE,
)

SOLAR_FIELD_KEYS = {CONF_SOLAR_SOURCE, CONF_SOLAR_CONFIG_ENTRY, CONF_SOLAR_ENTITY}
SOLCAST_TODAY = "sensor.solcast_pv_forecast_forecast_today"
SOLCAST_TOMORROW = "sensor.solcast_pv_forecast_forecast_tomorrow"


class SolarEnergyPlatform(MockPlatform):
    """An `energy` platform that gives the energy dashboard a solar forecast."""

    @staticmethod
    async def async_get_solar_forecast(hass: HomeAssistant, config_entry_id: str) -> object:
        assert hass.config_entries.async_get_entry(config_entry_id) is not None
        return {"wh_hours": {}}


@pytest.fixture
def solar_sources(hass: HomeAssistant) -> dict[str, str]:
    """Solcast sensors, and entries of integrations with and without a solar forecast."""
    detailed = [
        {
            "period_start": "2026-06-01T12:00:00+02:00",
            "pv_estimate": 2.5,
            "pv_estimate10": 1.5,
            "pv_estimate90": 3.0,
        }
    ]
    hass.states.async_set(SOLCAST_TODAY, "20.1", {"detailedForecast": detailed})
    hass.states.async_set(SOLCAST_TOMORROW, "18.4", {"detailedForecast": []})
    hass.states.async_set("sensor.solcast_garbage", "1", {"detailedForecast": [{"a": 1}]})
    mock_platform(hass, "fake_solar.energy", SolarEnergyPlatform())
    # Loaded, with an energy platform file not imported yet: taken at its word.
    mock_integration(hass, MockModule("unimported_solar"), top_level_files={"energy.py"})
    mock_platform(hass, "other_energy.energy", MockPlatform())  # no solar forecast
    mock_integration(hass, MockModule("plain"))  # no energy platform
    entries = {
        name: MockConfigEntry(domain=domain, title=name)
        for name, domain in (
            ("fake", "fake_solar"),
            ("unimported", "unimported_solar"),
            ("other_energy", "other_energy"),
            ("plain", "plain"),
            ("not_loaded", "not_loaded_integration"),
        )
    }
    for entry in entries.values():
        entry.add_to_hass(hass)
    return {name: entry.entry_id for name, entry in entries.items()}


async def _options_with(
    hass: HomeAssistant, site: MockConfigEntry, prices: Mapping[str, Any]
) -> ConfigFlowResult:
    result = await hass.config_entries.options.async_init(site.entry_id)
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, PRICES_SECTION: dict(prices)}
    )


@pytest.mark.parametrize(
    ("solar", "stored"),
    [
        pytest.param(
            {
                CONF_SOLAR_SOURCE: "energy",
                CONF_SOLAR_CONFIG_ENTRY: "fake",
                CONF_SOLAR_ENTITY: [SOLCAST_TODAY],
                CONF_FEED_IN_PRICE: 0.07,
            },
            {
                CONF_SOLAR_SOURCE: "energy",
                CONF_SOLAR_CONFIG_ENTRY: "fake",
                CONF_FEED_IN_PRICE: 0.07,
            },
            id="energy-solcast-sensor-dropped",
        ),
        pytest.param(
            {CONF_SOLAR_SOURCE: "energy", CONF_SOLAR_CONFIG_ENTRY: "unimported"},
            {CONF_SOLAR_SOURCE: "energy", CONF_SOLAR_CONFIG_ENTRY: "unimported"},
            id="energy-platform-not-imported-yet",
        ),
        pytest.param(
            {
                CONF_SOLAR_SOURCE: "solcast",
                CONF_SOLAR_ENTITY: [SOLCAST_TODAY, SOLCAST_TOMORROW, SOLCAST_TODAY],
                CONF_SOLAR_CONFIG_ENTRY: "fake",
                CONF_FEED_IN_PRICE: -0.02,
            },
            {
                CONF_SOLAR_SOURCE: "solcast",
                CONF_SOLAR_ENTITY: [SOLCAST_TODAY, SOLCAST_TOMORROW],
                CONF_FEED_IN_PRICE: -0.02,
            },
            id="solcast-entry-dropped-sensor-once",
        ),
        pytest.param(
            {
                CONF_SOLAR_SOURCE: "solcast",
                CONF_SOLAR_ENTITY: [SOLCAST_TODAY],
                CONF_FEED_IN_PRICE: 0,
            },
            {
                CONF_SOLAR_SOURCE: "solcast",
                CONF_SOLAR_ENTITY: [SOLCAST_TODAY],
                CONF_FEED_IN_PRICE: 0,
            },
            id="solcast-feed-in-0-kept",
        ),
        pytest.param(
            {
                CONF_SOLAR_SOURCE: "none",
                CONF_SOLAR_ENTITY: [SOLCAST_TODAY],
                CONF_SOLAR_CONFIG_ENTRY: "fake",
                CONF_FEED_IN_PRICE: 0.1,
            },
            {},
            id="none-drops-every-solar-field",
        ),
    ],
)
async def test_solar_settings_hold_only_what_their_source_uses(
    hass: HomeAssistant,
    *,
    site: MockConfigEntry,
    solar_sources: dict[str, str],
    solar: dict[str, Any],
    stored: dict[str, Any],
) -> None:
    def entry_ids(values: Mapping[str, Any]) -> dict[str, Any]:
        return {
            key: solar_sources[value] if key == CONF_SOLAR_CONFIG_ENTRY else value
            for key, value in values.items()
        }

    result = await _options_with(hass, site, {CONF_PRICE_SOURCE: "none", **entry_ids(solar)})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(site.options) == {**SETTINGS_STORED, **entry_ids(stored)}

    # Shown again: none of it at the top, all of it in the section.
    result = await hass.config_entries.options.async_init(site.entry_id)
    assert assert_form(result, "init", OPTIONS) == SETTINGS_INPUT
    assert section_suggestions(result) == {CONF_PRICE_SOURCE: "none", **entry_ids(stored)}


async def test_prices_and_solar_are_stored_together_and_go_separately(
    hass: HomeAssistant, site: MockConfigEntry, solar_sources: dict[str, str]
) -> None:
    hass.states.async_set("sensor.spot_price", "0.2", PRICE_ATTRIBUTES)
    prices = {CONF_PRICE_SOURCE: "entity", CONF_PRICE_ENTITY: "sensor.spot_price"}
    solar = {CONF_SOLAR_SOURCE: "solcast", CONF_SOLAR_ENTITY: [SOLCAST_TODAY]}
    result = await _options_with(hass, site, {**prices, **solar})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(site.options) == {**SETTINGS_STORED, **prices, **solar}
    # No price source any more: the solar settings stay.
    result = await _options_with(hass, site, {CONF_PRICE_SOURCE: "none", **solar})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(site.options) == {**SETTINGS_STORED, **solar}
    # And back to nothing: no key of the section is left.
    result = await _options_with(hass, site, {CONF_PRICE_SOURCE: "none"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(site.options) == SETTINGS_STORED


SOLAR_ERRORS = [
    pytest.param({CONF_SOLAR_SOURCE: "energy"}, "solar_entry_required", id="energy-no-entry"),
    pytest.param(
        {CONF_SOLAR_SOURCE: "energy", CONF_SOLAR_CONFIG_ENTRY: "removed"},
        "solar_entry_required",
        id="energy-entry-removed",
    ),
    *[
        pytest.param(
            {CONF_SOLAR_SOURCE: "energy", CONF_SOLAR_CONFIG_ENTRY: name},
            "solar_entry_no_forecast",
            id=f"energy-{name}",
        )
        for name in ("other_energy", "plain", "not_loaded")
    ],
    pytest.param({CONF_SOLAR_SOURCE: "solcast"}, "solar_entity_required", id="solcast-none-picked"),
    pytest.param(
        {CONF_SOLAR_SOURCE: "solcast", CONF_SOLAR_ENTITY: [SOLCAST_TODAY, "sensor.missing"]},
        "entity_not_found",
        id="solcast-sensor-missing",
    ),
    pytest.param(
        {CONF_SOLAR_SOURCE: "solcast", CONF_SOLAR_ENTITY: ["sensor.grid_energy"]},
        "solar_entity_invalid",
        id="solcast-no-detailed-forecast",
    ),
    pytest.param(
        {CONF_SOLAR_SOURCE: "solcast", CONF_SOLAR_ENTITY: ["sensor.solcast_garbage"]},
        "solar_entity_invalid",
        id="solcast-garbage-detailed-forecast",
    ),
]


@pytest.mark.parametrize(("solar", "error"), SOLAR_ERRORS)
async def test_solar_errors_are_shown_on_the_section(
    hass: HomeAssistant,
    *,
    site: MockConfigEntry,
    solar_sources: dict[str, str],
    solar: dict[str, Any],
    error: str,
) -> None:
    if CONF_SOLAR_CONFIG_ENTRY in solar:
        entry_id = solar_sources.get(solar[CONF_SOLAR_CONFIG_ENTRY], "no_such_entry")
        solar = {**solar, CONF_SOLAR_CONFIG_ENTRY: entry_id}
    result = await _options_with(hass, site, {CONF_PRICE_SOURCE: "none", **solar})
    assert_form(result, "init", OPTIONS, {PRICES_SECTION: error})
    # The chosen source and its fields are offered again.
    assert section_suggestions(result) == {CONF_PRICE_SOURCE: "none", **solar}
    assert dict(site.options) == SETTINGS_STORED


async def test_a_price_error_is_shown_before_a_solar_error(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    result = await _options_with(
        hass, site, {CONF_PRICE_SOURCE: "entity", CONF_SOLAR_SOURCE: "solcast"}
    )
    assert_form(result, "init", OPTIONS, {PRICES_SECTION: "price_entity_required"})
    result = await _options_with(
        hass, site, {CONF_PRICE_SOURCE: "none", CONF_SOLAR_SOURCE: "solcast"}
    )
    assert_form(result, "init", OPTIONS, {PRICES_SECTION: "solar_entity_required"})


@pytest.mark.parametrize("price", [-10.5, 10.5])
async def test_the_feed_in_price_is_bounded(
    hass: HomeAssistant, site: MockConfigEntry, solar_sources: dict[str, str], price: float
) -> None:
    solar = {CONF_SOLAR_SOURCE: "solcast", CONF_SOLAR_ENTITY: [SOLCAST_TODAY]}
    with pytest.raises(InvalidData):
        await _options_with(hass, site, {**solar, CONF_FEED_IN_PRICE: price})
    for bound in (-10.0, 10.0):
        result = await _options_with(hass, site, {**solar, CONF_FEED_IN_PRICE: bound})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert site.options[CONF_FEED_IN_PRICE] == bound


async def test_site_created_and_its_options_changed_with_a_solar_forecast(
    hass: HomeAssistant, solar_sources: dict[str, str]
) -> None:
    solar = {CONF_SOLAR_SOURCE: "energy", CONF_SOLAR_CONFIG_ENTRY: solar_sources["plain"]}
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Home", **SETTINGS_INPUT, PRICES_SECTION: solar}
    )
    assert_form(result, "user", CONFIG, {PRICES_SECTION: "solar_entry_no_forecast"})
    solar[CONF_SOLAR_CONFIG_ENTRY] = solar_sources["fake"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Home", **SETTINGS_INPUT, PRICES_SECTION: solar}
    )
    assert_form(result, "charger", CONFIG)
    for user_input in (
        {CONF_NAME: "Garage", CONF_CONTROL: Control.NUMBER},
        {CONF_CONTROL_ENTITY: "number.wallbox_current"},
        DETAILS_INPUT,
    ):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert dict(entry.options) == {**SETTINGS_STORED, **solar}

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert section_suggestions(result) == {CONF_PRICE_SOURCE: "none", **solar}
    solcast = {
        CONF_SOLAR_SOURCE: "solcast",
        CONF_SOLAR_ENTITY: [SOLCAST_TODAY, SOLCAST_TOMORROW],
        CONF_FEED_IN_PRICE: 0.05,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, PRICES_SECTION: solcast}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {**SETTINGS_STORED, **solcast}


def test_solar_errors_sources_and_fields_are_translated() -> None:
    errors = {param.values[1] for param in SOLAR_ERRORS}
    assert errors >= {
        "solar_entry_required",
        "solar_entry_no_forecast",
        "solar_entity_required",
        "solar_entity_invalid",
    }
    for flow in (CONFIG, OPTIONS):
        assert errors <= set(flow["error"])
    labels = TRANSLATIONS["selector"][CONF_SOLAR_SOURCE]["options"]
    assert set(labels) == {"none", "energy", "solcast"}
    for step in (CONFIG["step"]["user"], OPTIONS["step"]["init"]):
        section = step["sections"][PRICES_SECTION]
        fields = SOLAR_FIELD_KEYS | {CONF_FEED_IN_PRICE}
        assert fields <= set(section["data"])
        assert fields <= set(section["data_description"])
    for fault in ("solar_forecast_unavailable", "solar_forecast_invalid"):
        issue = TRANSLATIONS["issues"][fault]
        assert issue["title"]
        assert "{site}" in issue["description"]


# Per-phase fuses: the site's phase section (collapsed, stored flat) and each charger's wiring.

from custom_components.optivgi.charger_config import ChargerConfig  # noqa: E402
from custom_components.optivgi.const import (  # noqa: E402
    CONF_PHASE_CURRENT_L1_ENTITY,
    CONF_PHASE_CURRENT_L2_ENTITY,
    CONF_PHASE_CURRENT_L3_ENTITY,
    CONF_PHASE_LIMIT_A,
    CONF_PHASE_LIMIT_L2_A,
    CONF_PHASE_LIMIT_L3_A,
    CONF_SINGLE_PHASE_CAR,
)
from custom_components.optivgi.phase_flow import PHASES_SECTION  # noqa: E402

PHASE_SENSORS = {
    CONF_PHASE_CURRENT_L1_ENTITY: "sensor.grid_current_l1",
    CONF_PHASE_CURRENT_L2_ENTITY: "sensor.grid_current_l2",
    CONF_PHASE_CURRENT_L3_ENTITY: "sensor.grid_current_l3",
}
PHASE_FIELD_KEYS = {
    CONF_PHASE_LIMIT_A,
    CONF_PHASE_LIMIT_L2_A,
    CONF_PHASE_LIMIT_L3_A,
    *PHASE_SENSORS,
}


@pytest.fixture
def phase_sensors(hass: HomeAssistant) -> None:
    """The grid meter's current sensors: three in A, one in mA, one without a unit, one in kW."""
    current = {"unit_of_measurement": "A", "device_class": "current"}
    for entity_id in PHASE_SENSORS.values():
        hass.states.async_set(entity_id, "7.5", current)
    hass.states.async_set(
        "sensor.grid_current_ma", "7500", {**current, "unit_of_measurement": "mA"}
    )
    hass.states.async_set("sensor.grid_current_no_unit", "7.5", {"device_class": "current"})


def phase_section_suggestions(result: ConfigFlowResult) -> dict[str, Any]:
    """The suggested values of the phase section of a shown site form."""
    schema = result["data_schema"]
    assert schema is not None
    [phases] = [value for key, value in schema.schema.items() if str(key) == PHASES_SECTION]
    assert phases.options == {"collapsed": True}
    return {
        str(key): key.description["suggested_value"]
        for key in phases.schema.schema
        if key.description and "suggested_value" in key.description
    }


async def _options_with_phases(
    hass: HomeAssistant, site: MockConfigEntry, phases: Mapping[str, Any]
) -> ConfigFlowResult:
    result = await hass.config_entries.options.async_init(site.entry_id)
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, PHASES_SECTION: dict(phases)}
    )


@pytest.mark.parametrize(
    ("phases", "stored"),
    [
        pytest.param({}, {}, id="empty-section-no-key"),
        pytest.param(
            {CONF_PHASE_LIMIT_A: 25.0}, {CONF_PHASE_LIMIT_A: 25.0}, id="one-limit-for-all"
        ),
        pytest.param(
            {CONF_PHASE_LIMIT_A: 25.0, CONF_PHASE_LIMIT_L3_A: 20.0},
            {CONF_PHASE_LIMIT_A: 25.0, CONF_PHASE_LIMIT_L3_A: 20.0},
            id="l3-differs",
        ),
        pytest.param(
            {
                CONF_PHASE_LIMIT_A: 35.0,
                CONF_PHASE_LIMIT_L2_A: 25.0,
                CONF_PHASE_LIMIT_L3_A: 1000.0,
                **PHASE_SENSORS,
            },
            {
                CONF_PHASE_LIMIT_A: 35.0,
                CONF_PHASE_LIMIT_L2_A: 25.0,
                CONF_PHASE_LIMIT_L3_A: 1000.0,
                **PHASE_SENSORS,
            },
            id="all-fields",
        ),
        pytest.param(
            {
                CONF_PHASE_LIMIT_A: 1.0,
                **PHASE_SENSORS,
                CONF_PHASE_CURRENT_L2_ENTITY: "sensor.grid_current_ma",
            },
            {
                CONF_PHASE_LIMIT_A: 1.0,
                **PHASE_SENSORS,
                CONF_PHASE_CURRENT_L2_ENTITY: "sensor.grid_current_ma",
            },
            id="sensor-in-ma",
        ),
    ],
)
async def test_phase_settings_stored_flat_only_when_set(
    hass: HomeAssistant,
    *,
    site: MockConfigEntry,
    phase_sensors: None,
    phases: dict[str, Any],
    stored: dict[str, Any],
) -> None:
    result = await hass.config_entries.options.async_init(site.entry_id)
    assert phase_section_suggestions(result) == {}
    result = await _options_with_phases(hass, site, phases)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(site.options) == {**SETTINGS_STORED, **stored}

    # Shown again: none of it at the top, all of it in the section.
    result = await hass.config_entries.options.async_init(site.entry_id)
    assert assert_form(result, "init", OPTIONS) == SETTINGS_INPUT
    assert phase_section_suggestions(result) == stored

    # Emptied again: no phase key is left.
    result = await _options_with_phases(hass, site, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(site.options) == SETTINGS_STORED


async def test_a_form_without_the_phase_section_stores_no_phase_key(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        site, options={**SETTINGS_STORED, CONF_PHASE_LIMIT_A: 25.0}
    )
    result = await hass.config_entries.options.async_init(site.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], SETTINGS_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(site.options) == SETTINGS_STORED


PHASE_ERRORS = [
    pytest.param({CONF_PHASE_LIMIT_L2_A: 20.0}, "phase_limit_required", id="l2-without-limit"),
    pytest.param({CONF_PHASE_LIMIT_L3_A: 20.0}, "phase_limit_required", id="l3-without-limit"),
    pytest.param(PHASE_SENSORS, "phase_limit_required", id="sensors-without-limit"),
    pytest.param(
        {CONF_PHASE_LIMIT_A: 25.0, CONF_PHASE_CURRENT_L1_ENTITY: "sensor.grid_current_l1"},
        "phase_sensors_incomplete",
        id="one-sensor",
    ),
    pytest.param(
        {
            CONF_PHASE_LIMIT_A: 25.0,
            CONF_PHASE_CURRENT_L1_ENTITY: "sensor.grid_current_l1",
            CONF_PHASE_CURRENT_L3_ENTITY: "sensor.grid_current_l3",
        },
        "phase_sensors_incomplete",
        id="two-sensors",
    ),
    pytest.param(
        {CONF_PHASE_LIMIT_A: 25.0, **PHASE_SENSORS, CONF_PHASE_CURRENT_L3_ENTITY: "sensor.gone"},
        "entity_not_found",
        id="sensor-missing",
    ),
    pytest.param(
        {
            CONF_PHASE_LIMIT_A: 25.0,
            **PHASE_SENSORS,
            CONF_PHASE_CURRENT_L2_ENTITY: "sensor.grid_current_no_unit",
        },
        "phase_sensor_unit",
        id="sensor-without-unit",
    ),
    pytest.param(
        {
            CONF_PHASE_LIMIT_A: 25.0,
            **PHASE_SENSORS,
            CONF_PHASE_CURRENT_L1_ENTITY: "sensor.grid_power",
        },
        "phase_sensor_unit",
        id="sensor-in-w",
    ),
]


@pytest.mark.parametrize(("phases", "error"), PHASE_ERRORS)
async def test_phase_errors_are_shown_on_the_section(
    hass: HomeAssistant,
    *,
    site: MockConfigEntry,
    phase_sensors: None,
    phases: dict[str, Any],
    error: str,
) -> None:
    result = await _options_with_phases(hass, site, phases)
    assert_form(result, "init", OPTIONS, {PHASES_SECTION: error})
    # What was entered is offered again.
    assert phase_section_suggestions(result) == phases
    assert dict(site.options) == SETTINGS_STORED


async def test_phase_and_price_errors_are_shown_together(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(site.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            **SETTINGS_INPUT,
            CONF_REPLAN_MIN: 5,
            PRICES_SECTION: {CONF_PRICE_SOURCE: "entity"},
            PHASES_SECTION: {CONF_PHASE_LIMIT_L2_A: 20.0},
        },
    )
    assert_form(
        result,
        "init",
        OPTIONS,
        {
            CONF_REPLAN_MIN: "replan_shorter_than_resolution",
            PRICES_SECTION: "price_entity_required",
            PHASES_SECTION: "phase_limit_required",
        },
    )


@pytest.mark.parametrize("limit", [0.0, 0.5, 1000.5])
async def test_the_phase_limits_are_bounded(
    hass: HomeAssistant, site: MockConfigEntry, limit: float
) -> None:
    for key in (CONF_PHASE_LIMIT_A, CONF_PHASE_LIMIT_L2_A, CONF_PHASE_LIMIT_L3_A):
        with pytest.raises(InvalidData):
            await _options_with_phases(hass, site, {CONF_PHASE_LIMIT_A: 25.0, key: limit})


async def test_site_created_and_its_options_changed_with_phase_limits(
    hass: HomeAssistant, phase_sensors: None
) -> None:
    phases = {CONF_PHASE_LIMIT_A: 25.0, CONF_PHASE_CURRENT_L1_ENTITY: "sensor.grid_current_l1"}
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Home", **SETTINGS_INPUT, PHASES_SECTION: phases}
    )
    assert_form(result, "user", CONFIG, {PHASES_SECTION: "phase_sensors_incomplete"})
    assert phase_section_suggestions(result) == phases
    phases = {CONF_PHASE_LIMIT_A: 25.0, **PHASE_SENSORS}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Home", **SETTINGS_INPUT, PHASES_SECTION: phases}
    )
    assert_form(result, "charger", CONFIG)
    for user_input in (
        {CONF_NAME: "Garage", CONF_CONTROL: Control.NUMBER},
        {CONF_CONTROL_ENTITY: "number.wallbox_current"},
        DETAILS_INPUT,
    ):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert dict(entry.options) == {**SETTINGS_STORED, **phases}

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert assert_form(result, "init", OPTIONS) == SETTINGS_INPUT
    assert phase_section_suggestions(result) == phases
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, PHASES_SECTION: {CONF_PHASE_LIMIT_L2_A: 16.0}}
    )
    assert_form(result, "init", OPTIONS, {PHASES_SECTION: "phase_limit_required"})
    assert phase_section_suggestions(result) == {CONF_PHASE_LIMIT_L2_A: 16.0}
    uneven = {CONF_PHASE_LIMIT_A: 25.0, CONF_PHASE_LIMIT_L2_A: 16.0}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS_INPUT, PHASES_SECTION: uneven}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {**SETTINGS_STORED, **uneven}


def test_phase_errors_and_fields_are_translated() -> None:
    errors = {param.values[1] for param in PHASE_ERRORS}
    assert errors == {
        "phase_limit_required",
        "phase_sensors_incomplete",
        "entity_not_found",
        "phase_sensor_unit",
    }
    for flow in (CONFIG, OPTIONS):
        assert errors <= set(flow["error"])
    for step in (CONFIG["step"]["user"], OPTIONS["step"]["init"]):
        section = step["sections"][PHASES_SECTION]
        assert set(section["data"]) == set(section["data_description"]) == PHASE_FIELD_KEYS
        assert all(section["data_description"].values())
        assert section["name"]
        assert section["description"]


# A charger's wiring to the site's phases.


async def _add_charger_details(hass: HomeAssistant, site: MockConfigEntry) -> SubentryFlowResult:
    result = await _add_charger_flow(hass, site)
    for user_input in (
        {CONF_NAME: "Drive", CONF_CONTROL: Control.NUMBER},
        {CONF_CONTROL_ENTITY: DRIVE_CURRENT},
    ):
        result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    assert_form(result, "details", SUBENTRY)
    return result


@pytest.mark.parametrize(
    ("form", "stored", "site_phases"),
    [
        pytest.param({CONF_PHASES: "1"}, {CONF_SITE_PHASES: "L1"}, (0,), id="1-default"),
        pytest.param(
            {CONF_PHASES: "1", CONF_SITE_PHASES: "l1"}, {CONF_SITE_PHASES: "L1"}, (0,), id="1-l1"
        ),
        pytest.param(
            {CONF_PHASES: "1", CONF_SITE_PHASES: "l2"}, {CONF_SITE_PHASES: "L2"}, (1,), id="1-l2"
        ),
        pytest.param(
            {CONF_PHASES: "1", CONF_SITE_PHASES: "l3", CONF_SINGLE_PHASE_CAR: True},
            {CONF_SITE_PHASES: "L3"},  # the box means nothing on a 1-phase charger
            (2,),
            id="1-l3-single-car-dropped",
        ),
        pytest.param({CONF_PHASES: "3"}, {CONF_SITE_PHASES: "L1L2L3"}, (0, 1, 2), id="3-default"),
        pytest.param(
            {CONF_PHASES: "3", CONF_SITE_PHASES: "l1l2l3", CONF_SINGLE_PHASE_CAR: False},
            {CONF_SITE_PHASES: "L1L2L3"},
            (0, 1, 2),
            id="3-l1l2l3",
        ),
        pytest.param(
            {CONF_PHASES: "3", CONF_SITE_PHASES: "l2l3l1"},
            {CONF_SITE_PHASES: "L2L3L1"},
            (1, 2, 0),
            id="3-l2l3l1",
        ),
        pytest.param(
            {CONF_PHASES: "3", CONF_SITE_PHASES: "l3l1l2"},
            {CONF_SITE_PHASES: "L3L1L2"},
            (2, 0, 1),
            id="3-l3l1l2",
        ),
        pytest.param(
            {CONF_PHASES: "3", CONF_SINGLE_PHASE_CAR: True},
            {CONF_SITE_PHASES: "L1L2L3", CONF_SINGLE_PHASE_CAR: True},
            (0,),
            id="3-default-single-car",
        ),
        pytest.param(
            {CONF_PHASES: "3", CONF_SITE_PHASES: "l2l3l1", CONF_SINGLE_PHASE_CAR: True},
            {CONF_SITE_PHASES: "L2L3L1", CONF_SINGLE_PHASE_CAR: True},
            (1,),
            id="3-l2l3l1-single-car",
        ),
        pytest.param(
            {CONF_PHASES: "3", CONF_SITE_PHASES: "l3l1l2", CONF_SINGLE_PHASE_CAR: True},
            {CONF_SITE_PHASES: "L3L1L2", CONF_SINGLE_PHASE_CAR: True},
            (2,),
            id="3-l3l1l2-single-car",
        ),
    ],
)
async def test_charger_site_phases_stored_and_read(
    hass: HomeAssistant,
    *,
    site: MockConfigEntry,
    form: dict[str, Any],
    stored: dict[str, Any],
    site_phases: tuple[int, ...],
) -> None:
    result = await _add_charger_details(hass, site)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**DETAILS_INPUT, **form}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    phases = int(form[CONF_PHASES])
    assert result["data"] == {
        CONF_CONTROL: "number",
        CONF_CONTROL_ENTITY: DRIVE_CURRENT,
        **DETAILS_STORED,
        CONF_PHASES: phases,
        **stored,
    }
    drive = site.subentries[_subentry_id(site, "Drive")]
    config = ChargerConfig.from_subentry(drive)
    assert config.site_phases == site_phases
    assert config.phases == phases

    # Reconfigured: the stored wiring is shown again, in the select's own keys.
    result = await site.start_subentry_reconfigure_flow(hass, drive.subentry_id)
    for user_input in (
        {CONF_NAME: "Drive", CONF_CONTROL: Control.NUMBER},
        {CONF_CONTROL_ENTITY: DRIVE_CURRENT},
    ):
        result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    suggested = assert_form(result, "details", SUBENTRY)
    assert suggested[CONF_SITE_PHASES] == stored[CONF_SITE_PHASES].lower()
    assert suggested.get(CONF_SINGLE_PHASE_CAR) == stored.get(CONF_SINGLE_PHASE_CAR)


CHARGER_PHASE_ERRORS = [
    pytest.param(
        {CONF_PHASES: "1", CONF_SITE_PHASES: wiring},
        {CONF_SITE_PHASES: "site_phases_not_one"},
        id=f"1-phase-{wiring}",
    )
    for wiring in ("l1l2l3", "l2l3l1", "l3l1l2")
] + [
    pytest.param(
        {CONF_PHASES: "3", CONF_SITE_PHASES: wiring},
        {CONF_SITE_PHASES: "site_phases_not_rotation"},
        id=f"3-phase-{wiring}",
    )
    for wiring in ("l1", "l2", "l3")
]


@pytest.mark.parametrize(("bad", "errors"), CHARGER_PHASE_ERRORS)
async def test_charger_site_phases_must_fit_its_phases(
    hass: HomeAssistant, site: MockConfigEntry, bad: dict[str, Any], errors: dict[str, str]
) -> None:
    result = await _add_charger_details(hass, site)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**DETAILS_INPUT, **bad, CONF_SINGLE_PHASE_CAR: True}
    )
    suggested = assert_form(result, "details", SUBENTRY, errors)
    # What was entered is offered again (the box only where it is kept: 3 phases).
    assert suggested[CONF_SITE_PHASES] == bad[CONF_SITE_PHASES]
    assert suggested[CONF_PHASES] == bad[CONF_PHASES]
    assert suggested.get(CONF_SINGLE_PHASE_CAR) == (True if bad[CONF_PHASES] == "3" else None)
    # Cleared (the frontend leaves the key out), it is the default of the charger's phases.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**DETAILS_INPUT, CONF_PHASES: bad[CONF_PHASES]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SITE_PHASES] == ("L1" if bad[CONF_PHASES] == "1" else "L1L2L3")


async def test_the_first_charger_is_wired_and_checked_too(hass: HomeAssistant) -> None:
    flow_id = await _site_flow_at_charger_step(hass)
    for user_input in (
        {CONF_NAME: "Garage", CONF_CONTROL: Control.NUMBER},
        {CONF_CONTROL_ENTITY: "number.wallbox_current"},
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**DETAILS_INPUT, CONF_SITE_PHASES: "l2l3l1"}
    )
    assert_form(result, "details", CONFIG, {CONF_SITE_PHASES: "site_phases_not_one"})
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**DETAILS_INPUT, CONF_SITE_PHASES: "l3"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [charger] = result["result"].subentries.values()
    assert charger.data == {
        CONF_CONTROL: "number",
        CONF_CONTROL_ENTITY: "number.wallbox_current",
        **DETAILS_STORED,
        CONF_SITE_PHASES: "L3",
    }
    assert ChargerConfig.from_subentry(charger).site_phases == (2,)


async def test_an_older_charger_reads_and_reconfigures_as_the_default(
    hass: HomeAssistant,
) -> None:
    """A charger stored before wirings has neither key: the default of its phases."""
    old = {key: value for key, value in GARAGE.items() if key != CONF_SITE_PHASES}
    old[CONF_PHASES] = 3
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="home",
        data={CONF_NAME: "Home"},
        options=SETTINGS_STORED,
        subentries_data=[
            ConfigSubentryData(
                subentry_type=SUBENTRY_TYPE_CHARGER, title="Garage", data=old, unique_id=None
            )
        ],
    )
    entry.add_to_hass(hass)
    garage_id = _subentry_id(entry, "Garage")
    assert ChargerConfig.from_subentry(entry.subentries[garage_id]).site_phases == (0, 1, 2)

    result = await entry.start_subentry_reconfigure_flow(hass, garage_id)
    for user_input in (
        {CONF_NAME: "Garage", CONF_CONTROL: Control.NUMBER},
        {CONF_CONTROL_ENTITY: "number.wallbox_current"},
    ):
        result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    suggested = assert_form(result, "details", SUBENTRY)
    assert CONF_SITE_PHASES not in suggested
    assert CONF_SINGLE_PHASE_CAR not in suggested
    assert suggested[CONF_PHASES] == "3"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**DETAILS_INPUT, CONF_PHASES: "3"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries[garage_id].data[CONF_SITE_PHASES] == "L1L2L3"


async def test_unticking_the_single_phase_car_removes_it(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    garage_id = _subentry_id(site, "Garage")
    data = {**GARAGE, CONF_PHASES: 3, CONF_SITE_PHASES: "L2L3L1", CONF_SINGLE_PHASE_CAR: True}
    hass.config_entries.async_update_subentry(site, site.subentries[garage_id], data=data)
    result = await site.start_subentry_reconfigure_flow(hass, garage_id)
    for user_input in (
        {CONF_NAME: "Garage", CONF_CONTROL: Control.NUMBER},
        {CONF_CONTROL_ENTITY: "number.wallbox_current"},
    ):
        result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    suggested = assert_form(result, "details", SUBENTRY)
    assert suggested[CONF_SITE_PHASES] == "l2l3l1"
    assert suggested[CONF_SINGLE_PHASE_CAR] is True
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            **DETAILS_INPUT,
            CONF_PHASES: "3",
            CONF_SITE_PHASES: "l2l3l1",
            CONF_SINGLE_PHASE_CAR: False,
        },
    )
    assert result["reason"] == "reconfigure_successful"
    stored = site.subentries[garage_id].data
    assert CONF_SINGLE_PHASE_CAR not in stored
    assert stored[CONF_SITE_PHASES] == "L2L3L1"
    assert ChargerConfig.from_subentry(site.subentries[garage_id]).site_phases == (1, 2, 0)


PHASE_SWITCH_CASES = [
    pytest.param(
        {CONF_PHASES: "1", CONF_PHASE_SWITCH_ENTITY: "switch.wallbox_phases"},
        "phase_switch_not_three_phase",
        id="1-phase-charger",
    ),
    pytest.param(
        {
            CONF_PHASES: "3",
            CONF_SINGLE_PHASE_CAR: True,
            CONF_PHASE_SWITCH_ENTITY: "switch.wallbox_phases",
        },
        "phase_switch_not_three_phase",
        id="single-phase-car",
    ),
    pytest.param(
        {CONF_PHASES: "3", CONF_PHASE_SWITCH_ENTITY: "select.wallbox_mode"},
        "phase_switch_options",
        id="select-without-phase-options",
    ),
    pytest.param(
        {CONF_PHASES: "3", CONF_PHASE_SWITCH_ENTITY: "switch.missing"},
        "entity_not_found",
        id="missing",
    ),
]


@pytest.mark.parametrize(("bad", "error"), PHASE_SWITCH_CASES)
@pytest.mark.parametrize(
    "good", ["switch.wallbox_phases", "select.wallbox_phases", "input_select.wallbox_phases"]
)
async def test_a_phase_switch_must_fit_the_charger_and_is_stored_when_it_does(
    hass: HomeAssistant, site: MockConfigEntry, bad: dict[str, Any], error: str, good: str
) -> None:
    hass.states.async_set("switch.wallbox_phases", "on")
    hass.states.async_set("select.wallbox_mode", "eco", {"options": ["eco", "fast"]})
    for entity_id in ("select.wallbox_phases", "input_select.wallbox_phases"):
        hass.states.async_set(entity_id, "3 phases", {"options": ["auto", "1 phase", "3 phases"]})
    result = await _add_charger_details(hass, site)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**DETAILS_INPUT, **bad}
    )
    suggested = assert_form(result, "details", SUBENTRY, {CONF_PHASE_SWITCH_ENTITY: error})
    assert suggested[CONF_PHASE_SWITCH_ENTITY] == bad[CONF_PHASE_SWITCH_ENTITY]
    assert len(site.subentries) == 1  # nothing was added
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**DETAILS_INPUT, CONF_PHASES: "3", CONF_PHASE_SWITCH_ENTITY: good}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PHASE_SWITCH_ENTITY] == good
    charger = ChargerConfig.from_data("drive", "Drive", result["data"])
    assert charger.switches_phases
    assert charger.on_phases(1).site_phases == (0,)


async def test_a_charger_without_a_phase_switch_stores_none(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    result = await _add_charger_details(hass, site)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**DETAILS_INPUT, CONF_PHASES: "3"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_PHASE_SWITCH_ENTITY not in result["data"]
    assert not ChargerConfig.from_data("drive", "Drive", result["data"]).switches_phases


def test_charger_phase_errors_fields_and_options_are_translated() -> None:
    errors: set[object] = set()
    for param in CHARGER_PHASE_ERRORS:
        field_errors = param.values[1]
        assert isinstance(field_errors, dict)
        errors |= set(field_errors.values())
    assert errors == {"site_phases_not_one", "site_phases_not_rotation"}
    errors |= {str(param.values[1]) for param in PHASE_SWITCH_CASES}
    for flow in (CONFIG, SUBENTRY):
        assert errors <= set(flow["error"])
        details = flow["step"]["details"]
        for key in (CONF_SITE_PHASES, CONF_SINGLE_PHASE_CAR, CONF_PHASE_SWITCH_ENTITY):
            assert details["data"][key]
            assert details["data_description"][key]
    labels = TRANSLATIONS["selector"][CONF_SITE_PHASES]["options"]
    assert set(labels) == {"l1", "l2", "l3", "l1l2l3", "l2l3l1", "l3l1l2"}


# A charger's control must lead somewhere: OCPP needs its integration, and what a charger's plan
# writes to is that charger's alone.


async def test_ocpp_without_its_integration_says_what_to_do_and_keeps_the_input(
    hass: HomeAssistant,
) -> None:
    flow_id = await _site_flow_at_charger_step(hass)
    chosen = {CONF_NAME: "Garage", CONF_CONTROL: Control.OCPP.value}
    result = await hass.config_entries.flow.async_configure(flow_id, chosen)
    assert assert_form(result, "charger", CONFIG, {CONF_CONTROL: "ocpp_not_set_up"}) == chosen
    assert "OCPP integration" in CONFIG["error"]["ocpp_not_set_up"]
    # An OCPP entry without a charger device leaves the OCPP step just as empty.
    MockConfigEntry(domain="ocpp", title="OCPP").add_to_hass(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, chosen)
    assert_form(result, "charger", CONFIG, {CONF_CONTROL: "ocpp_not_set_up"})

    # The way on: another control.
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**chosen, CONF_CONTROL: Control.NUMBER.value}
    )
    assert_form(result, "number", CONFIG)


async def test_ocpp_is_offered_once_its_integration_has_a_charger(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    result = await _add_charger_flow(hass, site)
    chosen = {CONF_NAME: "Drive", CONF_CONTROL: Control.OCPP.value}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], chosen)
    assert assert_form(result, "user", SUBENTRY, {CONF_CONTROL: "ocpp_not_set_up"}) == chosen

    ocpp_entry = MockConfigEntry(domain="ocpp", title="OCPP")
    ocpp_entry.add_to_hass(hass)
    dr.async_get(hass).async_get_or_create(
        config_entry_id=ocpp_entry.entry_id, identifiers={("ocpp", "cp1")}, name="CP1"
    )
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], chosen)
    assert_form(result, "ocpp", SUBENTRY)


async def test_a_limit_entity_of_another_sites_charger_is_refused(hass: HomeAssistant) -> None:
    _add_site(hass, "Office", "Bay 1", GARAGE)
    flow_id = await _site_flow_at_charger_step(hass)
    await hass.config_entries.flow.async_configure(
        flow_id, {CONF_NAME: "Garage", CONF_CONTROL: Control.NUMBER.value}
    )
    shared = {CONF_CONTROL_ENTITY: "number.wallbox_current"}
    result = await hass.config_entries.flow.async_configure(flow_id, shared)
    errors = {CONF_CONTROL_ENTITY: "target_used_by_other_charger"}
    assert assert_form(result, "number", CONFIG, errors) == shared
    assert result["description_placeholders"] == {"charger": "Bay 1", "site": "Office"}
    assert {"{charger}", "{site}"} <= set(CONFIG["error"]["target_used_by_other_charger"].split())

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_CONTROL_ENTITY: DRIVE_CURRENT}
    )
    assert_form(result, "details", CONFIG)


@pytest.mark.parametrize(
    ("control", "control_input", "field"),
    [
        (Control.NUMBER, {CONF_CONTROL_ENTITY: "number.wallbox_current"}, CONF_CONTROL_ENTITY),
        (
            Control.NUMBER,
            {CONF_CONTROL_ENTITY: DRIVE_CURRENT, CONF_SWITCH_ENTITY: "switch.wallbox"},
            CONF_SWITCH_ENTITY,
        ),
        (Control.SCRIPT, {CONF_CONTROL_ENTITY: "script.wallbox_limit"}, CONF_CONTROL_ENTITY),
        (Control.OCPP, {}, CONF_OCPP_DEVICE),
    ],
)
async def test_what_a_charger_of_the_same_site_writes_to_is_refused(
    hass: HomeAssistant,
    *,
    site: MockConfigEntry,
    ocpp_device: str,
    control: Control,
    control_input: dict[str, Any],
    field: str,
) -> None:
    hass.states.async_set("switch.wallbox", "on")
    garage = {
        **GARAGE,
        CONF_SWITCH_ENTITY: "switch.wallbox",
        CONF_OCPP_DEVICE: ocpp_device,
        CONF_PHASE_SWITCH_ENTITY: "script.wallbox_limit",
    }
    hass.config_entries.async_update_subentry(
        site, site.subentries[_subentry_id(site, "Garage")], data=garage
    )
    if control is Control.OCPP:
        control_input = {CONF_OCPP_DEVICE: ocpp_device}
    result = await _add_charger_flow(hass, site)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Drive", CONF_CONTROL: control.value}
    )
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], control_input)
    errors = {field: "target_used_by_other_charger"}
    assert assert_form(result, control.value, SUBENTRY, errors) == control_input
    assert result["description_placeholders"] == {"charger": "Garage", "site": "Home"}


async def test_a_phase_switch_of_another_charger_is_refused(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    hass.states.async_set("switch.wallbox_phases", "on")
    garage_id = _subentry_id(site, "Garage")
    garage = {**GARAGE, CONF_PHASES: 3, CONF_SITE_PHASES: "L1L2L3"}
    garage[CONF_PHASE_SWITCH_ENTITY] = "switch.wallbox_phases"
    hass.config_entries.async_update_subentry(site, site.subentries[garage_id], data=garage)
    result = await _add_charger_details(hass, site)
    three_phase = {**DETAILS_INPUT, CONF_PHASES: "3", CONF_SITE_PHASES: "l1l2l3"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**three_phase, CONF_PHASE_SWITCH_ENTITY: "switch.wallbox_phases"}
    )
    errors = {CONF_PHASE_SWITCH_ENTITY: "target_used_by_other_charger"}
    assert_form(result, "details", SUBENTRY, errors)
    assert result["description_placeholders"] == {"charger": "Garage", "site": "Home"}

    # Reconfiguring Garage itself keeps its own switch.
    result = await site.start_subentry_reconfigure_flow(hass, garage_id)
    for user_input in (
        {CONF_NAME: "Garage", CONF_CONTROL: Control.NUMBER},
        {CONF_CONTROL_ENTITY: "number.wallbox_current"},
        {**three_phase, CONF_PHASE_SWITCH_ENTITY: "switch.wallbox_phases"},
    ):
        result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"


def test_the_new_errors_are_translated_in_both_flows() -> None:
    for flow in (CONFIG, SUBENTRY):
        assert {"ocpp_not_set_up", "target_used_by_other_charger"} <= set(flow["error"])
    assert "already_in_progress" in CONFIG["error"]
