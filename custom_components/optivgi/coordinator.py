"""The SCM worker: one coordinator per site re-plans on a timer, on state changes and on request.

Each cycle runs `scm_runner` with the Home Assistant translation; the solve and the plan's
building run in the executor. Only material changes re-plan before the timer (DESIGN §5): a car
arriving or leaving, a new transaction, the limit, the load beside the chargers leaving the band
the plan uses (`NON_EV_HEADROOM_KW`), a request, a write that failed. A re-plan asked for while
a cycle runs runs right after it; none is dropped.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .charger_config import ChargerConfig
from .charger_issues import async_update_charger_issues, async_update_source_issue
from .const import (
    CONF_ALGORITHM,
    CONF_HORIZON_H,
    CONF_REPLAN_MIN,
    CONF_RESOLUTION_MIN,
    DEFAULT_ALGORITHM,
    DEFAULT_HORIZON_H,
    DEFAULT_REPLAN_MIN,
    DEFAULT_RESOLUTION_MIN,
    DOMAIN,
    EVENT_SCHEDULE_UPDATED,
    LOGGER,
    AlgorithmChoice,
)
from .hass_translation import HomeAssistantTranslation
from .models import SitePlan
from .plan import build_site_plan
from .readings import MISSING_STATES
from .scm.algorithm import Algorithm
from .scm.constants import SchedulingParameters
from .scm.go_algorithm import GoAlgorithm
from .scm.pulp_numerical_algorithm import PulpNumericalAlgorithm
from .scm.warm import WarmStart
from .scm_runner import FailedStep, scm_runner
from .store import RequestStore

ALGORITHMS: dict[str, type[Algorithm]] = {
    AlgorithmChoice.PULP: PulpNumericalAlgorithm,
    AlgorithmChoice.GO: GoAlgorithm,
}


@dataclass(kw_only=True, slots=True)
class OptiVgiRuntimeData:
    """What a loaded site keeps: its worker and its requests."""

    coordinator: OptiVgiCoordinator
    store: RequestStore


type OptiVgiConfigEntry = ConfigEntry[OptiVgiRuntimeData]


#: Why a cycle ran when nothing asked for it: the re-plan interval passed.
REASON_TIMER = "timer"


def scheduling_parameters(entry: ConfigEntry) -> SchedulingParameters:
    """The site's time grid from its options."""
    options = entry.options
    return SchedulingParameters(
        resolution=timedelta(minutes=int(options.get(CONF_RESOLUTION_MIN, DEFAULT_RESOLUTION_MIN))),
        horizon=timedelta(hours=int(options.get(CONF_HORIZON_H, DEFAULT_HORIZON_H))),
    )


class OptiVgiCoordinator(DataUpdateCoordinator[SitePlan]):
    """Opti-VGI's worker for one site, on Home Assistant's event loop."""

    config_entry: OptiVgiConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OptiVgiConfigEntry,
        store: RequestStore,
        retired: Mapping[str, ChargerConfig] | None = None,
    ) -> None:
        """Set up the timer (the re-plan interval) and the re-plan debouncer."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(
                minutes=int(entry.options.get(CONF_REPLAN_MIN, DEFAULT_REPLAN_MIN))
            ),
            always_update=True,
        )
        self.store = store
        self.params = scheduling_parameters(entry)
        self.algorithm_cls = ALGORITHMS.get(
            entry.options.get(CONF_ALGORITHM, DEFAULT_ALGORITHM), PulpNumericalAlgorithm
        )
        self.translation = HomeAssistantTranslation(
            hass,
            entry,
            store,
            self.params,
            request_replan=self._request_replan_soon,
            retired=retired,
        )
        self.warm = WarmStart()
        self._reason = "setup"
        self._replanned_at: datetime | None = None
        self._again: str | None = None
        self._cycle = asyncio.Lock()
        self._unsubscribe_sources: CALLBACK_TYPE | None = None
        self._control_ids: frozenset[str] = frozenset()
        self._metered: frozenset[str | None] = frozenset()
        self._attribute_ids: frozenset[str] = frozenset()
        #: How many cycles ran, by reason kind (diagnostics; the demo counts solves with it).
        self.cycles = 0

    async def async_request_replan(self, reason: str) -> bool:
        """Re-plan now; asked for while a cycle runs, once right after it (never dropped).

        No debouncer: only material changes ask (see `_async_source_changed`), and a burst of
        them while a cycle runs becomes one more cycle. Returns whether it ran now.
        """
        if self._cycle.locked():
            self._again = reason
            return False
        self._reason = reason
        await self.async_refresh()
        return True

    async def async_replan_for_user(self, reason: str) -> None:
        """Re-plan for an action, a button or a control; a cycle that fails is its error.

        Only a cycle run for this call answers it: one queued behind a running cycle reports
        on the entities, as every cycle does.
        """
        if await self.async_request_replan(reason) and not self.last_update_success:
            error = self.last_exception
            placeholders = getattr(error, "translation_placeholders", None) or {}
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="replan_failed",
                translation_placeholders={
                    "site": self.config_entry.title,
                    "error": placeholders.get("error", str(error)),
                },
            )

    @callback
    def _request_replan_soon(self, reason: str) -> None:
        """The actuator's way to ask for a re-plan (a failed or unconfirmed write)."""
        if not self.translation.actuator.closed:
            self.config_entry.async_create_task(
                self.hass, self.async_request_replan(reason), "optivgi re-plan", eager_start=False
            )

    @callback
    def async_track_sources(self) -> None:
        """Re-plan on material changes of the entities the site reads."""
        translation = self.translation
        # Fixed for the entry's life (a change of settings reloads it); every write's state
        # change is checked against them, 50 chargers' worth at a time.
        self._control_ids = frozenset(translation.control_entity_ids())
        self._metered = frozenset(translation.power_entity_ids() | {translation.site.grid_entity})
        self._attribute_ids = frozenset(
            translation.prices.entity_ids() | translation.solar.entity_ids()
        )
        entity_ids = sorted(
            translation.trigger_entity_ids() | translation.power_entity_ids() | self._control_ids
        )
        if not entity_ids:
            return
        self._unsubscribe_sources = async_track_state_change_event(
            self.hass, entity_ids, self._async_source_changed
        )
        self.config_entry.async_on_unload(self._stop_tracking)

    @callback
    def _stop_tracking(self) -> None:
        if self._unsubscribe_sources is not None:
            self._unsubscribe_sources()
            self._unsubscribe_sources = None

    async def _async_source_changed(self, event: Event[EventStateChangedData]) -> None:
        old, new = event.data["old_state"], event.data["new_state"]
        entity_id = event.data["entity_id"]
        # Attribute-only changes do not change the plan, but for prices and forecasts: they come
        # as attributes (tomorrow's prices, Solcast's forecast) of an entity whose state is now.
        if (
            old is not None
            and new is not None
            and old.state == new.state
            and (entity_id not in self._attribute_ids or old.attributes == new.attributes)
        ):
            return
        if entity_id in self._control_ids:
            gone = [s is None or s.state in MISSING_STATES for s in (old, new)]
            if gone[0] == gone[1]:
                return  # a value the actuator reads back, not a charger going or coming
        # Meters move with every command: only a load beside the chargers that moved, or a
        # charger or site drawing more than allowed, is worth a re-plan (no feedback loop).
        if entity_id in self._metered and not self.translation.power_changed(entity_id):
            return
        await self.async_request_replan(f"state change of {entity_id}")

    async def async_shutdown(self) -> None:
        """Stop for good: no command is sent after this, even by a cycle still in flight."""
        await self.translation.actuator.async_close()
        await super().async_shutdown()

    async def _async_update_data(self) -> SitePlan:
        """Run one SCM cycle and publish its plan."""
        try:
            async with self._cycle:
                return await self._async_cycle()
        finally:
            # After the lock is released, and after this refresh has published its plan.
            if (again := self._again) is not None and not self.translation.actuator.closed:
                self._again = None
                self._request_replan_soon(again)

    async def _async_cycle(self) -> SitePlan:
        reason, self._reason = self._reason, REASON_TIMER
        now = dt_util.utcnow()
        if reason != REASON_TIMER or self._replanned_at is None:
            self._replanned_at = now
        self.cycles += 1
        if self.store.prune(now):
            LOGGER.debug("Dropped expired requests or reservations")
        report = await scm_runner(
            self.translation,
            self.algorithm_cls,
            self.hass.async_add_executor_job,
            group_name=self.config_entry.title,
            params=self.params,
            now=now,
            warm=self.warm,
        )
        reading = self.translation.reading
        if report.failed_step is FailedStep.INPUTS or reading is None:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cycle_failed",
                translation_placeholders={
                    "site": self.config_entry.title,
                    "error": str(report.error),
                },
            )
        build = partial(
            build_site_plan,
            report,
            reading=reading,
            chargers=reading.configs,
            params=self.params,
            reason=reason,
            last_run=now,
            replanned_at=self._replanned_at,
        )
        # The report holds every EV's schedule (50 chargers x 2880 steps: 144 000 floats, whose
        # freeing took 2.4 ms): only the executor's job keeps it, so it is freed there.
        del report
        job = self.hass.async_add_executor_job(build)
        del build
        plan = await job
        async_update_charger_issues(self.hass, self.config_entry, plan)
        for source, fault in reading.source_faults.items():
            async_update_source_issue(self.hass, self.config_entry, source, fault)
        self.hass.bus.async_fire(
            EVENT_SCHEDULE_UPDATED,
            {
                "entry_id": self.config_entry.entry_id,
                "site": self.config_entry.title,
                "reason": reason,
                "status": plan.status,
                "planned_kw": plan.planned_kw,
                "budget_kw": plan.budget_kw,
            },
        )
        return plan
