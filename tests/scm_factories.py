"""Random and hand-made sites for the scheduling-core tests (seeded, no Home Assistant)."""

from datetime import UTC, datetime, timedelta

import numpy as np

from custom_components.optivgi.scm.constants import SchedulingParameters
from custom_components.optivgi.scm.ev import EV

NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)


def params_for(steps: int, minutes: int = 15) -> SchedulingParameters:
    """A grid of `steps` steps of `minutes`."""
    resolution = timedelta(minutes=minutes)
    return SchedulingParameters(resolution=resolution, horizon=resolution * steps)


def ev(
    ev_id: str,
    *,
    energy: float,
    max_kw: float,
    min_kw: float = 0.0,
    start: int = 0,
    end: int | None = None,
    steps: int = 96,
    minutes: int = 15,
    priority: int = 0,
) -> EV:
    """An EV whose window is steps `[start, end)` of a grid starting at `NOW`."""
    step = timedelta(minutes=minutes)
    return EV(
        ev_id=ev_id,
        active=start == 0,
        min_power=min_kw,
        max_power=max_kw,
        arrival_time=NOW + step * start - (timedelta(minutes=1) if start == 0 else timedelta(0)),
        departure_time=NOW + step * (steps if end is None else end),
        energy=energy,
        priority=priority,
    )


def random_site(
    seed: int, *, n_evs: int, steps: int, with_minimums: bool
) -> tuple[list[EV], list[float]]:
    """EVs with random windows, requests and bounds, and a random (partly varying) limit."""
    rng = np.random.default_rng(seed)
    evs = []
    for index in range(n_evs):
        start = int(rng.integers(0, steps))
        end = int(rng.integers(start, steps + 8))
        max_kw = float(rng.uniform(1.4, 22))
        min_kw = float(rng.uniform(1.4, 4.1)) if with_minimums and rng.random() < 0.7 else 0.0
        evs.append(
            ev(
                f"ev{index}",
                energy=float(rng.choice([0.0, rng.uniform(0.5, 60)], p=[0.1, 0.9])),
                max_kw=max_kw,
                min_kw=min(min_kw, max_kw),
                start=start,
                end=end,
                steps=steps,
            )
        )
    limit = np.full(steps, float(rng.uniform(0, 60)))
    if rng.random() < 0.5:
        dip = int(rng.integers(0, steps))
        limit[dip : dip + steps // 4] *= float(rng.uniform(0, 1))
    return evs, limit.tolist()
