"""Taking quizzes (revision.services.quizzes): starting practice, mock and review
sittings; recording answers, and everything refused leaving nothing behind;
finishing; append-only rows; the self-assessment checklist; confident wrong answers
bringing a misconception's items forward."""

from datetime import timedelta

import pytest

from revision.exceptions import RevisionError
from revision.models import (
    Answer,
    Attempt,
    QuizItem,
    ReviewCard,
    ReviewLog,
    Section,
    SelfAssessment,
)
from revision.services.quizzes import (
    NEW_PER_DAY,
    REVIEW_BATCH,
    answer_record,
    attempt_finish,
    attempt_start,
    self_assessment_record,
)

from ..factories import UserFactory
from .factories import (
    CHECK_DATA,
    NOW,
    ORDER_DATA,
    RIGHT,
    SCENARIO_DATA,
    WRONG,
    ContentItemFactory,
    QuizFactory,
    QuizItemFactory,
    every_kind,
)

SCENARIO_RIGHT = {"choice": SCENARIO_DATA["answer"], "message": "Dear Ms Patel, …"}

PRACTICE, MOCK, REVIEW = Attempt.Mode.PRACTICE, Attempt.Mode.MOCK, Attempt.Mode.REVIEW


def answer(attempt, item, response=RIGHT, certainty=2, now=NOW, learner=None):
    return answer_record(
        attempt=attempt,
        learner=learner or attempt.learner,
        item=item,
        response=response,
        certainty=certainty,
        now=now,
    )


def card(learner, item, due):
    """A card as FSRS would leave it after a review, due at `due`."""
    return ReviewCard.objects.create(
        learner=learner,
        item=item,
        state=2,
        stability=3.0,
        difficulty=5.0,
        due=due,
        last_review=due - timedelta(days=3),
    )


def stored(learner):
    """Everything an answer can write, to compare before and after a refusal."""
    return {
        "answers": list(Answer.objects.values_list("pk", flat=True)),
        "cards": list(ReviewCard.objects.order_by("pk").values()),
        "logs": list(ReviewLog.objects.values_list("pk", flat=True)),
        "finished": list(
            Attempt.objects.order_by("pk").values_list("pk", "finished_at")
        ),
    }


# --- Starting ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", [PRACTICE, MOCK])
def test_start_fixes_the_quizs_active_items_in_position_order(learner, mode):
    # given a quiz whose items were added out of order, one of them inactive
    first, second, hidden = (
        QuizItemFactory(position=1),
        QuizItemFactory(position=2),
        QuizItemFactory(position=3, active=False),
    )
    quiz = QuizFactory(items=[second, hidden, first])
    # when the learner starts it
    attempt = attempt_start(learner=learner, mode=mode, quiz=quiz, now=NOW)
    # then its items are fixed, in order, and it is under way
    assert attempt.item_ids == [first.pk, second.pk]
    assert (attempt.learner, attempt.quiz, attempt.mode) == (learner, quiz, mode)
    assert attempt.started_at == NOW
    assert attempt.finished_at is None
    assert attempt.shuffle_seed > 0
    assert attempt.defers_feedback is (mode == MOCK)


def test_start_refuses_an_unknown_mode(learner):
    quiz = QuizFactory(items=[QuizItemFactory()])
    with pytest.raises(RevisionError, match="Choose practice or mock"):
        attempt_start(learner=learner, mode="exam", quiz=quiz, now=NOW)
    assert not Attempt.objects.exists()


@pytest.mark.parametrize("mode", [PRACTICE, MOCK])
def test_start_refuses_without_a_quiz_or_with_an_inactive_one(learner, mode):
    hidden = QuizFactory(items=[QuizItemFactory()], active=False)
    for quiz in (None, hidden):
        with pytest.raises(RevisionError, match="Choose a quiz"):
            attempt_start(learner=learner, mode=mode, quiz=quiz, now=NOW)
    assert not Attempt.objects.exists()


def test_start_refuses_a_quiz_with_no_active_questions(learner):
    quiz = QuizFactory(items=[QuizItemFactory(active=False)])
    with pytest.raises(RevisionError, match="no questions yet"):
        attempt_start(learner=learner, mode=PRACTICE, quiz=quiz, now=NOW)
    assert not Attempt.objects.exists()


def test_review_asks_the_cards_due_today_most_overdue_first_then_new_items(learner):
    # given cards due two days ago, an hour ago, tonight and tomorrow, a card of
    # another learner's, an inactive item due, and two items never seen
    tonight, overdue, recent, tomorrow = (QuizItemFactory() for _ in range(4))
    inactive = QuizItemFactory(active=False)
    card(learner, tonight, NOW + timedelta(hours=12))
    card(learner, overdue, NOW - timedelta(days=2))
    card(learner, recent, NOW - timedelta(hours=1))
    card(learner, tomorrow, NOW + timedelta(days=1))
    card(learner, inactive, NOW - timedelta(days=5))
    new_one, new_two = QuizItemFactory(), QuizItemFactory()
    card(UserFactory(role="learner"), new_one, NOW - timedelta(days=9))
    # when the learner starts today's reviews
    attempt = attempt_start(learner=learner, mode=REVIEW, now=NOW)
    # then the due cards come first, most overdue first, then the new items
    assert attempt.item_ids == [
        overdue.pk,
        recent.pk,
        tonight.pk,
        new_one.pk,
        new_two.pk,
    ]
    assert attempt.quiz is None
    assert attempt.mode == REVIEW


def test_review_ignores_a_quiz_it_is_given(learner):
    item = QuizItemFactory()
    quiz = QuizFactory(items=[item])
    attempt = attempt_start(learner=learner, mode=REVIEW, quiz=quiz, now=NOW)
    assert attempt.quiz is None


def test_review_asks_at_most_a_batch_of_due_cards_before_any_new_item(learner):
    # given more cards due than one sitting asks, and new items waiting
    items = [QuizItemFactory() for _ in range(REVIEW_BATCH + 5)]
    for minutes, item in enumerate(items):
        card(learner, item, NOW - timedelta(minutes=len(items) - minutes))
    for _ in range(3):
        QuizItemFactory()
    # when reviews start, then one batch of the most overdue cards is asked
    attempt = attempt_start(learner=learner, mode=REVIEW, now=NOW)
    assert attempt.item_ids == [item.pk for item in items[:REVIEW_BATCH]]


def test_review_refuses_when_nothing_is_due_and_nothing_is_new(learner):
    # given every item seen, and no card due before tomorrow
    item = QuizItemFactory()
    card(learner, item, NOW + timedelta(days=1))
    # when reviews start, then they are refused
    with pytest.raises(RevisionError, match="Nothing is due for review today"):
        attempt_start(learner=learner, mode=REVIEW, now=NOW)
    assert not Attempt.objects.exists()


def test_review_introduces_at_most_the_days_allowance_of_new_items(learner):
    # given more unseen items than a day's allowance
    items = [QuizItemFactory() for _ in range(NEW_PER_DAY + 2)]
    # when reviews start, then only the allowance is asked, in position order
    attempt = attempt_start(learner=learner, mode=REVIEW, now=NOW)
    assert attempt.item_ids == [item.pk for item in items[:NEW_PER_DAY]]
    # when all of them are answered, then no more new items come that day
    for position, item in enumerate(items[:NEW_PER_DAY]):
        answer(attempt, item, now=NOW + timedelta(minutes=position))
    with pytest.raises(RevisionError, match="Nothing is due"):
        attempt_start(learner=learner, mode=REVIEW, now=NOW + timedelta(hours=2))
    # and the next day the rest come
    tomorrow = attempt_start(learner=learner, mode=REVIEW, now=NOW + timedelta(days=1))
    assert tomorrow.item_ids == [item.pk for item in items[NEW_PER_DAY:]]


# --- Answering ------------------------------------------------------------------


def test_answer_keeps_the_marks_parts_and_certainty(learner):
    # given a practice sitting of an ordering question and a check
    order = QuizItemFactory(kind=QuizItem.Kind.ORDER, data=ORDER_DATA)
    check = QuizItemFactory(kind=QuizItem.Kind.CHECK, data=CHECK_DATA)
    attempt = attempt_start(
        learner=learner, mode=PRACTICE, quiz=QuizFactory(items=[order, check]), now=NOW
    )
    steps = ORDER_DATA["steps"]
    # when the order is given with two steps swapped, very sure
    swapped = {"order": [steps[1], steps[0], *steps[2:]]}
    given = answer(attempt, order, response=swapped, certainty=3)
    # then it is stored wrong, 3 of 5 parts right, -6 marks, a confident wrong answer
    stored_answer = Answer.objects.get(pk=given.pk)
    assert (stored_answer.attempt, stored_answer.item) == (attempt, order)
    assert stored_answer.learner == learner
    assert stored_answer.response == swapped
    assert stored_answer.certainty == 3
    assert stored_answer.correct is False
    assert (stored_answer.parts_right, stored_answer.parts_total) == (3, 5)
    assert stored_answer.marks == -6
    assert stored_answer.confident_wrong is True
    assert stored_answer.answered_at == NOW
    # and the item's review is scheduled from it
    assert stored_answer.review_log.rating == 1
    # when the check is answered right, fairly sure
    right = answer(attempt, check, response={"choice": "Check stock"}, certainty=2)
    # then it earns 2 marks and is not a misconception
    right.refresh_from_db()
    assert (right.correct, right.parts_right, right.parts_total) == (True, 1, 1)
    assert (right.marks, right.confident_wrong) == (2, False)


def test_an_unsure_wrong_answer_costs_nothing_and_is_not_a_misconception(learner):
    item = QuizItemFactory()
    attempt = attempt_start(
        learner=learner, mode=PRACTICE, quiz=QuizFactory(items=[item]), now=NOW
    )
    given = answer(attempt, item, response=WRONG, certainty=1)
    assert (given.correct, given.marks, given.confident_wrong) == (False, 0, False)


@pytest.fixture
def under_way(learner):
    """A learner part-way through a practice sitting of two items on a
    misconception, having finished an earlier sitting of the same quiz; a third
    item on the misconception is not in the quiz."""
    misconception = ContentItemFactory(
        identifier="MC-01", section=Section.MISCONCEPTION
    )
    first = QuizItemFactory(covers=[misconception])
    second = QuizItemFactory(kind=QuizItem.Kind.CHECK, data=CHECK_DATA)
    second.covers.set([misconception])
    outside = QuizItemFactory(covers=[misconception])
    quiz = QuizFactory(items=[first, second])
    earlier = attempt_start(
        learner=learner, mode=PRACTICE, quiz=quiz, now=NOW - timedelta(days=5)
    )
    answer(earlier, first, now=NOW - timedelta(days=5))
    answer(earlier, second, response={"choice": "Check stock"}, now=earlier.started_at)
    current = attempt_start(learner=learner, mode=PRACTICE, quiz=quiz, now=NOW)
    answer(current, first)
    return {
        "learner": learner,
        "earlier": Attempt.objects.get(pk=earlier.pk),
        "current": Attempt.objects.get(pk=current.pk),
        "first": first,
        "second": second,
        "outside": outside,
    }


CONFIDENT_WRONG_CHECK = {"choice": "Check the payment"}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("someone else's attempt", "someone else's"),
        ("finished attempt", "This attempt is finished"),
        ("item not in the attempt", "not part of this attempt"),
        ("second answer to an item", "already answered"),
        ("certainty 0", "how sure"),
        ("certainty 4", "how sure"),
        ("certainty as text", "how sure"),
        ("option not offered", "Choose one of the answers given"),
        ("response not a dict", "Answer the question"),
    ],
)
def test_a_refused_answer_stores_nothing(under_way, case, message):
    # given a sitting under way, and all that the learner's answers have stored
    learner, current = under_way["learner"], under_way["current"]
    call = {
        "attempt": current,
        "learner": learner,
        "item": under_way["second"],
        "response": CONFIDENT_WRONG_CHECK,
        "certainty": 3,
        "now": NOW + timedelta(minutes=5),
    }
    if case == "someone else's attempt":
        call["learner"] = UserFactory(role="learner")
    elif case == "finished attempt":
        call["attempt"] = under_way["earlier"]
    elif case == "item not in the attempt":
        call.update(item=under_way["outside"], response=WRONG)
    elif case == "second answer to an item":
        call.update(item=under_way["first"], response=WRONG)
    elif case.startswith("certainty"):
        call["certainty"] = {"certainty 0": 0, "certainty 4": 4}.get(case, "3")
    elif case == "option not offered":
        call["response"] = {"choice": "Ring the customer"}
    elif case == "response not a dict":
        call["response"] = "Check the payment"
    before = stored(learner)
    # when the answer is given, then it is refused
    with pytest.raises(RevisionError, match=message):
        answer_record(**call)
    # and no answer, card change, review log or finish was stored
    assert stored(learner) == before


def test_the_last_answer_finishes_the_attempt(learner):
    # given a mock exam of two items
    one, two = QuizItemFactory(), QuizItemFactory()
    attempt = attempt_start(
        learner=learner, mode=MOCK, quiz=QuizFactory(items=[one, two]), now=NOW
    )
    # when the first is answered, then it is still under way
    answer(attempt, one, now=NOW + timedelta(minutes=1))
    attempt.refresh_from_db()
    assert attempt.finished_at is None
    # when the second is answered, then it finishes at that answer
    answer(attempt, two, now=NOW + timedelta(minutes=2))
    attempt.refresh_from_db()
    assert attempt.finished_at == NOW + timedelta(minutes=2)


def test_finish_ends_an_attempt_early_leaving_the_rest_unanswered(learner):
    one, two = QuizItemFactory(), QuizItemFactory()
    attempt = attempt_start(
        learner=learner, mode=PRACTICE, quiz=QuizFactory(items=[one, two]), now=NOW
    )
    answer(attempt, one)
    # when the learner ends it
    finished = attempt_finish(
        attempt=attempt, learner=learner, now=NOW + timedelta(minutes=3)
    )
    # then it is finished, one answer stored, and the other item cannot be answered
    assert finished.finished_at == NOW + timedelta(minutes=3)
    assert list(attempt.answers.values_list("item", flat=True)) == [one.pk]
    with pytest.raises(RevisionError, match="finished"):
        answer(attempt, two, now=NOW + timedelta(minutes=4))


def test_finish_twice_keeps_the_first_finish(learner):
    attempt = attempt_start(
        learner=learner,
        mode=PRACTICE,
        quiz=QuizFactory(items=[QuizItemFactory()]),
        now=NOW,
    )
    attempt_finish(attempt=attempt, learner=learner, now=NOW + timedelta(minutes=1))
    again = attempt_finish(
        attempt=attempt, learner=learner, now=NOW + timedelta(minutes=9)
    )
    assert again.finished_at == NOW + timedelta(minutes=1)


def test_finish_refuses_someone_elses_attempt(learner):
    attempt = attempt_start(
        learner=learner,
        mode=PRACTICE,
        quiz=QuizFactory(items=[QuizItemFactory()]),
        now=NOW,
    )
    with pytest.raises(RevisionError, match="someone else's"):
        attempt_finish(attempt=attempt, learner=UserFactory(role="learner"), now=NOW)
    attempt.refresh_from_db()
    assert attempt.finished_at is None


# --- Append-only ----------------------------------------------------------------


@pytest.fixture
def appended(learner):
    """An answer to a scenario, its review log and its self-assessments."""
    scenario = every_kind()["scenario"]
    attempt = attempt_start(
        learner=learner, mode=PRACTICE, quiz=QuizFactory(items=[scenario]), now=NOW
    )
    given = answer(attempt, scenario, response=SCENARIO_RIGHT)
    self_assessment_record(answer=given, learner=learner, met={"MP-02"}, now=NOW)
    return {
        Answer: Answer.objects.get(pk=given.pk),
        ReviewLog: ReviewLog.objects.get(answer=given),
        SelfAssessment: SelfAssessment.objects.filter(answer=given).first(),
    }


@pytest.mark.parametrize("model", [Answer, ReviewLog, SelfAssessment])
def test_append_only_rows_refuse_to_be_saved_again(appended, model):
    row = appended[model]
    with pytest.raises(ValueError, match="append-only"):
        row.save()


@pytest.mark.parametrize("model", [Answer, ReviewLog, SelfAssessment])
def test_append_only_rows_refuse_to_be_deleted(appended, model):
    count = model.objects.count()
    with pytest.raises(ValueError, match="append-only"):
        appended[model].delete()
    assert model.objects.count() == count


@pytest.mark.parametrize("model", [Answer, ReviewLog, SelfAssessment])
def test_append_only_querysets_refuse_update_and_delete(appended, model):
    count = model.objects.count()
    rows = model.objects.filter(pk=appended[model].pk)
    with pytest.raises(ValueError, match="append-only"):
        rows.update(pk=appended[model].pk)
    with pytest.raises(ValueError, match="append-only"):
        rows.delete()
    with pytest.raises(ValueError, match="append-only"):
        model.objects.all().delete()
    assert model.objects.count() == count


def test_append_only_related_managers_refuse_delete(appended):
    answer_row = appended[Answer]
    with pytest.raises(ValueError, match="append-only"):
        answer_row.attempt.answers.all().delete()
    with pytest.raises(ValueError, match="append-only"):
        answer_row.self_assessments.update(met=True)
    assert answer_row.self_assessments.filter(met=True).count() == 1


# --- Self-assessment ------------------------------------------------------------


@pytest.fixture
def kinds(db):
    return every_kind()


def scenario_answer(learner, kinds, mode=PRACTICE, extra=()):
    items = [kinds["scenario"], *extra]
    attempt = attempt_start(
        learner=learner, mode=mode, quiz=QuizFactory(items=items), now=NOW
    )
    return answer(attempt, kinds["scenario"], response=SCENARIO_RIGHT)


def test_self_assessment_records_each_checklist_point_met_or_not(learner, kinds):
    # given a practice answer to a scenario whose checklist is MP-02 and MP-08
    given = scenario_answer(learner, kinds)
    # when the learner ticks MP-08 only
    rows = self_assessment_record(answer=given, learner=learner, met={"MP-08"}, now=NOW)
    # then both points are judged: MP-08 met, MP-02 not
    judged = {
        row.marking_point.identifier: row.met
        for row in SelfAssessment.objects.filter(answer=given)
    }
    assert judged == {"MP-02": False, "MP-08": True}
    assert len(rows) == 2


def test_self_assessment_refuses_an_answer_that_is_not_a_scenario(learner, kinds):
    attempt = attempt_start(
        learner=learner,
        mode=PRACTICE,
        quiz=QuizFactory(items=[kinds["judge"]]),
        now=NOW,
    )
    given = answer(attempt, kinds["judge"])
    with pytest.raises(RevisionError, match="Only scenario answers"):
        self_assessment_record(answer=given, learner=learner, met=set(), now=NOW)
    assert not SelfAssessment.objects.exists()


def test_self_assessment_is_recorded_once(learner, kinds):
    given = scenario_answer(learner, kinds)
    self_assessment_record(answer=given, learner=learner, met={"MP-02"}, now=NOW)
    with pytest.raises(RevisionError, match="already checked"):
        self_assessment_record(
            answer=given, learner=learner, met={"MP-02", "MP-08"}, now=NOW
        )
    assert list(
        SelfAssessment.objects.filter(met=True).values_list(
            "marking_point__identifier", flat=True
        )
    ) == ["MP-02"]


def test_self_assessment_refuses_points_not_on_the_checklist(learner, kinds):
    ContentItemFactory(identifier="MP-05", section=Section.MARKING_POINT)
    given = scenario_answer(learner, kinds)
    with pytest.raises(RevisionError, match="Tick only the marking points listed"):
        self_assessment_record(
            answer=given, learner=learner, met={"MP-02", "MP-05"}, now=NOW
        )
    assert not SelfAssessment.objects.exists()


def test_self_assessment_refuses_someone_elses_answer(learner, kinds):
    given = scenario_answer(learner, kinds)
    with pytest.raises(RevisionError, match="someone else's"):
        self_assessment_record(
            answer=given, learner=UserFactory(role="learner"), met=set(), now=NOW
        )
    assert not SelfAssessment.objects.exists()


def test_self_assessment_in_a_mock_waits_until_the_attempt_is_finished(learner, kinds):
    # given a mock exam with the scenario answered and another item still to do
    given = scenario_answer(learner, kinds, mode=MOCK, extra=[kinds["check"]])
    # when the learner checks the scenario answer now, then it is deferred
    with pytest.raises(RevisionError, match="at the end"):
        self_assessment_record(answer=given, learner=learner, met={"MP-02"}, now=NOW)
    assert not SelfAssessment.objects.exists()
    # when the mock is finished, then the checklist is recorded
    attempt_finish(attempt=given.attempt, learner=learner, now=NOW)
    fresh = Answer.objects.get(pk=given.pk)
    self_assessment_record(answer=fresh, learner=learner, met={"MP-02"}, now=NOW)
    assert SelfAssessment.objects.filter(answer=given).count() == 2


# --- Confident wrong answers and misconceptions -----------------------------------


@pytest.fixture
def misconception_items(learner):
    """Four items on misconception MC-01: one the learner will answer, one never
    seen, one due in a week, one already due; and one on another misconception."""
    misconception = ContentItemFactory(
        identifier="MC-01", section=Section.MISCONCEPTION
    )
    other = ContentItemFactory(identifier="MC-02", section=Section.MISCONCEPTION)
    answered = QuizItemFactory(identifier="QI-JUDGE-01", covers=[misconception])
    unseen = QuizItemFactory(covers=[misconception])
    later = QuizItemFactory(covers=[misconception])
    due = QuizItemFactory(covers=[misconception])
    elsewhere = QuizItemFactory(covers=[other])
    card(learner, later, NOW + timedelta(days=7))
    card(learner, due, NOW - timedelta(days=1))
    card(learner, elsewhere, NOW + timedelta(days=7))
    attempt = attempt_start(
        learner=learner, mode=PRACTICE, quiz=QuizFactory(items=[answered]), now=NOW
    )
    return {
        "attempt": attempt,
        "answered": answered,
        "unseen": unseen,
        "later": later,
        "due": due,
        "elsewhere": elsewhere,
    }


def test_a_confident_wrong_answer_brings_the_misconceptions_other_items_forward(
    learner, misconception_items
):
    items = misconception_items
    # when the item is answered wrong, very sure
    answer(items["attempt"], items["answered"], response=WRONG, certainty=3)
    # then the misconception's other items are due now, with a log saying why
    cards = {
        name: ReviewCard.objects.get(learner=learner, item=items[name])
        for name in ("unseen", "later", "due", "elsewhere")
    }
    assert cards["unseen"].due == NOW
    assert cards["later"].due == NOW
    for name in ("unseen", "later"):
        (log,) = cards[name].logs.all()
        assert log.reason == ReviewLog.Reason.MISCONCEPTION
        assert log.due_after == NOW
        assert log.note == "Confident wrong answer to QI-JUDGE-01"
    assert cards["later"].logs.get().due_before == NOW + timedelta(days=7)
    # and a card already due, or on another misconception, is left alone
    assert cards["due"].due == NOW - timedelta(days=1)
    assert not cards["due"].logs.exists()
    assert cards["elsewhere"].due == NOW + timedelta(days=7)
    assert not cards["elsewhere"].logs.exists()


def test_a_confident_wrong_answer_leaves_the_answered_item_on_its_fsrs_schedule(
    learner, misconception_items
):
    items = misconception_items
    answer(items["attempt"], items["answered"], response=WRONG, certainty=3)
    answered = ReviewCard.objects.get(learner=learner, item=items["answered"])
    assert answered.due == NOW + timedelta(days=1)
    assert list(answered.logs.values_list("reason", flat=True)) == ["answer"]


@pytest.mark.parametrize(
    ("response", "certainty"),
    [(WRONG, 1), (RIGHT, 3)],
    ids=["unsure wrong", "sure right"],
)
def test_an_answer_not_confident_wrong_brings_nothing_forward(
    learner, misconception_items, response, certainty
):
    items = misconception_items
    answer(items["attempt"], items["answered"], response=response, certainty=certainty)
    assert not ReviewLog.objects.filter(reason=ReviewLog.Reason.MISCONCEPTION).exists()
    assert not ReviewCard.objects.filter(learner=learner, item=items["unseen"]).exists()
    assert ReviewCard.objects.get(
        learner=learner, item=items["later"]
    ).due == NOW + timedelta(days=7)
