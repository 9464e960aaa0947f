"""Forms for taking quizzes: starting one, answering each kind of question, and
checking a scenario answer against its marking points.

A question form is built from its item and the attempt's `shuffle_seed`: options,
steps and definitions appear in an order fixed for that attempt and item (so a
re-shown page, or the POST that answers it, sees the same order) and never in the
right order by construction. Each form turns its cleaned data into the response
revision.grading marks (`response()`).
"""

import random

from django import forms

from .grading import CBM_MARKS, JUDGE_CHOICES, signed_marks
from .models import Attempt, Certainty, QuizItem

CERTAINTY_CHOICES = [
    (
        str(value),
        f"{label} ({signed_marks(CBM_MARKS[value][0])} if right, "
        f"{signed_marks(CBM_MARKS[value][1])} if wrong)",
    )
    for value, label in Certainty.choices
]
MESSAGE_LIMIT = 2000


def _rng(seed: int, item: QuizItem) -> random.Random:
    return random.Random(f"{seed}:{item.pk}")


def shuffled(values: list, rng: random.Random) -> list:
    """The values in a random order that is never the order given (when there are
    two or more that differ), so the page never shows the answer by construction."""
    result = list(values)
    rng.shuffle(result)
    if len(result) > 1 and result == list(values):
        result = result[1:] + result[:1]
    return result


def deranged(values: list, rng: random.Random) -> list:
    """The values shuffled so that none stays at its own index."""
    result = list(values)
    if len(result) < 2:
        return result
    for _ in range(50):
        rng.shuffle(result)
        if all(a != b for a, b in zip(result, values, strict=True)):
            return result
    return list(values[1:]) + list(values[:1])  # a rotation moves every value


class QuizStartForm(forms.Form):
    mode = forms.ChoiceField(
        label="How do you want to take it?",
        choices=[
            (Attempt.Mode.PRACTICE, "Practice (feedback after each answer)"),
            (Attempt.Mode.MOCK, "Mock exam (feedback at the end)"),
        ],
        initial=Attempt.Mode.PRACTICE,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose practice or mock exam.",
            "invalid_choice": "Choose practice or mock exam.",
        },
    )

    def __init__(self, *args, key: str = "", **kwargs):
        # One start form per quiz on the list page: ids must be unique.
        kwargs.setdefault("auto_id", f"id_start_{key}_%s")
        super().__init__(*args, **kwargs)


class QuestionForm(forms.Form):
    """The fields every kind shares: which item is answered, and how sure."""

    item = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "Reload the page and answer the question it shows.",
            "invalid": "Reload the page and answer the question it shows.",
        },
    )
    certainty = forms.TypedChoiceField(
        label="How sure are you?",
        choices=CERTAINTY_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how sure you are.",
            "invalid_choice": "Choose how sure you are from the three answers given.",
        },
    )

    # The fields shown under the question's own legend, in order (not certainty).
    answer_fields: list[str] = []
    answer_legend = ""

    def __init__(self, *args, item: QuizItem, seed: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        self.rng = _rng(seed, item)
        self.initial.setdefault("item", item.pk)
        self.build()
        # Certainty last: asked after the answer, as the learner commits to it.
        self.order_fields([*self.answer_fields, "item", "certainty"])

    def build(self) -> None:
        """Add the kind's own fields."""

    def clean_item(self) -> int:
        if self.cleaned_data["item"] != self.item.pk:
            raise forms.ValidationError(
                "That question has already been answered; this is the next one."
            )
        return self.cleaned_data["item"]

    def response(self) -> dict:
        """The learner's answer in the shape revision.grading marks."""
        raise NotImplementedError

    @property
    def answer_bound_fields(self):
        return [self[name] for name in self.answer_fields]

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) for the summary at the top of the page: each field's
        messages linking to the field, the whole form's linking to the form."""
        seen, summary = set(), []
        for name, errors in self.errors.items():
            if name == "__all__" or name == "item":
                anchor = "question-form"
            else:
                field = self[name]
                radio = isinstance(field.field.widget, forms.RadioSelect)
                anchor = f"{field.auto_id}_0" if radio else field.auto_id
            for message in errors:
                if message not in seen:
                    seen.add(message)
                    summary.append((anchor, message))
        return summary


class JudgeForm(QuestionForm):
    answer_fields = ["choice"]

    def build(self) -> None:
        self.fields["choice"] = forms.ChoiceField(
            label="Is this statement true, or a misconception?",
            choices=list(JUDGE_CHOICES.items()),
            widget=forms.RadioSelect,
            error_messages={
                "required": "Say whether the statement is true or a misconception.",
                "invalid_choice": "Choose True or A misconception.",
            },
        )

    def response(self) -> dict:
        return {"choice": self.cleaned_data["choice"]}


class OrderForm(QuestionForm):
    """A position for each step, chosen from a list: keyboard-operable, no drag."""

    DUPLICATE = "Give each step a different position."

    def build(self) -> None:
        self.steps = shuffled(self.item.data["steps"], self.rng)
        count = len(self.steps)
        positions = [("", "Choose…")] + [(str(n), str(n)) for n in range(1, count + 1)]
        self.answer_fields = []
        self.answer_legend = f"Give each step its position, from 1 (first) to {count}"
        for index, step in enumerate(self.steps, start=1):
            name = f"position_{index}"
            self.answer_fields.append(name)
            self.fields[name] = forms.TypedChoiceField(
                label=f"Position of {step}",
                choices=positions,
                coerce=int,
                error_messages={
                    "required": f"Choose a position for {step}.",
                    "invalid_choice": f"Choose a position from 1 to {count}.",
                },
            )

    def clean(self):
        data = super().clean()
        given = {name: data[name] for name in self.answer_fields if name in data}
        taken: dict[int, list[str]] = {}
        for name, position in given.items():
            taken.setdefault(position, []).append(name)
        for names in taken.values():
            if len(names) > 1:
                for name in names:
                    self.add_error(name, self.DUPLICATE)
        return data

    def response(self) -> dict:
        by_position = sorted(
            zip(self.answer_fields, self.steps, strict=True),
            key=lambda pair: self.cleaned_data[pair[0]],
        )
        return {"order": [step for _, step in by_position]}


class MatchForm(QuestionForm):
    """For each term, a list of the definitions to choose from."""

    def build(self) -> None:
        pairs = self.item.data["pairs"]
        terms = shuffled([term for term, _ in pairs], self.rng)
        right = dict(pairs)
        # The definitions' order is such that none sits level with its own term.
        definitions = deranged([right[term] for term in terms], self.rng)
        choices = [("", "Choose a definition…")] + [(d, d) for d in definitions]
        self.terms = terms
        self.answer_fields = []
        self.answer_legend = "Match each term to its definition"
        for index, term in enumerate(terms, start=1):
            name = f"term_{index}"
            self.answer_fields.append(name)
            self.fields[name] = forms.ChoiceField(
                label=term,
                choices=choices,
                error_messages={
                    "required": f"Choose the definition of {term}.",
                    "invalid_choice": f"Choose the definition of {term} from the list.",
                },
            )

    def response(self) -> dict:
        return {
            "matches": {
                term: self.cleaned_data[name]
                for name, term in zip(self.answer_fields, self.terms, strict=True)
            }
        }


class CheckForm(QuestionForm):
    answer_fields = ["choice"]
    choice_label = ""  # the item's prompt is the question
    choice_required = "Choose an answer."

    def build(self) -> None:
        options = shuffled(self.item.data["options"], self.rng)
        self.fields["choice"] = forms.ChoiceField(
            label=self.choice_label or self.item.prompt,
            choices=[(option, option) for option in options],
            widget=forms.RadioSelect,
            error_messages={
                "required": self.choice_required,
                "invalid_choice": "Choose one of the answers given.",
            },
        )

    def response(self) -> dict:
        return {"choice": self.cleaned_data["choice"]}


class ScenarioForm(CheckForm):
    answer_fields = ["choice", "message"]
    choice_label = "What do you do first?"
    choice_required = "Choose what you do first."

    def build(self) -> None:
        super().build()
        self.fields["message"] = forms.CharField(
            label="What do you tell the customer, and how?",
            widget=forms.Textarea(attrs={"rows": 5, "maxlength": MESSAGE_LIMIT}),
            max_length=MESSAGE_LIMIT,
            error_messages={
                "required": "Write what you tell the customer, and how.",
                "max_length": "Keep your message under 2,000 characters.",
            },
        )

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError("Write what you tell the customer, and how.")
        return message

    def response(self) -> dict:
        return {
            "choice": self.cleaned_data["choice"],
            "message": self.cleaned_data["message"],
        }


FORMS: dict[str, type[QuestionForm]] = {
    QuizItem.Kind.JUDGE: JudgeForm,
    QuizItem.Kind.ORDER: OrderForm,
    QuizItem.Kind.MATCH: MatchForm,
    QuizItem.Kind.CHECK: CheckForm,
    QuizItem.Kind.SCENARIO: ScenarioForm,
}


def question_form(item: QuizItem, attempt: Attempt, data=None) -> QuestionForm:
    """The form that asks `item` in `attempt` (bound when `data` is given)."""
    return FORMS[item.kind](data, item=item, seed=attempt.shuffle_seed)


class SelfAssessmentForm(forms.Form):
    """The scenario's marking points, ticked where the learner's message met them."""

    met = forms.MultipleChoiceField(
        label="Which marking points did your message meet?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Tick only the marking points listed."},
    )

    def __init__(self, *args, points: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["met"].choices = [
            (identifier, f"{identifier}: {text}") for identifier, text in points
        ]
