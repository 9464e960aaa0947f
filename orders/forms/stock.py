"""Forms for out-of-stock handling and goods in."""

import uuid

from django import forms
from django.utils import timezone

from inventory.models import Product
from inventory.selectors import product_by_code

from ..access import is_practice
from ..models import Communication, OrderException, OrderLine
from ..services.stock_exceptions import AGREEMENT_CHANNELS, AGREEMENT_OUTCOMES
from .dates import not_too_far_ahead
from .detail import OrderActionForm

H = OrderException.Handling
CHANNEL_WORDS = {
    Communication.Channel.PHONE: "On the phone (recorded now)",
    Communication.Channel.EMAIL: "By e-mail (recorded now)",
    Communication.Channel.LETTER: "By letter (recorded now)",
    Communication.Channel.IN_PERSON: "In person (recorded now)",
}


def _product(code: str, field_label: str, *, practice: bool = False) -> Product:
    """A product of the live catalogue, or of the practice one for a practice order."""
    product = product_by_code(code=code, practice=practice)
    if product is None:
        raise forms.ValidationError(
            f"No product has the code {code.strip().upper()}: check the {field_label}."
        )
    return product


class OutOfStockForm(OrderActionForm):
    """The customer's choice for a short line, their words, and how they said it."""

    option = forms.ChoiceField(
        label="What the customer agreed to",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what the customer agreed to.",
            "invalid_choice": "Choose one of the four options.",
        },
    )
    substitute_code = forms.CharField(
        label="Substitute product code",
        required=False,
        max_length=20,
        help_text="Only for a substitute: the product the customer agreed to take "
        "instead, for example PAP-0002.",
    )
    agreement = forms.CharField(
        label="What the customer said, in their words",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "Write what the customer agreed to."},
    )
    said_by = forms.ChoiceField(
        label="How the customer told you",
        help_text="A call they answered or a reply they sent. A voicemail or an "
        "e-mail we sent is not their agreement.",
        error_messages={
            "required": "Say how the customer told you.",
            "invalid_choice": "Choose a contact in which the customer answered, or "
            "how they told you.",
        },
    )

    def __init__(self, *args, line: OrderLine, restock_date=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        backorder = (
            f"Backorder: wait for the restock, expected {restock_date:%d %B %Y}"
            if restock_date
            else "Backorder: wait for the restock (no restock date known yet)"
        )
        self.fields["option"].choices = [
            (H.BACKORDER, backorder),
            (H.SUBSTITUTE, "Substitute: take another product instead"),
            (
                H.PARTIAL_SHIPMENT,
                "Part shipment: send what is in stock now, the rest when it arrives",
            ),
            (H.CANCEL_LINE, "Cancel the line"),
        ]
        agreed = [
            (
                f"communication:{c.pk}",
                f"{timezone.localtime(c.at):%d/%m/%Y %H:%M} · "
                f"{c.get_channel_display()} {c.get_direction_display().lower()}: "
                f"{c.get_outcome_display().lower()}",
            )
            for c in self.order.communications.all()
            if c.outcome in AGREEMENT_OUTCOMES
        ]
        channels = [
            (f"channel:{value}", words) for value, words in CHANNEL_WORDS.items()
        ]
        self.fields["said_by"].choices = (
            [("", "Choose…")]
            + ([("A contact already recorded", agreed)] if agreed else [])
            + [("Record their answer now", channels)]
        )

    def clean_said_by(self) -> dict:
        kind, _, value = self.cleaned_data["said_by"].partition(":")
        if kind == "channel" and value in AGREEMENT_CHANNELS:
            return {"communication": None, "agreement_channel": value}
        communication = next(
            c for c in self.order.communications.all() if str(c.pk) == value
        )
        return {"communication": communication, "agreement_channel": ""}

    def clean(self):
        cleaned = super().clean()
        code = (cleaned.get("substitute_code") or "").strip()
        cleaned["substitute_product"] = None
        if cleaned.get("option") == H.SUBSTITUTE:
            if not code:
                self.add_error(
                    "substitute_code", "Enter the code of the substitute product."
                )
            else:
                try:
                    cleaned["substitute_product"] = _product(
                        code, "product code", practice=is_practice(self.order)
                    )
                except forms.ValidationError as error:
                    self.add_error("substitute_code", error)
        return cleaned


class GoodsInForm(forms.Form):
    """A delivery from a supplier: what came in and how many."""

    product_code = forms.CharField(
        label="Product code",
        max_length=20,
        help_text="As on the delivery note, for example PAP-0001.",
        error_messages={"required": "Enter the product code."},
    )
    quantity = forms.IntegerField(
        label="Quantity received",
        min_value=1,
        max_value=100_000,
        error_messages={
            "required": "Enter how many were received.",
            "invalid": "Enter a whole number.",
            "min_value": "Enter a quantity received of at least 1.",
            "max_value": "That is more than one delivery holds: check the quantity.",
        },
    )
    reference = forms.CharField(
        label="Supplier reference",
        max_length=60,
        required=False,
        help_text="The delivery note or purchase order number, if there is one.",
    )
    note = forms.CharField(
        label="Note",
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_restock_date = forms.DateField(
        label="Next delivery expected",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty if no further delivery is due: the product's "
        "expected date is replaced by this one.",
        validators=[not_too_far_ahead],
        error_messages={"invalid": "Enter a date, for example 28/11/2026."},
    )

    def clean_next_restock_date(self):
        day = self.cleaned_data["next_restock_date"]
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError("The next delivery date must be after today.")
        return day

    # One per form shown: a second submit of the same form books nothing.
    token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form is out of date: reload the page and try again.",
            "invalid": "This form is out of date: reload the page and try again.",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_goods_in_%s")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())

    def clean_product_code(self) -> Product:
        return _product(self.cleaned_data["product_code"], "delivery note")
