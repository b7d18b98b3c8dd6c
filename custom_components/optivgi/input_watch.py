"""Reading entity states for a site: each input that goes away is logged once, and once back.

A configured entity that no longer exists at all raises a repair issue until it returns.
"""

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, LOGGER


class InputWatch:
    """States of one site's inputs, with the log and repair issues that their absence needs."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Nothing is missing yet."""
        self.hass = hass
        self.entry = entry
        self.gone: set[str] = set()
        #: The repair issues raised (touching the registry on every read costs the loop).
        self.issues: set[str] = set()

    def state(self, entity_id: str | None) -> State | None:
        """The entity's state; logs once when it goes away and once when it returns."""
        if entity_id is None:
            return None
        state = self.hass.states.get(entity_id)
        missing = state is None or state.state == STATE_UNAVAILABLE
        issue_id = f"missing_entity_{self.entry.entry_id}_{entity_id}"
        if missing and entity_id not in self.gone:
            self.gone.add(entity_id)
            LOGGER.warning(
                "%s: %s is unavailable; planning conservatively", self.entry.title, entity_id
            )
        elif not missing and entity_id in self.gone:
            self.gone.discard(entity_id)
            LOGGER.info("%s: %s is available again", self.entry.title, entity_id)
        if state is None and self.hass.is_running and issue_id not in self.issues:
            self.issues.add(issue_id)
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="missing_entity",
                translation_placeholders={"entity_id": entity_id, "site": self.entry.title},
            )
        elif state is not None and issue_id in self.issues:
            self.issues.discard(issue_id)
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        return state
