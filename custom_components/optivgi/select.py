"""Each charger's charge mode: Smart (planned), Fast (all the site allows now), Solar or Off.

The mode is kept in the site's store and outlives the session (a charger set to Off stays off
for the next car); a change re-plans at once.
"""

from typing import override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OptiVgiConfigEntry
from .entity import OptiVgiControlEntity, async_add_charger_entities, async_register_site_device
from .site_controls import ChargeMode

PARALLEL_UPDATES = 0

CHARGE_MODE = SelectEntityDescription(
    key="charge_mode",
    translation_key="charge_mode",
    options=[str(mode) for mode in ChargeMode],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each charger's mode select to its device."""
    coordinator = entry.runtime_data.coordinator
    async_register_site_device(hass, entry)
    async_add_charger_entities(
        coordinator,
        async_add_entities,
        lambda subentry: [OptiVgiChargeModeSelect(coordinator, CHARGE_MODE, subentry)],
    )


class OptiVgiChargeModeSelect(OptiVgiControlEntity, SelectEntity):
    """How the charger's car is charged; *Solar* only where the site has a grid meter."""

    @property
    @override
    def options(self) -> list[str]:
        metered = self.coordinator.translation.site.grid_entity is not None
        return [str(m) for m in ChargeMode if metered or m is not ChargeMode.SOLAR]

    @property
    @override
    def current_option(self) -> str:
        return str(self.coordinator.store.controls.mode(self.charger.charger_id))

    @override
    async def async_select_option(self, option: str) -> None:
        self.coordinator.store.set_mode(self.charger.charger_id, ChargeMode(option))
        await self.async_changed("charge mode")
