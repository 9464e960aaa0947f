"""Forms for recording a follow-up (staff) and the customer's feedback page."""

from django import forms

from orders.forms.detail import OrderActionForm
from orders.models import Communication

from .models import Complaint

METHODS = [
    (Communication.Channel.PHONE, "Phone call"),
    (Communication.Channel.EMAIL, "E-mail"),
    (Communication.Channel.SMS, "Text message"),
    (Communication.Channel.LETTER, "Letter"),
    (Communication.Channel.IN_PERSON, "In person"),
]
OUTCOMES = [
    (Communication.Outcome.REACHED, "Spoke to the customer"),
    (Communication.Outcome.RECEIVED, "Customer replied"),
    (Communication.Outcome.VOICEMAIL, "Left a voicemail"),
    (Communication.Outcome.SENT, "Message sent"),
    (Communication.Outcome.NO_ANSWER, "No answer (try again later)"),
    (Communication.Outcome.CALL_BACK, "Asked to be called back (try again later)"),
]
NOT_COMPLETED = (Communication.Outcome.NO_ANSWER, Communication.Outcome.CALL_BACK)
RATINGS = [
    (n, f"{n} - {word}")
    for n, word in enumerate(
        ["Very poor", "Poor", "All right", "Good", "Very good"], start=1
    )
]


class FollowUpRecordForm(OrderActionForm):
    """What came of a follow-up; carries the order's version."""

    method = forms.ChoiceField(
        label="How you contacted the customer",
        choices=[("", "Choose...")] + METHODS,
        error_messages={"required": "Choose how you contacted the customer."},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Choose...")] + OUTCOMES,
        error_messages={"required": "Choose the outcome of the follow-up."},
    )
    satisfaction = forms.TypedChoiceField(
        label="Satisfaction (1 to 5)",
        choices=[("", "Not given")] + RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="1 or 2 opens a complaint.",
    )
    comments = forms.CharField(
        label="What the customer said, or what you did",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": "Write what the customer said, or what you did."},
    )
    complaint = forms.BooleanField(
        label="The customer is making a complaint",
        required=False,
        help_text="Opens a complaint with their words above.",
    )
    complaint_category = forms.ChoiceField(
        label="What the complaint is about",
        choices=[("", "Choose if a complaint...")] + list(Complaint.Category.choices),
        required=False,
    )

    def clean_comments(self):
        comments = self.cleaned_data["comments"].strip()
        if not comments:
            raise forms.ValidationError(
                "Write what the customer said, or what you did."
            )
        return comments

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome in NOT_COMPLETED:
            if data.get("satisfaction") is not None:
                self.add_error(
                    "satisfaction",
                    "You did not reach the customer: leave satisfaction empty.",
                )
            if data.get("complaint"):
                self.add_error(
                    "complaint",
                    "You did not reach the customer: a complaint needs their words.",
                )
        if data.get("complaint") and not data.get("complaint_category"):
            self.add_error("complaint_category", "Choose what the complaint is about.")
        return data


class FeedbackForm(forms.Form):
    """The customer's rating and comments (no account)."""

    satisfaction = forms.TypedChoiceField(
        label="How satisfied are you with your order?",
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a rating from 1 to 5."},
    )
    comments = forms.CharField(
        label="Anything you would like to tell us (optional)",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
    )
