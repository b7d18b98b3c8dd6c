"""The site's button: re-plan now, for a user who does not want to wait for the timer."""

from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OptiVgiConfigEntry
from .entity import OptiVgiEntity, async_register_site_device

PARALLEL_UPDATES = 0

REPLAN = ButtonEntityDescription(key="replan", translation_key="replan")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the site's re-plan button."""
    async_register_site_device(hass, entry)
    async_add_entities([OptiVgiReplanButton(entry.runtime_data.coordinator, REPLAN)])


class OptiVgiReplanButton(OptiVgiEntity, ButtonEntity):
    """Runs a cycle now (one asked for while a cycle runs runs right after it)."""

    @property
    @override
    def available(self) -> bool:
        """Always: a failed cycle is exactly when a user wants to try again."""
        return True

    @override
    async def async_press(self) -> None:
        await self.coordinator.async_replan_for_user("button")
