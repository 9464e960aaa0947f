"""The amend page's forms: the order's delivery and the why, one form per existing
line, and blank rows for new lines (the receipt page's line form)."""

from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.urls import reverse
from django.utils import timezone

from ..models import Order, OrderException, OrderLine
from ..services.dates import TOO_FAR_AHEAD, is_too_far_ahead
from .detail import YES_NO, OrderActionForm
from .receipt import MAX_LINES, BaseLineFormSet, LineForm

NEW_LINES_PREFIX = "new"
NEW_LINE_ROWS = 3


class AmendForm(OrderActionForm):
    """Where and when to deliver, why the order changes, and whether the customer
    knows. Carries the order's version, and the exception being corrected if any."""

    delivery_address = forms.CharField(
        label="Delivery address",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={
            "required": "Enter the delivery address.",
            "max_length": "The delivery address is at most 1,000 characters.",
        },
    )
    delivery_postcode = forms.CharField(
        label="Delivery postcode",
        max_length=10,
        error_messages={
            "required": "Enter the delivery postcode.",
            "max_length": "A postcode is at most 10 characters.",
        },
    )
    requested_date = forms.DateField(
        label="Requested delivery date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave blank if the customer has not asked for a date.",
        error_messages={"invalid": "Enter a real date, for example 24/11/2026."},
    )
    reason = forms.CharField(
        label="Reason for the amendment",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Kept with the earlier revision: who asked for what, and why.",
        error_messages={
            "required": "Give the reason for the amendment.",
            "max_length": "Keep the reason to 2,000 characters.",
        },
    )
    customer_told = forms.ChoiceField(
        label="Has the customer been told of the change?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether the customer has been told.",
            "invalid_choice": "Say whether the customer has been told.",
        },
    )
    communication = forms.TypedChoiceField(
        label="The communication that told them (or in which they asked)",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Choose one of this order's communications."},
    )
    exception = forms.TypedChoiceField(
        widget=forms.HiddenInput,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={
            "invalid_choice": "The exception you were correcting is no longer open: "
            "reload the order and try again."
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        order = self.order
        if not self.is_bound:
            self.initial.setdefault("delivery_address", order.delivery_address)
            self.initial.setdefault("delivery_postcode", order.delivery_postcode)
            self.initial.setdefault("requested_date", order.requested_date)
        self.fields["communication"].choices = [("", "None recorded")] + [
            (
                str(c.pk),
                f"{timezone.localtime(c.at):%d/%m/%Y %H:%M} · "
                f"{c.get_purpose_display()} by {c.get_channel_display()} "
                f"({c.get_outcome_display().lower()})",
            )
            for c in order.communications.all()
        ]
        self.fields["exception"].choices = [("", "")] + [
            (str(e.pk), str(e.pk))
            for e in order.exceptions.all()
            if e.status == OrderException.Status.OPEN
        ]

    def clean_delivery_address(self) -> str:
        # A browser sends a textarea's line breaks as CRLF.
        address = self.cleaned_data["delivery_address"]
        return address.replace("\r\n", "\n").replace("\r", "\n").strip()

    def clean_delivery_postcode(self) -> str:
        return self.cleaned_data["delivery_postcode"].strip().upper()

    def clean_requested_date(self):
        day = self.cleaned_data["requested_date"]
        # Held to the limit only when changed: the order keeps the date it has.
        changed = day is not None and day != self.order.requested_date
        if changed and is_too_far_ahead(day):
            raise forms.ValidationError(TOO_FAR_AHEAD, code="too_far_ahead")
        return day

    def clean_communication(self):
        pk = self.cleaned_data["communication"]
        if pk is None:
            return None
        return next(c for c in self.order.communications.all() if c.pk == pk)

    def clean_exception(self):
        pk = self.cleaned_data["exception"]
        if pk is None:
            return None
        return next(e for e in self.order.exceptions.all() if e.pk == pk)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("communication") is not None
            and cleaned.get("customer_told") == "no"
        ):
            self.add_error(
                "communication",
                "You chose the communication that told the customer: answer “Yes” "
                "above, or choose “None recorded”.",
            )
        return cleaned


class AmendLineForm(forms.Form):
    """One existing line: its code, quantity and unit price as they should be."""

    product_code = forms.CharField(
        label="Product code",
        max_length=20,
        error_messages={
            "required": "Enter the product code (to remove the line, set its "
            "quantity to 0).",
            "max_length": "A product code is at most 20 characters.",
        },
    )
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=0,
        max_value=1_000_000,
        help_text="0 removes the line.",
        error_messages={
            "required": "Enter the quantity (0 removes the line).",
            "invalid": "Enter the quantity as a whole number (0 removes the line).",
            "min_value": "The quantity must be 0 or more (0 removes the line).",
            "max_value": "The quantity is too large to take.",
        },
    )
    unit_price = forms.DecimalField(
        label="Unit price (£)",
        min_value=Decimal("0"),
        max_digits=11,
        decimal_places=2,
        error_messages={
            "required": "Enter the unit price.",
            "invalid": "Enter the price as a number, for example 12.50.",
            "min_value": "The unit price must be £0 or more.",
            "max_digits": "The unit price is too large.",
            "max_whole_digits": "The unit price is too large.",
            "max_decimal_places": "Enter the price in pounds and pence, e.g. 12.50.",
        },
    )

    def __init__(self, *args, line: OrderLine, **kwargs):
        kwargs.setdefault("prefix", f"line-{line.pk}")
        kwargs.setdefault(
            "initial",
            {
                "product_code": line.product_code,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            },
        )
        super().__init__(*args, **kwargs)
        self.line = line
        quantity = self.fields["quantity"]
        quantity.widget.attrs.update(
            {"inputmode": "numeric", "min": line.quantity_dispatched}
        )
        if line.quantity_dispatched:
            quantity.help_text = (
                f"{line.quantity_dispatched} already shipped: it cannot go below that."
            )
            # A shipped line keeps its product: add a new line for another one.
            self.fields["product_code"].disabled = True
        self.fields["product_code"].widget.attrs["autocomplete"] = "off"
        self.fields["unit_price"].widget.attrs["inputmode"] = "decimal"

    def clean_product_code(self) -> str:
        return self.cleaned_data["product_code"].strip().upper()

    def changes(self) -> dict:
        """The parts of the line that differ from the order as it stands."""
        line, cleaned = self.line, self.cleaned_data
        changed = {}
        if cleaned["product_code"] != line.product_code:
            changed["product_code"] = cleaned["product_code"]
        if cleaned["quantity"] != line.quantity:
            changed["quantity"] = cleaned["quantity"]
        if cleaned["unit_price"] != line.unit_price:
            changed["unit_price"] = cleaned["unit_price"]
        return changed


class NewLineFormSet(BaseLineFormSet):
    """Lines to add: all may stay blank."""

    def clean(self):
        return  # unlike a receipt, an amendment need not add any line


NewLinesFormSet = formset_factory(
    LineForm,
    formset=NewLineFormSet,
    extra=NEW_LINE_ROWS,
    max_num=MAX_LINES,
    absolute_max=MAX_LINES,
    validate_max=True,
)


def new_lines_formset(order: Order, data=None) -> NewLineFormSet:
    """Blank rows for new lines, or those rows as posted; a typed code is looked
    up in the order's own catalogue (a practice order's is the scenario's)."""
    return NewLinesFormSet(
        data,
        prefix=NEW_LINES_PREFIX,
        form_kwargs={
            "lookup_url": reverse("orders:order_product_lookup", args=[order.pk])
        },
    )


def line_forms(order: Order, data=None) -> list[AmendLineForm]:
    """One form per line still on the order, in line order."""
    return [
        AmendLineForm(data, line=line) for line in order.lines.all() if line.is_active
    ]
