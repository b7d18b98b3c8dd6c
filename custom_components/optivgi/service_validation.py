"""Reading a service call's fields: every refusal is a translated error that names the field.

Home Assistant validates a call with the service's schema before the handler runs and passes a
`probatio.Invalid` on as it is: an English message about the schema, not the field. So the
schemas here are `ServiceSchema`s, which turn every `Invalid` into a translated
`ServiceValidationError`, and their field validators raise one themselves (probatio passes any
exception that is not an `Invalid` or `ValueError` through unchanged). Bounds that depend on
the time or the charger are checked in the handlers, against `limits`.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
import math
from typing import Any

from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import probatio

from .const import DOMAIN
from .limits import LimitError

_MAX_SHOWN = 60  # characters of a refused value repeated in the message


def invalid(*, key: str, **placeholders: str) -> ServiceValidationError:
    """A translated refusal (`exceptions.<key>` in `translations/en.json`)."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


@contextmanager
def translated() -> Iterator[None]:
    """Turn a `LimitError` of the store (a value out of bounds) into a translated refusal."""
    try:
        yield
    except LimitError as err:
        raise invalid(key=err.key, **err.placeholders) from err


def _shown(value: object) -> str:
    return str(value)[:_MAX_SHOWN]


class ServiceSchema(probatio.Schema):
    """A service schema whose refusals (missing, unknown or invalid field) are translated."""

    def __call__(self, data: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        """Validate a call's data; a `ServiceValidationError` naming the field if it is bad."""
        try:
            return super().__call__(data, *args, **kwargs)
        except probatio.Invalid as err:
            errors = err.errors if isinstance(err, probatio.MultipleInvalid) else [err]
            first = errors[0] if errors else err
            field = ".".join(str(part) for part in first.path) or "data"
            if isinstance(first, probatio.RequiredFieldInvalid):
                raise invalid(key="missing_field", field=field) from err
            if isinstance(first, probatio.ExtraKeysInvalid):
                raise invalid(key="unknown_field", field=field) from err
            if isinstance(first, probatio.ExclusiveInvalid):
                # An `Exclusive` group is named by the translation key of its refusal.
                raise invalid(key=first.placeholders["group"]) from err
            raise invalid(key="invalid_field", field=field) from err


def number(field: str) -> Callable[[object], float]:
    """A validator: a finite number (or a string of one) as a float; not a boolean."""

    def validate(value: object) -> float:
        result = math.nan
        # A bool is an int to Python, but `true` is not 1 kWh.
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                result = float(value)
            except OverflowError:  # an int too large for a float
                result = math.inf
        elif isinstance(value, str):
            try:
                result = float(value.strip())
            except ValueError:
                result = math.nan
        if not math.isfinite(result):
            raise invalid(key="invalid_number", field=field, value=_shown(value))
        return result

    return validate


def utc_datetime(field: str) -> Callable[[object], datetime]:
    """A validator: a datetime in UTC; one without a time zone is Home Assistant's local time."""

    def validate(value: object) -> datetime:
        try:
            return dt_util.as_utc(cv.datetime(value))
        # Invalid: not a datetime; ValueError: well formed but not a date (month 13);
        # OverflowError: a local time that is out of range in UTC (year 9999, year 1).
        except (probatio.Invalid, ValueError, OverflowError) as err:
            raise invalid(key="invalid_datetime", field=field, value=_shown(value)) from err

    return validate


def text(field: str) -> Callable[[object], str]:
    """A validator: a non-empty string."""

    def validate(value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise invalid(key="invalid_field", field=field)
        return value.strip()

    return validate
