"""Reads for the quiz pages: quizzes with the learner's last result, attempts with
their scores, an attempt's questions marked for display."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..grading import (
    CBM_MARKS,
    InvalidItemData,
    InvalidResponse,
    Part,
    grade,
    signed_marks,
)
from ..models import Attempt, ContentItem, Quiz, QuizItem, ReviewCard

BEST_MARKS = max(right for right, _ in CBM_MARKS.values())  # per question


@dataclass(frozen=True)
class Score:
    """An attempt's figures: certainty-based marks out of the best possible, and
    how many questions were answered right."""

    marks: int
    questions: int
    right: int
    answered: int

    @property
    def maximum(self) -> int:
        return BEST_MARKS * self.questions

    @property
    def marks_display(self) -> str:
        return signed_marks(self.marks)

    @property
    def unanswered(self) -> int:
        return self.questions - self.answered

    @property
    def percent_right(self) -> int:
        return round(100 * self.right / self.questions) if self.questions else 0


def attempts_scored(attempts):
    """Attempts annotated with their marks and right answers (one query)."""
    return attempts.annotate(
        total_marks=Coalesce(
            Sum("answers__marks"), Value(0), output_field=IntegerField()
        ),
        right_count=Count("answers", filter=Q(answers__correct=True)),
        answer_count=Count("answers"),
    )


def score_of(attempt: Attempt) -> Score:
    return Score(
        marks=attempt.total_marks,
        questions=len(attempt.item_ids),
        right=attempt.right_count,
        answered=attempt.answer_count,
    )


def quizzes_with_last_attempt(*, learner) -> tuple[list[Quiz], dict[int, Attempt]]:
    """Active quizzes (with question_count, last_attempt_id) and the learner's last
    finished attempt at each, scored, by attempt id: three queries at most."""
    last_finished = (
        Attempt.objects.filter(
            learner=learner, quiz=OuterRef("pk"), finished_at__isnull=False
        )
        .order_by("-finished_at", "-pk")
        .values("pk")[:1]
    )
    quizzes = list(
        Quiz.objects.filter(active=True)
        .annotate(
            question_count=Count("items", filter=Q(items__active=True), distinct=True),
            last_attempt_id=Subquery(last_finished),
        )
        .order_by("position", "pk")
    )
    wanted = [quiz.last_attempt_id for quiz in quizzes if quiz.last_attempt_id]
    last = (
        {
            attempt.pk: attempt
            for attempt in attempts_scored(Attempt.objects.filter(pk__in=wanted))
        }
        if wanted
        else {}
    )
    return quizzes, last


def parts_for_display(item: QuizItem, response: dict) -> list[Part]:
    """The answer marked part by part, for display. The item's data may have been
    edited since the answer was given; then the parts are not shown."""
    try:
        return grade(item.kind, item.data, response).parts
    except (InvalidResponse, InvalidItemData, KeyError, TypeError):
        return []


def next_review(learner, item: QuizItem) -> datetime | None:
    due = (
        ReviewCard.objects.filter(learner=learner, item=item)
        .values_list("due", flat=True)
        .first()
    )
    return timezone.localtime(due) if due else None


def scenario_checklist(item: QuizItem) -> list[tuple[str, str]]:
    """A scenario's marking points as (identifier, text), in the checklist's order;
    points missing from the content are left out (the service skips them too)."""
    identifiers = item.data.get("checklist", []) if item.kind == "scenario" else []
    points = ContentItem.objects.in_bulk(identifiers, field_name="identifier")
    return [
        (identifier, points[identifier].text)
        for identifier in identifiers
        if identifier in points
    ]
