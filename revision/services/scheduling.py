"""Spaced repetition with FSRS (the `fsrs` package): every quiz item is a card per
learner; each answer is a review rated from its correctness and certainty.

The scheduler has no intra-day learning steps: revision happens in daily sittings,
so the shortest interval is a day ("Again" and "Hard" on a new card: tomorrow;
"Good": in two days; "Easy": in eight). Fuzzing is off so a learner's schedule, and
the tests, are reproducible.
"""

from datetime import UTC, datetime

from django.db import transaction
from fsrs import Card, Rating, Scheduler, State

from ..models import Answer, ContentItem, QuizItem, ReviewCard, ReviewLog, Section

SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def rating_for(*, correct: bool, certainty: int) -> Rating:
    """Wrong: Again. Right: Hard when unsure, Good when fairly sure, Easy when very
    sure — certainty is the learner's own recall judgement."""
    if not correct:
        return Rating.Again
    return {1: Rating.Hard, 2: Rating.Good, 3: Rating.Easy}[certainty]


def _to_fsrs(card: ReviewCard) -> Card:
    return Card(
        card_id=card.pk,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due.astimezone(UTC),
        last_review=card.last_review and card.last_review.astimezone(UTC),
    )


def card_for(*, learner, item: QuizItem, now: datetime) -> ReviewCard:
    """The learner's card for an item, locked; a new card (due now) the first time."""
    card, _ = ReviewCard.objects.get_or_create(
        learner=learner, item=item, defaults={"due": now}
    )
    return ReviewCard.objects.select_for_update().get(pk=card.pk)


@transaction.atomic
def card_review(*, answer: Answer) -> ReviewLog:
    """Schedule the answered item's next review from the answer."""
    card = card_for(learner=answer.learner, item=answer.item, now=answer.answered_at)
    rating = rating_for(correct=answer.correct, certainty=answer.certainty)
    before = card.due
    # fsrs accepts UTC times only; a caller's `now` may be in local time.
    reviewed, _ = SCHEDULER.review_card(
        _to_fsrs(card), rating, review_datetime=answer.answered_at.astimezone(UTC)
    )
    card.state = int(reviewed.state)
    card.step = reviewed.step
    card.stability = reviewed.stability
    card.difficulty = reviewed.difficulty
    card.due = reviewed.due
    card.last_review = reviewed.last_review
    card.save()
    return ReviewLog.objects.create(
        card=card,
        answer=answer,
        reason=ReviewLog.Reason.ANSWER,
        rating=int(rating),
        due_before=before,
        due_after=card.due,
        reviewed_at=answer.answered_at,
    )


@transaction.atomic
def misconception_revisit(
    *,
    learner,
    misconception: ContentItem,
    now: datetime,
    note: str = "",
    except_item: QuizItem | None = None,
) -> list[ReviewLog]:
    """Put every quiz item that tests a misconception into the learner's reviews
    due now (practice scoring calls this for a missed point that matches one).
    `except_item`, just answered and scheduled by FSRS, keeps its schedule."""
    if misconception.section != Section.MISCONCEPTION:
        raise ValueError(f"{misconception.identifier} is not a misconception.")
    logs = []
    items = misconception.quiz_items.filter(active=True).order_by("pk")
    if except_item is not None:
        items = items.exclude(pk=except_item.pk)
    for item in items:
        existed = ReviewCard.objects.filter(learner=learner, item=item).exists()
        card = card_for(learner=learner, item=item, now=now)
        if existed and card.due <= now:
            continue  # already due: nothing to bring forward
        before = card.due if existed else now
        card.due = now
        card.save(update_fields=["due"])
        logs.append(
            ReviewLog.objects.create(
                card=card,
                reason=ReviewLog.Reason.MISCONCEPTION,
                note=(note or f"Revisit {misconception.identifier}")[:200],
                due_before=before,
                due_after=now,
                reviewed_at=now,
            )
        )
    return logs
