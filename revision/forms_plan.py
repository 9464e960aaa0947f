"""The revision plan's forms: its start date, and ticking a day off."""

import datetime as dt

from django import forms

# A plan may start a little in the past (a learner who began last week sets it
# now), not so far back that most of it is already over.
MOST_DAYS_AGO = 14
# And not so far ahead that it means nothing (nor past the calendar's end).
MOST_DAYS_AHEAD = 365


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


class PlanStartForm(forms.Form):
    """When the learner's fourteen days begin: no more than two weeks ago."""

    starts_on = forms.DateField(
        label="Start date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Day 1 of the plan. Enter a date such as 2026-12-07.",
        error_messages={
            "required": "Enter the day your plan starts.",
            "invalid": "Enter the start date as a date, e.g. 2026-12-07.",
        },
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_starts_on(self) -> dt.date:
        starts_on = self.cleaned_data["starts_on"]
        earliest = self.today - dt.timedelta(days=MOST_DAYS_AGO)
        latest = self.today + dt.timedelta(days=MOST_DAYS_AHEAD)
        if starts_on < earliest:
            raise forms.ValidationError(
                f"Choose a start date no earlier than {_long(earliest)} "
                f"({MOST_DAYS_AGO} days ago)."
            )
        if starts_on > latest:
            raise forms.ValidationError(
                f"Choose a start date within the next year (by {_long(latest)})."
            )
        return starts_on


class PlanTickForm(forms.Form):
    """A day ticked off (done=1) or put back (done=0)."""

    done = forms.TypedChoiceField(
        choices=[("1", "Done"), ("0", "Not done")],
        coerce=lambda value: value == "1",
        error_messages={
            "required": "Say whether the day is done.",
            "invalid_choice": "Say whether the day is done.",
        },
    )
