"""Forms on the order page: one per action, each carrying the order's version.

Every form takes the order (for its version and, where needed, its lines and
communications, read from the page's prefetched data so no form adds a query) and
a `key` that makes its element ids unique on a page with many forms.
"""

from django import forms
from django.utils import timezone

from ..exceptions import OrderInputError
from ..models import Check, Communication, Order, OrderException
from ..services.dates import latest_business_date

YES_NO = [("yes", "Yes"), ("no", "No")]
EMAIL_PURPOSES = [
    (Communication.Purpose.ACKNOWLEDGEMENT, "Acknowledgement"),
    (Communication.Purpose.QUERY, "Query about the order"),
    (Communication.Purpose.EXCEPTION_NOTICE, "Problem with the order"),
]
CALL_OUTCOMES = [
    (Communication.Outcome.REACHED, "Spoke to the customer"),
    (Communication.Outcome.VOICEMAIL, "Left a voicemail"),
    (Communication.Outcome.NO_ANSWER, "No answer"),
]
FOLLOW_UP_OUTCOMES = [
    (Communication.Outcome.REACHED, "Spoke to the customer"),
    (Communication.Outcome.VOICEMAIL, "Left a voicemail"),
    (Communication.Outcome.NO_ANSWER, "No answer (try again later)"),
    (Communication.Outcome.SENT, "Message sent"),
    (Communication.Outcome.RECEIVED, "Customer replied"),
]
SATISFACTION = [("", "Not given")] + [(str(n), f"{n} of 5") for n in range(1, 6)]


def form_errors_summary(form) -> str:
    """One line of a form's errors for the page's message: each field's by its
    label, and the whole form's (or the stale version's) as they are."""
    parts = []
    for name, errors in form.errors.items():
        if name in ("__all__", "version"):
            parts.extend(errors)
        else:
            parts.append(f"{form.fields[name].label}: {' '.join(errors)}")
    return " ".join(dict.fromkeys(parts))


def add_input_errors(form, error: OrderInputError) -> None:
    """Put a service's refusal of input next to the form fields it names (any other
    above the form)."""
    for field, field_messages in error.errors.items():
        target = field if field in form.fields else None
        for message in field_messages:
            form.add_error(target, message)


class OrderActionForm(forms.Form):
    """A form acting on one order: carries the version the page was opened at."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "This page is out of date: reload the order and try again.",
            "invalid": "This page is out of date: reload the order and try again.",
            "min_value": "This page is out of date: reload the order and try again.",
        },
    )

    def __init__(self, *args, order: Order, key: str = "", **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.prefix_name()}{key}_%s")
        super().__init__(*args, **kwargs)
        self.order = order
        if not self.is_bound:
            self.initial.setdefault("version", order.version)

    @classmethod
    def prefix_name(cls) -> str:
        return cls.__name__.removesuffix("Form").lower()


class ConfirmForm(OrderActionForm):
    """Confirm with a delivery promise; the date picker starts at the earliest date."""

    def __init__(self, *args, earliest=None, **kwargs):
        super().__init__(*args, **kwargs)
        widget = self.fields["promised_date"].widget
        widget.attrs["aria-describedby"] = "confirm-hint"
        if earliest is not None:
            self.start_at(earliest)
        widget.attrs["max"] = latest_business_date().isoformat()

    def start_at(self, earliest) -> "ConfirmForm":
        """Start the date picker at the earliest honest date (also for a form
        coming back with an error, made before the page knew the date)."""
        self.fields["promised_date"].widget.attrs["min"] = earliest.isoformat()
        return self

    promised_date = forms.DateField(
        label="Promised delivery date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Enter the delivery date you are promising.",
            "invalid": "Enter the promised date as a date, for example 28/11/2026.",
        },
    )


class CancelForm(OrderActionForm):
    reason = forms.CharField(
        label="Reason for cancelling",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        error_messages={"required": "Give the reason for cancelling."},
    )


class FollowUpForm(OrderActionForm):
    channel = forms.ChoiceField(
        label="How you contacted the customer",
        choices=Communication.Channel.choices,
        initial=Communication.Channel.PHONE,
    )
    outcome = forms.ChoiceField(label="Outcome", choices=FOLLOW_UP_OUTCOMES)
    notes = forms.CharField(
        label="What the customer said, or what you did",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "Write what the customer said, or what you did."},
    )
    satisfaction = forms.TypedChoiceField(
        label="Satisfaction (1 poor, 5 very good)",
        choices=SATISFACTION,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Satisfaction is a score from 1 to 5."},
    )


class CloseForm(OrderActionForm):
    pass


class LineCancelForm(OrderActionForm):
    reason = forms.CharField(
        label="Reason for cancelling the line",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        error_messages={"required": "Give the reason for cancelling the line."},
    )


class RerunForm(OrderActionForm):
    kind = forms.ChoiceField(
        choices=Check.Kind.choices,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Choose a check to run."},
    )


class ExceptionRaiseForm(OrderActionForm):
    kind = forms.ChoiceField(
        label="Kind of problem",
        choices=[("", "Choose…"), *OrderException.Kind.choices],
        error_messages={"required": "Choose what kind of problem it is."},
    )
    found = forms.CharField(
        label="What you found",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "Describe what you found."},
    )
    line = forms.TypedChoiceField(
        label="Line (if the problem is on one line)",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "That line is not on this order."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [("", "The whole order")] + [
            (str(line.pk), f"Line {line.line_number}: {line.product_code}")
            for line in self.order.lines.all()
        ]

    def clean_line(self):
        pk = self.cleaned_data["line"]
        if pk is None:
            return None
        return next(line for line in self.order.lines.all() if line.pk == pk)


class ExceptionStepForm(OrderActionForm):
    text = forms.CharField(
        label="Step taken",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        error_messages={"required": "Describe the step you took."},
    )


class ExceptionResolveForm(OrderActionForm):
    resolution = forms.CharField(
        label="How it was resolved",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        error_messages={"required": "Say how the problem was resolved."},
    )
    customer_informed = forms.ChoiceField(
        label="Was the customer told?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the customer was told."},
    )
    communication = forms.TypedChoiceField(
        label="The communication that told them",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Choose one of this order's communications."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communication"].choices = [("", "None recorded")] + [
            (
                str(c.pk),
                f"{timezone.localtime(c.at):%d/%m/%Y %H:%M} · "
                f"{c.get_purpose_display()} by {c.get_channel_display()} "
                f"({c.get_outcome_display().lower()})",
            )
            for c in self.order.communications.all()
        ]

    def clean_communication(self):
        pk = self.cleaned_data["communication"]
        if pk is None:
            return None
        return next(c for c in self.order.communications.all() if c.pk == pk)


class EmailForm(OrderActionForm):
    purpose = forms.ChoiceField(label="Template", choices=EMAIL_PURPOSES)
    subject = forms.CharField(label="Subject", max_length=200)
    content = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10000,
        error_messages={"required": "Write the message."},
    )


class EmailTemplateChoiceForm(forms.Form):
    """Which template to start the e-mail from (a GET form on the order page)."""

    template = forms.ChoiceField(
        label="Start from the template",
        choices=EMAIL_PURPOSES,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_email_template_%s")
        super().__init__(*args, **kwargs)


class MarkSentForm(OrderActionForm):
    """A letter posted or a text sent: nothing to fill in but the page's version."""


class CallForm(OrderActionForm):
    direction = forms.ChoiceField(
        label="Who called",
        choices=[
            (Communication.Direction.OUTBOUND, "We called the customer"),
            (Communication.Direction.INBOUND, "The customer called us"),
        ],
    )
    purpose = forms.ChoiceField(label="About", choices=Communication.Purpose.choices)
    outcome = forms.ChoiceField(label="Outcome", choices=CALL_OUTCOMES)
    notes = forms.CharField(
        label="Notes: what was said",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "Write what was said."},
    )


def email_template(order: Order, purpose: str) -> dict:
    """A subject and message for an e-mail about the order, for a person to edit."""
    customer = order.customer
    greeting = f"Dear {customer.name}," if customer.name else "Hello,"
    ref = order.reference
    lines = "\n".join(
        f"  {line.quantity} × {line.description} ({line.product_code})"
        for line in order.lines.all()
        if line.is_active
    )
    sign_off = "\n\nKind regards,\nThe OrderDesk sales team"
    if purpose == Communication.Purpose.QUERY:
        subject = f"A question about your order {ref}"
        body = (
            f"{greeting}\n\nThank you for your order {ref}. Before we can go ahead, "
            "we need to check something with you:\n\n[Write your question here]\n\n"
            "Please reply to this e-mail or call us."
        )
    elif purpose == Communication.Purpose.EXCEPTION_NOTICE:
        open_problems = "\n".join(
            f"  - {e.get_kind_display()}: {e.found}"
            for e in order.exceptions.all()
            if e.status == OrderException.Status.OPEN
        )
        subject = f"A problem with your order {ref}"
        body = (
            f"{greeting}\n\nWe are sorry: there is a problem with your order {ref}."
            f"\n\n{open_problems or '  [Describe the problem here]'}\n\n"
            "What we suggest: [write what you can offer]\n\n"
            "Please reply to let us know how you would like us to go ahead."
        )
    else:
        subject = f"We have received your order {ref}"
        body = (
            f"{greeting}\n\nThank you for your order {ref}, which we received on "
            f"{timezone.localtime(order.received_at):%d %B %Y}:\n\n{lines}\n\n"
            f"Total £{order.gross_total} including VAT of £{order.vat_total}.\n\n"
            "We are checking it now and will confirm a delivery date shortly."
        )
    return {"purpose": purpose, "subject": subject, "content": body + sign_off}
