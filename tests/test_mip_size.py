"""The mixed-integer searches run where their root node is affordable (`MIP_MAX_FREE_COLUMNS`)."""

from datetime import timedelta
from pathlib import Path
import sys
from typing import Any

import numpy as np
import pytest

from custom_components.optivgi.scm import repair
from custom_components.optivgi.scm.go_algorithm import GoAlgorithm
from custom_components.optivgi.scm.pulp_numerical_algorithm import (
    MIP_MAX_CELLS,
    PulpNumericalAlgorithm,
)
from custom_components.optivgi.scm.repair import MIP_MAX_FREE_COLUMNS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from bench import algorithm_of, evs_of, problem_of
from bench_scenarios import FAMILIES


def test_a_one_minute_site_of_ten_chargers_searches_no_model_beyond_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`minimums` 10 x 480 one-minute steps, seed 1: 14.5 s a plan when every search ran."""
    scenario = FAMILIES["minimums"](10, 480, timedelta(minutes=1), 1)
    problem = problem_of(scenario)
    cells = problem.open_cells()
    # Without the cap the whole model (every cell with a minimum) would be searched.
    assert MIP_MAX_FREE_COLUMNS < problem.cells_with_minimum(cells) <= MIP_MAX_CELLS
    searched: list[int] = []
    search = repair.semi_continuous_steps

    def counted(*args: Any, **kwargs: Any) -> Any:
        within, fixed_on = args[1], kwargs.get("fixed_on")
        free = within & (problem.min_kw > 0)[:, None]
        searched.append(int((free & ~fixed_on).sum() if fixed_on is not None else free.sum()))
        return search(*args, **kwargs)

    monkeypatch.setattr(repair, "semi_continuous_steps", counted)
    schedules = {}
    for algorithm_cls in (PulpNumericalAlgorithm, GoAlgorithm):
        evs = evs_of(scenario)
        algorithm_of(algorithm_cls, scenario, evs).calculate()
        schedules[algorithm_cls] = np.array([car.power for car in evs])
    lp = schedules[PulpNumericalAlgorithm]
    assert all(count <= MIP_MAX_FREE_COLUMNS for count in searched)
    assert problem.violations(lp) == []
    assert problem.min_fraction(lp) >= problem.min_fraction(schedules[GoAlgorithm]) - 1e-9


@pytest.mark.parametrize("family", ["minimums", "phase-minimums"])
def test_every_home_of_up_to_ten_chargers_keeps_its_whole_search(family: str) -> None:
    """The 5-minute homes of 4 and 10 EVs: every cell with a minimum within the cap."""
    for n_evs in (4, 10):
        for seed in range(12):
            problem = problem_of(FAMILIES[family](n_evs, 288, timedelta(minutes=5), seed))
            assert problem.cells_with_minimum(problem.open_cells()) <= MIP_MAX_FREE_COLUMNS
