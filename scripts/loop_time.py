"""How long a cycle holds Home Assistant's event loop: 50 chargers, 1-minute steps over 48 h.

Builds the site in a real (test) Home Assistant through the real config and charger flows
(`tests/ha_site.py`), plugs every car in and runs cycles. The event-loop part of a cycle is
the wall time of `_async_update_data` minus the time it spends awaiting executor jobs (the
solve and the plan's building): everything else (`get_evs`, `get_peak_power_demand`,
`send_power_to_evs`, the charger issues, the event) runs on the loop. Nothing else runs on
the loop meanwhile, so the difference is the loop's own work. It reports, never asserts.

    .venv/bin/python scripts/loop_time.py [--chargers 50] [--cycles 7]
"""

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
import statistics
import sys
import time
from typing import Any
from unittest.mock import patch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from homeassistant import loader  # noqa: E402
from pytest_homeassistant_custom_component.common import async_test_home_assistant  # noqa: E402

from custom_components.optivgi.coordinator import OptiVgiCoordinator  # noqa: E402
from tests.ha_site import async_setup_helpers, async_setup_site, settle, site_entry  # noqa: E402


class Timer:
    """Seconds spent in each wrapped call, per cycle."""

    def __init__(self) -> None:
        """No time counted yet."""
        self.parts: dict[str, float] = {}

    def wrap[**P, T](self, name: str, func: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        """`func`, with the time until its result added to `name`."""

        async def timed(*args: P.args, **kwargs: P.kwargs) -> T:
            start = time.perf_counter()
            try:
                return await func(*args, **kwargs)
            finally:
                self.parts[name] = self.parts.get(name, 0.0) + time.perf_counter() - start

        return timed


async def _awaited(future: Awaitable[Any]) -> Any:  # noqa: ANN401
    return await future


async def measure(chargers: int, cycles: int) -> None:
    """Build the site, plug every car in, run `cycles` cycles and print the figures."""
    names = tuple(f"c{index:02d}" for index in range(chargers))
    async with async_test_home_assistant() as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)  # find custom_components/optivgi
        await async_setup_helpers(hass, names)
        spec = site_entry(
            names,
            algorithm="GoAlgorithm",  # the loop side does not depend on the solver
            resolution_min=1,
            horizon_h=48,
            replan_min=5,
            site_limit_kw=chargers * 11.04 / 2,  # half of them at full power: a shared plan
            site_limit_entity=None,
        )
        built = time.perf_counter()
        entry = await async_setup_site(hass, spec)
        print(f"site of {chargers} chargers built in {time.perf_counter() - built:.1f} s")
        for name in names:
            hass.states.async_set(f"binary_sensor.{name}_plug", "on")
        await settle(hass)
        coordinator: OptiVgiCoordinator = entry.runtime_data.coordinator
        print(f"{coordinator.params.steps} steps of {coordinator.params.resolution}")
        timer = Timer()
        translation = coordinator.translation
        for part in ("get_evs", "get_peak_power_demand", "send_power_to_evs"):
            setattr(translation, part, timer.wrap(part, getattr(translation, part)))
        # The test harness sets its own on the instance: wrap that one.
        executor = hass.async_add_executor_job

        cycle: asyncio.Task[Any] | None = None

        def timed_executor(target: Any, *args: Any) -> Any:  # noqa: ANN401
            job = executor(target, *args)
            if asyncio.current_task() is not cycle:
                return job  # another task's job (a store write): not the cycle's wait
            return timer.wrap("executor", _awaited)(job)

        loop_ms: list[float] = []
        cpu_ms: list[float] = []
        parts: list[dict[str, float]] = []
        with patch.object(hass, "async_add_executor_job", timed_executor):
            for _ in range(cycles):
                timer.parts = {}
                start, cpu = time.perf_counter(), time.thread_time()
                cycle = asyncio.ensure_future(coordinator._async_update_data())  # noqa: SLF001
                await cycle
                total = time.perf_counter() - start
                cpu_ms.append((time.thread_time() - cpu) * 1000)
                loop_ms.append((total - timer.parts.get("executor", 0.0)) * 1000)
                parts.append({k: v * 1000 for k, v in timer.parts.items()})
                await settle(hass)  # the writes the cycle started, outside the measure
        plan = coordinator.data
        print(f"planned {plan.planned_kw:.1f} kW of {plan.budget_kw:.1f} kW")
        print("per cycle (ms): " + ", ".join(f"{ms:.1f}" for ms in loop_ms))
        for name in ("get_evs", "get_peak_power_demand", "send_power_to_evs", "executor"):
            print(f"  {name}: median {statistics.median(p.get(name, 0.0) for p in parts):.1f} ms")
        print(f"event-loop part of a cycle: median {statistics.median(loop_ms):.1f} ms")
        # The loop thread's own CPU time: it sleeps while the executor works, so this is what
        # the cycle holds the loop for, without the waits for the executor threads' GIL.
        print("loop thread CPU per cycle (ms): " + ", ".join(f"{ms:.1f}" for ms in cpu_ms))
        print(f"event-loop thread CPU of a cycle: median {statistics.median(cpu_ms):.1f} ms")
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_stop(force=True)


def main() -> None:
    """Parse the arguments and measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chargers", type=int, default=50)
    parser.add_argument("--cycles", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(measure(args.chargers, args.cycles))


if __name__ == "__main__":
    main()
