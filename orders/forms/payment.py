"""Forms on the payment page: one per way of sorting out a payment, and refunds.

The card number is checked here as the service checks it (so the message sits next
to the field) and is never written back into the page.
"""

from decimal import Decimal

from django import forms

from ..exceptions import OrderInputError
from ..services.payment_recovery import REASON_MAX, card_digits
from .detail import OrderActionForm


class CardNumberInput(forms.TextInput):
    """A text box that never renders the number typed into it back into the page."""

    def format_value(self, value):
        return None


def _reason(label: str, required: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX,
        error_messages={
            "required": required,
            "max_length": f"Keep it to {REASON_MAX} characters or fewer.",
        },
    )


class PaymentRetryForm(OrderActionForm):
    pass


class ChangeCardForm(OrderActionForm):
    card_number = forms.CharField(
        label="New card number",
        max_length=40,
        widget=CardNumberInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text="Only the last four digits are kept.",
        error_messages={
            "required": "Enter the new card number.",
            "max_length": "A card number has 12 to 19 digits.",
        },
    )
    reason = _reason("Why another card", "Give the reason for taking another card.")

    def clean_card_number(self) -> str:
        try:
            return card_digits(self.cleaned_data["card_number"])
        except OrderInputError as error:
            raise forms.ValidationError(error.errors["card_number"]) from None


class AccountTermsForm(OrderActionForm):
    reason = _reason(
        "Why move to account terms",
        "Give the reason for moving the order to account terms.",
    )


class CreditApproveForm(OrderActionForm):
    note = forms.CharField(
        label="Why going over the limit is approved",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        error_messages={"required": "Write why going over the limit is approved."},
    )


class RefundForm(OrderActionForm):
    amount = forms.DecimalField(
        label="Amount to refund (£)",
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
        error_messages={
            "required": "Enter the amount to refund.",
            "invalid": "Enter the amount in pounds, like 12.50.",
            "min_value": "Enter an amount more than £0.",
            "max_decimal_places": "Enter the amount in pounds and pence (two "
            "decimal places).",
            "max_digits": "That amount is too large.",
            "max_whole_digits": "That amount is too large.",
        },
    )
    reason = _reason("Reason for the refund", "Give the reason for the refund.")

    def __init__(self, *args, refundable: Decimal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if refundable is not None:
            # No max attribute: the server's message says what is left and why.
            self.fields["amount"].help_text = f"Up to £{refundable}."
