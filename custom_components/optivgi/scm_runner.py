"""One Smart Charging Management cycle: inputs from a Translation, a schedule, profiles out.

The solve, its check and the profiles are CPU work: the caller passes `run_in_executor` (in Home
Assistant, `hass.async_add_executor_job`) so none of it runs on the event loop. Every failure is
contained and reported: a failed algorithm falls back to `GoAlgorithm`, and if that fails too,
every charger is sent 0 kW, which is within any limit.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
import logging
from typing import Protocol

import numpy as np

from .scm.algorithm import Algorithm, SchedulingResult
from .scm.constants import SchedulingParameters
from .scm.ev import EV, ChargingProfile
from .scm.go_algorithm import GoAlgorithm
from .scm.warm import WarmStart
from .translation import CycleExtras, Translation
from .utils import round_down_datetime

_LOGGER = logging.getLogger(__name__)

type Solved = tuple[SchedulingResult, dict[EV, ChargingProfile]]


class Executor(Protocol):
    """Runs a job off the event loop (in Home Assistant: `hass.async_add_executor_job`)."""

    def __call__[T](self, job: Callable[[], T], /) -> Awaitable[T]:
        """The job's result, once it has run."""
        ...


class FailedStep(StrEnum):
    """The step of a cycle that failed (the last one, when the fallback failed too)."""

    INPUTS = "inputs"  # reading the site: nothing was solved nor sent
    CALCULATE = "calculate"  # the chosen algorithm: `GoAlgorithm`'s schedule was used
    FALLBACK = "fallback"  # `GoAlgorithm` too: every charger was sent 0 kW
    SEND = "send"  # sending the profiles: retried next cycle


@dataclass(kw_only=True)
class CycleReport:
    """What one cycle did: its start, the EVs, the result and what was sent, or what failed."""

    now: datetime
    evs: list[EV] = field(default_factory=list)
    #: The budget per step the algorithm was given (kW).
    limits: list[float] = field(default_factory=list)
    result: SchedulingResult | None = None
    profiles: dict[EV, ChargingProfile] = field(default_factory=dict)
    #: Set when a step failed, and the error.
    failed_step: FailedStep | None = None
    error: str | None = None
    sent: bool = False


async def scm_runner(
    translation: Translation,
    algorithm_cls: type[Algorithm],
    run_in_executor: Executor,
    *,
    group_name: str = "",
    params: SchedulingParameters | None = None,
    now: datetime | None = None,
    warm: WarmStart | None = None,
) -> CycleReport:
    """Run one cycle for one group (site) and report it; never raises for a failed step.

    `warm` is the site's `WarmStart`, kept by the caller from one cycle to the next: unchanged
    inputs reuse the last schedule, and the LP keeps the new plan closest to the last one.
    """
    params = params or SchedulingParameters()
    report = CycleReport(now=round_down_datetime(now or datetime.now(UTC), params.resolution))
    try:
        report.evs, voltage = await translation.get_evs(group_name)
        limits = await translation.get_peak_power_demand(group_name, report.now, voltage)
        report.limits = list(limits)
        prices = await translation.get_prices(group_name, report.now)
        extras = await translation.get_extras(group_name, report.now)
        if len(report.limits) != params.steps:  # the rest is checked with the problem
            msg = (
                f"peak power demand has {len(report.limits)} values, the horizon has {params.steps}"
            )
            raise ValueError(msg)  # noqa: TRY301 - reported as a failed reading, like the rest
    except Exception as err:  # noqa: BLE001 - a cycle reports, the next one retries
        _LOGGER.warning("Reading the site failed: %s", err)
        report.failed_step, report.error = FailedStep.INPUTS, repr(err)
        return report

    # Building the problem is proportional to EVs x steps too: it is part of the executor job.
    inputs = (report.evs, list(limits), report.now, params, prices)
    try:
        solve = partial(_build_and_solve, algorithm_cls, *inputs, extras=extras, warm=warm)
        report.result, report.profiles = await run_in_executor(solve)
    except Exception as err:  # noqa: BLE001 - any algorithm failure falls back
        _LOGGER.warning("%s failed, using GoAlgorithm: %s", algorithm_cls.name, err)
        report.failed_step, report.error = FailedStep.CALCULATE, repr(err)
        try:
            solve = partial(_build_and_solve, GoAlgorithm, *inputs, extras=extras, warm=None)
            report.result, report.profiles = await run_in_executor(solve)
        except Exception as fallback_err:
            _LOGGER.exception("GoAlgorithm failed too; sending 0 kW to every charger")
            report.failed_step, report.error = FailedStep.FALLBACK, repr(fallback_err)
            report.result = None
            report.profiles = await run_in_executor(partial(_stopped, *inputs))

    try:
        await translation.send_power_to_evs(report.profiles)
    except Exception as err:  # noqa: BLE001 - a failed write is retried next cycle
        _LOGGER.warning("Sending the schedules failed: %s", err)
        report.failed_step, report.error = FailedStep.SEND, repr(err)
    else:
        report.sent = True
    return report


def _build_and_solve(  # noqa: PLR0917 - one cycle's inputs, passed on through `partial`
    algorithm_cls: type[Algorithm],
    evs: list[EV],
    limits: list[float],
    now: datetime,
    params: SchedulingParameters,
    prices: list[float] | None,
    *,
    extras: CycleExtras,
    warm: WarmStart | None,
) -> Solved:
    """The executor's job: the problem, its schedule, its check and its profiles."""
    algorithm = algorithm_cls(
        evs,
        limits,
        now,
        params,
        prices,
        surplus_kw=extras.surplus_kw,
        feed_in_price=extras.feed_in_price,
        phase_limits_a=extras.phase_limits_a,
        warm=warm,
        idle_kw=extras.idle_kw,
    )
    return _solve(algorithm)


def _stopped(
    evs: list[EV],
    limits: list[float],
    now: datetime,
    params: SchedulingParameters,
    prices: list[float] | None,
) -> dict[EV, ChargingProfile]:
    """Every EV at 0 kW: within any limit (the last resort)."""
    algorithm = GoAlgorithm(evs, limits, now, params, prices)
    for ev in algorithm.evs:
        ev.power = [0.0] * params.steps
    return algorithm.get_charging_profiles()


def _solve(algorithm: Algorithm) -> Solved:
    """The executor's job: the schedule, its check and its profiles (all CPU work)."""
    result = algorithm.calculate()
    _check(algorithm)
    return result, algorithm.get_charging_profiles()


def _check(algorithm: Algorithm) -> None:
    """Raise if the schedule in the EVs breaks a hard constraint (never sent to a charger)."""
    problem = algorithm.problem
    power = np.array([ev.power for ev in algorithm.evs], dtype=np.float64)
    power = power.reshape(problem.n_evs, problem.n_steps)
    if problems := problem.violations(power):
        msg = f"{algorithm.name} returned an invalid schedule: {', '.join(problems)}"
        raise ValueError(msg)
