"""`scripts/demo_setup.py --check` judges the demo site by its identity, beside other sites.

The sites are made through the real flows and the check reads the real APIs' answers (REST and
websocket) of this Home Assistant, the ones the script asks for over HTTP.
"""

from pathlib import Path
import sys
from typing import Any

from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.optivgi.const import CONF_SITE_LIMIT_ENTITY, CONF_SITE_LIMIT_KW

from .ha_site import (
    SiteSpec,
    async_setup_helpers,
    async_setup_site,
    charger_data,
    settle,
    site_entry,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from demo_check import DemoStatus, demo_entities, demo_status
from demo_setup import ENTRIES, SETPOINT_KEY, demo_entry


async def _answers(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, hass_ws_client: WebSocketGenerator
) -> tuple[list[dict[str, Any]], dict[tuple[str, str], str], list[dict[str, Any]]]:
    """What the script fetches: optivgi's entries, the demo site's entities, and the states."""
    client = await hass_client()
    entries = await (await client.get(ENTRIES)).json()
    states = await (await client.get("/api/states")).json()
    entry = demo_entry(entries)
    if entry is None:
        return entries, {}, states
    ws = await hass_ws_client(hass)
    answers = []
    for command in (
        {"type": "config_entries/subentries/list", "entry_id": entry["entry_id"]},
        {"type": "config/entity_registry/list"},
    ):
        await ws.send_json_auto_id(command)
        answer = await ws.receive_json()
        assert answer["success"], answer
        answers.append(answer["result"])
    return entries, demo_entities(entry["entry_id"], *answers), states


async def _status(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, hass_ws_client: WebSocketGenerator
) -> DemoStatus:
    return demo_status(*await _answers(hass, hass_client, hass_ws_client))


@pytest.mark.parametrize("other_first", [True, False], ids=["other-site-first", "demo-first"])
async def test_check_finds_the_demo_site_beside_another_with_a_charger_of_the_same_name(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    other_first: bool,  # noqa: FBT001 - a parameter
) -> None:
    assert await async_setup_component(hass, "config", {})
    assert await async_setup_component(hass, "api", {})
    await async_setup_helpers(hass, ("driveway", "garage", "street", "annex"))
    # Another site with a smaller limit, whose charger is named Driveway too: added first, it
    # takes the entity ids the demo's Driveway would otherwise have.
    driveway = {**charger_data("annex"), CONF_NAME: "Driveway"}
    settings = {**site_entry().settings, CONF_SITE_LIMIT_KW: 11.0, CONF_SITE_LIMIT_ENTITY: None}
    cabin = SiteSpec(name="Cabin", settings=settings, chargers={"annex": driveway})
    if other_first:
        await async_setup_site(hass, cabin)
        status = await _status(hass, hass_client, hass_ws_client)
        assert status.sites == ["Cabin"]
        assert not status.found
        assert not status.ok
        assert set(status.setpoints_kw.values()) == {None}

    await async_setup_site(hass, site_entry())
    if not other_first:
        await async_setup_site(hass, cabin)
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    hass.states.async_set("binary_sensor.garage_plug", "on")
    await settle(hass)

    entries, entities, states = await _answers(hass, hass_client, hass_ws_client)
    status = demo_status(entries, entities, states)
    assert sorted(status.sites) == ["Cabin", "Home"]
    assert status.found
    assert status.ok, status
    # The demo's Driveway is read, whichever site holds the plain entity id.
    setpoint = entities["Driveway", SETPOINT_KEY]
    assert (setpoint == "sensor.driveway_power_set_point") is not other_first
    assert float(hass.states.get(setpoint).state) > 0
    other = "sensor.driveway_power_set_point" + ("" if other_first else "_2")
    assert float(hass.states.get(other).state) == 0  # the other site's Driveway has no car
    assert status.setpoints_kw["Driveway"] == hass.states.get(setpoint).state
    assert all(value is not None for value in status.setpoints_kw.values())
    assert status.budget_kw is not None
    assert float(status.budget_kw) == 22.0  # the demo site's budget, not the other's 11 kW


def test_the_check_fails_without_a_running_charger_or_a_set_point() -> None:
    entries = [{"title": "Home", "entry_id": "home"}]
    entities = {
        (name, key): f"sensor.{name.lower()}_{key}"
        for name in ("Driveway", "Garage", "Street")
        for key in ("power_setpoint", "planned_energy")
    }
    states = dict.fromkeys(entities.values(), "0.0")

    def ok() -> bool:
        answer = [{"entity_id": key, "state": value} for key, value in states.items()]
        return demo_status(entries, entities, answer).ok

    assert not ok()  # nothing charges, nothing is planned
    states["sensor.street_planned_energy"] = "4.0"
    assert ok()  # a plan for later is enough
    states["sensor.garage_power_setpoint"] = "unavailable"
    assert not ok()  # a charger without a set-point
    states["sensor.garage_power_setpoint"] = "0.0"
    assert not demo_status([{"title": "Cabin", "entry_id": "home"}], entities, []).found
