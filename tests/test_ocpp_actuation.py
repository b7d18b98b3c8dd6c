"""OCPP chargers against a stand-in that behaves as the OCPP integration and a 1.6 charge point do.

The stand-in answers success to every `ocpp.set_charge_rate`, rejects a TxProfile without the
running transaction, and only its offered-current sensor tells what the charge point applies.
"""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.optivgi.const import (
    CONF_CONTROL,
    CONF_CONTROL_ENTITY,
    CONF_OCPP_DEVICE,
    CONF_OFFERED_ENTITY,
    CONF_PLUG_ENTITY,
    CONF_SAFE_CURRENT_A,
    CONF_TRANSACTION_ENTITY,
    DOMAIN,
    WRITE_DEADBAND_A,
)
from custom_components.optivgi.models import ChargerStatus

from .ha_site import async_setup_helpers, async_setup_site, replan, settle, site_entry, subentry_id
from .ocpp_stand_in import OFFERED, STATUS, TRANSACTION, ChargePoint, async_setup_charge_point


@pytest.fixture(autouse=True)
def _start(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to("2026-01-05 17:00:00+00:00")


async def _site(hass: HomeAssistant, **charger: object) -> tuple[ConfigEntry, ChargePoint]:
    await async_setup_helpers(hass, ())
    point = async_setup_charge_point(hass)
    spec = site_entry(
        ("driveway",),
        charger=lambda _: {
            CONF_CONTROL: "ocpp",
            CONF_CONTROL_ENTITY: None,
            CONF_OCPP_DEVICE: point.device_id,
            CONF_TRANSACTION_ENTITY: TRANSACTION,
            CONF_OFFERED_ENTITY: OFFERED,
            CONF_PLUG_ENTITY: STATUS,
            **charger,
        },
        site_limit_entity=None,
        site_limit_kw=22.0,
    )
    entry = await async_setup_site(hass, spec)
    return entry, point


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await settle(hass)


async def _after(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """The charge point updates its sensors one by one: re-plans wait out the debounce."""
    await settle(hass)
    await _tick(hass, freezer, 3)


async def test_the_safety_net_is_installed_once_and_again_only_on_a_change(
    hass: HomeAssistant,
) -> None:
    entry, point = await _site(hass)
    [default] = point.defaults()
    # The charger's minimum (6 A) unless a safe current is set, on connector 1.
    assert default["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 6.0
    assert point.default_a == 6.0
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert len(point.defaults()) == 1  # a restart does not write the charger's flash again
    subentry = next(iter(entry.subentries.values()))
    hass.config_entries.async_update_subentry(
        entry, subentry, data={**subentry.data, CONF_SAFE_CURRENT_A: 8.0}
    )
    await settle(hass)
    assert [
        d["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] for d in point.defaults()
    ] == [
        6.0,
        8.0,
    ]


async def test_no_profile_without_a_transaction_and_the_first_of_each_goes_out(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry, point = await _site(hass)
    point.plug_in()  # Preparing: the transaction sensor reads 0
    await settle(hass)
    assert point.tx_profiles() == []
    charger = entry.runtime_data.coordinator.data.chargers[subentry_id(entry, "driveway")]
    assert charger.connected  # plugged in, waiting for its transaction
    point.start(4711)
    await _after(hass, freezer)
    [first] = point.tx_profiles()
    assert first["transactionId"] == 4711
    assert point.offered_a == 16.0  # accepted: the charger's maximum on 22 kW
    # A new transaction with the same plan: its first profile goes out all the same.
    point.start(4712)
    await _after(hass, freezer)
    assert [p["transactionId"] for p in point.tx_profiles()] == [4711, 4712]
    # Unplugged past the grace and plugged again: a new session, a new first profile.
    point.unplug()
    await _tick(hass, freezer, 61)
    await replan(hass, entry)
    point.plug_in()
    point.start(4713)
    await _after(hass, freezer)
    assert [p["transactionId"] for p in point.tx_profiles()] == [4711, 4712, 4713]


async def test_a_suspended_car_is_still_plugged_in(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry, point = await _site(hass)
    point.plug_in()
    point.start(7)
    await _after(hass, freezer)
    point.suspend()  # SuspendedEV: often a car that we paused, or that is full
    await _tick(hass, freezer, 120)
    await replan(hass, entry)
    charger = entry.runtime_data.coordinator.data.chargers[subentry_id(entry, "driveway")]
    assert charger.connected
    assert charger.status is not ChargerStatus.IDLE


async def test_a_rejected_profile_is_seen_retried_and_escalated(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry, point = await _site(hass)
    point.reject_all = True
    point.plug_in()
    point.start(99)
    await _after(hass, freezer)
    assert len(point.tx_profiles()) == 1  # sent, "successfully", and rejected
    assert point.offered_a == 6.0  # what the charger really applies: its default profile
    cid = subentry_id(entry, "driveway")
    registry = ir.async_get(hass)
    issue_id = f"unresponsive_{entry.entry_id}_{cid}"
    statuses = []
    for _ in range(20):
        await _tick(hass, freezer, 10)
        statuses.append(entry.runtime_data.coordinator.data.chargers[cid].status)
    plan = entry.runtime_data.coordinator.data.chargers[cid]
    assert ChargerStatus.ERROR in statuses  # after the first unconfirmed profile
    assert plan.status is ChargerStatus.UNRESPONSIVE  # after three
    assert plan.reason == "not_confirmed"
    assert plan.setpoint_kw is None  # unknown, not a plausible wrong 0
    assert 3 <= len(point.tx_profiles()) <= 5  # retried with backoff, not every cycle
    assert registry.async_get_issue(DOMAIN, issue_id) is not None
    # The charger accepts again: it recovers by itself and the issue is cleared (after the
    # minimum off-time of the stop it was sent while it failed).
    point.reject_all = False
    for _ in range(70):
        await _tick(hass, freezer, 10)
    plan = entry.runtime_data.coordinator.data.chargers[cid]
    assert plan.status is ChargerStatus.CHARGING
    # It applies the plan again, within the dead-band that re-sends a profile.
    assert plan.setpoint_a == 16.0
    assert point.offered_a == pytest.approx(16.0, abs=WRITE_DEADBAND_A)
    assert registry.async_get_issue(DOMAIN, issue_id) is None


async def test_a_changed_plan_ahead_is_sent_again(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry, point = await _site(hass)
    point.plug_in()
    point.start(5)
    await _after(hass, freezer)
    [first] = point.tx_profiles()
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{subentry_id(entry, 'driveway')}"), entry.entry_id
    )
    assert device is not None
    # Less energy: full power now as before, but the plan ends earlier.
    await hass.services.async_call(
        DOMAIN,
        "set_charging_request",
        {"device_id": device.id, "energy_kwh": 3.0},
        blocking=True,
    )
    await _tick(hass, freezer, 5)
    second = point.tx_profiles()[-1]
    assert second is not first
    periods = [p["chargingSchedule"]["chargingSchedulePeriod"] for p in (first, second)]
    assert periods[0][0]["limit"] == periods[1][0]["limit"] == 16.0
    assert periods[0] != periods[1]
