"""Repair issues a cycle raises and clears: unresponsive chargers, sources that cannot be read."""

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .models import ChargerStatus, SitePlan


def issue_id(entry_id: str, charger_id: str) -> str:
    """The repair issue of one unresponsive charger."""
    return f"unresponsive_{entry_id}_{charger_id}"


@callback
def async_update_charger_issues(hass: HomeAssistant, entry: ConfigEntry, plan: SitePlan) -> None:
    """One issue per unresponsive charger of the plan; the others' issues are cleared."""
    registry = ir.async_get(hass)
    for cid, charger in plan.chargers.items():
        if charger.status is ChargerStatus.UNRESPONSIVE:
            ir.async_create_issue(
                hass,
                DOMAIN,
                issue_id(entry.entry_id, cid),
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="charger_unresponsive",
                translation_placeholders={
                    "charger": charger.name,
                    "site": entry.title,
                    "detail": charger.error or "",
                },
            )
        elif registry.async_get_issue(DOMAIN, issue_id(entry.entry_id, cid)) is not None:
            ir.async_delete_issue(hass, DOMAIN, issue_id(entry.entry_id, cid))


@callback
def async_update_source_issue(
    hass: HomeAssistant, entry: ConfigEntry, source: str, fault: str | None
) -> None:
    """An issue while a source of the site (`price_source`, `solar_forecast`) cannot be read.

    `fault` is the source's translation key (`PriceSource.fault`, `SolarForecast.fault`).
    """
    source_issue = f"{source}_{entry.entry_id}"
    if fault is None:
        ir.async_delete_issue(hass, DOMAIN, source_issue)  # nothing happens if there is none
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        source_issue,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=fault,
        translation_placeholders={"site": entry.title},
    )
