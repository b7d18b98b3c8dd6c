"""The site's energy price source: read it, and turn it into one price per planning step.

A source is a price entity (read at every cycle: a state lookup is cheap) or a core action,
`nordpool.get_prices_for_date` or `tibber.get_prices` (asked at most every
`ACTION_REFRESH`, and at once when the local date changed: day-ahead prices do not change once
published, and tomorrow's come once a day). Reading a source never raises: what went wrong is
kept in `fault`, a translation key, and logged once when it starts and once when it ends.
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import probatio

from .const import (
    CONF_PRICE_AREA,
    CONF_PRICE_CONFIG_ENTRY,
    CONF_PRICE_ENTITY,
    CONF_PRICE_HOME,
    CONF_PRICE_SOURCE,
    DEFAULT_PRICE_SOURCE,
    LOGGER,
)
from .price_shapes import prices_from_attributes, prices_from_nordpool, prices_from_tibber
from .prices import PriceFormatError, PriceSeries, build_series, resample
from .scm.constants import SchedulingParameters

#: Added to the price of a step whose known price is above the cap (currency per kWh). The
#: scheduler maximises the energy delivered before it minimises cost, so such a step is still
#: used when a departure cannot be met without it, and avoided whenever it can be: no real price
#: comes near 1000 per kWh, so any step under the cap is cheaper than every step above it.
CAP_PENALTY: Final = 1000.0
#: An action's answer is used for this long before the action is asked again.
ACTION_REFRESH: Final = timedelta(minutes=15)
#: After a failed call the action is asked again no sooner than this: a hanging action would
#: otherwise hold up every cycle for the whole timeout.
ACTION_RETRY: Final = timedelta(minutes=5)
#: One action call (both days) may take at most this long (s).
ACTION_TIMEOUT_S: Final = 10.0

FAULT_UNAVAILABLE: Final = "price_source_unavailable"
FAULT_INVALID: Final = "price_source_invalid"

NORDPOOL_DOMAIN: Final = "nordpool"
TIBBER_DOMAIN: Final = "tibber"


class PriceSourceKind(StrEnum):
    """Where a site's prices come from (the stored `CONF_PRICE_SOURCE` value)."""

    NONE = DEFAULT_PRICE_SOURCE
    ENTITY = "entity"
    NORDPOOL = NORDPOOL_DOMAIN
    TIBBER = TIBBER_DOMAIN


@dataclass(frozen=True, kw_only=True, slots=True)
class StepPrices:
    """The prices of one planning grid.

    `actual` is the source's price per step (currency per kWh), None where it is unknown;
    `planning` is what the scheduler gets (see `planning_prices`); `known_until` is the end of
    the source's last known price, in UTC, even beyond the grid: capped at the horizon, it would
    move with every cycle (and flood the logbook) while the source's prices stay the same.
    """

    actual: tuple[float | None, ...]
    planning: tuple[float, ...]
    currency: str | None
    known_until: datetime | None


def planning_prices(actual: Sequence[float | None], cap: float | None) -> list[float] | None:
    """The finite price per step the scheduler plans with; None when no price is known.

    An unknown step gets the highest known price: every known cheap step is preferred to it,
    and among unknown steps, all equal, the scheduler's earliest-first tie-break decides as it
    does without prices. With a cap, a known price above it gets `CAP_PENALTY` on top. An
    unknown step is then filled with the highest known price but no more than the cap: it is
    not known to be above the cap, so it must rank before every step that is, and it is not
    known to be cheap, so it must not rank before any known step under the cap.
    """
    known = [price for price in actual if price is not None]
    if not known:
        return None
    fill = max(known) if cap is None else min(max(known), cap)

    def planned(price: float | None) -> float:
        if price is None:
            return fill
        return price + CAP_PENALTY if cap is not None and price > cap else price

    return [planned(price) for price in actual]


class _ReadError(Exception):
    """The source could not be read; `fault` is the translation key, the message the detail."""

    def __init__(self, fault: str, detail: str) -> None:
        super().__init__(detail)
        self.fault = fault


@dataclass(frozen=True, kw_only=True, slots=True)
class _Answer:
    """An action's prices, when they were fetched and the local date they were fetched on."""

    series: PriceSeries
    fetched: datetime
    day: date


class PriceSource:
    """The price source of one site, as its options configure it."""

    def __init__(self, hass: HomeAssistant, options: Mapping[str, Any]) -> None:
        """Read the source's settings from the site's options (an unknown kind is none)."""
        self._hass = hass
        stored = options.get(CONF_PRICE_SOURCE, DEFAULT_PRICE_SOURCE)
        self._kind = PriceSourceKind(stored) if stored in PriceSourceKind else None
        self._entity_id: str | None = options.get(CONF_PRICE_ENTITY)
        self._config_entry: str | None = options.get(CONF_PRICE_CONFIG_ENTRY)
        self._area: str | None = options.get(CONF_PRICE_AREA)
        self._home: str | None = options.get(CONF_PRICE_HOME)
        self._answer: _Answer | None = None
        self._failed_at: datetime | None = None
        self._fault: str | None = None
        if self._kind is None:
            LOGGER.warning("Unknown price source %r: planning without prices", stored)

    @property
    def configured(self) -> bool:
        """Whether the site has a price source with what it needs to be read."""
        match self._kind:
            case PriceSourceKind.ENTITY:
                return self._entity_id is not None
            case PriceSourceKind.NORDPOOL:
                return self._config_entry is not None
            case PriceSourceKind.TIBBER:
                return True
            case _:
                return False

    @property
    def fault(self) -> str | None:
        """Why the source could not be read at the last attempt (a translation key), or None."""
        return self._fault

    def entity_ids(self) -> set[str]:
        """The entities whose change must start a new plan: the price entity, if any."""
        if self.configured and self._kind is PriceSourceKind.ENTITY and self._entity_id:
            return {self._entity_id}
        return set()

    async def async_step_prices(
        self, start: datetime, params: SchedulingParameters, cap: float | None
    ) -> StepPrices | None:
        """The prices of the grid from `start` (`params.steps` steps of `params.resolution`).

        None when the site has no source, the source cannot be read (see `fault`) or it knows
        no price within the grid: the site is then planned as without prices.
        """
        if not self.configured:
            return None
        try:
            series = await self._async_series()
        except _ReadError as err:
            self._set_fault(err.fault, str(err))
            return None
        self._set_fault(None, "")
        actual = resample(series.slots, start, params.resolution, params.steps)
        planning = planning_prices(actual, cap)
        if planning is None:
            return None
        return StepPrices(
            actual=tuple(actual),
            planning=tuple(planning),
            currency=series.currency,
            known_until=dt_util.as_utc(max(slot.end for slot in series.slots)),
        )

    async def _async_series(self) -> PriceSeries:
        if self._kind is PriceSourceKind.ENTITY:
            return self._entity_series()
        now = dt_util.utcnow()
        today = dt_util.as_local(now).date()
        answer = self._answer
        if answer is not None and answer.day == today and now - answer.fetched < ACTION_REFRESH:
            return answer.series
        if self._failed_at is not None and now - self._failed_at < ACTION_RETRY:
            # The failure is recent: its fault stands, without another wait for the action.
            raise _ReadError(self._fault or FAULT_UNAVAILABLE, "the last call failed")
        try:
            series = await self._async_call_action(today)
        except _ReadError:
            self._failed_at = now
            raise
        self._failed_at = None
        self._answer = _Answer(series=series, fetched=now, day=today)
        return series

    def _entity_series(self) -> PriceSeries:
        entity_id = self._entity_id or ""
        state = self._hass.states.get(entity_id)
        if state is None or state.state == STATE_UNAVAILABLE:
            raise _ReadError(FAULT_UNAVAILABLE, f"{entity_id} is missing or unavailable")
        try:
            return prices_from_attributes(state.attributes)
        except PriceFormatError as err:
            raise _ReadError(FAULT_INVALID, f"{entity_id}: {err}") from err

    async def _async_call_action(self, today: date) -> PriceSeries:
        """Ask the action for today's and tomorrow's prices (local dates)."""
        tomorrow = today + timedelta(days=1)
        try:
            async with asyncio.timeout(ACTION_TIMEOUT_S):
                if self._kind is PriceSourceKind.NORDPOOL:
                    answers = await asyncio.gather(
                        self._async_nordpool(today), self._async_nordpool(tomorrow)
                    )
                    return self._nordpool_series(answers)
                return self._tibber_series(await self._async_tibber(today))
        except PriceFormatError as err:
            raise _ReadError(FAULT_INVALID, str(err)) from err
        except TimeoutError as err:
            msg = f"no answer within {ACTION_TIMEOUT_S} s"
            raise _ReadError(FAULT_UNAVAILABLE, msg) from err
        except (HomeAssistantError, probatio.Invalid) as err:
            # ServiceNotFound (the integration is not loaded) is a HomeAssistantError too.
            raise _ReadError(FAULT_UNAVAILABLE, str(err) or type(err).__name__) from err

    async def _async_call(self, domain: str, service: str, data: dict[str, Any]) -> object:
        return await self._hass.services.async_call(
            domain, service, data, blocking=True, return_response=True
        )

    async def _async_nordpool(self, day: date) -> object:
        data: dict[str, Any] = {"config_entry": self._config_entry, "date": day.isoformat()}
        if self._area:
            data["areas"] = [self._area]
        return await self._async_call(NORDPOOL_DOMAIN, "get_prices_for_date", data)

    def _nordpool_series(self, answers: Sequence[object]) -> PriceSeries:
        """One area's prices of both days, in the currency the calls used: their entry's."""
        entry = self._hass.config_entries.async_get_entry(self._config_entry or "")
        stated = entry.data.get("currency") if entry is not None else None
        currency = stated if isinstance(stated, str) else None
        days = [prices_from_nordpool(answer, currency, self._area) for answer in answers]
        return build_series([slot for day in days for slot in day.slots], currency)

    async def _async_tibber(self, today: date) -> object:
        midnight = dt_util.start_of_local_day(today)
        # Until the local midnight after tomorrow: a day of 23 or 25 hours is still whole.
        end = dt_util.start_of_local_day(today + timedelta(days=2))
        data = {"start": midnight.isoformat(), "end": end.isoformat()}
        return await self._async_call(TIBBER_DOMAIN, "get_prices", data)

    def _tibber_series(self, answer: object) -> PriceSeries:
        # Tibber's prices are in the home's currency, which the response does not name; it is
        # the one Home Assistant is set up with unless the user says otherwise.
        return prices_from_tibber(answer, self._hass.config.currency, self._home)

    def _set_fault(self, fault: str | None, detail: str) -> None:
        """Keep the fault, and log when it starts or changes and when it ends (not per cycle)."""
        if fault == self._fault:
            return
        if fault is not None:
            LOGGER.warning("Cannot read the %s energy prices: %s", self._kind, detail)
        else:
            LOGGER.info("The %s energy prices can be read again", self._kind)
        self._fault = fault
