"""How far ahead a date given for an order may be.

One limit for every business date a person types: the promised delivery date,
the customer's requested delivery date, the next restock date and a call-back
time. A year and a day covers any real promise or delivery; anything later is
almost always a mistyped year (31 December 9999, 2062 for 2026).
"""

from datetime import date, datetime, timedelta

from django.utils import timezone

from ..exceptions import OrderInputError

DAYS_AHEAD = 366
TOO_FAR_AHEAD = "That is more than a year ahead: check the year."


def latest_business_date(today: date | None = None) -> date:
    """The last day a business date may fall on: 366 days from today."""
    return (today or timezone.localdate()) + timedelta(days=DAYS_AHEAD)


def is_too_far_ahead(when: date | datetime, today: date | None = None) -> bool:
    """Whether a date (or an aware date and time, by its local day) is past the
    limit."""
    day = timezone.localdate(when) if isinstance(when, datetime) else when
    return day > latest_business_date(today)


def ensure_not_too_far_ahead(when: date | datetime | None, *, field: str) -> None:
    """Refuse a date more than a year ahead, as an input error on `field` (so a
    page can show it next to that field)."""
    if when is not None and is_too_far_ahead(when):
        raise OrderInputError({field: [TOO_FAR_AHEAD]})
