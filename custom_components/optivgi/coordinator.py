"""The SCM worker: one coordinator per site re-plans on a timer, on state changes and on request.

Each cycle runs `scm_runner` with the Home Assistant translation; the solve runs in the executor.
State changes of the site's source entities ask for a re-plan through the coordinator's
debouncer, so a chatty meter does not cause a solve per reading.
"""

from dataclasses import dataclass
from datetime import timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

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
    STATE_CHANGE_DEBOUNCE_S,
    AlgorithmChoice,
)
from .hass_translation import HomeAssistantTranslation
from .models import SitePlan
from .plan import build_site_plan
from .scm.algorithm import Algorithm
from .scm.constants import SchedulingParameters
from .scm.go_algorithm import GoAlgorithm
from .scm.pulp_numerical_algorithm import PulpNumericalAlgorithm
from .scm_runner import scm_runner
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

    def __init__(self, hass: HomeAssistant, entry: OptiVgiConfigEntry, store: RequestStore) -> None:
        """Set up the timer (the re-plan interval) and the re-plan debouncer."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(
                minutes=int(entry.options.get(CONF_REPLAN_MIN, DEFAULT_REPLAN_MIN))
            ),
            request_refresh_debouncer=Debouncer(
                hass, LOGGER, cooldown=STATE_CHANGE_DEBOUNCE_S, immediate=True
            ),
            always_update=True,
        )
        self.store = store
        self.params = scheduling_parameters(entry)
        self.algorithm_cls = ALGORITHMS.get(
            entry.options.get(CONF_ALGORITHM, DEFAULT_ALGORITHM), PulpNumericalAlgorithm
        )
        self.translation = HomeAssistantTranslation(hass, entry, store, self.params)
        self._reason = "setup"
        self._unsubscribe_sources: CALLBACK_TYPE | None = None

    async def async_request_replan(self, reason: str) -> None:
        """Ask for a re-plan (debounced); `reason` is recorded with the cycle."""
        self._reason = reason
        await self.async_request_refresh()

    @callback
    def async_track_sources(self) -> None:
        """Re-plan when any entity the site reads changes state."""
        entity_ids = sorted(self.translation.source_entity_ids())
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
        if old is not None and new is not None and old.state == new.state:
            return  # attribute-only changes do not change the plan
        await self.async_request_replan(f"state change of {event.data['entity_id']}")

    async def _async_update_data(self) -> SitePlan:
        """Run one SCM cycle and publish its plan."""
        reason, self._reason = self._reason, "timer"
        now = dt_util.utcnow()
        if self.store.prune(now):
            LOGGER.debug("Dropped expired requests or reservations")
        report = await scm_runner(
            self.translation,
            self.algorithm_cls,
            self.hass.async_add_executor_job,
            group_name=self.config_entry.title,
            params=self.params,
            now=now,
        )
        plan = build_site_plan(
            report,
            translation=self.translation,
            params=self.params,
            reason=reason,
            last_run=now,
        )
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
