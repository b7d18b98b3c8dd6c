"""Time helpers for the scheduling core (no Home Assistant imports)."""

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def round_down_datetime(moment: datetime, resolution: timedelta) -> datetime:
    """Return the start of the scheduling step that contains `moment`.

    Steps are aligned to the local wall clock of `moment`'s time zone (a 15-minute step starts at
    :00, :15, :30 and :45 local time, also in zones whose offset is not a whole hour). The result
    is in the same time zone, is never after `moment` and is less than one `resolution` before it,
    also across daylight-saving changes (the arithmetic is done in UTC).

    Raises:
        ValueError: `moment` is naive, or `resolution` is not positive.

    """
    offset = moment.utcoffset()
    if offset is None:
        msg = "round_down_datetime needs a timezone-aware datetime"
        raise ValueError(msg)
    if resolution <= timedelta(0):
        msg = f"resolution must be positive, got {resolution}"
        raise ValueError(msg)
    into_step = (moment - _EPOCH + offset) % resolution
    return (moment.astimezone(UTC) - into_step).astimezone(moment.tzinfo)
