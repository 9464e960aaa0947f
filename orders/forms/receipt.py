"""The order receipt form: customer, lines, delivery and payment."""

import uuid
from decimal import Decimal

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from customers.selectors import customers_matching
from orders.models import Order
from orders.services import LineInput
from orders.services.dates import latest_business_date

from .dates import not_too_far_ahead

MAX_LINES = 200
NEW_CUSTOMER_PREFIX = "new_customer"
LINES_PREFIX = "lines"


class CardNumberInput(forms.TextInput):
    """A card number box that never writes a submitted number back into the page."""

    def format_value(self, value):
        return None


class ReceiptForm(forms.Form):
    """Everything about the order except its lines and a new customer's details."""

    class CustomerSource:
        EXISTING = "existing"
        NEW = "new"
        CHOICES = [
            (EXISTING, "An existing customer"),
            (NEW, "A new customer"),
        ]

    submission_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form has expired. Check the details and submit again.",
            "invalid": "This form has expired. Check the details and submit again.",
        },
    )
    customer_source = forms.ChoiceField(
        label="Whose order is it?",
        choices=CustomerSource.CHOICES,
        initial=CustomerSource.EXISTING,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose an existing customer or a new one."},
    )
    customer_query = forms.CharField(
        label="Find a customer",
        required=False,
        max_length=120,
        help_text="Name, company, e-mail address or postcode.",
    )
    # Rendered by hand as the list of matches (see _receipt_customer_matches.html).
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.filter(practice=False),
        required=False,
        error_messages={
            "invalid_choice": "That customer could not be found. Search again."
        },
    )
    delivery_address = forms.CharField(
        label="Delivery address",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Leave blank to deliver to the customer's own address.",
    )
    delivery_postcode = forms.CharField(
        label="Delivery postcode",
        required=False,
        max_length=10,
        help_text="Leave blank to use the customer's postcode.",
        error_messages={"max_length": "A postcode is at most 10 characters."},
    )
    requested_date = forms.DateField(
        label="Requested delivery date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Optional. The date the customer would like it by.",
        validators=[not_too_far_ahead],
        error_messages={"invalid": "Enter a real date, for example 24/11/2026."},
    )
    channel = forms.ChoiceField(
        label="How the order came in",
        choices=Order.Channel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how the order came in.",
            "invalid_choice": "Choose how the order came in.",
        },
    )
    customer_po_ref = forms.CharField(
        label="Customer's purchase order reference",
        required=False,
        max_length=40,
        help_text="Optional.",
        error_messages={"max_length": "A PO reference is at most 40 characters."},
    )
    payment_method = forms.ChoiceField(
        label="Payment method",
        choices=Order.PaymentMethod.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how the customer is paying.",
            "invalid_choice": "Choose how the customer is paying.",
        },
    )
    card_number = forms.CharField(
        label="Card number",
        required=False,
        max_length=30,
        strip=True,
        widget=CardNumberInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=(
            "Only for card payments. Only the last four digits are kept; "
            "it is not shown again if the form has a problem."
        ),
        error_messages={"max_length": "Enter a valid card number (12 to 19 digits)."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_date"].widget.attrs.update(
            min=timezone.localdate().isoformat(),
            max=latest_business_date().isoformat(),
        )
        query = self.fields["customer_query"].widget
        query.input_type = "search"
        query.attrs.update(
            {
                "autocomplete": "off",
                "hx-get": reverse("orders:customer_search"),
                "hx-trigger": "keyup changed delay:300ms, search",
                "hx-target": "#customer-matches",
                "hx-swap": "innerHTML",
            }
        )

    @classmethod
    def fresh(cls) -> "ReceiptForm":
        """An empty form with a new one-time submission token."""
        return cls(initial={"submission_token": uuid.uuid4()})

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("customer_source") == self.CustomerSource.EXISTING
            and not cleaned.get("customer")
            and "customer" not in self.errors
        ):
            self.add_error(
                "customer",
                "Choose the customer from the matches, or choose “A new customer”.",
            )
        return cleaned

    @property
    def wants_new_customer(self) -> bool:
        return self.data.get("customer_source") == self.CustomerSource.NEW


class NewCustomerForm(forms.ModelForm):
    """A customer added in place, while taking their first order."""

    class Meta:
        model = Customer
        fields = [
            "name",
            "company",
            "email",
            "phone",
            "address_line1",
            "address_line2",
            "town",
            "postcode",
            "preferred_channel",
            "accessibility_needs",
            "consent_to_contact",
        ]
        labels = {
            "name": "Name",
            "company": "Company",
            "email": "E-mail address",
            "phone": "Phone number",
            "address_line1": "Address line 1",
            "address_line2": "Address line 2",
            "town": "Town or city",
            "postcode": "Postcode",
            "preferred_channel": "Preferred way to contact them",
            "accessibility_needs": "Accessibility needs",
            "consent_to_contact": "Agrees to courtesy contact (follow-ups, surveys)",
        }
        help_texts = {
            "accessibility_needs": "For example: large print, phone only.",
            "consent_to_contact": "",
        }
        error_messages = {
            "name": {"required": "Enter the customer's name."},
            "email": {"invalid": "Enter an e-mail address like name@example.com."},
        }
        widgets = {"accessibility_needs": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", NEW_CUSTOMER_PREFIX)
        super().__init__(*args, **kwargs)
        autocomplete = {
            "name": "off",
            "company": "off",
            "email": "off",
            "phone": "off",
        }
        for name, value in autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = value

    different_customer = forms.BooleanField(
        required=False,
        label="This is a different customer from the one already on file",
    )

    def clean_postcode(self) -> str:
        return " ".join(self.cleaned_data["postcode"].upper().split())

    def clean(self):
        """Refuse to add, unnoticed, someone who is already a customer: the person
        taking the order chooses them, or says this is somebody else."""
        cleaned = super().clean()
        if self.errors or cleaned.get("different_customer"):
            return cleaned
        on_file = customers_matching(
            name=cleaned.get("name", ""),
            email=cleaned.get("email", ""),
            postcode=cleaned.get("postcode", ""),
        ).first()
        if on_file is not None:
            known_by = ", ".join(filter(None, [on_file.email, on_file.postcode]))
            self.add_error(
                "different_customer",
                f"{on_file.name} ({known_by}) is already a customer: find and choose "
                "them as an existing customer, or tick this box if this is someone "
                "else.",
            )
        return cleaned

    @property
    def customer_fields(self) -> dict:
        """The new customer's details, as customer_create takes them."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name in self._meta.fields
        }


class LineForm(forms.Form):
    """One line: what the customer asked for, as they said it."""

    product_code = forms.CharField(
        label="Product code",
        required=False,
        max_length=20,
        error_messages={"max_length": "A product code is at most 20 characters."},
    )
    quantity = forms.IntegerField(
        label="Quantity",
        required=False,
        min_value=1,
        max_value=1_000_000,
        error_messages={
            "invalid": "Enter the quantity as a whole number.",
            "min_value": "The quantity must be 1 or more.",
            "max_value": "The quantity is too large to take.",
        },
    )
    agreed_price = forms.DecimalField(
        label="Agreed price each (£)",
        required=False,
        min_value=Decimal("0"),
        max_digits=11,
        decimal_places=2,
        help_text="Only if a price was agreed.",
        error_messages={
            "invalid": "Enter the price as a number, for example 12.50.",
            "min_value": "The agreed price must be £0 or more.",
            "max_digits": "The agreed price is too large.",
            "max_whole_digits": "The agreed price is too large.",
            "max_decimal_places": "Enter the price in pounds and pence, e.g. 12.50.",
        },
    )

    def __init__(self, *args, lookup_url: str | None = None, **kwargs):
        """lookup_url: where the typed code is looked up (an amended order's own
        catalogue); by default the live catalogue's, as on the receipt form."""
        super().__init__(*args, **kwargs)
        info_id = f"{self.prefix}-product-info"
        self.fields["product_code"].widget.attrs.update(
            {
                "autocomplete": "off",
                "hx-get": lookup_url or reverse("orders:product_lookup"),
                "hx-trigger": "keyup changed delay:300ms, change",
                "hx-target": f"#{info_id}",
                "hx-swap": "innerHTML",
                "aria-describedby": info_id,
            }
        )
        self.fields["quantity"].widget.attrs["inputmode"] = "numeric"
        self.fields["agreed_price"].widget.attrs["inputmode"] = "decimal"

    def clean_product_code(self) -> str:
        return self.cleaned_data["product_code"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("product_code")
        has_quantity = cleaned.get("quantity") is not None or self["quantity"].data
        has_price = cleaned.get("agreed_price") is not None or self["agreed_price"].data
        if (
            not code
            and (has_quantity or has_price)
            and "product_code" not in self.errors
        ):
            self.add_error("product_code", "Enter the product code.")
        if code and not has_quantity and "quantity" not in self.errors:
            self.add_error("quantity", "Enter the quantity.")
        return cleaned

    @property
    def is_blank(self) -> bool:
        return not any(
            str(self[name].data or "").strip()
            for name in ("product_code", "quantity", "agreed_price")
        )


class BaseLineFormSet(BaseFormSet):
    """The order's lines. Blank lines are left out; at least one is needed."""

    default_error_messages = {
        "missing_management_form": (
            "The lines could not be read. Reload the page and enter them again."
        ),
        "too_many_forms": f"An order can have at most {MAX_LINES} lines.",
        "too_few_forms": "Add at least one line.",
    }

    def initial_form_count(self) -> int:
        # Lines carried over on a redisplay are still extra forms: a blank one may
        # stay blank.
        return super().initial_form_count() if self.is_bound else 0

    def clean(self):
        if any(self.errors) or not self.management_form.is_valid():
            return
        if not self.filled_forms():
            raise forms.ValidationError("Add at least one line.", code="no_lines")

    def filled_forms(self) -> list[LineForm]:
        return [form for form in self.forms if not form.is_blank]

    def line_inputs(self) -> list[LineInput]:
        return [
            LineInput(
                product_code=form.cleaned_data["product_code"],
                quantity=form.cleaned_data["quantity"],
                agreed_price=form.cleaned_data.get("agreed_price"),
            )
            for form in self.filled_forms()
        ]

    def add_line_error(self, message: str) -> None:
        """Put a service's "Line N: …" message on that line's field if it can."""
        head, _, text = message.partition(":")
        forms_by_number = dict(enumerate(self.filled_forms(), start=1))
        number = head.removeprefix("Line ").strip()
        form = forms_by_number.get(int(number)) if number.isdecimal() else None
        if form is None or not text:
            self._non_form_errors.append(message)
            return
        text = text.strip()
        lowered = text.lower()
        if "product code" in lowered:
            field = "product_code"
        elif "quantity" in lowered:
            field = "quantity"
        elif "price" in lowered:
            field = "agreed_price"
        else:
            field = None
        form.add_error(field, text[:1].upper() + text[1:])


LineFormSet = formset_factory(
    LineForm,
    formset=BaseLineFormSet,
    extra=3,
    max_num=MAX_LINES,
    absolute_max=MAX_LINES,
    validate_max=True,
)


def lines_formset(data=None, *, rows: list[dict] | None = None, extra: int = 3):
    """The lines formset: bound to posted data, or unbound showing `rows` + extra."""
    if data is not None:
        return LineFormSet(data, prefix=LINES_PREFIX)
    rows = rows or []
    formset = LineFormSet(initial=rows, prefix=LINES_PREFIX)
    formset.extra = max(0, min(len(rows) + extra, MAX_LINES))
    return formset
