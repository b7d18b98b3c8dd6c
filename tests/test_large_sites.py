"""Large sites with minimums: the bound is solved, never given up for the heuristic's schedule."""

from datetime import timedelta
from pathlib import Path
import sys
from typing import Any

import numpy as np
import pytest

from custom_components.optivgi.scm import lp_model
from custom_components.optivgi.scm.algorithm import ScheduleStatus
from custom_components.optivgi.scm.lp_settings import LinearProgramError
from custom_components.optivgi.scm.pulp_numerical_algorithm import PulpNumericalAlgorithm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from bench import algorithm_of, evs_of, problem_of
from bench_scenarios import FAMILIES


def test_a_bound_that_stops_short_without_crossover_is_solved_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`minimums` 100 x 1440 x 60 s, seed 2: interior point without crossover ends "Unknown".

    The schedule used to be GoAlgorithm's fallback ("linear program failed"); the bound's
    fairness round is solved again with crossover, and the heuristic's schedule is proven.
    """
    scenario = FAMILIES["minimums"](100, 1440, timedelta(minutes=1), 2)
    statuses: list[str] = []
    optimise = lp_model.Model.optimise

    def recorded(self: lp_model.Model, stage: str, *args: Any, **kwargs: Any) -> float:
        try:
            return optimise(self, stage, *args, **kwargs)
        except LinearProgramError as err:
            statuses.append(str(err))
            raise

    monkeypatch.setattr(lp_model.Model, "optimise", recorded)
    evs = evs_of(scenario)
    algorithm = algorithm_of(PulpNumericalAlgorithm, scenario, evs)
    result = algorithm.calculate()
    assert statuses == ["fairness stage: HiGHS Unknown"]  # the first try, without crossover
    assert result.status is not ScheduleStatus.FALLBACK
    problem = problem_of(scenario)
    assert problem.violations(np.array([car.power for car in evs])) == []
