"""Forms for complaints: open one, record the HEAT steps, the remedy, the resolution.

Each carries the order's version (OrderActionForm), so a page opened before
someone else changed the order or the complaint is refused instead of acting on
what it no longer shows.
"""

from django import forms
from django.contrib.auth import get_user_model

from orders.forms.detail import OrderActionForm

from .complaints import STAFF_ROLES
from .models import Complaint

YES_NO = [("yes", "Yes"), ("no", "No")]


class ComplaintOpenForm(OrderActionForm):
    customer_words = forms.CharField(
        label="What the customer said, in their words",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={
            "required": "Write down what the customer said, in their words.",
            "max_length": "Keep it under 5,000 characters.",
        },
    )
    category = forms.ChoiceField(
        label="What the complaint is about",
        choices=[("", "Choose…"), *Complaint.Category.choices],
        error_messages={
            "required": "Choose what the complaint is about.",
            "invalid_choice": "Choose what the complaint is about from the list.",
        },
    )

    def clean_customer_words(self) -> str:
        words = self.cleaned_data["customer_words"].strip()
        if not words:
            raise forms.ValidationError(
                "Write down what the customer said, in their words."
            )
        return words


def staff_owners():
    """People who may take ownership of a complaint: active staff."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=STAFF_ROLES)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class HeatForm(OrderActionForm):
    """The HEAT steps not yet recorded; recorded ones are shown, not offered."""

    heard = forms.BooleanField(
        label="Heard: I let the customer explain in full without interrupting",
        required=False,
    )
    empathised = forms.BooleanField(
        label="Empathised: I acknowledged how the problem affects them",
        required=False,
    )
    apologised = forms.BooleanField(
        label="Apologised: I said sorry for the problem", required=False
    )
    owner = forms.ModelChoiceField(
        label="Took ownership: who owns putting it right",
        queryset=None,
        required=False,
        empty_label="Not yet",
        error_messages={"invalid_choice": "Choose the owner from the list."},
    )
    action_plan = forms.CharField(
        label="Action plan: what will be done, by when",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        error_messages={"max_length": "Keep it under 5,000 characters."},
    )

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.complaint = complaint
        self.fields["owner"].queryset = staff_owners()
        for name, field in (
            ("heard", "heard_at"),
            ("empathised", "empathised_at"),
            ("apologised", "apologised_at"),
        ):
            if getattr(complaint, field):
                del self.fields[name]
        if complaint.ownership_at:
            del self.fields["owner"]
            del self.fields["action_plan"]

    def clean(self):
        data = super().clean()
        owner, plan = data.get("owner"), (data.get("action_plan") or "").strip()
        if "owner" in self.fields:
            if plan and not owner and "owner" not in self.errors:
                self.add_error(
                    "owner", "Choose who takes ownership of the action plan."
                )
            if owner and not plan:
                self.add_error(
                    "action_plan", "Write the action plan the owner is taking on."
                )
        data["action_plan"] = plan
        return data


class RemedyForm(OrderActionForm):
    remedy = forms.ChoiceField(
        label="Remedy (Consumer Rights Act 2015)",
        choices=Complaint.Remedy.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the remedy.",
            "invalid_choice": "Choose the remedy from the list.",
        },
    )
    note = forms.CharField(
        label="Note (required for no remedy: what you explained to the customer)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        error_messages={"max_length": "Keep it under 2,000 characters."},
    )

    def clean(self):
        data = super().clean()
        data["note"] = (data.get("note") or "").strip()
        if data.get("remedy") == Complaint.Remedy.NONE and not data["note"]:
            self.add_error(
                "note", "Say why no remedy is due, as you explained it to the customer."
            )
        return data


class ResolveForm(OrderActionForm):
    resolution = forms.CharField(
        label="How the complaint was resolved",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={
            "required": "Write how the complaint was resolved.",
            "max_length": "Keep it under 5,000 characters.",
        },
    )
    customer_satisfied = forms.TypedChoiceField(
        label="Was the customer satisfied with the resolution?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether the customer was satisfied.",
            "invalid_choice": "Answer yes or no.",
        },
    )

    def clean_resolution(self) -> str:
        text = self.cleaned_data["resolution"].strip()
        if not text:
            raise forms.ValidationError("Write how the complaint was resolved.")
        return text
