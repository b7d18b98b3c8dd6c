"""A stand-in for the OCPP integration (lbbrhzn/ocpp) and one OCPP 1.6 charge point behind it.

It behaves as that integration does (read from its `api.py` and `ocppv16.py`):

- `ocpp.set_charge_rate` with `custom_profile` sends the profile as given on `conn_id` and
  **answers success even when the charge point rejects it** (the result is only logged);
- the charge point rejects a TxProfile whose `transactionId` is not its running transaction
  (none while `Preparing`: the transaction sensor reads 0), and accepts a TxDefaultProfile;
- the `current_offered` sensor tells the truth: what the charge point applies now;
- the connector status sensor reads `Available`, `Preparing`, `Charging`, `SuspendedEV`, ...
"""

from dataclasses import dataclass, field
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

STATUS = "sensor.cp_1_status_connector"
TRANSACTION = "sensor.cp_1_transaction_id"
OFFERED = "sensor.cp_1_current_offered"


@dataclass(kw_only=True)
class ChargePoint:
    """One charge point with one connector."""

    hass: HomeAssistant
    device_id: str = ""
    transaction: int = 0
    status: str = "Available"
    default_a: float = 32.0  # no default profile yet: a session starts at the maximum
    offered_a: float = 0.0
    #: Every SetChargingProfile it received: (connector, profile, accepted).
    received: list[tuple[int, dict[str, Any], bool]] = field(default_factory=list)
    reject_all: bool = False

    def publish(self) -> None:
        states = self.hass.states
        states.async_set(STATUS, self.status)
        states.async_set(TRANSACTION, str(self.transaction))
        states.async_set(
            OFFERED,
            f"{self.offered_a:.1f}",
            {"unit_of_measurement": "A", "device_class": "current"},
        )

    def plug_in(self) -> None:
        """A car is plugged in: Preparing, no transaction yet."""
        self.status, self.transaction, self.offered_a = "Preparing", 0, 0.0
        self.publish()

    def start(self, transaction: int) -> None:
        """The transaction starts at the default profile's current."""
        self.status, self.transaction, self.offered_a = "Charging", transaction, self.default_a
        self.publish()

    def suspend(self) -> None:
        self.status = "SuspendedEV"
        self.publish()

    def unplug(self) -> None:
        self.status, self.transaction, self.offered_a = "Available", 0, 0.0
        self.publish()

    async def set_charge_rate(self, call: ServiceCall) -> None:
        """The integration's action: forwards the profile and never reports a rejection."""
        profile: dict[str, Any] = call.data["custom_profile"]
        connector = int(call.data.get("conn_id", 0))
        purpose = profile.get("chargingProfilePurpose")
        limit = float(profile["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"])
        if purpose == "TxDefaultProfile":
            accepted = not self.reject_all
            if accepted:
                self.default_a = limit
        else:
            running = self.transaction != 0 and profile.get("transactionId") == self.transaction
            accepted = running and connector == 1 and not self.reject_all
            if accepted:
                self.offered_a = limit
        self.received.append((connector, profile, accepted))
        self.publish()

    def tx_profiles(self) -> list[dict[str, Any]]:
        return [p for _, p, _ in self.received if p["chargingProfilePurpose"] == "TxProfile"]

    def defaults(self) -> list[dict[str, Any]]:
        return [p for _, p, _ in self.received if p["chargingProfilePurpose"] == "TxDefaultProfile"]


def async_setup_charge_point(hass: HomeAssistant) -> ChargePoint:
    """Register the OCPP integration's device, sensors and action for charge point CP-1."""
    entry = MockConfigEntry(domain="ocpp")
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={("ocpp", "CP-1")}
    )
    point = ChargePoint(hass=hass, device_id=device.id)
    point.publish()
    hass.services.async_register("ocpp", "set_charge_rate", point.set_charge_rate)
    return point
