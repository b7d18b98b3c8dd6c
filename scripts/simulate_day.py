"""The simulated day's inputs for `simulate.py`: the cars, the tariff, the site limit and the sun.

All times are UTC from `DAY_START`; the sessions are seeded, so every algorithm meets the same day.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

DAY_START = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
#: What an exported kWh of PV surplus earns (per kWh), against the tariff's 0.13-0.37.
FEED_IN_PRICE = 0.08
#: Peak of the PV surplus (kW) and the hours it spans.
PV_PEAK_KW = 6.0
PV_HOURS = (10.0, 16.0)


@dataclass
class Session:
    """One car's visit to one charger: kWh wanted, kW bounds, and what it got."""

    ev_id: str
    arrival: datetime
    departure: datetime
    energy_kwh: float
    min_kw: float
    max_kw: float
    delivered_kwh: float = 0.0


#: A charger's rating (kW): the site's limit is a share of their sum, and an idle one could draw it.
CHARGER_KW = 11.0


def make_sessions(chargers: int, seed: int) -> list[Session]:
    """A workday: each charger gets a morning commuter and often an afternoon or evening car."""
    rng = np.random.default_rng(seed)
    sessions = []
    for charger in range(chargers):
        arrival = DAY_START + timedelta(hours=float(rng.uniform(6.5, 10)))
        while arrival < DAY_START + timedelta(hours=22):
            stay = timedelta(hours=float(rng.uniform(2, 9)))
            max_kw = float(rng.choice([7.4, 11.0, 22.0]))
            sessions.append(
                Session(
                    ev_id=f"c{charger}-{len(sessions)}",
                    arrival=arrival,
                    departure=min(arrival + stay, DAY_START + timedelta(hours=24)),
                    energy_kwh=float(rng.uniform(5, 45)),
                    min_kw=0.0 if rng.random() < 0.2 else 4.14 if max_kw > 7.4 else 1.38,
                    max_kw=max_kw,
                )
            )
            arrival += stay + timedelta(hours=float(rng.uniform(0.5, 6)))
    return sessions


def tariff(step_start: datetime) -> float:
    """Price per kWh of the 15 minutes a step starts in: night and midday low, evening peak."""
    hour = step_start.hour + (step_start.minute // 15) / 4
    price = 0.25 + 0.12 * np.exp(-(((hour - 19) / 2.5) ** 2)) - 0.1 * (hour < 6)
    price -= 0.12 * np.exp(-(((hour - 13) / 1.5) ** 2))
    return float(np.round(price + 0.02 * np.sin(hour * 7.3), 4))


def site_limit(step_start: datetime, chargers: int) -> float:
    """Import budget for cars (kW): 40 % of the chargers' sum, 25 % during a peak 16-19 h."""
    share = 0.25 if 16 <= step_start.hour < 19 else 0.4
    return share * chargers * CHARGER_KW


def pv_surplus(step_start: datetime, peak_kw: float = PV_PEAK_KW) -> float:
    """PV power beyond the house's load (kW): a bell (sine squared) over `PV_HOURS`, else 0."""
    first, last = PV_HOURS
    hour = step_start.hour + step_start.minute / 60
    if not first <= hour < last:
        return 0.0
    return float(peak_kw * np.sin(np.pi * (hour - first) / (last - first)) ** 2)


def bill(site_kw: float, surplus_kw: float, price: float, feed_in: float, hours: float) -> float:
    """One step's EV energy on one meter: grid kWh at the price, surplus kWh at the feed-in."""
    solar = min(site_kw, surplus_kw)
    return (price * (site_kw - solar) + feed_in * solar) * hours
