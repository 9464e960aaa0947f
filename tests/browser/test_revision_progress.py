"""A learner sets a revision plan, ticks a day off, then reads their reviews and
progress; axe-core on every page, with and without errors."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from revision.models import Certainty, Section
from revision.services.quizzes import answer_record, attempt_start
from tests.revision.factories import ContentItemFactory, QuizFactory, QuizItemFactory


def _history(learner):
    """A small unit, and one confident wrong answer given a moment ago."""
    objective = ContentItemFactory(
        identifier="LO-01", text="Handle a sales order from receipt to completion."
    )
    misconception = ContentItemFactory(
        identifier="MC-01",
        section=Section.MISCONCEPTION,
        text="Processing and fulfilment are the same thing.",
        correction="Processing is the paperwork; fulfilment is the physical work.",
    )
    step = ContentItemFactory(
        identifier="RP-01",
        section=Section.REVISION_PLAN,
        title="Understand the Core Principles",
        text="Begin by reviewing the fundamental principles.",
        plan_first_day=1,
        plan_last_day=3,
    )
    items = [
        QuizItemFactory(covers=[objective, misconception], prompt="Statement one"),
        QuizItemFactory(covers=[objective], prompt="Statement two"),
    ]
    quiz = QuizFactory(items=items, title="True or a misconception?")
    quiz.plan_steps.set([step])
    attempt = attempt_start(learner=learner, mode="practice", quiz=quiz)
    answer_record(
        attempt=attempt,
        learner=learner,
        item=items[0],
        response={"choice": "true"},
        certainty=Certainty.HIGH,
        now=timezone.now(),
    )


def test_learner_sets_a_plan_ticks_a_day_and_reads_progress(
    page, base, axe, sign_in, console, shot, learner
):
    _history(learner)
    sign_in(learner)
    today = timezone.localdate()

    # No plan yet: a start date that is too far back is refused next to the field.
    page.goto(f"{base}/revision/plan/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your revision plan")
    axe(page, context="plan, not set")
    start = page.get_by_label("Start date")
    expect(start).to_have_value(f"{today:%Y-%m-%d}")
    start.fill(f"{today - timedelta(days=20):%Y-%m-%d}")
    page.get_by_role("button", name="Set my plan").click()
    expect(page.locator("#error_1_id_starts_on")).to_contain_text(
        "Choose a start date no earlier than"
    )
    axe(page, context="plan, bad date")

    # The plan from today: fourteen days, today marked, its quiz linked.
    page.get_by_label("Start date").fill(f"{today:%Y-%m-%d}")
    page.get_by_role("button", name="Set my plan").click()
    expect(page.locator(".alert-success")).to_contain_text("Your plan is set")
    expect(page.locator("#plan-done")).to_contain_text("0 of 14 days done.")
    first = page.locator("#day-1")
    expect(first).to_have_attribute("aria-current", "date")
    expect(first).to_contain_text("Week 1, day 1")
    expect(first).to_contain_text("Understand the Core Principles")
    expect(first.get_by_role("link", name="True or a misconception?")).to_be_visible()
    expect(page.locator("li[id^='day-']")).to_have_count(14)
    axe(page, context="plan, set")

    # Ticking day 1 off swaps in just that day and the count (htmx).
    page.get_by_role("button", name="Tick off day 1", exact=True).click()
    expect(first.get_by_role("button", name="Untick day 1", exact=True)).to_be_visible()
    expect(page.locator("#plan-done")).to_contain_text("1 of 14 days done.")
    expect(page.locator("#tick-1")).to_be_focused()
    shot("plan")
    axe(page, context="plan, day ticked")

    # Reviews: the statement answered wrongly is scheduled for tomorrow (FSRS
    # "Again"); the other statement is new and waits today.
    page.get_by_role("link", name="Reviews", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews")
    expect(page.locator("#review-today")).to_contain_text("0 cards")
    expect(page.locator("#review-today")).to_contain_text("1 question")
    expect(page.locator("#review-tomorrow")).to_contain_text(": 1 review.")
    shot("reviews")
    axe(page, context="reviews")

    # Progress: half of LO-01 still to learn, and the misconception to revisit.
    page.get_by_role("link", name="Progress", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your progress")
    expect(page.locator("#revise-next")).to_contain_text("LO-01")
    expect(page.locator("#area-LO-01")).to_contain_text("0 %")
    expect(page.get_by_role("heading", name=re.compile("^MC-01"))).to_be_visible()
    expect(page.get_by_text("Processing is the paperwork")).to_be_visible()
    shot("progress")
    axe(page, context="progress")

    # The unit overview carries the learner's panel.
    page.goto(f"{base}/revision/")
    panel = page.get_by_role("region", name="Your revision")
    expect(panel).to_contain_text("Day 1 of 14: Understand the Core Principles")
    shot("overview")
    axe(page, context="overview with the learner's panel")

    # Starting reviews opens a review sitting.
    page.goto(f"{base}/revision/review/")
    page.get_by_role("button", name="Start reviews").click()
    expect(page).to_have_url(re.compile(r"/revision/attempts/\d+/$"))

    console.assert_clean()
    axe.assert_clean()
