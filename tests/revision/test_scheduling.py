"""FSRS scheduling (revision.services.scheduling) with a fixed clock: the first
review of a new card, a second review, the rating mapping, and misconceptions put
back into the queue.

The intervals were checked against fsrs 6.3.2 with the project's scheduler (no
learning steps, no fuzzing): a new card rated Again or Hard is due in 1 day, Good in
2, Easy in 8; a Good card reviewed on time is due 11 days later after Good, 1 day
later after Again.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating, State

from revision.models import ReviewCard, ReviewLog, Section
from revision.services.scheduling import misconception_revisit, rating_for

from ..factories import UserFactory
from .factories import (
    NOW,
    RIGHT,
    WRONG,
    ContentItemFactory,
    QuizItemFactory,
    answer_alone,
)


@pytest.fixture
def misconception(db):
    return ContentItemFactory(identifier="MC-01", section=Section.MISCONCEPTION)


# --- The first review -----------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "certainty", "rating", "days"),
    [
        pytest.param(WRONG, 1, Rating.Again, 1, id="again"),
        pytest.param(RIGHT, 1, Rating.Hard, 1, id="hard"),
        pytest.param(RIGHT, 2, Rating.Good, 2, id="good"),
        pytest.param(RIGHT, 3, Rating.Easy, 8, id="easy"),
    ],
)
def test_a_new_card_is_due_after_the_interval_its_rating_gives(
    learner, response, certainty, rating, days
):
    # given an item the learner has never seen
    item = QuizItemFactory()
    # when they answer it for the first time
    answer = answer_alone(
        learner=learner, item=item, response=response, certainty=certainty, now=NOW
    )
    # then its card is due after the rating's interval, and the review is logged
    card = ReviewCard.objects.get(learner=learner, item=item)
    assert card.due == NOW + timedelta(days=days)
    assert card.last_review == NOW
    assert card.state == State.Review
    assert card.stability is not None
    assert card.difficulty is not None
    log = ReviewLog.objects.get(card=card)
    assert log.answer == answer
    assert log.reason == ReviewLog.Reason.ANSWER
    assert log.rating == rating
    assert (log.due_before, log.due_after, log.reviewed_at) == (
        NOW,
        NOW + timedelta(days=days),
        NOW,
    )


def test_a_new_card_keeps_one_card_per_learner_and_item(learner):
    # given two learners answering the same item
    other = UserFactory(role="learner")
    item = QuizItemFactory()
    answer_alone(learner=learner, item=item, response=RIGHT, certainty=2, now=NOW)
    answer_alone(learner=other, item=item, response=WRONG, certainty=1, now=NOW)
    # then each has a card of their own, scheduled by their own answer
    assert ReviewCard.objects.get(learner=learner, item=item).due == NOW + timedelta(
        days=2
    )
    assert ReviewCard.objects.get(learner=other, item=item).due == NOW + timedelta(
        days=1
    )


def test_an_answer_at_a_local_time_is_scheduled_like_one_in_utc(learner):
    # given the same moment as NOW, in London time
    local_now = NOW.astimezone(ZoneInfo("Europe/London"))
    item = QuizItemFactory()
    # when the item is answered Good at that moment
    answer_alone(learner=learner, item=item, response=RIGHT, certainty=2, now=local_now)
    # then it is due in two days, as in UTC
    card = ReviewCard.objects.get(learner=learner, item=item)
    assert card.due == NOW + timedelta(days=2)


# --- A second review ------------------------------------------------------------


def test_a_second_right_answer_extends_the_interval(learner):
    # given a card first answered Good (due in 2 days)
    item = QuizItemFactory()
    answer_alone(learner=learner, item=item, response=RIGHT, certainty=2, now=NOW)
    first_due = ReviewCard.objects.get(learner=learner, item=item).due
    # when it is answered Good again on the day it falls due
    answer_alone(learner=learner, item=item, response=RIGHT, certainty=2, now=first_due)
    # then the next interval is longer than the first
    card = ReviewCard.objects.get(learner=learner, item=item)
    assert card.due - first_due > first_due - NOW
    assert card.due - first_due == timedelta(days=11)
    assert card.last_review == first_due
    assert ReviewLog.objects.filter(card=card).count() == 2


def test_a_second_answer_wrong_shrinks_the_interval(learner):
    # given a card first answered Easy (due in 8 days)
    item = QuizItemFactory()
    answer_alone(learner=learner, item=item, response=RIGHT, certainty=3, now=NOW)
    first_card = ReviewCard.objects.get(learner=learner, item=item)
    # when it is answered wrong on the day it falls due
    answer_alone(
        learner=learner, item=item, response=WRONG, certainty=1, now=first_card.due
    )
    # then it comes back the next day, and its stability fell
    card = ReviewCard.objects.get(learner=learner, item=item)
    assert card.due - first_card.due == timedelta(days=1)
    assert card.due - first_card.due < first_card.due - NOW
    assert card.stability < first_card.stability
    log = ReviewLog.objects.filter(card=card).last()
    assert log.rating == Rating.Again
    assert (log.due_before, log.due_after) == (first_card.due, card.due)


# --- The rating -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("correct", "certainty", "rating"),
    [
        (False, 1, Rating.Again),
        (False, 2, Rating.Again),
        (False, 3, Rating.Again),
        (True, 1, Rating.Hard),
        (True, 2, Rating.Good),
        (True, 3, Rating.Easy),
    ],
)
def test_rating_is_again_when_wrong_and_follows_certainty_when_right(
    correct, certainty, rating
):
    assert rating_for(correct=correct, certainty=certainty) == rating


# --- Misconceptions put back in the queue ---------------------------------------


def test_misconception_revisit_creates_a_card_due_now_for_an_unseen_item(
    learner, misconception
):
    # given an item testing a misconception, never seen by the learner
    item = QuizItemFactory(covers=[misconception])
    # when the misconception is revisited
    logs = misconception_revisit(
        learner=learner, misconception=misconception, now=NOW, note="Missed MC-01"
    )
    # then a card due now exists, and its scheduling is logged
    card = ReviewCard.objects.get(learner=learner, item=item)
    assert card.due == NOW
    assert card.last_review is None
    assert [log.pk for log in logs] == [log.pk for log in card.logs.all()]
    (log,) = logs
    assert log.reason == ReviewLog.Reason.MISCONCEPTION
    assert log.answer is None
    assert log.rating is None
    assert log.note == "Missed MC-01"
    assert (log.due_before, log.due_after, log.reviewed_at) == (NOW, NOW, NOW)


def test_misconception_revisit_brings_a_later_card_forward(learner, misconception):
    # given an item testing a misconception, answered Easy (due in 8 days)
    item = QuizItemFactory(covers=[misconception])
    answer_alone(learner=learner, item=item, response=RIGHT, certainty=3, now=NOW)
    later = NOW + timedelta(hours=1)
    # when the misconception is revisited an hour later
    (log,) = misconception_revisit(
        learner=learner, misconception=misconception, now=later
    )
    # then the card is due then, and the log keeps the date it had
    card = ReviewCard.objects.get(learner=learner, item=item)
    assert card.due == later
    assert (log.due_before, log.due_after) == (NOW + timedelta(days=8), later)
    assert log.note == "Revisit MC-01"


def test_misconception_revisit_leaves_a_card_already_due_alone(learner, misconception):
    # given a card answered Hard, now a day overdue
    item = QuizItemFactory(covers=[misconception])
    answer_alone(learner=learner, item=item, response=RIGHT, certainty=1, now=NOW)
    due = ReviewCard.objects.get(learner=learner, item=item).due
    # when the misconception is revisited after it fell due
    logs = misconception_revisit(
        learner=learner, misconception=misconception, now=due + timedelta(days=1)
    )
    # then nothing changes and nothing is logged
    assert logs == []
    assert ReviewCard.objects.get(learner=learner, item=item).due == due
    assert ReviewLog.objects.filter(reason=ReviewLog.Reason.MISCONCEPTION).count() == 0


def test_misconception_revisit_skips_inactive_items(learner, misconception):
    QuizItemFactory(covers=[misconception], active=False)
    assert (
        misconception_revisit(learner=learner, misconception=misconception, now=NOW)
        == []
    )
    assert not ReviewCard.objects.filter(learner=learner).exists()


def test_misconception_revisit_refuses_content_that_is_not_a_misconception(learner):
    # given a marking point tested by an item
    point = ContentItemFactory(identifier="MP-05", section=Section.MARKING_POINT)
    QuizItemFactory(covers=[point])
    # when it is "revisited", then it is refused and no card is made
    with pytest.raises(ValueError, match="MP-05 is not a misconception"):
        misconception_revisit(learner=learner, misconception=point, now=NOW)
    assert not ReviewCard.objects.exists()
