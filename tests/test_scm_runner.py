"""One SCM cycle over a Translation: inputs, solve in the executor, profiles out, failures."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import override

import pytest

from custom_components.optivgi.scm.algorithm import Algorithm, Schedule, ScheduleStatus
from custom_components.optivgi.scm.ev import EV, ChargingProfile, ChargingRateUnit
from custom_components.optivgi.scm.go_algorithm import GoAlgorithm
from custom_components.optivgi.scm.problem import ScheduleProblem
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm
from custom_components.optivgi.scm.warm import WarmStart
from custom_components.optivgi.scm_runner import Solved, scm_runner
from custom_components.optivgi.translation import Translation

from .scm_factories import NOW, ev, params_for

STEPS = 16
PARAMS = params_for(STEPS)


class FakeTranslation(Translation):
    """A site in memory; records what it is sent and can be made to fail."""

    def __init__(self, evs: list[EV], limit: list[float], *, fail: str | None = None) -> None:
        self.evs = evs
        self.limit = limit
        self.fail = fail
        self.sent: dict[EV, ChargingProfile] | None = None

    @override
    async def get_evs(self, group_name: str) -> tuple[list[EV], float | None]:
        if self.fail == "evs":
            raise ConnectionError("charger list unavailable")
        return self.evs, 230.0

    @override
    async def get_peak_power_demand(
        self, group_name: str, now: datetime, voltage: float | None = None
    ) -> list[float]:
        return self.limit

    @override
    async def send_power_to_evs(
        self, powers: dict[EV, ChargingProfile], unit: ChargingRateUnit | None = None
    ) -> None:
        if self.fail == "send":
            raise TimeoutError("charger did not answer")
        self.sent = powers


class RecordingExecutor:
    """Runs the job directly and remembers it ran here (in HA: the executor thread pool)."""

    def __init__(self) -> None:
        self.jobs = 0

    async def __call__(self, job: Callable[[], Solved]) -> Solved:
        self.jobs += 1
        return job()


class BrokenAlgorithm(Algorithm):
    name = "BrokenAlgorithm"

    @override
    def _schedule(self, problem: ScheduleProblem) -> Schedule:
        raise ArithmeticError("solver crashed")


class OverLimitAlgorithm(Algorithm):
    """Returns every EV at its maximum: breaks the site limit."""

    name = "OverLimitAlgorithm"

    @override
    def _schedule(self, problem: ScheduleProblem) -> Schedule:
        power = problem.window_mask() * problem.max_kw[:, None]
        return Schedule(power=power.astype(float), status=ScheduleStatus.OPTIMAL)


def two_evs() -> list[EV]:
    return [ev(name, energy=10, max_kw=11, steps=STEPS) for name in ("a", "b")]


async def test_cycle_sends_profiles_from_a_solve_in_the_executor() -> None:
    translation = FakeTranslation(two_evs(), [11.0] * STEPS)
    executor = RecordingExecutor()
    report = await scm_runner(
        translation,
        PulpNumericalAlgorithm,
        executor,
        params=PARAMS,
        now=NOW + timedelta(minutes=7, seconds=3),
    )
    assert executor.jobs == 1
    assert report.now == NOW  # rounded down to the 15-minute step
    assert report.sent
    assert report.failed_step is None
    assert report.result is not None
    assert report.result.status is ScheduleStatus.OPTIMAL
    assert report.result.energy_planned_kwh == pytest.approx({"a": 10.0, "b": 10.0})
    assert 0 < report.result.total_s < 60
    assert translation.sent is not None
    assert set(translation.sent) == set(translation.evs)
    first = translation.sent[translation.evs[0]]["chargingSchedule"]["chargingSchedulePeriod"]
    assert first[0]["startPeriod"] == 0


async def test_failed_inputs_send_nothing_and_report() -> None:
    translation = FakeTranslation(two_evs(), [11.0] * STEPS, fail="evs")
    report = await scm_runner(
        translation, PulpNumericalAlgorithm, RecordingExecutor(), params=PARAMS
    )
    assert report.failed_step == "inputs"
    assert "charger list unavailable" in (report.error or "")
    assert translation.sent is None
    assert not report.sent


async def test_wrong_limit_length_is_an_input_error() -> None:
    translation = FakeTranslation(two_evs(), [11.0] * (STEPS - 1))
    report = await scm_runner(
        translation, PulpNumericalAlgorithm, RecordingExecutor(), params=PARAMS
    )
    assert report.failed_step == "inputs"
    assert "horizon has 16" in (report.error or "")


@pytest.mark.parametrize("algorithm_cls", [BrokenAlgorithm, OverLimitAlgorithm])
async def test_failing_or_invalid_algorithm_falls_back_to_go(
    algorithm_cls: type[Algorithm],
) -> None:
    translation = FakeTranslation(two_evs(), [11.0] * STEPS)
    report = await scm_runner(
        translation, algorithm_cls, RecordingExecutor(), params=PARAMS, now=NOW
    )
    assert report.failed_step == "calculate"
    assert report.sent
    assert report.result is not None
    assert report.result.algorithm == GoAlgorithm.name
    for step in range(STEPS):
        assert sum(e.power[step] for e in translation.evs) <= 11.0 + 1e-6


async def test_when_the_fallback_fails_too_every_charger_gets_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(GoAlgorithm, "_schedule", BrokenAlgorithm._schedule)
    translation = FakeTranslation(two_evs(), [11.0] * STEPS)
    report = await scm_runner(
        translation, BrokenAlgorithm, RecordingExecutor(), params=PARAMS, now=NOW
    )
    assert report.failed_step == "fallback"
    assert report.result is None
    assert report.sent
    assert translation.sent is not None
    for profile in translation.sent.values():
        periods = profile["chargingSchedule"]["chargingSchedulePeriod"]
        assert [period["limit"] for period in periods] == [0.0]


async def test_failed_send_is_reported_not_raised() -> None:
    translation = FakeTranslation(two_evs(), [11.0] * STEPS, fail="send")
    report = await scm_runner(translation, GoAlgorithm, RecordingExecutor(), params=PARAMS)
    assert report.failed_step == "send"
    assert "did not answer" in (report.error or "")
    assert not report.sent
    assert report.result is not None


async def test_default_prices_are_none() -> None:
    translation = FakeTranslation([], [1.0] * STEPS)
    assert await translation.get_prices("site", NOW) is None


async def test_a_warm_start_carries_the_last_cycle_to_the_next() -> None:
    warm = WarmStart()
    translation = FakeTranslation(two_evs(), [11.0] * STEPS)
    for expected in (False, True):
        report = await scm_runner(
            translation,
            PulpNumericalAlgorithm,
            RecordingExecutor(),
            params=PARAMS,
            now=NOW,
            warm=warm,
        )
        assert report.sent
        assert report.result is not None
        assert report.result.reused is expected
