"""Bounds on the dates people type into the staff pages' forms."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

from ..services.dates import TOO_FAR_AHEAD, is_too_far_ahead

# Search and filter dates: wide enough for any order OrderDesk holds, narrow enough
# that a period's day after or a 30-day window around the date is still a date
# (date.max plus a day is an OverflowError, a 500 rather than a message).
FIRST_FILTER_DATE = dt.date(2000, 1, 1)
LAST_FILTER_DATE = dt.date(2100, 12, 31)
FILTER_DATE_OUT_OF_RANGE = "Enter a date between 2000 and 2100: check the year."


def filter_date_validators() -> list:
    """Validators for a search or filter date field: years 2000 to 2100 only."""
    return [
        MinValueValidator(FIRST_FILTER_DATE, message=FILTER_DATE_OUT_OF_RANGE),
        MaxValueValidator(LAST_FILTER_DATE, message=FILTER_DATE_OUT_OF_RANGE),
    ]


def not_too_far_ahead(value) -> None:
    """Validator for a business date (or date and time): refuse one more than a
    year ahead, by the limit the services apply (orders.services.dates)."""
    if value is not None and is_too_far_ahead(value):
        raise ValidationError(TOO_FAR_AHEAD, code="too_far_ahead")
