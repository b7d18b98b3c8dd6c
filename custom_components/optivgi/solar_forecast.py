"""The site's solar forecast: forecast PV power per planning step, in kW.

A source is either the config entry of an integration that gives Home Assistant's energy
dashboard a solar forecast (its `energy` platform's `async_get_solar_forecast`, called as core's
`energy/solar_forecast` does; asked at most every `SOLAR_REFRESH`), or Solcast sensors whose
`detailedForecast` attribute lists 30-minute periods of `pv_estimate` kW (read at every cycle).
Time the forecast does not cover counts 0 kW: no sun is assumed. Reading never raises: what
went wrong is kept in `fault`, a translation key, logged once when it starts and when it ends.
"""

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
import contextlib
from datetime import datetime, timedelta
from enum import StrEnum
import itertools
import math
from typing import Any, Final

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.loader import IntegrationNotFound, async_get_integration
from homeassistant.util import dt as dt_util

from .const import (
    CONF_FEED_IN_PRICE,
    CONF_SOLAR_CONFIG_ENTRY,
    CONF_SOLAR_ENTITY,
    CONF_SOLAR_SOURCE,
    DEFAULT_SOLAR_SOURCE,
    LOGGER,
)
from .prices import PriceSlot, resample
from .scm.constants import SchedulingParameters

#: An energy platform's forecast is used for this long before it is asked again.
SOLAR_REFRESH: Final = timedelta(minutes=15)
#: After a failed call the platform is asked again no sooner than this.
SOLAR_RETRY: Final = timedelta(minutes=5)
#: One call of an energy platform may take at most this long (s).
SOLAR_TIMEOUT_S: Final = 10.0
#: The length of one Solcast `detailedForecast` period.
SOLCAST_PERIOD: Final = timedelta(minutes=30)
#: The length of an energy forecast's period when the answer has one time only.
DEFAULT_PERIOD: Final = timedelta(hours=1)

ENERGY_PLATFORM: Final = "energy"
SOLAR_FORECAST_FUNCTION: Final = "async_get_solar_forecast"
DETAILED_FORECAST: Final = "detailedForecast"

FAULT_UNAVAILABLE: Final = "solar_forecast_unavailable"
FAULT_INVALID: Final = "solar_forecast_invalid"


class SolarSourceKind(StrEnum):
    """Where a site's solar forecast comes from (the stored `CONF_SOLAR_SOURCE` value)."""

    NONE = DEFAULT_SOLAR_SOURCE
    ENERGY = "energy"
    SOLCAST = "solcast"


class SolarReadError(Exception):
    """A forecast cannot be read: `fault` is the translation key, the message the detail."""

    def __init__(self, fault: str, detail: str) -> None:
        """Keep the fault; the detail is the message."""
        super().__init__(detail)
        self.fault = fault


def _time(value: object, where: str) -> datetime:
    """A period's start, as a datetime with a time zone (or an ISO string of one), in UTC."""
    when = value
    if isinstance(value, str):
        when = None
        with contextlib.suppress(ValueError):  # well formed, but no such time (an April 31st)
            when = dt_util.parse_datetime(value)
    if not isinstance(when, datetime) or when.tzinfo is None:
        msg = f"{where}: {value!r} is not a time with a time zone"
        raise SolarReadError(FAULT_INVALID, msg)
    return dt_util.as_utc(when)


def _amount(value: object, where: str) -> float:
    """A forecast value: a finite number, not negative."""
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    if not math.isfinite(number) or number < 0:
        msg = f"{where}: {value!r} is not a finite number of at least 0"
        raise SolarReadError(FAULT_INVALID, msg)
    return float(number)


def _checked(slots: list[PriceSlot]) -> list[PriceSlot]:
    """Sorted slots without exact duplicates; slots that overlap and disagree are refused."""
    ordered = sorted(set(slots), key=lambda slot: (slot.start, slot.end))
    for earlier, later in itertools.pairwise(ordered):
        if later.start < earlier.end:
            msg = f"periods overlap at {later.start.isoformat()}"
            raise SolarReadError(FAULT_INVALID, msg)
    return ordered


def energy_slots(answer: object) -> list[PriceSlot]:
    """The kW of an energy platform's answer: `{"wh_hours": {iso_time: wh}}`.

    Each value is the energy (Wh) of the period that starts at its time and lasts until the
    next time, but no longer than the answer's usual period (its most common spacing): times
    missing from the answer are not covered.
    """
    wh_hours = answer.get("wh_hours") if isinstance(answer, Mapping) else None
    if not isinstance(wh_hours, Mapping):
        msg = f"the answer has no wh_hours mapping: {answer!r:.80}"
        raise SolarReadError(FAULT_INVALID, msg)
    points = sorted(
        (_time(key, "wh_hours"), _amount(wh, f"wh_hours[{key}]")) for key, wh in wh_hours.items()
    )
    gaps = Counter(later[0] - earlier[0] for earlier, later in itertools.pairwise(points))
    if timedelta(0) in gaps:
        msg = "wh_hours names one time twice"
        raise SolarReadError(FAULT_INVALID, msg)
    period = gaps.most_common(1)[0][0] if gaps else DEFAULT_PERIOD
    ends = [min(start + period, later) for (start, _), (later, _) in itertools.pairwise(points)]
    ends += [points[-1][0] + period] if points else []
    return [
        PriceSlot(start=start, end=end, price=wh / 1000 / ((end - start) / timedelta(hours=1)))
        for (start, wh), end in zip(points, ends, strict=True)
    ]


def solcast_slots(attributes: Mapping[str, Any], entity_id: str) -> list[PriceSlot]:
    """The kW of a Solcast sensor's `detailedForecast`: `[{period_start, pv_estimate}, ...]`."""
    items = attributes.get(DETAILED_FORECAST)
    if not isinstance(items, list | tuple):
        msg = f"{entity_id} has no {DETAILED_FORECAST} list"
        raise SolarReadError(FAULT_INVALID, msg)
    slots: list[PriceSlot] = []
    for index, item in enumerate(items):
        where = f"{entity_id} {DETAILED_FORECAST}[{index}]"
        if not isinstance(item, Mapping):
            msg = f"{where} is not a mapping"
            raise SolarReadError(FAULT_INVALID, msg)
        start = _time(item.get("period_start"), where)
        kw = _amount(item.get("pv_estimate"), where)
        slots.append(PriceSlot(start=start, end=start + SOLCAST_PERIOD, price=kw))
    return slots


def step_kw(
    slots: Sequence[PriceSlot], start: datetime, params: SchedulingParameters
) -> list[float] | None:
    """The mean kW of each step from `start` (gaps count 0 kW); None if no slot is in the grid."""
    end = start + params.resolution * params.steps
    if not any(slot.start < end and slot.end > start for slot in slots):
        return None
    filled: list[PriceSlot] = []
    cursor = min(start, slots[0].start)
    for slot in slots:
        if slot.start > cursor:
            filled.append(PriceSlot(start=cursor, end=slot.start, price=0.0))
        filled.append(slot)
        cursor = slot.end
    if cursor < end:
        filled.append(PriceSlot(start=cursor, end=end, price=0.0))
    return [kw or 0.0 for kw in resample(filled, start, params.resolution, params.steps)]


class SolarForecast:
    """The solar forecast of one site, as its options configure it."""

    def __init__(self, hass: HomeAssistant, options: Mapping[str, Any]) -> None:
        """Read the source's settings from the site's options (an unknown kind is none)."""
        self._hass = hass
        stored = options.get(CONF_SOLAR_SOURCE, DEFAULT_SOLAR_SOURCE)
        self._kind = SolarSourceKind(stored) if stored in SolarSourceKind else None
        self._entry_id: str | None = options.get(CONF_SOLAR_CONFIG_ENTRY)
        entities = options.get(CONF_SOLAR_ENTITY) or []
        self._entities: list[str] = [entities] if isinstance(entities, str) else list(entities)
        price = options.get(CONF_FEED_IN_PRICE, 0.0)
        valid = isinstance(price, int | float) and not isinstance(price, bool)
        self._feed_in_price = float(price) if valid and math.isfinite(price) else 0.0
        #: An energy platform's last forecast and when it was fetched.
        self._answer: tuple[list[PriceSlot], datetime] | None = None
        self._failed_at: datetime | None = None
        self._fault: str | None = None
        if self._kind is None:
            LOGGER.warning("Unknown solar forecast source %r: planning without it", stored)

    @property
    def configured(self) -> bool:
        """Whether the site has a solar source with what it needs to be read."""
        match self._kind:
            case SolarSourceKind.ENERGY:
                return self._entry_id is not None
            case SolarSourceKind.SOLCAST:
                return bool(self._entities)
            case _:
                return False

    @property
    def fault(self) -> str | None:
        """Why the source could not be read at the last attempt (a translation key), or None."""
        return self._fault

    @property
    def feed_in_price(self) -> float:
        """What exported energy earns (currency per kWh); 0 unless the options say otherwise."""
        return self._feed_in_price

    def entity_ids(self) -> set[str]:
        """The entities whose change must start a new plan: the Solcast sensors, if any."""
        if self.configured and self._kind is SolarSourceKind.SOLCAST:
            return set(self._entities)
        return set()

    async def async_pv_kw(
        self, start: datetime, params: SchedulingParameters
    ) -> list[float] | None:
        """The forecast PV power (kW) of each step of the grid from `start`.

        None when the site has no source, the source cannot be read (see `fault`) or its
        forecast covers no part of the grid.
        """
        if not self.configured:
            return None
        try:
            if self._kind is SolarSourceKind.SOLCAST:
                slots = self._solcast_slots()
            else:
                slots = await self._async_energy_slots()
        except SolarReadError as err:
            self._set_fault(err.fault, str(err))
            return None
        self._set_fault(None, "")
        return step_kw(slots, dt_util.as_utc(start), params)

    def _solcast_slots(self) -> list[PriceSlot]:
        slots: list[PriceSlot] = []
        for entity_id in self._entities:
            state = self._hass.states.get(entity_id)
            if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
                raise SolarReadError(FAULT_UNAVAILABLE, f"{entity_id} is missing or unavailable")
            slots.extend(solcast_slots(state.attributes, entity_id))
        return _checked(slots)

    async def _async_energy_slots(self) -> list[PriceSlot]:
        now = dt_util.utcnow()
        if self._answer is not None and now - self._answer[1] < SOLAR_REFRESH:
            return self._answer[0]
        if self._failed_at is not None and now - self._failed_at < SOLAR_RETRY:
            # The failure is recent: its fault stands, without another wait for the platform.
            raise SolarReadError(self._fault or FAULT_UNAVAILABLE, "the last call failed")
        try:
            slots = await self._async_ask_platform()
        except SolarReadError:
            self._failed_at = now
            raise
        self._failed_at = None
        self._answer = (slots, now)
        return slots

    async def _async_ask_platform(self) -> list[PriceSlot]:
        """Ask the entry's energy platform for its forecast, as core's energy dashboard does."""
        entry = self._hass.config_entries.async_get_entry(self._entry_id or "")
        if entry is None:
            raise SolarReadError(FAULT_UNAVAILABLE, f"no config entry {self._entry_id}")
        try:
            integration = await async_get_integration(self._hass, entry.domain)
            platform = await integration.async_get_platform(ENERGY_PLATFORM)
        except (IntegrationNotFound, ImportError) as err:
            raise SolarReadError(
                FAULT_UNAVAILABLE, f"{entry.domain} has no energy platform"
            ) from err
        get_forecast = getattr(platform, SOLAR_FORECAST_FUNCTION, None)
        if not callable(get_forecast):
            raise SolarReadError(FAULT_UNAVAILABLE, f"{entry.domain} gives no solar forecast")
        try:
            async with asyncio.timeout(SOLAR_TIMEOUT_S):
                answer = await get_forecast(self._hass, entry.entry_id)
        except Exception as err:  # another integration's failure (or timeout) is a fault
            raise SolarReadError(FAULT_UNAVAILABLE, str(err) or type(err).__name__) from err
        if answer is None:
            raise SolarReadError(FAULT_UNAVAILABLE, f"{entry.title} has no forecast (not loaded?)")
        return energy_slots(answer)

    def _set_fault(self, fault: str | None, detail: str) -> None:
        """Keep the fault, and log when it starts or changes and when it ends (not per cycle)."""
        if fault == self._fault:
            return
        if fault is not None:
            LOGGER.warning("Cannot read the %s solar forecast: %s", self._kind, detail)
        else:
            LOGGER.info("The %s solar forecast can be read again", self._kind)
        self._fault = fault
