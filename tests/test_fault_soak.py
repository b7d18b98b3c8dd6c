"""Fault soak: six simulated hours of a site whose chargers, meters and users misbehave.

Each run draws its own sequence of events from its seed: cars arriving and leaving with and
without requests, the limit moving, the limit entity and the grid meter going unavailable or
reading garbage, the house load changing, chargers that reject writes, raise, hang, ignore their
limit, reset themselves to their maximum or go offline, the site reloaded while a cycle is in
flight, and a charger removed while charging. The assertions are on what the simulated hardware
draws (`tests/sim_site.py`):

- the site's draw (house + chargers) never exceeds its limit except within `ALLOWED_S` after an
  event that can push it over (a fault starting, the limit or the house load moving, a car
  arriving, a reload, a removal). A charger that ignores its limit draws what it wants: the site
  may be over by what it draws beyond its limit, never by more;
- every fault that a write ran into long enough ago shows on that charger's status;
- no request is lost while its car stays plugged in.

`SOAK_RUNS` (environment) runs more seeds than CI does.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import os
import random

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.optivgi.const import (
    CONF_CONTROL_ENTITY,
    CONF_MIN_CURRENT_A,
    CONF_POWER_ENTITY,
    CONF_SWITCH_ENTITY,
    DOMAIN,
)
from custom_components.optivgi.store import ChargingRequest

from .ha_site import async_setup_site, set_site_limit, site_entry, subentry_id
from .sim_site import Fault, SimCharger, SimSite, amps_kw, async_settle, async_setup_sim

HOURS = 6
#: A violation must end this soon after the event that caused it (s): the confirmation window
#: (15 s) plus the hardware's own latency (up to 5 s here).
ALLOWED_S = 20.0
#: A fault must show on the status once a write ran into it this long ago (s): a write times
#: out after 10 s, an unconfirmed one fails after the 15 s confirmation window.
VISIBLE_AFTER_S = 30.0
FIXED_LIMIT_KW = 22.0
RUNS = int(os.environ.get("SOAK_RUNS", "6"))
#: Faults a write runs into, and that must therefore show on the charger's status.
VISIBLE = {Fault.REJECT, Fault.RAISE_HA, Fault.RAISE_OTHER, Fault.HANG, Fault.OFFLINE}
#: How often each kind of event happens, relatively.
WEIGHTS = {
    "plug": 6,
    "unplug": 4,
    "limit": 4,
    "limit_entity": 1,
    "meter": 2,
    "fault": 6,
    "reset": 1,
    "house": 2,
    "reload": 1,
    "remove": 0.3,
}


@dataclass(kw_only=True)
class Soak:
    """One run: the site, what happened last, and what went wrong."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    rng: random.Random
    site: SimSite
    entry: ConfigEntry
    ids: dict[str, str]
    last_excuse: datetime
    excuse: str = "start"
    fuse_kw: float = FIXED_LIMIT_KW
    limit_kw: float = FIXED_LIMIT_KW
    #: Per kind of event: the longest the site was over its limit after it (s).
    over_s: dict[str, float] = field(default_factory=dict)
    #: Per charger: the fault under way, since when, and whether its status showed it.
    faults: dict[str, tuple[Fault, datetime, bool]] = field(default_factory=dict)
    requests: dict[str, ChargingRequest] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def excuse_now(self, what: str) -> None:
        self.last_excuse, self.excuse = dt_util.utcnow(), what

    async def step(self, seconds: float, times: int = 1) -> None:
        for _ in range(times):
            await self._step(seconds)

    async def _step(self, seconds: float) -> None:
        self.freezer.tick(timedelta(seconds=seconds))
        now = dt_util.utcnow()
        self.site.advance(seconds, now)
        async_fire_time_changed(self.hass, now)
        await async_settle(self.hass, self.site.chargers)
        self._check_draw(now)
        for name, (fault, since, shown) in list(self.faults.items()):
            state = self.hass.states.get(f"sensor.{name}_charging_status")
            if not shown and state is not None and state.state in ("error", "unresponsive"):
                self.faults[name] = (fault, since, True)

    def _check_draw(self, now: datetime) -> None:
        site = self.site
        drawn = site.house_kw + site.total_kw(now)
        ignored = sum(
            max(0.0, site.drawn_kw(name, now) - amps_kw(charger.limit_a))
            for name, charger in site.chargers.items()
            if charger.fault is Fault.IGNORE
        )
        if drawn - ignored <= self.fuse_kw + 1e-6:
            return
        late = (now - self.last_excuse).total_seconds()
        kind = self.excuse.split(":")[0]
        self.over_s[kind] = max(self.over_s.get(kind, 0.0), late)
        if late > ALLOWED_S:
            self.problems.append(
                f"{now:%H:%M:%S} {drawn:.2f} kW > {self.fuse_kw:.2f} kW, {late:.0f} s after "
                f"{self.excuse}"
            )

    def check_requests(self) -> None:
        store = self.entry.runtime_data.store
        now = dt_util.utcnow()
        for name, request in self.requests.items():
            if request.departure is not None and request.departure <= now:
                continue
            if store.requests.get(self.ids[name]) != request:
                self.problems.append(f"{now:%H:%M} the request on {name} was lost")


async def _request(soak: Soak, name: str) -> None:
    request = ChargingRequest(
        energy_kwh=round(soak.rng.uniform(3, 40), 1),
        departure=dt_util.utcnow() + timedelta(hours=soak.rng.uniform(2, 10)),
    )
    device = dr.async_get(soak.hass).async_get_device_by_identifier(
        (DOMAIN, f"{soak.entry.entry_id}_{soak.ids[name]}"), soak.entry.entry_id
    )
    assert device is not None
    assert request.departure is not None
    await async_settle(soak.hass, soak.site.chargers)
    await soak.hass.services.async_call(
        DOMAIN,
        "set_charging_request",
        {
            "device_id": device.id,
            "energy_kwh": request.energy_kwh,
            "departure": request.departure.isoformat(),
        },
        blocking=True,
    )
    soak.requests[name] = request


async def _plug(soak: Soak, name: str) -> None:
    if soak.site.cars[name].plugged:
        return
    soak.site.plug(name, plugged=True, need_kwh=soak.rng.uniform(2, 30))
    soak.excuse_now(f"plug:{name}")
    if soak.rng.random() < 0.5:
        await _request(soak, name)


async def _unplug(soak: Soak, name: str) -> None:
    if soak.site.cars[name].plugged:
        soak.site.plug(name, plugged=False)
        soak.requests.pop(name, None)


async def _limit(soak: Soak, _: str) -> None:
    soak.limit_kw = soak.rng.choice([8.0, 11.0, 15.0, 22.0, 30.0])
    await set_site_limit(soak.hass, soak.limit_kw)
    soak.fuse_kw = min(FIXED_LIMIT_KW, soak.limit_kw)  # the fixed limit is the fuse
    soak.excuse_now("limit drop")


async def _limit_entity(soak: Soak, _: str) -> None:
    """The limit entity reads nothing for a while; the fuse itself does not move."""
    soak.hass.states.async_set("input_number.site_limit", soak.rng.choice(["unavailable", "nan"]))
    await soak.step(10.0, soak.rng.randint(6, 30))
    await set_site_limit(soak.hass, soak.limit_kw)


async def _meter(soak: Soak, _: str) -> None:
    """The grid meter reads nothing, garbage, inf or an absurd value; the house stays put."""
    soak.site.meter_fault = soak.rng.choice(["unavailable", "garbage", "inf", "absurd"])
    await soak.step(10.0, soak.rng.randint(6, 36))
    soak.site.meter_fault = None


async def _house(soak: Soak, _: str) -> None:
    soak.site.house_kw = soak.rng.uniform(0.5, 6.0)
    soak.excuse_now("house load")


async def _fault(soak: Soak, name: str) -> None:
    if name in soak.faults:
        return
    charger = soak.site.chargers[name]
    kinds = [Fault.REJECT, Fault.RAISE_HA, Fault.RAISE_OTHER, Fault.HANG, Fault.OFFLINE]
    if name in soak.site.power_sensors:  # only a power sensor can tell it ignores its limit
        kinds.append(Fault.IGNORE)
    fault = soak.rng.choice(kinds)
    charger.fault, charger.latency_s = fault, soak.rng.choice([0.0, 2.0, 5.0])
    charger.async_write_ha_state()
    soak.faults[name] = (fault, dt_util.utcnow(), False)
    soak.excuse_now(f"fault:{fault}")
    await soak.step(5.0, soak.rng.randint(6, 60))
    _end_fault(soak, name)


def _end_fault(soak: Soak, name: str) -> None:
    """The fault is over: it must have shown if a write ran into it long enough ago."""
    charger = soak.site.chargers[name]
    fault, since, shown = soak.faults.pop(name)
    now = dt_util.utcnow()
    first = since if fault is Fault.OFFLINE else charger.first_faulty_write
    long_ago = first is not None and (now - first).total_seconds() >= VISIBLE_AFTER_S
    if fault in VISIBLE and long_ago and not shown:
        soak.problems.append(
            f"{name}: {fault} from {first:%H:%M:%S} to {now:%H:%M:%S} never showed"
        )
    if fault is Fault.HANG and charger.hung:
        # The writes that hung are delivered now, late: what they carry may be stale.
        soak.excuse_now("late write")
    charger.end_fault()


async def _reset(soak: Soak, name: str) -> None:
    charger = soak.site.chargers[name]
    charger.apply(charger.native_max_value)  # a reboot: back at its maximum, by itself
    soak.excuse_now("reset")


async def _reload(soak: Soak, name: str) -> None:
    """A state change starts a cycle; the reload lands while it is in flight."""
    car = soak.site.cars[name]
    soak.site.plug(name, plugged=not car.plugged, need_kwh=soak.rng.uniform(2, 30))
    soak.hass.async_create_task(soak.hass.config_entries.async_reload(soak.entry.entry_id))
    soak.excuse_now("reload")
    soak.requests.pop(name, None)


async def _remove(soak: Soak, name: str) -> None:
    """The user removes a charger, maybe while its car charges."""
    soak.site.removed.add(name)
    soak.requests.pop(name, None)
    soak.hass.config_entries.async_remove_subentry(soak.entry, soak.ids[name])
    soak.excuse_now("removal")


EVENTS: dict[str, Callable[[Soak, str], Awaitable[None]]] = {
    "plug": _plug,
    "unplug": _unplug,
    "limit": _limit,
    "limit_entity": _limit_entity,
    "meter": _meter,
    "fault": _fault,
    "reset": _reset,
    "house": _house,
    "reload": _reload,
    "remove": _remove,
}


async def _soak(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seed: int) -> Soak:
    chargers = {
        "a": SimCharger("a"),
        "b": SimCharger("b", minimum=6.0),  # "0" is 6 A: it pauses through its switch
        "c": SimCharger("c"),  # no power sensor
    }
    site = await async_setup_sim(hass, chargers, power_sensors={"a", "b"}, switched={"b"})
    spec = site_entry(
        ("a", "b", "c"),
        grid=True,
        charger=lambda name: {
            CONF_CONTROL_ENTITY: f"number.{name}_current",
            CONF_SWITCH_ENTITY: "input_boolean.b_enabled" if name == "b" else None,
            CONF_MIN_CURRENT_A: 6.0,
            CONF_POWER_ENTITY: f"sensor.{name}_power" if name != "c" else None,
        },
        algorithm="PulpNumericalAlgorithm" if seed % 3 == 0 else "GoAlgorithm",
        safety_margin_kw=0.5,
    )
    entry = await async_setup_site(hass, spec)
    soak = Soak(
        hass=hass,
        freezer=freezer,
        rng=random.Random(seed),  # noqa: S311 - a reproducible test sequence, not a secret
        site=site,
        entry=entry,
        ids={name: subentry_id(entry, name) for name in chargers},
        last_excuse=dt_util.utcnow(),
    )
    end = dt_util.utcnow() + timedelta(hours=HOURS)
    while dt_util.utcnow() < end:
        await soak.step(10.0, soak.rng.randint(6, 24))
        weights = {k: 0 if k == "remove" and site.removed else w for k, w in WEIGHTS.items()}
        kind = soak.rng.choices(list(weights), weights=list(weights.values()))[0]
        name = soak.rng.choice([n for n in chargers if n not in site.removed])
        await EVENTS[kind](soak, name)
        await soak.step(1.0, 6)  # the transient, second by second
        soak.check_requests()
    return soak


@pytest.mark.parametrize("seed", range(RUNS))
async def test_the_site_limit_holds_at_the_chargers(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seed: int
) -> None:
    freezer.move_to("2026-01-05 16:00:00+00:00")
    soak = await _soak(hass, freezer, seed)
    # What the note's table reports: per kind of event, the longest time over the limit.
    print(f"seed {seed}: seconds over the limit after each kind of event: {soak.over_s}")  # noqa: T201
    assert soak.problems == []
