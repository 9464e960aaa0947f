"""A learner's revision plan (revision.services.plan, revision.selectors.plan): the
two weeks laid on the learner's dates, days ticked off, and each day's step and
quizzes."""

from datetime import UTC, date, datetime, timedelta

import pytest

from revision.exceptions import PlanDayNotYetError, RevisionError
from revision.models import PlanDay, RevisionPlan, Section
from revision.selectors.plan import plan_for
from revision.services.plan import PLAN_DAYS, plan_day_tick, plan_start

from ..factories import UserFactory
from .factories import ContentItemFactory, QuizFactory

MONDAY = date(2025, 3, 3)
NOW = datetime(2025, 3, 4, 18, 0, tzinfo=UTC)


def ticked(learner) -> dict[int, datetime]:
    return dict(
        PlanDay.objects.filter(plan__learner=learner, done_at__isnull=False)
        .order_by("day")
        .values_list("day", "done_at")
    )


def test_plan_start_lays_out_fourteen_days_from_the_chosen_date(learner):
    plan = plan_start(learner=learner, starts_on=MONDAY)
    assert plan.learner == learner
    assert plan.starts_on == MONDAY
    assert list(plan.days.values_list("day", flat=True)) == list(range(1, 15))
    assert PLAN_DAYS == 14
    assert ticked(learner) == {}


def test_plan_start_again_moves_the_dates_and_keeps_the_ticks(learner):
    # given a plan with days 1 and 2 ticked off
    plan_start(learner=learner, starts_on=MONDAY)
    plan_day_tick(learner=learner, day=1, done=True, now=NOW)
    plan_day_tick(learner=learner, day=2, done=True, now=NOW)
    # when the learner moves its start a week on
    plan = plan_start(learner=learner, starts_on=MONDAY + timedelta(days=7))
    # then the same plan starts then, still 14 days, with the same ticks
    assert RevisionPlan.objects.get(learner=learner).starts_on == date(2025, 3, 10)
    assert RevisionPlan.objects.filter(learner=learner).count() == 1
    assert plan.days.count() == 14
    assert ticked(learner) == {1: NOW, 2: NOW}


def test_plan_start_again_on_the_same_date_changes_nothing(learner):
    plan = plan_start(learner=learner, starts_on=MONDAY)
    again = plan_start(learner=learner, starts_on=MONDAY)
    assert again.pk == plan.pk
    assert again.updated_at == plan.updated_at
    assert again.days.count() == 14


def test_plans_are_each_learners_own(learner):
    other = UserFactory(role="learner")
    plan_start(learner=learner, starts_on=MONDAY)
    plan_start(learner=other, starts_on=MONDAY - timedelta(days=1))
    plan_day_tick(learner=other, day=3, done=True, now=NOW)
    assert RevisionPlan.objects.get(learner=learner).starts_on == MONDAY
    assert ticked(learner) == {}
    assert ticked(other) == {3: NOW}


def test_tick_marks_a_day_done_and_untick_clears_it(learner):
    plan_start(learner=learner, starts_on=MONDAY - timedelta(days=1))
    # when day 3 (today) is ticked, then it is done at that moment
    row = plan_day_tick(learner=learner, day=3, done=True, now=NOW)
    assert (row.day, row.done_at) == (3, NOW)
    assert ticked(learner) == {3: NOW}
    # when it is unticked, then it is not done
    row = plan_day_tick(learner=learner, day=3, done=False, now=NOW)
    assert row.done_at is None
    assert ticked(learner) == {}


def test_ticking_a_day_again_keeps_when_it_was_first_done(learner):
    plan_start(learner=learner, starts_on=MONDAY)
    plan_day_tick(learner=learner, day=1, done=True, now=NOW)
    plan_day_tick(learner=learner, day=1, done=True, now=NOW + timedelta(days=1))
    assert ticked(learner) == {1: NOW}


def test_tick_refuses_a_day_whose_date_has_not_come(learner):
    # given a plan from Monday 3 March, on Tuesday 4 March
    plan_start(learner=learner, starts_on=MONDAY)
    # when day 3 (Wednesday) or day 14 is ticked off, then it is refused, saying when
    with pytest.raises(PlanDayNotYetError, match="Day 3 is not until Wed 5 Mar") as e:
        plan_day_tick(learner=learner, day=3, done=True, now=NOW)
    assert e.value.day == 3
    with pytest.raises(PlanDayNotYetError, match="Day 14 is not until Sun 16 Mar"):
        plan_day_tick(learner=learner, day=14, done=True, now=NOW)
    assert ticked(learner) == {}
    # and today's day can be ticked off
    plan_day_tick(learner=learner, day=2, done=True, now=NOW)
    assert ticked(learner) == {2: NOW}


def test_a_day_ticked_before_its_date_can_still_be_unticked(learner):
    # given day 14 ticked off before this rule (or before the plan was moved later)
    plan_start(learner=learner, starts_on=MONDAY)
    PlanDay.objects.filter(plan__learner=learner, day=14).update(done_at=NOW)
    # when it is unticked, then it is not done
    plan_day_tick(learner=learner, day=14, done=False, now=NOW)
    assert ticked(learner) == {}


def test_tick_refuses_without_a_plan(learner):
    with pytest.raises(RevisionError, match="Set your plan's start date first"):
        plan_day_tick(learner=learner, day=1, done=True, now=NOW)
    assert not PlanDay.objects.exists()


def test_tick_refuses_a_day_outside_the_plan(learner):
    plan_start(learner=learner, starts_on=MONDAY)
    with pytest.raises(RevisionError):
        plan_day_tick(learner=learner, day=15, done=True, now=NOW)
    assert ticked(learner) == {}


# --- The plan laid out ----------------------------------------------------------


def plan_step(identifier, first, last, position, **fields):
    return ContentItemFactory(
        identifier=identifier,
        section=Section.REVISION_PLAN,
        plan_first_day=first,
        plan_last_day=last,
        position=position,
        **fields,
    )


@pytest.fixture
def steps(db):
    """Five steps over days 1-12 (not the seeds' days: 13-14 belong to an inactive
    step, so that days without a step show), and quizzes linked to the second."""
    laid = {
        "RP-1": plan_step("RP-1", 1, 3, 1),
        "RP-2": plan_step("RP-2", 4, 6, 2),
        "RP-3": plan_step("RP-3", 7, 9, 3),
        "RP-4": plan_step("RP-4", 10, 11, 4),
        "RP-5": plan_step("RP-5", 12, 12, 5),
    }
    plan_step("RP-OLD", 13, 14, 6, active=False)
    second, first = QuizFactory(position=2), QuizFactory(position=1)
    hidden = QuizFactory(position=3, active=False)
    for quiz in (second, first, hidden):
        quiz.plan_steps.set([laid["RP-2"]])
    return {**laid, "quizzes": [first, second]}


def test_plan_for_without_a_plan_is_empty(learner, steps):
    assert plan_for(learner=learner, today=MONDAY) == (None, [])


def test_plan_for_lays_each_step_on_its_days_at_the_learners_dates(learner, steps):
    # given a plan from Monday 3 March, day 2 ticked off
    plan = plan_start(learner=learner, starts_on=MONDAY)
    plan_day_tick(learner=learner, day=2, done=True, now=NOW)
    # when it is laid out on Wednesday 5 March
    found, days = plan_for(learner=learner, today=date(2025, 3, 5))
    # then it has the fourteen days in order, on the learner's dates
    assert found == plan
    assert [day.day for day in days] == list(range(1, 15))
    assert [day.date for day in days] == [MONDAY + timedelta(days=n) for n in range(14)]
    assert days[13].date == date(2025, 3, 16)
    # and each day carries its step, none on days of an inactive step
    assert [day.step.identifier if day.step else None for day in days] == [
        *["RP-1"] * 3,
        *["RP-2"] * 3,
        *["RP-3"] * 3,
        *["RP-4"] * 2,
        "RP-5",
        None,
        None,
    ]
    # and the step's active quizzes, in order
    assert [day.quizzes for day in days[3:6]] == [steps["quizzes"]] * 3
    assert days[0].quizzes == []
    assert days[13].quizzes == []
    # and the tick and today are marked
    assert [day.day for day in days if day.done] == [2]
    assert [day.day for day in days if day.is_today] == [3]
    assert [day.day for day in days if day.upcoming] == list(range(4, 15))


def test_plan_for_marks_no_day_today_outside_the_fortnight(learner, steps):
    plan_start(learner=learner, starts_on=MONDAY)
    _, days = plan_for(learner=learner, today=MONDAY - timedelta(days=1))
    assert not any(day.is_today for day in days)


def test_plan_for_follows_a_moved_start(learner, steps):
    plan_start(learner=learner, starts_on=MONDAY)
    plan_start(learner=learner, starts_on=date(2025, 4, 1))
    _, days = plan_for(learner=learner, today=date(2025, 4, 14))
    assert (days[0].date, days[-1].date) == (date(2025, 4, 1), date(2025, 4, 14))
    assert days[-1].is_today
