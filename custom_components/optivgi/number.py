"""Numbers: each charger's request (energy, target SoC) and, with prices, the site's price cap.

A request is the same the `set_charging_request` action sets (kept in the site's store until the
car leaves); until one is set, a number shows the charger's default. Setting one re-plans at once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .charger_config import ChargerConfig
from .coordinator import OptiVgiConfigEntry, OptiVgiCoordinator
from .entity import OptiVgiControlEntity, async_add_charger_entities, async_register_site_device
from .limits import MAX_REQUEST_ENERGY_KWH
from .request_entities import async_update_request
from .service_validation import translated
from .site_controls import MAX_PRICE_CAP
from .store import ChargingRequest

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class OptiVgiRequestNumberDescription(NumberEntityDescription):
    """A part of a charger's request."""

    #: Its value in the request; None when the request asks in the other unit.
    value_fn: Callable[[ChargerConfig, ChargingRequest | None], float | None]
    #: The most a driver may ask of this charger.
    max_fn: Callable[[ChargerConfig], float]
    #: The charger has it (a target SoC needs a SoC sensor).
    exists_fn: Callable[[ChargerConfig], bool] = lambda _: True


def _energy(charger: ChargerConfig, request: ChargingRequest | None) -> float | None:
    if request is None or (request.energy_kwh is None and request.target_soc is None):
        return charger.default_energy_kwh if charger.soc_entity is None else None
    return request.energy_kwh


def _target_soc(charger: ChargerConfig, request: ChargingRequest | None) -> float | None:
    if request is None or (request.energy_kwh is None and request.target_soc is None):
        return charger.target_soc
    return request.target_soc


SESSION_ENERGY = OptiVgiRequestNumberDescription(
    key="session_energy",
    translation_key="session_energy",
    device_class=NumberDeviceClass.ENERGY,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    native_min_value=0.0,
    native_step=0.5,
    mode=NumberMode.BOX,
    value_fn=_energy,
    # A charger that knows its car's state of charge knows its battery: no more than that.
    max_fn=lambda c: c.battery_kwh if c.soc_entity is not None else MAX_REQUEST_ENERGY_KWH,
)
TARGET_SOC = OptiVgiRequestNumberDescription(
    key="target_soc",
    translation_key="target_soc",
    native_unit_of_measurement=PERCENTAGE,
    native_min_value=0.0,
    native_step=1.0,
    mode=NumberMode.SLIDER,
    value_fn=_target_soc,
    max_fn=lambda _: 100.0,
    exists_fn=lambda c: c.soc_entity is not None,
)
REQUEST_NUMBERS = (SESSION_ENERGY, TARGET_SOC)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each charger's request numbers to its device."""
    coordinator = entry.runtime_data.coordinator
    async_register_site_device(hass, entry)
    if coordinator.translation.prices.configured:
        async_add_entities([OptiVgiPriceCapNumber(coordinator, PRICE_CAP)])
    chargers = coordinator.translation.chargers
    async_add_charger_entities(
        coordinator,
        async_add_entities,
        lambda subentry: [
            OptiVgiRequestNumber(coordinator, description, subentry)
            for description in REQUEST_NUMBERS
            if description.exists_fn(chargers[subentry.subentry_id])
        ],
    )


class OptiVgiRequestNumber(OptiVgiControlEntity, NumberEntity):
    """A part of the charger's request: what the car on it is to get before it leaves."""

    entity_description: OptiVgiRequestNumberDescription

    def __init__(
        self,
        coordinator: OptiVgiCoordinator,
        description: OptiVgiRequestNumberDescription,
        subentry: ConfigSubentry,
    ) -> None:
        """A number on the charger's device, bounded by what the charger may be asked."""
        super().__init__(coordinator, description, subentry)
        self._attr_native_max_value = description.max_fn(self.charger)

    @property
    @override
    def native_value(self) -> float | None:
        charger = self.charger
        request = self.coordinator.store.requests.get(charger.charger_id)
        return self.entity_description.value_fn(charger, request)

    @override
    async def async_set_native_value(self, value: float) -> None:
        if self.entity_description.key == TARGET_SOC.key:
            await async_update_request(self, target_soc=value)
        else:
            await async_update_request(self, energy_kwh=value)


PRICE_CAP = NumberEntityDescription(
    key="price_cap",
    translation_key="price_cap",
    entity_category=EntityCategory.CONFIG,
    native_min_value=-MAX_PRICE_CAP,
    native_max_value=MAX_PRICE_CAP,
    native_step=0.001,
    mode=NumberMode.BOX,
)


class OptiVgiPriceCapNumber(OptiVgiControlEntity, NumberEntity):
    """The site's price cap: steps priced above it are used only when a departure needs them.

    Unknown while there is no cap; its maximum means no cap.
    """

    def __init__(
        self, coordinator: OptiVgiCoordinator, description: NumberEntityDescription
    ) -> None:
        """A number on the site's device, in the prices' currency per kWh."""
        super().__init__(coordinator, description)
        currency = coordinator.data.currency if coordinator.data is not None else None
        self._attr_native_unit_of_measurement = (
            f"{currency or coordinator.hass.config.currency}/{UnitOfEnergy.KILO_WATT_HOUR}"
        )

    @property
    @override
    def native_value(self) -> float | None:
        return self.coordinator.store.controls.price_cap

    @override
    async def async_set_native_value(self, value: float) -> None:
        with translated():
            self.coordinator.store.set_price_cap(None if value >= MAX_PRICE_CAP else value)
        await self.async_changed("price cap")
