"""Services: re-plan, charging requests, reservations, and the full schedule as a response.

Every service names its site by config entry or its charger by device. Bad input raises a
translated `ServiceValidationError` that names the field, before anything is stored; a change
re-plans the site. The bounds (energy, state of charge, how far ahead, reservations per site)
are defined in `limits` and enforced by the store. Datetimes given without a time zone are Home
Assistant's local time; all are kept in UTC.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, service
from homeassistant.helpers.selector import ConfigEntrySelector, DeviceSelector
from homeassistant.util import dt as dt_util
import probatio

from .charger_config import ChargerConfig
from .const import DOMAIN, SUBENTRY_TYPE_CHARGER
from .coordinator import OptiVgiConfigEntry
from .limits import format_time
from .service_validation import (
    ServiceSchema,
    invalid as _invalid,
    number,
    text,
    translated,
    utc_datetime,
)
from .store import ChargingRequest

ATTR_ENERGY_KWH = "energy_kwh"
ATTR_TARGET_SOC = "target_soc"
ATTR_ARRIVAL = "arrival"
ATTR_DEPARTURE = "departure"
ATTR_RESERVATION_ID = "reservation_id"

SERVICE_RECALCULATE = "recalculate"
SERVICE_SET_CHARGING_REQUEST = "set_charging_request"
SERVICE_ADD_RESERVATION = "add_reservation"
SERVICE_CANCEL_RESERVATION = "cancel_reservation"
SERVICE_GET_SCHEDULE = "get_schedule"

# The schemas check types and parse; the bounds (`limits`) are checked by the store when the
# handler hands it the value, and turned into translated errors there (`translated`).
_ENTRY = {probatio.Required(ATTR_CONFIG_ENTRY_ID): ConfigEntrySelector({"integration": DOMAIN})}
_CHARGER = {probatio.Required(ATTR_DEVICE_ID): DeviceSelector({"integration": DOMAIN})}
ENTRY_SCHEMA = ServiceSchema(_ENTRY)
CANCEL_RESERVATION_SCHEMA = ServiceSchema(
    _ENTRY | {probatio.Required(ATTR_RESERVATION_ID): text(ATTR_RESERVATION_ID)}
)
# Energy or a state of charge, not both: the group is its refusal's key (`ServiceSchema`).
# "At least one field" is checked in the handler.
_ONE_TARGET = "energy_and_target_soc"
SET_CHARGING_REQUEST_SCHEMA = ServiceSchema(
    _CHARGER
    | {
        probatio.Exclusive(ATTR_ENERGY_KWH, _ONE_TARGET): number(ATTR_ENERGY_KWH),
        probatio.Exclusive(ATTR_TARGET_SOC, _ONE_TARGET): number(ATTR_TARGET_SOC),
        probatio.Optional(ATTR_DEPARTURE): utc_datetime(ATTR_DEPARTURE),
    }
)
ADD_RESERVATION_SCHEMA = ServiceSchema(
    _CHARGER
    | {
        probatio.Required(ATTR_ARRIVAL): utc_datetime(ATTR_ARRIVAL),
        probatio.Required(ATTR_DEPARTURE): utc_datetime(ATTR_DEPARTURE),
        probatio.Required(ATTR_ENERGY_KWH): number(ATTR_ENERGY_KWH),
    }
)


@dataclass(frozen=True, kw_only=True, slots=True)
class _Charger:
    """A charger named by a service call, with the loaded site it belongs to."""

    entry: OptiVgiConfigEntry
    config: ChargerConfig


def _loaded_entry(hass: HomeAssistant, entry_id: str) -> OptiVgiConfigEntry:
    """The loaded OptiVGI site with this config entry id.

    Home Assistant's own refusals speak of an "integration optivgi config entry": they are
    told again in terms of a charging site, with its name where it has one.
    """
    try:
        entry: OptiVgiConfigEntry = service.async_get_config_entry(hass, DOMAIN, entry_id)
    except ServiceValidationError as err:
        if err.translation_key == "service_config_entry_not_loaded":
            site = (err.translation_placeholders or {}).get("entry_title", entry_id)
            raise _invalid(key="entry_not_loaded", site=site) from err
        raise _invalid(key="entry_not_found", entry_id=entry_id) from err
    return entry


def _charger(hass: HomeAssistant, device_id: str) -> _Charger:
    """The charger (config subentry) behind an OptiVGI charger device, on a loaded site."""
    device = dr.async_get(hass).async_get(device_id)
    if (
        device is not None
        and (charger_id := device.config_subentry_id) is not None
        and (config_entry := hass.config_entries.async_get_entry(device.config_entry_id))
        and config_entry.domain == DOMAIN
    ):
        entry = _loaded_entry(hass, device.config_entry_id)
        subentry = entry.subentries.get(charger_id)
        if subentry is not None and subentry.subentry_type == SUBENTRY_TYPE_CHARGER:
            return _Charger(entry=entry, config=ChargerConfig.from_subentry(subentry))
    raise _invalid(key="charger_not_found", device_id=device_id)


def _future_departure(departure: datetime) -> datetime:
    """The departure, if it has not passed yet."""
    if departure <= dt_util.utcnow():
        raise _invalid(key="departure_in_past", departure=format_time(departure))
    return departure


def _check_battery(charger: ChargerConfig, energy_kwh: float | None) -> None:
    """A charger that knows its car's state of charge knows its battery: no more than that."""
    if (
        energy_kwh is not None
        and charger.soc_entity is not None
        and (energy_kwh > charger.battery_kwh)
    ):
        raise _invalid(
            key="energy_above_battery",
            charger=charger.name,
            value=f"{energy_kwh:g}",
            battery=f"{charger.battery_kwh:g}",
        )


def _charging_request(charger: ChargerConfig, data: Mapping[str, Any]) -> ChargingRequest:
    """The request a `set_charging_request` call describes, checked against the charger."""
    energy_kwh: float | None = data.get(ATTR_ENERGY_KWH)
    target_soc: float | None = data.get(ATTR_TARGET_SOC)
    departure: datetime | None = data.get(ATTR_DEPARTURE)
    if energy_kwh is None and target_soc is None and departure is None:
        raise _invalid(key="empty_request")
    if target_soc is not None and charger.soc_entity is None:
        raise _invalid(key="no_soc_entity", charger=charger.name)
    _check_battery(charger, energy_kwh)
    return ChargingRequest(
        energy_kwh=energy_kwh,
        target_soc=target_soc,
        departure=None if departure is None else _future_departure(departure),
    )


#: What the response tells of the site's plan, and of each charger's (`SitePlan.as_dict`).
_SITE_KEYS = (
    "start",
    "last_run",
    "reason",
    "algorithm",
    "status",
    "message",
    "budget_kw",
    "planned_kw",
    "requested_energy_met_pct",
    "budget_per_step_kw",
)
_CHARGER_KEYS = (
    "charger_id",
    "status",
    "connected",
    "setpoint_kw",
    "setpoint_a",
    "requested_kwh",
    "planned_kwh",
    "shortfall_kwh",
    "departure",
    "next_change",
    "error",
    "profile",
)


def _charger_schedule(plan: dict[str, Any]) -> dict[str, Any]:
    """A charger's plan, its changes under the response's own name for them, `periods`."""
    return {key: plan[key] for key in _CHARGER_KEYS} | {"periods": plan["changes"]}


def site_schedule(entry: OptiVgiConfigEntry) -> dict[str, Any]:
    """The site's current plan as JSON: site figures, and per charger (by name) its plan."""
    coordinator = entry.runtime_data.coordinator
    plan = coordinator.data.as_dict()
    chargers: dict[str, Any] = {}
    for charger in plan["chargers"].values():
        name = charger["name"]
        key = name if name not in chargers else f"{name} ({charger['charger_id']})"
        chargers[key] = _charger_schedule(charger)
    return (
        {"site": entry.title}
        | {key: plan[key] for key in _SITE_KEYS}
        | {
            "resolution_min": coordinator.params.resolution // timedelta(minutes=1),
            "chargers": chargers,
        }
    )


async def _replan(entry: OptiVgiConfigEntry, service: str) -> None:
    await entry.runtime_data.coordinator.async_replan_for_user(f"service {service}")


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register OptiVGI's services (once, for all sites)."""

    async def recalculate(call: ServiceCall) -> None:
        await _replan(_loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID]), call.service)

    async def set_charging_request(call: ServiceCall) -> None:
        charger = _charger(hass, call.data[ATTR_DEVICE_ID])
        request = _charging_request(charger.config, call.data)
        with translated():
            charger.entry.runtime_data.store.set_request(charger.config.charger_id, request)
        await _replan(charger.entry, call.service)

    async def add_reservation(call: ServiceCall) -> ServiceResponse:
        charger = _charger(hass, call.data[ATTR_DEVICE_ID])
        arrival: datetime = call.data[ATTR_ARRIVAL]
        departure = _future_departure(call.data[ATTR_DEPARTURE])
        energy_kwh: float = call.data[ATTR_ENERGY_KWH]
        _check_battery(charger.config, energy_kwh)
        with translated():  # bounds, stay, the site's cap, overlap on the charger
            reservation = charger.entry.runtime_data.store.add_reservation(
                charger.config.charger_id, arrival, departure, energy_kwh
            )
        await _replan(charger.entry, call.service)
        return {ATTR_RESERVATION_ID: reservation.reservation_id}

    async def cancel_reservation(call: ServiceCall) -> None:
        entry = _loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
        reservation_id: str = call.data[ATTR_RESERVATION_ID]
        if entry.runtime_data.store.cancel_reservation(reservation_id) is None:
            raise _invalid(
                key="reservation_not_found", reservation_id=reservation_id, site=entry.title
            )
        await _replan(entry, call.service)

    async def get_schedule(call: ServiceCall) -> ServiceResponse:
        return site_schedule(_loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID]))

    register = hass.services.async_register
    register(DOMAIN, SERVICE_RECALCULATE, recalculate, schema=ENTRY_SCHEMA)
    register(
        DOMAIN,
        SERVICE_SET_CHARGING_REQUEST,
        set_charging_request,
        schema=SET_CHARGING_REQUEST_SCHEMA,
    )
    register(
        DOMAIN,
        SERVICE_ADD_RESERVATION,
        add_reservation,
        schema=ADD_RESERVATION_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(
        DOMAIN,
        SERVICE_CANCEL_RESERVATION,
        cancel_reservation,
        schema=CANCEL_RESERVATION_SCHEMA,
    )
    register(
        DOMAIN,
        SERVICE_GET_SCHEDULE,
        get_schedule,
        schema=ENTRY_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
