"""Property: random service calls, restarts and corrupted storage, against a real site.

Hypothesis drives a state machine of steps: requests and reservations (valid ones and ones out
of bounds: inf, nan, negative, booleans, strings, year 9999, overlaps), cancellations, restarts
with the storage kept, and corruptions of the stored file. The model says which calls are
valid from the documented bounds alone; after every step the site is loaded, the store holds
exactly what the model holds, and every refused call was a translated `ServiceValidationError`.

The `hass` fixture runs on the test's event loop, and hypothesis runs synchronously, so the
state machine runs in an executor thread and hands each step's coroutine to the loop.
"""

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import functools
import json
import math
from pathlib import Path
from typing import Any, ClassVar

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, issue_registry as ir, translation
from homeassistant.util import dt as dt_util
from hypothesis import HealthCheck, event, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.optivgi.const import (
    CONF_ALGORITHM,
    CONF_BATTERY_KWH,
    CONF_SITE_LIMIT_KW,
    CONF_SOC_ENTITY,
    DOMAIN,
    SUBENTRY_TYPE_CHARGER,
)
from custom_components.optivgi.store import ChargingRequest, RequestStore, Reservation

from .ha_site import async_setup_helpers, charger_data, subentry_id

EXCEPTIONS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).resolve().parent.parent / "custom_components" / DOMAIN / "translations")
    .joinpath("en.json")
    .read_text(encoding="utf-8")
)["exceptions"]
NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
BATTERY_KWH = 60.0  # the garage's; it has a state of charge sensor, the driveway has none
STEP_TIMEOUT_S = 60


@dataclass(frozen=True)
class Value:
    """A field's value, and whether the documented bounds allow it."""

    value: Any
    ok: bool


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _naive_local(moment: datetime) -> str:
    return dt_util.as_local(moment).replace(tzinfo=None).isoformat()


_NOT_NUMBERS = st.sampled_from(
    [math.inf, -math.inf, math.nan, True, False, "1e999", "abc", None, [5], 1e300, -1]
)
_NOT_DATETIMES = st.sampled_from(
    ["9999-12-31 23:59:59", "9999-12-31T23:59:59+00:00", "soon", 12345, "2026-13-01 07:00"]
)
_ENERGIES = st.one_of(
    st.integers(1, 600).map(lambda tenths: tenths / 10),  # fits the garage's battery too
    st.sampled_from(["12.5", 250, "60"]),
)
#: Per field: values the documented bounds allow, and values they do not.
REQUEST_FIELDS: dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]] = {
    "energy_kwh": (_ENERGIES | st.just(0), _NOT_NUMBERS | st.sampled_from([-0.1, 250.1])),
    "target_soc": (st.integers(0, 100), _NOT_NUMBERS | st.just(100.5)),
    "departure": (
        st.integers(1, 7 * 24 * 60).map(lambda m: _iso(NOW + timedelta(minutes=m))),
        _NOT_DATETIMES
        | st.sampled_from([NOW, NOW - timedelta(hours=1), NOW + timedelta(days=7, seconds=1)]).map(
            _iso
        ),
    ),
}
RESERVATION_FIELDS: dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]] = {
    "energy_kwh": (_ENERGIES, _NOT_NUMBERS | st.sampled_from([0, -0.1, 250.1])),
    # Arrivals on a grid of hours, so that some overlap.
    "arrival": (
        st.integers(1, 7 * 24).map(lambda h: NOW + timedelta(hours=h))
        | st.just(NOW + timedelta(days=30)),
        st.just(NOW + timedelta(days=30, hours=1)),
    ),
    "stay_h": (st.sampled_from([1, 2, 5, 12, 7 * 24]), st.sampled_from([0, -2, 7 * 24 + 1])),
}


def _draw(
    data: st.DataObject,
    fields: dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]],
    bad: str | None,
) -> dict[str, Any]:
    """A value for every field: out of bounds for the `bad` one only.

    So each refusal has one cause, and a bound that is not enforced shows as an accepted call.
    """
    return {
        name: data.draw(strategies[name == bad], label=name) for name, strategies in fields.items()
    }


CORRUPTIONS = (
    "request energy as a string",
    "request with an unknown key",
    "reservation energy null",
    "reservation arrival not a date",
    "data a list",
    "unknown version",
)


@dataclass
class Model:
    """What the store must hold."""

    requests: dict[str, ChargingRequest] = field(default_factory=dict)
    reservations: dict[str, Reservation] = field(default_factory=dict)


def _site(entry_id: str) -> MockConfigEntry:
    def charger(key: str, **overrides: Any) -> ConfigSubentryData:
        return ConfigSubentryData(
            data=charger_data(key) | overrides,
            subentry_type=SUBENTRY_TYPE_CHARGER,
            title=key.title(),
            unique_id=key,
        )

    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        entry_id=entry_id,  # ids from the frozen clock would repeat
        data={CONF_NAME: "Home"},
        options={CONF_SITE_LIMIT_KW: 22.0, CONF_ALGORITHM: "GoAlgorithm"},
        subentries_data=[
            charger("driveway"),
            charger(
                "garage", **{CONF_SOC_ENTITY: "sensor.garage_soc", CONF_BATTERY_KWH: BATTERY_KWH}
            ),
        ],
    )


class ServiceCalls(RuleBasedStateMachine):
    """One site per run; steps are service calls, restarts and corruptions."""

    hass: ClassVar[HomeAssistant]
    hass_storage: ClassVar[dict[str, Any]]
    runs: ClassVar[int] = 0

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        self.entry = self._run(self._async_add_site())
        self.key = f"{DOMAIN}.{self.entry.entry_id}"
        self.devices = {
            name: self._device(subentry_id(self.entry, name)) for name in ("driveway", "garage")
        }

    # Running on the loop

    def _run[T](self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.hass.loop).result(STEP_TIMEOUT_S)

    async def _async_add_site(self) -> MockConfigEntry:
        ServiceCalls.runs += 1
        entry = _site(f"site{ServiceCalls.runs}")
        entry.add_to_hass(self.hass)
        assert await self.hass.config_entries.async_setup(entry.entry_id)
        await self.hass.async_block_till_done()
        return entry

    def _device(self, charger_id: str) -> str:
        identifier = (DOMAIN, f"{self.entry.entry_id}_{charger_id}")
        device = dr.async_get(self.hass).async_get_device_by_identifier(
            identifier, self.entry.entry_id
        )
        assert device is not None
        return device.id

    @property
    def store(self) -> RequestStore:
        store: RequestStore = self.entry.runtime_data.store
        return store

    def _call(
        self, service: str, data: dict[str, Any], *, valid: bool, bad: str | None = None
    ) -> dict[str, Any] | None:
        """Call a service; a refusal must be translated, and only an invalid call refused.

        A refusal that names a field names the `bad` one, if the call has one.
        """

        async def call() -> tuple[dict[str, Any] | None, tuple[str, dict[str, str], str] | None]:
            try:
                response = await self.hass.services.async_call(
                    DOMAIN,
                    service,
                    data,
                    blocking=True,
                    return_response=service == "add_reservation",
                )
            except ServiceValidationError as err:
                return None, (
                    f"{err.translation_domain}.{err.translation_key}",
                    err.translation_placeholders or {},
                    str(err),  # on the loop: the message is looked up in the loaded translations
                )
            return (dict(response) if response is not None else None), None

        response, refusal = self._run(call())
        event(f"{service} {'refused' if refusal else 'accepted'}")  # --hypothesis-show-statistics
        if refusal is None:
            assert valid, f"{service} {data} was accepted"
            return response
        key, placeholders, message = refusal
        assert not valid, f"{service} {data} was refused: {message}"
        domain, _, key = key.partition(".")
        assert domain == DOMAIN
        assert key in EXCEPTIONS, key
        assert message == EXCEPTIONS[key]["message"].rstrip(".").format(**placeholders)
        if bad is not None and "field" in placeholders:
            assert placeholders["field"] == bad, (data, message)
        return None

    # Steps

    @rule(
        charger=st.sampled_from(["driveway", "garage"]),
        fields=st.sampled_from(
            [
                ("energy_kwh",),
                ("target_soc",),
                ("departure",),
                ("energy_kwh", "departure"),
                ("target_soc", "departure"),
                ("energy_kwh", "target_soc"),  # never valid
                (),  # never valid
            ]
        ),
        bad=st.sampled_from([None, None, *REQUEST_FIELDS]),
        data=st.data(),
    )
    def set_charging_request(
        self, charger: str, fields: tuple[str, ...], bad: str | None, data: st.DataObject
    ) -> None:
        given = {k: v for k, v in _draw(data, REQUEST_FIELDS, bad).items() if k in fields}
        bad = bad if bad in given else None
        energy, soc = given.get("energy_kwh"), given.get("target_soc")
        valid = (
            bad is None
            and (energy is None or soc is None)
            and bool(given)
            and (soc is None or charger == "garage")
            and (energy is None or charger != "garage" or float(energy) <= BATTERY_KWH)
        )
        call = {"device_id": self.devices[charger], **given}
        if self._call("set_charging_request", call, valid=valid, bad=bad) is None and valid:
            departure = given.get("departure")
            self.model.requests[subentry_id(self.entry, charger)] = ChargingRequest(
                energy_kwh=None if energy is None else float(energy),
                target_soc=None if soc is None else float(soc),
                departure=None if departure is None else datetime.fromisoformat(departure),
            )

    @rule(
        charger=st.sampled_from(["driveway", "garage"]),
        bad=st.sampled_from([None, None, *RESERVATION_FIELDS]),
        naive=st.booleans(),
        data=st.data(),
    )
    def add_reservation(
        self, charger: str, bad: str | None, data: st.DataObject, *, naive: bool
    ) -> None:
        drawn = _draw(data, RESERVATION_FIELDS, bad)
        start: datetime = drawn["arrival"]
        end = start + timedelta(hours=drawn["stay_h"])
        energy = drawn["energy_kwh"]
        charger_id = subentry_id(self.entry, charger)
        overlaps = any(
            r.charger_id == charger_id and r.arrival < end and start < r.departure
            for r in self.model.reservations.values()
        )
        valid = (
            bad is None
            and (charger != "garage" or float(energy) <= BATTERY_KWH)
            and not overlaps
            and len(self.model.reservations) < 50
        )
        # A time without a zone is Home Assistant's (US/Pacific here): the same instant.
        as_text = _naive_local if naive else _iso
        call = {
            "device_id": self.devices[charger],
            "arrival": as_text(start),
            "departure": as_text(end),
            "energy_kwh": energy,
        }
        named = {"stay_h": "departure"}.get(bad or "", bad)
        response = self._call("add_reservation", call, valid=valid, bad=named)
        if valid:
            assert response is not None
            reservation_id = str(response["reservation_id"])
            self.model.reservations[reservation_id] = Reservation(
                reservation_id=reservation_id,
                charger_id=charger_id,
                arrival=start,
                departure=end,
                energy_kwh=float(energy),
            )

    @rule(pick=st.integers(0, 100), known=st.sampled_from([True, True, True, False]))
    def cancel_reservation(self, pick: int, *, known: bool) -> None:
        ids = sorted(self.model.reservations)
        reservation_id = ids[pick % len(ids)] if known and ids else "no-such-id"
        data = {"config_entry_id": self.entry.entry_id, "reservation_id": reservation_id}
        self._call("cancel_reservation", data, valid=reservation_id in self.model.reservations)
        self.model.reservations.pop(reservation_id, None)

    @rule(corruption=st.none() | st.sampled_from(CORRUPTIONS))
    def restart(self, corruption: str | None) -> None:
        """Unload, maybe damage the stored file, load again."""

        async def corrupt() -> bool:
            assert await self.hass.config_entries.async_unload(self.entry.entry_id)
            stored = self.hass_storage[self.key]
            requests, reservations = stored["data"]["requests"], stored["data"]["reservations"]
            damaged, kind = True, corruption or "none"
            if kind.startswith("request") and requests:
                charger_id = min(requests)
                if kind == "request energy as a string":
                    requests[charger_id]["energy_kwh"] = "5"
                else:
                    requests[charger_id]["colour"] = "red"
                del self.model.requests[charger_id]
            elif kind.startswith("reservation") and reservations:
                value = None if kind == "reservation energy null" else "tomorrow"
                reservations[0]["energy_kwh" if value is None else "arrival"] = value
                del self.model.reservations[reservations[0]["reservation_id"]]
            elif kind == "data a list":
                stored["data"] = []
                self.model = Model()
            elif kind == "unknown version":
                stored["version"] = 99
                self.model = Model()
            else:  # a plain restart, or nothing of that kind to damage
                damaged = False
            ir.async_delete_issue(self.hass, DOMAIN, f"dropped_stored_data_{self.entry.entry_id}")
            assert await self.hass.config_entries.async_setup(self.entry.entry_id)
            await self.hass.async_block_till_done()
            return damaged

        damaged = self._run(corrupt())
        issue_id = f"dropped_stored_data_{self.entry.entry_id}"
        assert (ir.async_get(self.hass).async_get_issue(DOMAIN, issue_id) is not None) == damaged

    # After every step

    @invariant()
    def site_is_loaded_and_the_store_is_the_model(self) -> None:
        async def snapshot() -> tuple[ConfigEntryState, dict[str, Any], dict[str, Any]]:
            return (
                self.entry.state,
                dict(self.store.requests),
                dict(self.store.reservations),
            )

        state, requests, reservations = self._run(snapshot())
        assert state is ConfigEntryState.LOADED
        assert requests == self.model.requests
        assert reservations == self.model.reservations

    def teardown(self) -> None:
        async def remove() -> None:
            await self.hass.config_entries.async_remove(self.entry.entry_id)
            await self.hass.async_block_till_done()

        self._run(remove())
        assert self.key not in self.hass_storage
        assert not [i for d, i in ir.async_get(self.hass).issues if self.entry.entry_id in i]


async def test_service_calls_never_let_bad_data_in_nor_lose_good_data(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    await async_setup_helpers(hass, ("driveway", "garage"))
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    hass.states.async_set("sensor.garage_soc", "50", {"unit_of_measurement": "%"})
    await translation.async_load_integrations(hass, {DOMAIN})
    ServiceCalls.hass = hass
    ServiceCalls.hass_storage = hass_storage
    run = functools.partial(
        run_state_machine_as_test,
        ServiceCalls,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    await hass.async_add_executor_job(run)
