"""Forms for contacting the customer from a template, and for supervisors' wording."""

from django import forms
from django.utils import timezone

from ..models import Communication
from ..services.messages import CALL_OUTCOMES, SENDABLE_CHANNELS
from .dates import not_too_far_ahead
from .detail import OrderActionForm

CHANNEL_CHOICES = [(c.value, c.label) for c in SENDABLE_CHANNELS]
CALL_OUTCOME_CHOICES = [("", "Not a phone call")] + [
    (o.value, o.label) for o in CALL_OUTCOMES
]


class PurposeForm(forms.Form):
    """Step 1 (GET): what the message is about, on which channel, which variant."""

    purpose = forms.ChoiceField(
        label="What is the message about?",
        choices=[("", "Choose…")] + list(Communication.Purpose.choices),
        error_messages={
            "required": "Choose what the message is about.",
            "invalid_choice": "Choose what the message is about from the list.",
        },
    )
    channel = forms.ChoiceField(
        label="Channel",
        required=False,
        choices=[("", "The recommended channel")] + CHANNEL_CHOICES,
        error_messages={"invalid_choice": "Choose a channel from the list."},
    )
    large_print = forms.ChoiceField(
        label="Large print",
        required=False,
        choices=[("", "As recommended"), ("yes", "Yes"), ("no", "No")],
        error_messages={"invalid_choice": "Choose yes or no."},
    )


class ContactForm(OrderActionForm):
    """Step 2 (POST): the message as it will be sent, and for a call, its outcome."""

    purpose = forms.ChoiceField(
        choices=Communication.Purpose.choices,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Choose what the message is about."},
    )
    channel = forms.ChoiceField(
        label="Channel",
        choices=CHANNEL_CHOICES,
        error_messages={
            "required": "Choose a channel.",
            "invalid_choice": "Choose e-mail, phone, letter or text message.",
        },
    )
    large_print = forms.BooleanField(label="Large print", required=False)
    override_reason = forms.CharField(
        label="Reason for not using the recommended channel",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed only if you choose a channel other than the recommended one.",
    )
    subject = forms.CharField(
        label="Subject",
        max_length=200,
        error_messages={"required": "Write the subject."},
    )
    body = forms.CharField(
        label="Message",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 14}),
        error_messages={"required": "Write the message."},
        help_text="For a phone call this is your call script.",
    )
    call_outcome = forms.ChoiceField(
        label="How did the call go?",
        required=False,
        choices=CALL_OUTCOME_CHOICES,
        error_messages={"invalid_choice": "Choose how the call went from the list."},
    )
    call_back_at = forms.DateTimeField(
        label="Call back at",
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        help_text="Only if the customer asked to be called back.",
        validators=[not_too_far_ahead],
        error_messages={
            "invalid": "Give a date and time, for example 24/11/2026 14:30."
        },
    )

    def __init__(self, *args, recommended: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.recommended = recommended

    def clean(self):
        data = super().clean()
        channel = data.get("channel")
        if (
            channel
            and self.recommended
            and channel != self.recommended
            and not data.get("override_reason", "").strip()
        ):
            self.add_error(
                "override_reason", "Say why you are not using the recommended channel."
            )
        outcome = data.get("call_outcome")
        call_back_at = data.get("call_back_at")
        if channel == Communication.Channel.PHONE:
            if not outcome:
                self.add_error("call_outcome", "Record how the call went.")
            elif outcome == Communication.Outcome.CALL_BACK:
                if call_back_at is None and "call_back_at" not in self.errors:
                    self.add_error(
                        "call_back_at", "Give the date and time to call them back."
                    )
                elif call_back_at is not None and call_back_at <= timezone.now():
                    self.add_error(
                        "call_back_at",
                        "That time has passed: give a date and time in the future.",
                    )
            elif call_back_at is not None:
                self.add_error(
                    "call_back_at",
                    "Leave this empty unless the customer asked to be called back.",
                )
        elif channel:
            if outcome:
                self.add_error(
                    "call_outcome", "A call outcome is only for a phone call."
                )
            if call_back_at is not None:
                self.add_error(
                    "call_back_at", "A call-back time is only for a phone call."
                )
        return data


class TemplateForm(forms.Form):
    """A supervisor's wording for one purpose and variant."""

    subject = forms.CharField(
        label="Subject",
        max_length=200,
        error_messages={"required": "Write the subject."},
    )
    body = forms.CharField(
        label="Message",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 16}),
        error_messages={"required": "Write the message."},
        help_text=(
            "Django template text: {{ customer.name }}, {{ order.reference }}, "
            '{{ promised_date|date:"j F Y" }}, {% for line in lines %}…{% endfor %}. '
            "See “Details you can use”."
        ),
    )
    preview_order = forms.TypedChoiceField(
        label="Preview with order",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose an order from the list."},
    )

    def __init__(self, *args, orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preview_order"].choices = [
            (order.pk, f"{order.reference} – {order.customer.name}") for order in orders
        ]
