"""Taking quizzes: starting an attempt, answering, self-assessing, finishing.

Answers are marked when given (revision.grading), stored append-only, and each
schedules the item's next review (revision.services.scheduling). A confident wrong
answer also brings forward the reviews of every misconception the item tests.
"""

import random
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from ..exceptions import RevisionError
from ..grading import InvalidResponse, cbm_marks, grade, is_confident_wrong
from ..models import (
    Answer,
    Attempt,
    Certainty,
    ContentItem,
    Quiz,
    QuizItem,
    ReviewCard,
    Section,
    SelfAssessment,
)
from .scheduling import card_review, misconception_revisit

REVIEW_BATCH = 20  # most cards one review sitting asks
# Items seen for the first time, per day, however first met (a quiz, a review, a
# misconception brought forward): new learning is capped, not only new reviews.
NEW_PER_DAY = 10


def _end_of_day(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=23, minute=59, second=59, microsecond=999999)


def due_cards(*, learner, now: datetime):
    """The learner's cards due by the end of today, most overdue first."""
    return (
        ReviewCard.objects.filter(
            learner=learner, due__lte=_end_of_day(now), item__active=True
        )
        .select_related("item")
        .order_by("due", "pk")
    )


def new_items(*, learner, now: datetime) -> list[QuizItem]:
    """Items the learner has no card for yet, up to today's allowance of new ones."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    introduced_today = (
        ReviewCard.objects.filter(learner=learner)
        .annotate(first_review=Min("logs__reviewed_at"))
        .filter(first_review__gte=start)
        .count()
    )
    allowance = max(NEW_PER_DAY - introduced_today, 0)
    seen = ReviewCard.objects.filter(learner=learner).values("item")
    return list(
        QuizItem.objects.filter(active=True)
        .exclude(pk__in=seen)
        .order_by("position", "pk")[:allowance]
    )


@transaction.atomic
def attempt_start(
    *, learner, mode: str, quiz: Quiz | None = None, now: datetime | None = None
) -> Attempt:
    """Start a sitting: a quiz in practice or mock mode, or today's reviews."""
    now = now or timezone.now()
    if mode not in Attempt.Mode.values:
        raise RevisionError("Choose practice or mock exam.")
    if mode == Attempt.Mode.REVIEW:
        due = [card.item_id for card in due_cards(learner=learner, now=now)]
        fresh = [item.pk for item in new_items(learner=learner, now=now)]
        item_ids = (due + fresh)[:REVIEW_BATCH]
        if not item_ids:
            raise RevisionError("Nothing is due for review today. Come back tomorrow.")
        quiz = None
    else:
        if quiz is None or not quiz.active:
            raise RevisionError("Choose a quiz to start.")
        item_ids = list(
            quiz.items.filter(active=True)
            .order_by("position", "pk")
            .values_list("pk", flat=True)
        )
        if not item_ids:
            raise RevisionError("This quiz has no questions yet.")
    return Attempt.objects.create(
        learner=learner,
        quiz=quiz,
        mode=mode,
        item_ids=item_ids,
        shuffle_seed=random.SystemRandom().randrange(1, 2**31),
        started_at=now,
    )


def next_item(attempt: Attempt) -> QuizItem | None:
    """The first item of the attempt not yet answered, or None when all are."""
    answered = set(attempt.answers.values_list("item_id", flat=True))
    for item_id in attempt.item_ids:
        if item_id not in answered:
            return QuizItem.objects.get(pk=item_id)
    return None


@transaction.atomic
def answer_record(
    *,
    attempt: Attempt,
    learner,
    item: QuizItem,
    response: dict,
    certainty: int,
    now: datetime | None = None,
) -> Answer:
    """Mark and keep one answer, schedule the item's next review, and finish the
    attempt when it was the last item. Refused: someone else's attempt, a finished
    one, an item not in it or already answered, a response that does not answer."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.learner_id != learner.pk:
        raise RevisionError("This attempt is someone else's.")
    if attempt.finished_at is not None:
        raise RevisionError("This attempt is finished; start a new one to try again.")
    if item.pk not in attempt.item_ids:
        raise RevisionError("That question is not part of this attempt.")
    if certainty not in Certainty.values:
        raise RevisionError("Choose how sure you are.")
    try:
        result = grade(item.kind, item.data, response)
    except InvalidResponse as error:
        raise RevisionError(str(error)) from error
    try:
        with transaction.atomic():
            answer = Answer.objects.create(
                attempt=attempt,
                item=item,
                learner=learner,
                response=response,
                certainty=certainty,
                correct=result.correct,
                parts_right=result.parts_right,
                parts_total=result.parts_total,
                marks=cbm_marks(correct=result.correct, certainty=certainty),
                confident_wrong=is_confident_wrong(
                    correct=result.correct, certainty=certainty
                ),
                answered_at=now,
            )
    except IntegrityError as error:
        raise RevisionError("You have already answered this question.") from error
    card_review(answer=answer)
    if answer.confident_wrong:
        misconceptions = item.covers.filter(section=Section.MISCONCEPTION)
        for misconception in misconceptions:
            misconception_revisit(
                learner=learner,
                misconception=misconception,
                now=now,
                note=f"Confident wrong answer to {item.identifier}",
                except_item=item,
            )
    if attempt.answers.count() == len(attempt.item_ids):
        attempt.finished_at = now
        attempt.save(update_fields=["finished_at"])
    return answer


@transaction.atomic
def attempt_finish(*, attempt: Attempt, learner, now: datetime | None = None):
    """End an attempt early; unanswered items stay unanswered (and unmarked)."""
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.learner_id != learner.pk:
        raise RevisionError("This attempt is someone else's.")
    if attempt.finished_at is None:
        attempt.finished_at = now or timezone.now()
        attempt.save(update_fields=["finished_at"])
    return attempt


def feedback_visible(answer: Answer) -> bool:
    """Practice and reviews show feedback at once; a mock exam only at the end."""
    return not answer.attempt.defers_feedback or answer.attempt.finished_at is not None


@transaction.atomic
def self_assessment_record(
    *, answer: Answer, learner, met: set[str], now: datetime | None = None
) -> list[SelfAssessment]:
    """Keep the learner's own judgement of a scenario answer against each marking
    point of its checklist: the identifiers in `met` were met, the rest not."""
    now = now or timezone.now()
    if answer.learner_id != learner.pk:
        raise RevisionError("This answer is someone else's.")
    # Lock the attempt: two submissions at once must not both pass the checks below,
    # and the attempt read here is the current one (finished or not).
    Attempt.objects.select_for_update().get(pk=answer.attempt_id)
    answer = Answer.objects.select_related("attempt", "item").get(pk=answer.pk)
    if answer.item.kind != QuizItem.Kind.SCENARIO:
        raise RevisionError("Only scenario answers have a checklist.")
    if not feedback_visible(answer):
        raise RevisionError("Check your answer against the marking points at the end.")
    if answer.self_assessments.exists():
        raise RevisionError("You have already checked this answer.")
    checklist = answer.item.data.get("checklist", [])
    unknown = set(met) - set(checklist)
    if unknown:
        raise RevisionError("Tick only the marking points listed.")
    points = ContentItem.objects.in_bulk(checklist, field_name="identifier")
    return SelfAssessment.objects.bulk_create(
        SelfAssessment(
            answer=answer,
            marking_point=points[identifier],
            met=identifier in met,
            recorded_at=now,
        )
        for identifier in checklist
        if identifier in points
    )
