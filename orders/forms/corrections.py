"""Forms for handling a discrepancy: approve a price, correct contact details."""

from django import forms
from django.utils import timezone

from customers.models import ContactChannel
from customers.validators import (
    PHONE_MESSAGE,
    POSTCODE_MESSAGE,
    postcode_normalise,
    validate_uk_phone,
    validate_uk_postcode,
)

from ..services.corrections import CONTACT_FIELDS
from .detail import YES_NO, OrderActionForm


class PriceApproveForm(OrderActionForm):
    note = forms.CharField(
        label="Why the price can be kept",
        help_text="For example: agreed discount for a regular customer, confirmed "
        "with the sales manager.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why the price can be kept."},
    )


class ContactCorrectForm(OrderActionForm):
    """The customer's contact details as they stand, to correct, and why."""

    email = forms.EmailField(
        label="E-mail address",
        required=False,
        max_length=254,
        error_messages={"invalid": "Enter an e-mail address like name@example.com."},
    )
    phone = forms.CharField(
        label="Phone number",
        required=False,
        max_length=30,
        help_text="A UK number, for example 0113 496 0000 or +44 7700 900123.",
        validators=[validate_uk_phone],
        error_messages={"max_length": PHONE_MESSAGE},
    )
    address_line1 = forms.CharField(
        label="Address line 1", required=False, max_length=120
    )
    address_line2 = forms.CharField(
        label="Address line 2", required=False, max_length=120
    )
    town = forms.CharField(label="Town", required=False, max_length=80)
    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=10,
        validators=[validate_uk_postcode],
        error_messages={"max_length": POSTCODE_MESSAGE},
    )
    preferred_channel = forms.ChoiceField(
        label="Preferred way to contact them", choices=ContactChannel.choices
    )
    reason = forms.CharField(
        label="Why you are correcting the details",
        help_text="For example: the customer gave their mobile number on the phone.",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Say why the details are being corrected."},
    )
    customer_told = forms.ChoiceField(
        label="Was the customer told about the correction?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the customer was told."},
    )
    communication = forms.TypedChoiceField(
        label="The communication that told them (or that they gave the details in)",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Choose one of this order's communications."},
    )

    def __init__(self, *args, customer, communications, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.communications = list(communications)
        if not self.is_bound:
            for name in CONTACT_FIELDS:
                self.initial.setdefault(name, getattr(customer, name))
        self.fields["communication"].choices = [("", "None recorded")] + [
            (
                str(c.pk),
                f"{timezone.localtime(c.at):%d/%m/%Y %H:%M} · "
                f"{c.get_purpose_display()} by {c.get_channel_display()} "
                f"({c.get_outcome_display().lower()})",
            )
            for c in self.communications
        ]

    def clean_postcode(self) -> str:
        return postcode_normalise(self.cleaned_data["postcode"])

    def clean_phone(self) -> str:
        return " ".join(self.cleaned_data["phone"].split())

    def clean_communication(self):
        pk = self.cleaned_data["communication"]
        if pk is None:
            return None
        return next(c for c in self.communications if c.pk == pk)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if not self.changes():
            raise forms.ValidationError(
                "Nothing to correct: change at least one detail, or go back to the "
                "order."
            )
        if cleaned.get("communication") and cleaned.get("customer_told") == "no":
            self.add_error(
                "customer_told",
                "You chose the communication that told the customer: answer yes, "
                "or choose no communication.",
            )
        return cleaned

    def changes(self) -> dict[str, str]:
        """The details entered that differ from the customer's record."""
        return {
            name: self.cleaned_data[name]
            for name in CONTACT_FIELDS
            if name in self.cleaned_data
            and self.cleaned_data[name] != getattr(self.customer, name)
        }
