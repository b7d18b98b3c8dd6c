"""The repair's comparison of schedules: fairness beyond a tolerance, then energy, then cost."""

from custom_components.optivgi.scm.linear_program import FAIRNESS_TOLERANCE
from custom_components.optivgi.scm.minimums import ENERGY_PROOF, Score


def score(fraction: float, energy: float, cost: float = 0.0) -> Score:
    return Score(min_fraction=fraction, energy_kwh=energy, cost=cost)


def test_a_fairness_gain_below_the_tolerance_never_beats_more_energy() -> None:
    tiny = FAIRNESS_TOLERANCE / 2
    assert not score(0.5 + tiny, 80.0).beats(score(0.5, 100.0))
    assert score(0.5, 100.0).beats(score(0.5 + tiny, 80.0))
    assert score(0.5 + 2 * FAIRNESS_TOLERANCE, 80.0).beats(score(0.5, 100.0))


def test_equal_fairness_and_energy_go_by_cost() -> None:
    assert score(0.5, 100.0, 3.0).beats(score(0.5, 100.0, 4.0))
    assert not score(0.5, 100.0, 4.0).beats(score(0.5, 100.0, 4.0))


def test_reaching_the_relaxed_bound_is_within_the_tolerances() -> None:
    bound = score(0.5, 100.0)
    assert score(0.5 - FAIRNESS_TOLERANCE / 2, 100 * (1 - ENERGY_PROOF / 2)).reaches(bound)
    assert not score(0.5 - 2 * FAIRNESS_TOLERANCE, 100.0).reaches(bound)
    assert not score(0.5, 100 * (1 - 2 * ENERGY_PROOF)).reaches(bound)
