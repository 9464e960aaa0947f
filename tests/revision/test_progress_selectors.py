"""What a learner has shown (revision.selectors.progress): figures per learning
objective and marking point from known answers, what to revise next, the
self-assessment counts, the reviews ahead, and a fixed number of queries."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from revision.models import ReviewCard, Section
from revision.selectors.progress import progress_for, review_outlook
from revision.services.quizzes import (
    NEW_PER_DAY,
    self_assessment_record,
)

from ..factories import UserFactory
from .factories import (
    NOW,
    RIGHT,
    SCENARIO_DATA,
    WRONG,
    ContentItemFactory,
    QuizFactory,
    QuizItemFactory,
    answer_alone,
    every_kind,
)

DAY = timedelta(days=1)


def area_for(progress, identifier):
    (area,) = [
        area
        for area in progress.objectives + progress.marking_points
        if area.content.identifier == identifier
    ]
    return area


@pytest.fixture
def unit(db):
    """Objectives and a marking point, and the items that test them.

    LO-D comes before LO-A in the unit; LO-C has no items.
    """
    lo_d = ContentItemFactory(identifier="LO-D", position=1)
    lo_a = ContentItemFactory(identifier="LO-A", position=2)
    lo_b = ContentItemFactory(identifier="LO-B", position=3)
    ContentItemFactory(identifier="LO-C", position=4)
    mp_x = ContentItemFactory(
        identifier="MP-X", section=Section.MARKING_POINT, position=5
    )
    mc_1 = ContentItemFactory(identifier="MC-1", section=Section.MISCONCEPTION)
    mc_2 = ContentItemFactory(identifier="MC-2", section=Section.MISCONCEPTION)
    return {
        "a1": QuizItemFactory(covers=[lo_a, mc_2]),
        "a2": QuizItemFactory(covers=[lo_a, mc_1]),
        "a3": QuizItemFactory(covers=[lo_a]),
        "a4": QuizItemFactory(covers=[lo_a]),
        "a_inactive": QuizItemFactory(covers=[lo_a], active=False),
        "b1": QuizItemFactory(covers=[lo_b]),
        "b2": QuizItemFactory(covers=[lo_b]),
        "d1": QuizItemFactory(covers=[lo_d]),
        "d2": QuizItemFactory(covers=[lo_d]),
        "x1": QuizItemFactory(covers=[mp_x]),
    }


@pytest.fixture
def history(learner, unit):
    """The learner's answers: a1 wrong while very sure then right, a2 right then
    wrong while very sure, a3 wrong then right, a4 never; LO-B all right; d1 right,
    d2 never; x1 never. (The first answers alone would make LO-A 1 of 4 known.)"""
    answer_alone(learner, unit["a1"], WRONG, certainty=3, now=NOW)
    answer_alone(learner, unit["a1"], RIGHT, now=NOW + DAY)
    answer_alone(learner, unit["a2"], RIGHT, now=NOW)
    latest_a2 = answer_alone(learner, unit["a2"], WRONG, certainty=3, now=NOW + DAY)
    answer_alone(learner, unit["a3"], WRONG, certainty=1, now=NOW)
    answer_alone(learner, unit["a3"], RIGHT, certainty=1, now=NOW + 2 * DAY)
    answer_alone(learner, unit["b1"], RIGHT, now=NOW)
    answer_alone(learner, unit["b2"], RIGHT, now=NOW)
    answer_alone(learner, unit["d1"], RIGHT, now=NOW)
    return {"latest_a2": latest_a2}


def test_a_new_learner_starts_at_nothing_known(learner, unit):
    progress = progress_for(learner=learner)
    assert progress.answers == 0
    assert [area.percent for area in progress.objectives] == [0, 0, 0, 0]
    assert progress.misconceptions == []


def test_figures_count_each_items_latest_answer_and_unanswered_as_not_known(
    learner, history
):
    # when the learner's progress is read
    progress = progress_for(learner=learner)
    # then LO-A has 4 active items: 3 answered, 2 known at the latest answer
    # (a1 and a3 now right), a2's latest answer wrong while sure, a4 never answered
    lo_a = area_for(progress, "LO-A")
    assert (lo_a.items, lo_a.answered, lo_a.right) == (4, 3, 2)
    assert lo_a.confident_wrong == 1
    assert lo_a.percent == 50
    assert area_for(progress, "LO-B").percent == 100
    assert area_for(progress, "LO-D").percent == 50
    assert area_for(progress, "MP-X").percent == 0
    assert (area_for(progress, "LO-C").items, area_for(progress, "LO-C").percent) == (
        0,
        0,
    )
    # and the areas fall under their own headings, in the unit's order
    assert [a.content.identifier for a in progress.objectives] == [
        "LO-D",
        "LO-A",
        "LO-B",
        "LO-C",
    ]
    assert [a.content.identifier for a in progress.marking_points] == ["MP-X"]
    # and answers counts the items answered, not the answers
    assert progress.answers == 6


def test_misconceptions_list_only_those_wrong_while_sure_at_the_latest_answer(
    learner, history
):
    # a2 (on MC-1) is wrong while sure now; a1 (on MC-2) was, but is right now
    progress = progress_for(learner=learner)
    assert [
        (content.identifier, [answer.pk for answer in answers])
        for content, answers in progress.misconceptions
    ] == [("MC-1", [history["latest_a2"].pk])]


def test_another_learners_answers_do_not_count(learner, unit, history):
    other = UserFactory(role="learner")
    answer_alone(other, unit["a4"], RIGHT)
    assert area_for(progress_for(learner=learner), "LO-A").right == 2
    other_progress = progress_for(learner=other)
    assert area_for(other_progress, "LO-A").right == 1
    assert other_progress.misconceptions == []


def test_area_lists_the_quizzes_that_test_it(learner, unit):
    quiz = QuizFactory(items=[unit["a1"], unit["b1"]])
    lo_a = area_for(progress_for(learner=learner), "LO-A")
    assert quiz.pk in lo_a.quiz_ids
    assert quiz.pk not in area_for(progress_for(learner=learner), "LO-D").quiz_ids


def test_revise_next_puts_the_weakest_first_and_leaves_out_what_is_known(
    learner, history
):
    # given MP-X at 0 %, LO-A and LO-D at 50 % (LO-A with a confident wrong
    # answer), LO-B at 100 % and LO-C with nothing to test it
    progress = progress_for(learner=learner)
    # then the weakest comes first, a misconception breaks the tie, and the known
    # and untested areas are left out
    assert [area.content.identifier for area in progress.revise_next] == [
        "MP-X",
        "LO-A",
        "LO-D",
    ]


def test_revise_next_breaks_an_even_tie_by_the_units_order(learner, unit):
    # nothing answered: every tested area at 0 %, none with a misconception
    progress = progress_for(learner=learner)
    assert [area.content.identifier for area in progress.revise_next] == [
        "LO-D",
        "LO-A",
        "LO-B",
        "MP-X",
    ]


def test_self_assessment_counts_use_the_latest_judgement_per_item(learner):
    # given two scenario items listing MP-02 and MP-08
    scenario = every_kind()["scenario"]
    another = QuizItemFactory(kind="scenario", data=SCENARIO_DATA)
    response = {"choice": SCENARIO_DATA["answer"], "message": "Dear Ms Patel"}
    # when the first is checked twice, MP-02 met then not, and the second once,
    # MP-02 met
    for when, met in ((NOW, {"MP-02"}), (NOW + DAY, set())):
        given = answer_alone(learner, scenario, response, now=when)
        self_assessment_record(answer=given, learner=learner, met=met, now=when)
    given = answer_alone(learner, another, response, now=NOW)
    self_assessment_record(answer=given, learner=learner, met={"MP-02"}, now=NOW)
    # then MP-02 counts two judgements (one per item), one met; MP-08 two, none met
    progress = progress_for(learner=learner)
    mp_02, mp_08 = area_for(progress, "MP-02"), area_for(progress, "MP-08")
    assert (mp_02.self_judged, mp_02.self_met) == (2, 1)
    assert (mp_08.self_judged, mp_08.self_met) == (2, 0)
    # and the self-assessment stays apart from the marked figure
    assert mp_02.items == 0


def test_progress_takes_the_same_queries_for_no_answers_as_for_thirty(learner):
    # given thirty items on five objectives and three misconceptions, and two
    # learners: one who has answered none, one who has answered all (half of them
    # wrong while very sure) and checked the scenario
    objectives = [ContentItemFactory() for _ in range(5)]
    misconceptions = [
        ContentItemFactory(section=Section.MISCONCEPTION) for _ in range(3)
    ]
    items = [
        QuizItemFactory(covers=[objectives[n % 5], misconceptions[n % 3]])
        for n in range(29)
    ]
    kinds = every_kind()
    scenario = kinds["scenario"]
    scenario.covers.set(objectives[:1])
    QuizFactory(items=items)
    QuizFactory(items=items[:10])
    for item in items:
        answer_alone(learner, item, RIGHT if item.pk % 2 else WRONG, certainty=3)
    given = answer_alone(
        learner, scenario, {"choice": SCENARIO_DATA["answer"], "message": "Hello"}
    )
    self_assessment_record(answer=given, learner=learner, met={"MP-02"}, now=NOW)
    newcomer = UserFactory(role="learner")
    # when each learner's progress is read
    with CaptureQueriesContext(connection) as none_answered:
        empty = progress_for(learner=newcomer)
    with CaptureQueriesContext(connection) as thirty_answered:
        full = progress_for(learner=learner)
        # reading the figures and the misconception answers' items costs nothing
        shown = [
            (content.identifier, [answer.item.identifier for answer in answers])
            for content, answers in full.misconceptions
        ]
        shown += [(area.content.identifier, area.percent) for area in full.revise_next]
    # then the figures differ but the number of queries does not
    assert (empty.answers, full.answers) == (0, 30)
    assert len(full.misconceptions) == 3
    assert shown
    assert len(thirty_answered) == len(none_answered)


# --- The reviews ahead ------------------------------------------------------------


def card(learner, item, due):
    return ReviewCard.objects.create(learner=learner, item=item, state=2, due=due)


def test_review_outlook_counts_today_new_and_the_coming_days(learner):
    # given cards due two days ago, tonight, twice tomorrow, in three days and in
    # twenty; an inactive item's card due tomorrow; another learner's card; and two
    # items never seen
    at = {
        "overdue": NOW - 2 * DAY,
        "tonight": NOW + timedelta(hours=14, minutes=30),
        "tomorrow": NOW + DAY,
        "tomorrow night": NOW + DAY + timedelta(hours=14),
        "in three days": NOW + 3 * DAY,
        "in twenty days": NOW + 20 * DAY,
    }
    for due in at.values():
        card(learner, QuizItemFactory(), due)
    card(learner, QuizItemFactory(active=False), NOW + DAY)
    card(UserFactory(role="learner"), QuizItemFactory(), NOW + DAY)
    # (the other learner's item is new to this one)
    for _ in range(2):
        QuizItemFactory()
    # when the outlook is read
    outlook = review_outlook(learner=learner, now=NOW)
    # then two are due today, three are new, and the next fortnight is by date
    assert outlook.due_today == 2
    assert outlook.new_today == 3
    assert outlook.upcoming == [(date(2025, 3, 4), 2), (date(2025, 3, 6), 1)]


def test_review_outlook_days_are_london_days(learner):
    # given summer time, 10:00 in London, and a card due at 00:30 London time
    summer = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    card(learner, QuizItemFactory(), datetime(2025, 7, 1, 23, 30, tzinfo=UTC))
    card(learner, QuizItemFactory(), datetime(2025, 7, 1, 22, 30, tzinfo=UTC))
    # when the outlook is read, then the first is tomorrow's, the second today's
    outlook = review_outlook(learner=learner, now=summer)
    assert outlook.due_today == 1
    assert outlook.upcoming == [(date(2025, 7, 2), 1)]


def test_review_outlook_caps_new_items_at_the_days_allowance(learner):
    for _ in range(NEW_PER_DAY + 3):
        QuizItemFactory()
    assert review_outlook(learner=learner, now=NOW).new_today == NEW_PER_DAY


def test_review_outlook_counts_tomorrows_reviews(learner):
    # given two cards due at noon tomorrow, one the day after (by the real clock)
    tomorrow = timezone.localdate() + DAY
    noon = timezone.make_aware(datetime.combine(tomorrow, time(12)))
    card(learner, QuizItemFactory(), noon)
    card(learner, QuizItemFactory(), noon + timedelta(hours=1))
    card(learner, QuizItemFactory(), noon + DAY)
    # when the outlook is read now, then tomorrow's count is two
    assert review_outlook(learner=learner).tomorrow == 2


def test_review_outlook_counts_tomorrow_from_the_now_it_is_given(learner):
    card(learner, QuizItemFactory(), NOW + DAY)
    assert review_outlook(learner=learner, now=NOW).tomorrow == 1
