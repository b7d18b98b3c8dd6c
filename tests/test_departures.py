"""Departures across the daylight-saving changes: compared as instants, in two time zones.

Spring forward and autumn back in Europe/Berlin and America/New_York. A car plugged in at
20:00 the evening before leaves at 07:00 on the clock after the change: one real hour less
(spring) or more (autumn) than the wall clock says. A default departure in the hour autumn
repeats is the next of its two instants (the issue: at 01:10 after the first 01:30 it was
taken as past, and the car was planned for the next day).
"""

from datetime import datetime

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.optivgi.const import CONF_DEFAULT_DEPARTURE
from custom_components.optivgi.store import ChargingRequest

from .ha_site import async_setup_helpers, async_setup_site, settle, site_entry, subentry_id

KW = 11.04  # one car alone on the 22 kW site: 16 A on three phases at 230 V
ASKED_KWH = 200.0  # more than any of these stays can give: planned = KW * hours


@pytest.mark.parametrize(
    ("zone", "now", "default", "departure", "hours"),
    [
        # Spring forward: 20:00 CET -> 07:00 CEST is 10 real hours, not 11.
        ("Europe/Berlin", "2026-03-28T19:00:00+00:00", "07:00:00", "2026-03-29T07:00+02:00", 10),
        # 20:00 EST -> 07:00 EDT: 10 hours.
        ("America/New_York", "2026-03-08T01:00:00+00:00", "07:00:00", "2026-03-08T07:00-04:00", 10),
        # Autumn back: 20:00 CEST -> 07:00 CET is 12 real hours, not 11.
        ("Europe/Berlin", "2026-10-24T18:00:00+00:00", "07:00:00", "2026-10-25T07:00+01:00", 12),
        # 20:00 EDT -> 07:00 EST: 12 hours.
        ("America/New_York", "2026-11-01T00:00:00+00:00", "07:00:00", "2026-11-01T07:00-05:00", 12),
        # In the repeated hour, after the first 02:30 (CEST): 02:10 CET, the second 02:30 is
        # twenty minutes away.
        ("Europe/Berlin", "2026-10-25T01:10:00+00:00", "02:30:00", "2026-10-25T02:30+01:00", 1 / 3),
        # ... and before it (02:10 CEST): the first 02:30.
        ("Europe/Berlin", "2026-10-25T00:10:00+00:00", "02:30:00", "2026-10-25T02:30+02:00", 1 / 3),
        # 01:10 EST, after the first 01:30 (EDT): the second 01:30, twenty minutes away.
        (
            "America/New_York",
            "2026-11-01T06:10:00+00:00",
            "01:30:00",
            "2026-11-01T01:30-05:00",
            1 / 3,
        ),
        # 01:10 EDT: the first 01:30.
        (
            "America/New_York",
            "2026-11-01T05:10:00+00:00",
            "01:30:00",
            "2026-11-01T01:30-04:00",
            1 / 3,
        ),
        # Spring skips 02:00-03:00 in Berlin: 02:30 is when it would have been, 03:30 CEST.
        ("Europe/Berlin", "2026-03-29T00:30:00+00:00", "02:30:00", "2026-03-29T03:30+02:00", 1),
    ],
)
async def test_departure_is_an_instant_across_daylight_saving_changes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    *,
    zone: str,
    now: str,
    default: str,
    departure: str,
    hours: float,
) -> None:
    await hass.config.async_set_time_zone(zone)
    freezer.move_to(now)
    await async_setup_helpers(hass, ("driveway",))
    spec = site_entry(
        ("driveway",), charger=lambda _: {CONF_DEFAULT_DEPARTURE: default}, horizon_h=24
    )
    entry = await async_setup_site(hass, spec)
    cid = subentry_id(entry, "driveway")
    entry.runtime_data.store.set_request(cid, ChargingRequest(energy_kwh=ASKED_KWH))
    hass.states.async_set("binary_sensor.driveway_plug", "on")
    await settle(hass)
    charger = entry.runtime_data.coordinator.data.chargers[cid]
    assert charger.departure == datetime.fromisoformat(departure)
    assert charger.planned_kwh == pytest.approx(KW * hours, abs=1e-3)
    assert charger.shortfall_kwh == pytest.approx(ASKED_KWH - KW * hours, abs=1e-3)
