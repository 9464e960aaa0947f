"""The revision plan page: setting and moving the start date, ticking days off."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from revision.models import PlanDay, RevisionPlan, Section
from revision.services.plan import plan_day_tick, plan_start

from .factories import ContentItemFactory, QuizFactory

pytestmark = pytest.mark.django_db


def day_block(page: str, day: int) -> str:
    found = re.search(rf'<li id="day-{day}"(.*?)</li>', page, re.S)
    assert found, f"no day {day}"
    return found.group(0)


def short(day) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def test_without_a_plan_the_page_offers_a_start_date_of_today(client, learner):
    client.force_login(learner)
    response = client.get(reverse("revision:plan"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Your revision plan</h1>" in page
    assert re.search(r'<label\s+for="id_starts_on"', page)
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page
    assert "Set my plan" in page


def test_setting_a_plan_lays_out_fourteen_days_with_steps_and_quizzes(client, learner):
    # given the plan's first step (days 1-3) and a quiz linked to it
    step = ContentItemFactory(
        identifier="RP-01",
        section=Section.REVISION_PLAN,
        title="Understand the Core Principles",
        text="Begin by thoroughly reviewing the fundamental principles.",
        plan_first_day=1,
        plan_last_day=3,
    )
    quiz = QuizFactory(title="Misconceptions: true or not?")
    quiz.plan_steps.set([step])
    today = timezone.localdate()
    client.force_login(learner)
    # when the learner sets the plan to start today
    response = client.post(
        reverse("revision:plan"), {"starts_on": f"{today:%Y-%m-%d}"}, follow=True
    )
    # then fourteen days are stored and shown, today highlighted
    assert response.redirect_chain == [(reverse("revision:plan"), 302)]
    plan = RevisionPlan.objects.get(learner=learner)
    assert plan.starts_on == today
    assert plan.days.count() == 14
    page = response.content.decode()
    assert "Your plan is set: day 1 is" in page
    assert "0 of 14 days done." in page
    first = day_block(page, 1)
    assert f"{short(today)}</time>: Week 1, day 1" in first
    assert 'aria-current="date"' in first
    assert "Understand the Core Principles" in first
    assert (
        f'<a href="{reverse("revision:quizzes")}#quiz-{quiz.identifier}">'
        "Misconceptions: true or not?</a>"
    ) in first
    eighth = day_block(page, 8)
    assert f"{short(today + timedelta(days=7))}</time>: Week 2, day 1" in eighth
    assert 'aria-current="date"' not in eighth
    assert "Understand the Core Principles" not in eighth
    assert page.count('aria-current="date"') == 1


def test_a_start_date_up_to_fourteen_days_ago_is_accepted(client, learner):
    client.force_login(learner)
    starts_on = timezone.localdate() - timedelta(days=14)
    client.post(reverse("revision:plan"), {"starts_on": f"{starts_on:%Y-%m-%d}"})
    assert RevisionPlan.objects.get(learner=learner).starts_on == starts_on


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("past", "Choose a start date no earlier than"),
        ("2026-02-30", "Enter the start date as a date, e.g. 2026-12-07."),
        ("next week", "Enter the start date as a date, e.g. 2026-12-07."),
        ("", "Enter the day your plan starts."),
        ("9999-12-31", "Choose a start date within the next year"),
    ],
)
def test_a_bad_start_date_is_refused_next_to_the_field(client, learner, value, message):
    if value == "past":
        value = f"{timezone.localdate() - timedelta(days=15):%Y-%m-%d}"
    client.force_login(learner)
    response = client.post(reverse("revision:plan"), {"starts_on": value})
    assert response.status_code == 400
    page = response.content.decode()
    # crispy puts the error under the field, tied to it by id
    error = re.search(r'id="error_1_id_starts_on"[^>]*>(.*?)</', page, re.S)
    assert error
    assert message in error.group(1)
    assert not RevisionPlan.objects.exists()
    assert not PlanDay.objects.exists()


def test_moving_the_start_date_keeps_the_ticks(client, learner):
    # given a plan from today with day 1 ticked off
    today = timezone.localdate()
    plan_start(learner=learner, starts_on=today)
    plan_day_tick(learner=learner, day=1, done=True)
    client.force_login(learner)
    # when the learner moves it three days later
    later = today + timedelta(days=3)
    response = client.post(
        reverse("revision:plan"), {"starts_on": f"{later:%Y-%m-%d}"}, follow=True
    )
    # then the dates move and the tick stays
    assert RevisionPlan.objects.get(learner=learner).starts_on == later
    page = response.content.decode()
    assert "Your plan now starts on" in page
    assert "1 of 14 days done." in page
    assert f"{short(later)}</time>: Week 1, day 1" in day_block(page, 1)
    assert 'aria-current="date"' not in page
    # and the move form shows the plan's start date
    assert f'value="{later:%Y-%m-%d}"' in page


def test_a_bad_move_leaves_the_plan_where_it_was(client, learner):
    today = timezone.localdate()
    plan_start(learner=learner, starts_on=today)
    client.force_login(learner)
    response = client.post(reverse("revision:plan"), {"starts_on": "31/31/2026"})
    assert response.status_code == 400
    assert "Enter the start date as a date" in response.content.decode()
    assert RevisionPlan.objects.get(learner=learner).starts_on == today


def test_ticking_a_day_off_and_back(client, learner):
    # given a plan whose day 3 is today
    plan_start(learner=learner, starts_on=timezone.localdate() - timedelta(days=2))
    client.force_login(learner)
    url = reverse("revision:plan_tick", args=[3])
    # when day 3 is ticked off
    response = client.post(url, {"done": "1"})
    assert response.status_code == 302
    assert response.url == reverse("revision:plan") + "#day-3"
    assert PlanDay.objects.get(plan__learner=learner, day=3).done_at is not None
    page = client.get(reverse("revision:plan")).content.decode()
    assert "Day 3 ticked off." in page
    assert "1 of 14 days done." in page
    assert "Untick day 3" in day_block(page, 3)
    # when it is put back
    client.post(url, {"done": "0"})
    assert PlanDay.objects.get(plan__learner=learner, day=3).done_at is None


def test_ticking_with_htmx_answers_with_the_page_to_swap_from(client, learner):
    plan_start(learner=learner, starts_on=timezone.localdate() - timedelta(days=1))
    client.force_login(learner)
    response = client.post(
        reverse("revision:plan_tick", args=[2]), {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Untick day 2" in day_block(page, 2)
    assert '<div id="plan-done"' in page
    assert "1 of 14 days done." in page


def test_a_day_still_to_come_offers_no_tick_and_says_when(client, learner):
    today = timezone.localdate()
    plan_start(learner=learner, starts_on=today)
    client.force_login(learner)
    page = client.get(reverse("revision:plan")).content.decode()
    assert "Tick off day 1" in day_block(page, 1)
    last = day_block(page, 14)
    assert "Tick off day 14" not in last
    assert "Not yet: you can tick this day off from" in last
    assert f"{short(today + timedelta(days=13))}</time>." in last


def test_ticking_a_day_still_to_come_is_refused_beside_it(client, learner):
    # given a plan that starts today
    today = timezone.localdate()
    plan_start(learner=learner, starts_on=today)
    client.force_login(learner)
    # when day 14 is ticked off on day 1
    response = client.post(reverse("revision:plan_tick", args=[14]), {"done": "1"})
    # then it is refused, the reason given beside day 14, and nothing is ticked
    assert response.status_code == 400
    page = response.content.decode()
    when = today + timedelta(days=13)
    error = re.search(r'id="tick-error-14"[^>]*>(.*?)</p>', day_block(page, 14))
    assert error
    assert error.group(1) == (
        f"Day 14 is not until {short(when)}. Tick it off on that day or later, once "
        "you have done it."
    )
    assert "tick-error" not in day_block(page, 13)
    assert "0 of 14 days done." in page
    assert not PlanDay.objects.filter(done_at__isnull=False).exists()


def test_ticking_a_day_still_to_come_with_htmx_swaps_in_the_reason(client, learner):
    plan_start(learner=learner, starts_on=timezone.localdate())
    client.force_login(learner)
    response = client.post(
        reverse("revision:plan_tick", args=[14]), {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    # htmx swaps only a successful answer in
    assert response.status_code == 200
    block = day_block(response.content.decode(), 14)
    assert 'id="tick-error-14"' in block
    assert "Day 14 is not until" in block
    assert "0 of 14 days done." in response.content.decode()
    assert not PlanDay.objects.filter(done_at__isnull=False).exists()


def test_ticking_without_a_plan_says_to_set_one(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("revision:plan_tick", args=[1]), {"done": "1"}, follow=True
    )
    assert "Set your plan&#x27;s start date first." in response.content.decode()
    assert not PlanDay.objects.exists()


@pytest.mark.parametrize("done", ["", "yes", "2"])
def test_a_tick_without_a_clear_answer_is_refused(client, learner, done):
    plan_start(learner=learner, starts_on=timezone.localdate())
    client.force_login(learner)
    response = client.post(reverse("revision:plan_tick", args=[1]), {"done": done})
    assert response.status_code == 400
    assert "Use the day&#x27;s button to tick it off." in response.content.decode()
    assert not PlanDay.objects.filter(done_at__isnull=False).exists()


@pytest.mark.parametrize("day", [0, 15])
def test_a_day_outside_the_plan_is_not_found(client, learner, day):
    plan_start(learner=learner, starts_on=timezone.localdate())
    client.force_login(learner)
    response = client.post(reverse("revision:plan_tick", args=[day]), {"done": "1"})
    assert response.status_code == 404


def test_ticking_is_post_only(client, learner):
    client.force_login(learner)
    assert client.get(reverse("revision:plan_tick", args=[1])).status_code == 405


def test_a_learner_ticks_only_their_own_plan(client, learner):
    from tests.factories import UserFactory

    other = UserFactory(role="learner")
    plan_start(learner=other, starts_on=timezone.localdate())
    client.force_login(learner)
    client.post(reverse("revision:plan_tick", args=[1]), {"done": "1"})
    assert PlanDay.objects.get(plan__learner=other, day=1).done_at is None


@pytest.mark.parametrize("role", ["processor", "assessor"])
def test_the_plan_is_refused_to_other_roles(client, request, role):
    client.force_login(request.getfixturevalue(role))
    today = f"{timezone.localdate():%Y-%m-%d}"
    assert client.get(reverse("revision:plan")).status_code == 403
    assert (
        client.post(reverse("revision:plan"), {"starts_on": today}).status_code == 403
    )
    tick = reverse("revision:plan_tick", args=[1])
    assert client.post(tick, {"done": "1"}).status_code == 403
    assert not RevisionPlan.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_plan_sends_anonymous_visitors_to_sign_in(client, method):
    response = getattr(client, method)(reverse("revision:plan"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
