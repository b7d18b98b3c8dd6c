"""Config flow for OptiVGI: a site is a config entry, each of its chargers a config subentry.

Stored shapes (others read them):

- `entry.data = {CONF_NAME: name}`, `entry.title = name`, `entry.unique_id = slugify(name)`
  (the reconfigure step edits them; Home Assistant's own Rename edits the title, and
  `site_name.py` brings the other two in line when the site is set up again).
- `entry.options` = the site settings of `SITE_SETTINGS_SCHEMA` (the options flow edits them):
  floats in kW, ints in minutes or hours, `CONF_ALGORITHM` an `AlgorithmChoice` value. An
  optional entity that is not set is absent.
  The form's `prices` section is stored flat: `CONF_PRICE_SOURCE` (a `PriceSourceKind` value) and
  the keys of `PRICE_FIELDS` that its kind uses; no price source is stored as no price key at all.
  The solar forecast's keys (`solar_flow.py`) are in the same section and stored the same way.
  The `phases` section is stored flat too (`phase_flow.py`): `CONF_PHASE_LIMIT_A` and, where they
  differ, L2's and L3's limits (floats in A), and all three phase current sensors or none.
- `subentry.title` = the charger's name, `subentry.data` = its settings: `CONF_CONTROL` (a `Control`
  value), the keys of that control's step, and the keys of `CHARGER_DETAILS_SCHEMA` (floats in kWh,
  %, A and V, `CONF_PHASES` an int, `CONF_DEFAULT_DEPARTURE` as "HH:MM:SS", `CONF_SITE_PHASES`
  as "L1".."L3" or a rotation "L1L2L3", `CONF_SINGLE_PHASE_CAR` True or absent). An optional entity
  that is not set is absent, and so is `CONF_PLUG_STATES` when no state is chosen.
"""

from collections.abc import Mapping
from typing import Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowContext,
    ConfigFlowResult,
    ConfigSubentryData,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.util import slugify

from .charger_flow import ChargerSteps, ChargerSubentryFlowHandler
from .const import DOMAIN, SUBENTRY_TYPE_CHARGER
from .flow_validation import settings_from_input, settings_suggestions, validate_settings
from .site_name import site_name_taken
from .site_schemas import DEFAULT_SITE_SETTINGS, SITE_NAME_SCHEMA, SITE_SCHEMA, SITE_SETTINGS_SCHEMA


class OptiVgiConfigFlow(
    ChargerSteps[ConfigFlowContext, ConfigFlowResult, str], ConfigFlow, domain=DOMAIN
):
    """Create a site with its first charger, or rename a site."""

    VERSION = 1

    _name: str
    _settings: dict[str, Any]

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OptiVgiOptionsFlow:
        """Return the flow that changes a site's settings."""
        return OptiVgiOptionsFlow()

    @classmethod
    @callback
    @override
    def async_get_supported_subentry_types(
        cls,
        config_entry: ConfigEntry,
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentry flows of a site: one charger each."""
        return {SUBENTRY_TYPE_CHARGER: ChargerSubentryFlowHandler}

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the site's name and settings; a site name can be used once."""
        errors: dict[str, str] = {}
        suggestions: Mapping[str, Any] = DEFAULT_SITE_SETTINGS
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            settings = settings_from_input(user_input)
            errors = validate_settings(self.hass, settings)
            if name_error := await self._async_claim_name(name):
                errors[CONF_NAME] = name_error
            if not errors:
                self._name, self._settings = name, settings
                return await self.async_step_charger()
            suggestions = {CONF_NAME: name, **settings}
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                SITE_SCHEMA, settings_suggestions(suggestions)
            ),
            errors=errors,
        )

    async def _async_claim_name(self, name: str) -> str | None:
        """Take `name` as this flow's unique ID, or return why it cannot be this site's name.

        A taken name is an error on the name field, not an abort: the rest of the form the
        user filled in stays.
        """
        if not name:
            await self.async_set_unique_id(None)
            return "invalid_name"
        unique_id = slugify(name)
        if site_name_taken(self.hass, name):
            await self.async_set_unique_id(None)
            return "already_configured"
        try:
            await self.async_set_unique_id(unique_id)
        except AbortFlow:  # another flow is creating a site of this name
            return "already_in_progress"
        return None

    async def async_step_charger(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the site's first charger; later ones are added as subentries."""
        return await self._async_step_charger("charger", user_input)

    @override
    async def _async_finish_charger(self, title: str, data: dict[str, Any]) -> ConfigFlowResult:
        """Create the site together with its first charger."""
        return self.async_create_entry(
            title=self._name,
            data={CONF_NAME: self._name},
            options=self._settings,
            subentries=[
                ConfigSubentryData(
                    subentry_type=SUBENTRY_TYPE_CHARGER, title=title, data=data, unique_id=None
                )
            ],
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Rename the site (its settings are the options); the name must not be another site's."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        name = entry.title  # Home Assistant's own Rename changes only the title
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            unique_id = slugify(name)
            if not name:
                errors[CONF_NAME] = "invalid_name"
            elif site_name_taken(self.hass, name, entry.entry_id):
                errors[CONF_NAME] = "already_configured"
            else:
                changes: dict[str, Any] = {
                    "unique_id": unique_id,
                    "title": name,
                    "data": {CONF_NAME: name},
                }
                if entry.update_listeners:
                    # The site's update listener reloads it; reloading here as well is
                    # deprecated (Home Assistant logs it and stops allowing it in 2026.12).
                    return self.async_update_and_abort(entry, **changes)
                return self.async_update_reload_and_abort(entry, **changes)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(SITE_NAME_SCHEMA, {CONF_NAME: name}),
            errors=errors,
        )


class OptiVgiOptionsFlow(OptionsFlow):
    """Change a site's settings; its name is changed by reconfiguring it (`SITE_NAME_SCHEMA`)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the site settings prefilled and store them as the entry's options."""
        errors: dict[str, str] = {}
        settings: Mapping[str, Any] = {**DEFAULT_SITE_SETTINGS, **self.config_entry.options}
        if user_input is not None:
            settings = settings_from_input(user_input)
            if not (errors := validate_settings(self.hass, settings)):
                return self.async_create_entry(data=settings)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                SITE_SETTINGS_SCHEMA, settings_suggestions(settings)
            ),
            errors=errors,
        )
