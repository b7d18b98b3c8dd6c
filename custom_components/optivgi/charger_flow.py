"""The charger steps, shared by the site's first charger and the charger subentry flow."""

from collections.abc import Mapping
from typing import Any, override

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigSubentryFlow,
    SubentryFlowContext,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.data_entry_flow import FlowContext, FlowHandler, FlowResult
from homeassistant.helpers import device_registry as dr
from homeassistant.util import slugify

from .charger_checks import ocpp_has_chargers, target_clash
from .charger_schemas import (
    CHARGER_DETAILS_SCHEMA,
    CHARGER_SCHEMA,
    CONTROL_SCHEMAS,
    DEFAULT_CHARGER_DETAILS,
    SCRIPT,
)
from .const import (
    CONF_CONTROL,
    CONF_CONTROL_ENTITY,
    CONF_MAX_CURRENT_A,
    CONF_MIN_CURRENT_A,
    CONF_OCPP_DEVICE,
    CONF_PHASES,
    SUBENTRY_TYPE_CHARGER,
    Control,
)
from .flow_validation import (
    CONTROL_ENTITY_RULES,
    DETAILS_ENTITY_RULES,
    details_from_input,
    entity_errors,
)
from .phase_flow import charger_phase_errors, charger_phase_suggestions


class ChargerSteps[
    ContextT: FlowContext,
    ResultT: FlowResult[Any, Any],
    HandlerT,
](FlowHandler[ContextT, ResultT, HandlerT]):
    """The steps that describe one charger, shared by the site flow and the charger subentry flow.

    The first step (`CHARGER_SCHEMA`) asks for the name and the control kind; then the step of
    that control kind (`number`, `ocpp` or `script`); then `details`. A subclass sets
    `_charger_previous` (the charger being reconfigured, or empty) and finishes the charger in
    `_async_finish_charger`.
    """

    _charger_previous: Mapping[str, Any] = {}
    _charger_name: str
    _charger_data: dict[str, Any]

    def _charger_name_taken(self, name: str) -> bool:  # noqa: ARG002 - overridden by subentries
        """Return whether another charger of the site already has this name."""
        return False

    def _charger_own_id(self) -> str | None:
        """The subentry ID of the charger being changed, or None for a new charger."""
        return None

    async def _async_finish_charger(self, title: str, data: dict[str, Any]) -> ResultT:
        """Create or update the charger called `title` with settings `data`."""
        raise NotImplementedError

    async def _async_step_charger(self, step_id: str, user_input: dict[str, Any] | None) -> ResultT:
        """Ask for the charger's name and how its limit is written."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            if not name:
                errors[CONF_NAME] = "invalid_name"
            elif self._charger_name_taken(name):
                errors[CONF_NAME] = "charger_name_taken"
            elif user_input[CONF_CONTROL] == Control.OCPP and not ocpp_has_chargers(self.hass):
                # The OCPP step could offer no device: say what to do while the user can still
                # choose another control.
                errors[CONF_CONTROL] = "ocpp_not_set_up"
            else:
                self._charger_name = name
                self._charger_data = {CONF_CONTROL: user_input[CONF_CONTROL]}
                control_steps = {
                    Control.NUMBER: self.async_step_number,
                    Control.OCPP: self.async_step_ocpp,
                    Control.SCRIPT: self.async_step_script,
                }
                return await control_steps[Control(user_input[CONF_CONTROL])]()
        suggestions = user_input or {
            CONF_NAME: self._charger_previous.get(CONF_NAME, ""),
            CONF_CONTROL: self._charger_previous.get(CONF_CONTROL, Control.NUMBER.value),
        }
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(CHARGER_SCHEMA, suggestions),
            errors=errors,
        )

    async def async_step_number(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Ask for the number entity that takes the charger's limit in A, W or kW."""
        return await self._async_step_control(Control.NUMBER, user_input)

    async def async_step_ocpp(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Ask for the OCPP charger's device and its transaction ID sensor."""
        return await self._async_step_control(Control.OCPP, user_input)

    async def async_step_script(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Ask for the script that writes the charger's limit."""
        return await self._async_step_control(Control.SCRIPT, user_input)

    async def _async_step_control(
        self, control: Control, user_input: dict[str, Any] | None
    ) -> ResultT:
        """Ask for what the chosen control kind writes to; shown prefilled if it is unchanged."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            errors = entity_errors(self.hass, user_input, CONTROL_ENTITY_RULES[control])
            device_id = user_input.get(CONF_OCPP_DEVICE)
            if device_id is not None and dr.async_get(self.hass).async_get(device_id) is None:
                errors[CONF_OCPP_DEVICE] = "device_not_found"
            if not errors and (
                clash := target_clash(self.hass, user_input, self._charger_own_id())
            ):
                errors, placeholders = clash.errors, clash.placeholders
            if not errors and self._script_drops_calls(user_input.get(CONF_CONTROL_ENTITY)):
                # A warning, not a refusal: submitting the same script again accepts it.
                self._warned_script = user_input.get(CONF_CONTROL_ENTITY)
                errors[CONF_CONTROL_ENTITY] = "script_mode_drops_calls"
            if not errors:
                self._charger_data.update(user_input)
                return await self.async_step_details()
            suggestions: Mapping[str, Any] = user_input
        elif self._charger_previous.get(CONF_CONTROL) == control:
            suggestions = self._charger_previous
        else:
            suggestions = {}
        return self.async_show_form(
            step_id=control.value,
            data_schema=self.add_suggested_values_to_schema(CONTROL_SCHEMAS[control], suggestions),
            errors=errors,
            description_placeholders=placeholders,
        )

    _warned_script: str | None = None

    def _script_drops_calls(self, entity_id: str | None) -> bool:
        """Whether the script runs in mode `single` (a call while it runs is dropped).

        Only the first time it is chosen: the user was told and may keep it.
        """
        if (
            entity_id is None
            or not entity_id.startswith(f"{SCRIPT}.")
            or entity_id == self._warned_script
        ):
            return False
        state = self.hass.states.get(entity_id)
        return state is not None and state.attributes.get("mode", "single") == "single"

    async def async_step_details(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Ask how a car is seen and what it needs, and the charger's electrical limits."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        suggestions: Mapping[str, Any]
        if user_input is not None:
            details = details_from_input(user_input)
            errors = entity_errors(self.hass, details, DETAILS_ENTITY_RULES)
            if details[CONF_MIN_CURRENT_A] > details[CONF_MAX_CURRENT_A]:
                errors[CONF_MIN_CURRENT_A] = "min_above_max"
            errors.update(charger_phase_errors(self.hass, details))
            if not errors and (clash := target_clash(self.hass, details, self._charger_own_id())):
                errors, placeholders = clash.errors, clash.placeholders
            if not errors:
                return await self._async_finish_charger(
                    self._charger_name, self._charger_data | details
                )
            suggestions = details
        else:
            suggestions = {**DEFAULT_CHARGER_DETAILS, **self._charger_previous}
        return self.async_show_form(
            step_id="details",
            data_schema=self.add_suggested_values_to_schema(
                CHARGER_DETAILS_SCHEMA,
                {
                    **suggestions,
                    CONF_PHASES: str(suggestions[CONF_PHASES]),
                    **charger_phase_suggestions(suggestions),
                },
            ),
            errors=errors,
            description_placeholders=placeholders,
        )


class ChargerSubentryFlowHandler(
    ChargerSteps[SubentryFlowContext, SubentryFlowResult, tuple[str, str]], ConfigSubentryFlow
):
    """Add a charger to a site, or change one; a charger's name is unique within its site."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Ask for a new charger's name and control kind."""
        return await self._async_step_charger("user", user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Show the charger's steps prefilled with its current settings."""
        subentry = self._get_reconfigure_subentry()
        self._charger_previous = {**subentry.data, CONF_NAME: subentry.title}
        return await self._async_step_charger("reconfigure", user_input)

    @override
    def _charger_own_id(self) -> str | None:
        """The reconfigured charger's subentry ID; a new charger has none yet."""
        return self.context.get("subentry_id")

    @override
    def _charger_name_taken(self, name: str) -> bool:
        """Return whether another charger of this site has a name with the same slug."""
        own = self._charger_own_id()
        return any(
            slugify(subentry.title) == slugify(name) and subentry.subentry_id != own
            for subentry in self._get_entry().get_subentries_of_type(SUBENTRY_TYPE_CHARGER)
        )

    @override
    async def _async_finish_charger(self, title: str, data: dict[str, Any]) -> SubentryFlowResult:
        """Add the new charger, or replace the reconfigured charger's name and settings."""
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_and_abort(
                self._get_entry(), self._get_reconfigure_subentry(), title=title, data=data
            )
        return self.async_create_entry(title=title, data=data)
