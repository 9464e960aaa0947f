"""The portfolio pages' forms: the learner adds an order and reflects on it; the
assessor judges a criterion, signs off and unlocks. Each form only validates input;
the view passes cleaned_data to portfolio.services."""

from django import forms

from orders.models import Order

from .models import Review


class OrderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, order: Order) -> str:
        attempt = getattr(order, "practice_attempt", None)
        scenario = (
            f" · {attempt.scenario.identifier}: {attempt.scenario.title}"
            if attempt
            else ""
        )
        return f"{order.reference}{scenario} · {order.get_status_display()}"


class EntryAddForm(forms.Form):
    """Choose one of the learner's eligible orders not yet in the portfolio."""

    order = OrderChoiceField(
        queryset=Order.objects.none(),
        label="Order to add",
        empty_label="Choose an order",
        error_messages={
            "required": "Choose an order to add.",
            "invalid_choice": "Choose one of your own orders that is not in the "
            "portfolio yet.",
        },
    )

    def __init__(self, *args, orders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = orders


class ReflectionForm(forms.Form):
    """The learner's short reflective statement on one order."""

    text = forms.CharField(
        label="Your reflection on this order",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What went well, what you would do differently (up to 3,000 "
        "characters).",
        error_messages={"max_length": "Keep the reflection to 3,000 characters."},
    )


class ReviewForm(forms.Form):
    """The assessor's judgement of one criterion, with a comment the learner sees."""

    verdict = forms.ChoiceField(
        label="Your judgement",
        choices=Review.Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose met, not yet met or more evidence needed.",
            "invalid_choice": "Choose met, not yet met or more evidence needed.",
        },
    )
    comment = forms.CharField(
        label="Comment for the learner",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write a comment the learner can act on.",
            "max_length": "Keep the comment to 3,000 characters.",
        },
    )

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"].strip()
        if not comment:
            raise forms.ValidationError("Write a comment the learner can act on.")
        return comment


class SignOffForm(forms.Form):
    """The fixed declaration (models.DECLARATION, shown above) must be ticked."""

    declared = forms.BooleanField(
        label="I make the declaration above",
        error_messages={"required": "Tick the declaration to sign off."},
    )


class UnlockForm(forms.Form):
    """Unlocking a sign-off is recorded with its reason."""

    reason = forms.CharField(
        label="Reason for unlocking",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The learner sees this reason.",
        error_messages={
            "required": "Give the reason for unlocking.",
            "max_length": "Keep the reason to 2,000 characters.",
        },
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give the reason for unlocking.")
        return reason
