"""Forms for the fulfilment page: start picking, dispatch, record delivery.

The templates lay the fields out with crispy-forms' `as_crispy_field` (the
quantities sit in the picking table, one per line).
"""

from django import forms
from django.utils import timezone

from ..models import Order
from ..selectors.fulfilment import PickingLine


class VersionForm(forms.Form):
    """The order's version as the page showed it, so a stale page is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StartFulfilmentForm(VersionForm):
    pass


class DispatchForm(VersionForm):
    """Carrier, tracking reference and, per pickable line, the quantity to send."""

    carrier = forms.CharField(
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="For example: DPD, Royal Mail, our own van.",
        error_messages={"required": "Enter the carrier."},
    )
    tracking_reference = forms.CharField(
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        required=False,
        help_text="Leave blank if the carrier gave none.",
    )

    def __init__(self, *args, order: Order, picking: list[PickingLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.fields["version"].initial = order.version
        self.line_fields: dict[int, str] = {}
        for row in picking:
            if not row.pickable:
                continue
            line = row.line
            name = f"quantity_{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=(
                    f"Quantity to send of line {line.line_number} ({line.product_code})"
                ),
                min_value=0,
                max_value=row.to_pick,
                initial=row.to_pick,
                error_messages={
                    "invalid": "Enter a whole number.",
                    "required": "Enter a quantity (0 to leave the line for later).",
                    "min_value": "Enter 0 or more.",
                    "max_value": f"Only {row.to_pick} reserved and not yet sent: "
                    f"send {row.to_pick} or fewer.",
                },
            )
            self.line_fields[line.pk] = name

    def line_field(self, line_id: int):
        """The bound quantity field of a line, or None if it cannot be sent."""
        name = self.line_fields.get(line_id)
        return self[name] if name else None

    def clean(self):
        cleaned = super().clean()
        if not self.line_fields:
            raise forms.ValidationError(
                "No line has reserved stock waiting to be sent."
            )
        if not self.errors and not self.quantities():
            raise forms.ValidationError(
                "Enter a quantity to send for at least one line."
            )
        return cleaned

    def quantities(self) -> dict[int, int]:
        """{line id: quantity} for the lines to send now (0 leaves a line for later)."""
        return {
            line_id: self.cleaned_data[name]
            for line_id, name in self.line_fields.items()
            if self.cleaned_data.get(name)
        }


class DeliveryForm(VersionForm):
    """Proof that a shipment arrived, and when (now, if not given)."""

    proof_of_delivery = forms.CharField(
        max_length=200,
        help_text="For example: signed for by J. Smith; left with neighbour at No. 3.",
        error_messages={"required": "Enter the proof of delivery."},
    )
    delivered_at = forms.DateTimeField(
        label="Delivered at",
        required=False,
        help_text="Date and time; leave blank for now.",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        error_messages={"invalid": "Enter a date and time, like 14/03/2026 10:30."},
    )

    def __init__(self, *args, shipment_id: int, **kwargs):
        # Ids per shipment: the page shows one form for each undelivered shipment.
        kwargs.setdefault("auto_id", f"id_delivery_{shipment_id}_%s")
        super().__init__(*args, **kwargs)
        self.shipment_id = shipment_id

    def clean_delivered_at(self):
        delivered_at = self.cleaned_data.get("delivered_at")
        if delivered_at and delivered_at > timezone.now():
            raise forms.ValidationError("The delivery time cannot be in the future.")
        return delivered_at
