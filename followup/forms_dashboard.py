"""The dashboard's filters and the service targets form."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from orders.forms.dates import filter_date_validators

from . import kpis
from .models import ServiceTarget

MAX_DAYS = 366


class DashboardFilterForm(forms.Form):
    """GET filters: a period of up to a year and a grouping."""

    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=filter_date_validators(),
        error_messages={"invalid": "Enter the first day as a date, e.g. 2026-11-01."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=filter_date_validators(),
        error_messages={"invalid": "Enter the last day as a date, e.g. 2026-11-30."},
    )
    group = forms.ChoiceField(
        label="Group by",
        required=False,
        choices=list(kpis.GROUPS.items()),
        error_messages={"invalid_choice": "Choose day or week."},
    )

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The last day must not be before the first day.")
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", f"Choose a period of at most {MAX_DAYS} days.")
        return data

    def period_and_group(self) -> tuple[kpis.Period, str]:
        """The chosen period and grouping; the last 30 days by day if invalid."""
        default = kpis.Period.last_days(30, self.today)
        if not self.is_valid():
            return default, self.cleaned_data.get("group") or kpis.DAY
        start = self.cleaned_data.get("start")
        end = self.cleaned_data.get("end")
        if start and end:
            period = kpis.Period(start, end)
        elif start:
            period = kpis.Period(start, min(start + dt.timedelta(days=29), default.end))
            if period.end < period.start:
                period = kpis.Period(start, start + dt.timedelta(days=29))
        elif end:
            period = kpis.Period(end - dt.timedelta(days=29), end)
        else:
            period = default
        return period, self.cleaned_data.get("group") or kpis.DAY


class TargetsForm(forms.Form):
    """One field per measure, each checked against a sensible range."""

    RANGES = {
        ServiceTarget.Measure.HOURS_TO_CONFIRM: (Decimal("0.1"), Decimal("720")),
        ServiceTarget.Measure.HOURS_TO_DISPATCH: (Decimal("0.1"), Decimal("2160")),
        ServiceTarget.Measure.ON_TIME: (Decimal("0"), Decimal("100")),
        ServiceTarget.Measure.RIGHT_FIRST_TIME: (Decimal("0"), Decimal("100")),
        ServiceTarget.Measure.FOLLOW_UP_RATE: (Decimal("0"), Decimal("100")),
        ServiceTarget.Measure.SATISFACTION: (Decimal("1"), Decimal("5")),
        ServiceTarget.Measure.COMPLAINT_DAYS: (Decimal("0.5"), Decimal("365")),
    }

    def __init__(self, *args, current: dict[str, kpis.Target], **kwargs):
        super().__init__(*args, **kwargs)
        for measure, (low, high) in self.RANGES.items():
            target = current[measure]
            better = (
                "lower is better"
                if target.direction == kpis.LOWER
                else "higher is better"
            )
            self.fields[measure] = forms.DecimalField(
                label=ServiceTarget.Measure(measure).label,
                max_digits=8,
                decimal_places=2,
                initial=target.value,
                help_text=f"Between {low} and {high}; {better}."
                + (" Currently the default." if target.is_default else ""),
                validators=[MinValueValidator(low), MaxValueValidator(high)],
                error_messages={
                    "required": "Enter a target.",
                    "invalid": "Enter a number, e.g. 24 or 95.5.",
                },
            )
