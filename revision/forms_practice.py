"""The practice pages' one form that takes input: abandoning an attempt."""

from django import forms

ABANDON_LABEL = "I understand the attempt will be scored as it stands"


class PracticeAbandonForm(forms.Form):
    """Abandoning ends the attempt for good, so the learner ticks to say so."""

    understood = forms.BooleanField(
        label=ABANDON_LABEL,
        error_messages={
            "required": "Tick the box to say you understand, or carry on with the "
            "attempt."
        },
    )
