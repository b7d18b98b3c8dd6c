"""Rounding to the scheduling resolution, across midnight and daylight-saving changes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st
import pytest

from custom_components.optivgi.utils import round_down_datetime

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
KATHMANDU = ZoneInfo("Asia/Kathmandu")  # UTC+05:45


@pytest.mark.parametrize(
    ("moment", "resolution", "expected"),
    [
        (
            datetime(2026, 5, 1, 15, 37, 45, 5, tzinfo=UTC),
            15,
            datetime(2026, 5, 1, 15, 30, tzinfo=UTC),
        ),
        (datetime(2026, 5, 1, 15, 37, 45, tzinfo=UTC), 1, datetime(2026, 5, 1, 15, 37, tzinfo=UTC)),
        (datetime(2026, 5, 1, 0, 2, tzinfo=UTC), 5, datetime(2026, 5, 1, 0, 0, tzinfo=UTC)),
        # Aligned to the local clock, also in a zone 45 minutes off the hour.
        (
            datetime(2026, 5, 1, 10, 44, tzinfo=KATHMANDU),
            15,
            datetime(2026, 5, 1, 10, 30, tzinfo=KATHMANDU),
        ),
        (
            datetime(2026, 5, 1, 23, 59, 59, tzinfo=AMSTERDAM),
            60,
            datetime(2026, 5, 1, 23, 0, tzinfo=AMSTERDAM),
        ),
    ],
)
def test_rounds_down_to_the_local_step(
    moment: datetime, resolution: int, expected: datetime
) -> None:
    assert round_down_datetime(moment, timedelta(minutes=resolution)) == expected


def test_spring_forward_keeps_the_step_start_before_the_moment() -> None:
    # 2026-03-29 02:00 CET does not exist: clocks jump from 02:00 to 03:00 (01:00 UTC).
    moment = datetime(2026, 3, 29, 3, 7, tzinfo=AMSTERDAM)
    rounded = round_down_datetime(moment, timedelta(minutes=5))
    assert rounded == datetime(2026, 3, 29, 3, 5, tzinfo=AMSTERDAM)
    assert rounded.utcoffset() == timedelta(hours=2)


def test_fall_back_second_occurrence_stays_in_it() -> None:
    # 2026-10-25 02:30 happens twice; fold=1 is the second time (CET, UTC+1).
    moment = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=AMSTERDAM)
    rounded = round_down_datetime(moment, timedelta(minutes=60))
    assert rounded.astimezone(UTC) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert rounded.tzinfo is AMSTERDAM


def test_rejects_naive_and_non_positive_resolution() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        round_down_datetime(datetime(2026, 1, 1), timedelta(minutes=5))  # noqa: DTZ001
    with pytest.raises(ValueError, match="positive"):
        round_down_datetime(datetime(2026, 1, 1, tzinfo=UTC), timedelta(0))


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, AMSTERDAM, KATHMANDU, ZoneInfo("America/New_York")]),
    ),
    minutes=st.sampled_from([1, 5, 15, 30, 60]),
)
def test_result_starts_the_step_that_contains_the_moment(moment: datetime, minutes: int) -> None:
    resolution = timedelta(minutes=minutes)
    rounded = round_down_datetime(moment, resolution)
    # Same-zone datetimes compare by wall clock in Python; compare the instants instead.
    assert rounded.astimezone(UTC) <= moment.astimezone(UTC)
    assert moment.astimezone(UTC) - rounded.astimezone(UTC) < resolution
    assert rounded.second == 0
    assert rounded.microsecond == 0
    assert round_down_datetime(rounded, resolution) == rounded
