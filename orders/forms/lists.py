"""The order list's search and filter form (a GET form: bookmarkable, no JS needed)."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Layout, Row
from django import forms
from django.urls import reverse

from ..models import Order
from ..selectors.lists import DEFAULT_SORT
from .dates import filter_date_validators

SORT_CHOICES = [
    ("-received", "Received, newest first"),
    ("received", "Received, oldest first"),
    ("reference", "Reference, A to Z"),
    ("-reference", "Reference, Z to A"),
    ("customer", "Customer, A to Z"),
    ("-customer", "Customer, Z to A"),
    ("total", "Total, smallest first"),
    ("-total", "Total, largest first"),
]
OPEN_EXCEPTION_CHOICES = [
    ("", "Either"),
    ("yes", "With an open exception"),
    ("no", "Without an open exception"),
]
DATE_ERROR = "Enter a real date, for example 2026-11-23."


def _choice_error(what: str) -> dict:
    return {"invalid_choice": f"Choose {what} from the list."}


class SearchInput(forms.TextInput):
    input_type = "search"


class OrderListForm(forms.Form):
    """Search, filters and sort for the order list. Invalid values are reported next
    to their field and left out of the search; the rest still apply."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=SearchInput,
        help_text="Order reference, customer name or company, or an exact product "
        "code.",
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), *Order.Status.choices],
        error_messages=_choice_error("a status"),
    )
    channel = forms.ChoiceField(
        required=False,
        choices=[("", "Any channel"), *Order.Channel.choices],
        error_messages=_choice_error("a channel"),
    )
    received_from = forms.DateField(
        label="Received from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=filter_date_validators(),
        error_messages={"invalid": DATE_ERROR},
    )
    received_to = forms.DateField(
        label="Received to",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=filter_date_validators(),
        error_messages={"invalid": DATE_ERROR},
    )
    open_exception = forms.ChoiceField(
        label="Open exception",
        required=False,
        choices=OPEN_EXCEPTION_CHOICES,
        error_messages=_choice_error("an option"),
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=SORT_CHOICES,
        error_messages=_choice_error("a sort order"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_action = reverse("orders:list")
        self.helper.disable_csrf = True
        self.helper.form_id = "order-search"
        self.helper.attrs = {"role": "search", "aria-label": "Search and filter"}
        self.helper.layout = Layout(
            Row(
                Column("q", css_class="col-md-6 col-lg-4"),
                Column("status", css_class="col-sm-6 col-md-3 col-lg-2"),
                Column("channel", css_class="col-sm-6 col-md-3 col-lg-2"),
                Column("received_from", css_class="col-sm-6 col-md-3 col-lg-2"),
                Column("received_to", css_class="col-sm-6 col-md-3 col-lg-2"),
            ),
            Row(
                Column("open_exception", css_class="col-sm-6 col-md-3 col-lg-2"),
                Column("sort", css_class="col-sm-6 col-md-3 col-lg-2"),
                Column("overdue", css_class="col-sm-6 col-md-3 col-lg-2 pt-md-4"),
                Column(
                    Div(
                        StrictButton(
                            "Search",
                            type="submit",
                            css_class="btn-primary",
                            css_id="order-search-submit",
                        ),
                        HTML(
                            '<a class="btn btn-outline-secondary" '
                            f'href="{reverse("orders:list")}">Clear</a>'
                        ),
                        css_class="d-flex gap-2",
                    ),
                    css_class="col-sm-6 col-md-3 col-lg-2 pt-md-4",
                ),
            ),
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and end < start:
            self.add_error(
                "received_to", "The 'to' date must be on or after the 'from' date."
            )
        return cleaned

    def filters(self) -> dict:
        """The valid values as order_list() keywords; an invalid field is left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        open_exception = {"yes": True, "no": False}.get(data.get("open_exception"))
        return {
            "search": data.get("q") or "",
            "status": data.get("status") or "",
            "channel": data.get("channel") or "",
            "received_from": data.get("received_from"),
            "received_to": data.get("received_to"),
            "open_exception": open_exception,
            "overdue": bool(data.get("overdue")),
            "sort": data.get("sort") or DEFAULT_SORT,
        }
