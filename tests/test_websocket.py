"""The plan card's websocket commands, and the card served and loaded by the integration."""

from dataclasses import replace
from datetime import timedelta
from http import HTTPStatus
from typing import Any

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.optivgi.card import CARD_URL, FRONTEND_URL, async_register_card
from custom_components.optivgi.store import ChargingRequest

from .ha_site import (
    async_setup_helpers,
    async_setup_site,
    replan,
    set_site_limit,
    settle,
    site_entry,
    subentry_id,
)


async def _site(hass: HomeAssistant) -> Any:
    await async_setup_helpers(hass)
    entry = await async_setup_site(hass, site_entry())
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    hass.states.async_set("binary_sensor.garage_plug", "on")
    await settle(hass)
    return entry


async def test_subscribe_sends_the_plan_and_every_new_one(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    entry = await _site(hass)
    # A departure well ahead, whatever the time of day the test runs at (the default one may
    # be minutes away, and the car then falls short instead).
    departure = dt_util.utcnow() + timedelta(hours=6)
    entry.runtime_data.store.set_request(
        subentry_id(entry, "driveway"), ChargingRequest(energy_kwh=10.0, departure=departure)
    )
    await replan(hass, entry)
    client = await hass_ws_client(hass)

    await client.send_json_auto_id({"type": "optivgi/subscribe_plan"})
    result = await client.receive_json()
    assert result["success"], result
    first = (await client.receive_json())["event"]

    assert first["entry_id"] == entry.entry_id
    assert first["site"] == "Home"
    assert first["step_s"] == 300
    assert len(first["budget_per_step_kw"]) == 12 * 12
    assert first["limit_kw"] == 22.0
    names = {charger["name"]: charger for charger in first["chargers"]}
    assert set(names) == {"Driveway", "Garage", "Street"}
    driveway = names["Driveway"]
    assert driveway["status"] == "charging"
    assert driveway["changes"][0][1] == driveway["setpoint_kw"] > 0
    assert driveway["why"]["key"] == "charging_until"
    assert driveway["why"]["text"].startswith("Charging until ")
    assert names["Street"]["why"] is None  # no car

    await set_site_limit(hass, 8.0)
    await settle(hass)
    update = (await client.receive_json())["event"]

    assert update["limit_kw"] == 8.0
    assert sum(c["setpoint_kw"] for c in update["chargers"]) <= 8.0


async def test_subscription_follows_the_site_across_a_reload(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    entry = await _site(hass)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "optivgi/subscribe_plan", "entry_id": entry.entry_id})
    assert (await client.receive_json())["success"]
    await client.receive_json()  # the plan now

    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    after = (await client.receive_json())["event"]
    assert after["entry_id"] == entry.entry_id
    await set_site_limit(hass, 9.0)
    await settle(hass)

    assert (await client.receive_json())["event"]["limit_kw"] == 9.0


async def test_a_dashboard_picks_its_site_by_name_among_several(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    # A dashboard kept in YAML cannot know another install's entry ids: it names the site.
    await async_setup_helpers(hass)
    await async_setup_site(hass, site_entry(("driveway", "garage")))
    cabin = await async_setup_site(hass, replace(site_entry(("street",)), name="Cabin"))
    await settle(hass)
    client = await hass_ws_client(hass)

    await client.send_json_auto_id({"type": "optivgi/subscribe_plan", "site": "Cabin"})
    assert (await client.receive_json())["success"]
    plan = (await client.receive_json())["event"]
    assert (plan["entry_id"], plan["site"]) == (cabin.entry_id, "Cabin")
    assert [c["name"] for c in plan["chargers"]] == ["Street"]

    for message, text in (
        ({"site": "Barn"}, "No such site"),
        ({}, "Pick a site: there is not exactly one"),
    ):
        await client.send_json_auto_id({"type": "optivgi/subscribe_plan", **message})
        error = await client.receive_json()
        assert not error["success"]
        assert (error["error"]["code"], error["error"]["message"]) == ("not_found", text)


async def test_unknown_site_is_an_error_and_sites_lists_the_loaded_ones(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    entry = await _site(hass)
    client = await hass_ws_client(hass)

    await client.send_json_auto_id({"type": "optivgi/subscribe_plan", "entry_id": "nope"})
    error = await client.receive_json()
    await client.send_json_auto_id({"type": "optivgi/sites"})
    sites = await client.receive_json()

    assert not error["success"]
    assert error["error"]["code"] == "not_found"
    assert sites["result"] == [{"entry_id": entry.entry_id, "title": "Home"}]


async def test_the_card_is_served_and_loaded_by_the_frontend(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    assert await async_setup_component(hass, "frontend", {})
    await _site(hass)
    client = await hass_client()

    answer = await client.get(CARD_URL)
    body = await answer.text()

    assert answer.status == HTTPStatus.OK
    assert "customElements.define(CARD_TYPE, OptiVgiPlanCard)" in body
    for part in ("plan-chart.js", "plan-card-editor.js"):  # imported by the card
        assert part in body
        assert (await client.get(f"{FRONTEND_URL}/{part}")).status == HTTPStatus.OK
    modules = hass.data[DATA_EXTRA_MODULE_URL].urls
    assert [url for url in modules if url.startswith(f"{CARD_URL}?v=")], modules


async def test_without_http_the_card_is_not_registered(hass: HomeAssistant) -> None:
    # A set-up without the http integration (some test and headless set-ups) still loads.
    assert "http" not in hass.config.components

    assert await async_register_card(hass) is None
