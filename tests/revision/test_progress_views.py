"""The progress page (per objective and marking point, what to revise next, the
misconceptions to revisit) and the learner's panel on the unit overview."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revision.models import Certainty, Section
from revision.services.plan import plan_start
from revision.services.quizzes import (
    answer_record,
    attempt_start,
    self_assessment_record,
)

from .factories import (
    RIGHT,
    SCENARIO_DATA,
    WRONG,
    ContentItemFactory,
    QuizFactory,
    QuizItemFactory,
)

pytestmark = pytest.mark.django_db


def answer(learner, item, *, right: bool, certainty=Certainty.LOW, quiz=None):
    quiz = quiz or QuizFactory(items=[item])
    attempt = attempt_start(learner=learner, mode="practice", quiz=quiz)
    return answer_record(
        attempt=attempt,
        learner=learner,
        item=item,
        response=RIGHT if right else WRONG,
        certainty=certainty,
        now=timezone.now(),
    )


def row(page: str, identifier: str) -> str:
    """The table row of one objective or marking point, tags stripped."""
    found = re.search(rf'<tr id="area-{identifier}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {identifier}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_progress_figures_on_known_answers(client, learner):
    # given two items covering LO-01, one answered right and one wrong (unsure)
    objective = ContentItemFactory(identifier="LO-01", text="Handle an order.")
    first = QuizItemFactory(covers=[objective])
    second = QuizItemFactory(covers=[objective])
    answer(learner, first, right=True)
    answer(learner, second, right=False)
    client.force_login(learner)
    # when the learner opens the progress page
    response = client.get(reverse("revision:progress"))
    # then LO-01 is half known: 2 questions, 2 answered, 1 right, 50 %
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Your progress</h1>" in page
    assert row(page, "LO-01") == "LO-01 Handle an order. 2 2 1 50 % 50 % 0"
    assert 'aria-label="LO-01: 50 % right"' in page
    assert '<progress class="d-block" max="100" value="50"' in page


def test_only_the_latest_answer_to_an_item_counts(client, learner):
    objective = ContentItemFactory(identifier="LO-01")
    item = QuizItemFactory(covers=[objective])
    answer(learner, item, right=False)
    answer(learner, item, right=True)
    client.force_login(learner)
    page = client.get(reverse("revision:progress")).content.decode()
    assert "1 1 1 100 %" in row(page, "LO-01")


def test_a_confident_wrong_answer_shows_its_misconception(client, learner):
    # given an item testing MC-01, answered wrong while very sure
    objective = ContentItemFactory(identifier="LO-01")
    misconception = ContentItemFactory(
        identifier="MC-01",
        section=Section.MISCONCEPTION,
        text="Processing and fulfilment are the same thing.",
        correction="Processing is the paperwork; fulfilment is the physical work.",
    )
    item = QuizItemFactory(
        covers=[objective, misconception], prompt="Fulfilment is processing."
    )
    answer(learner, item, right=False, certainty=Certainty.HIGH)
    client.force_login(learner)
    page = client.get(reverse("revision:progress")).content.decode()
    # then it is counted as wrong while sure, and listed with its correction
    assert row(page, "LO-01").endswith("0 % 0 % 1")
    misconceptions = page.split("Misconceptions to revisit</h2>")[1]
    assert "MC-01: Processing and fulfilment are the same thing." in misconceptions
    assert "Processing is the paperwork; fulfilment is the physical work." in (
        misconceptions
    )
    assert "Fulfilment is processing." in misconceptions
    assert "very sure" in misconceptions


def test_an_unsure_wrong_answer_is_no_misconception(client, learner):
    misconception = ContentItemFactory(
        identifier="MC-01", section=Section.MISCONCEPTION, correction="Not so."
    )
    answer(learner, QuizItemFactory(covers=[misconception]), right=False)
    client.force_login(learner)
    page = client.get(reverse("revision:progress")).content.decode()
    assert "None: you have not answered anything wrong while sure." in page


def test_revise_next_lists_the_weakest_areas_first_with_their_quizzes(client, learner):
    # given LO-A at 0 %, LO-B at 50 %, MP-C at 100 % and LO-D not yet answered
    weak = ContentItemFactory(identifier="LO-A")
    middling = ContentItemFactory(identifier="LO-B")
    known = ContentItemFactory(identifier="MP-C", section=Section.MARKING_POINT)
    unseen = ContentItemFactory(identifier="LO-D")
    weak_item = QuizItemFactory(covers=[weak])
    quiz = QuizFactory(items=[weak_item], title="Judge the statements")
    answer(learner, weak_item, right=False, quiz=quiz)
    halves = [QuizItemFactory(covers=[middling]) for _ in range(2)]
    answer(learner, halves[0], right=True)
    answer(learner, halves[1], right=False)
    answer(learner, QuizItemFactory(covers=[known]), right=True)
    QuizItemFactory(covers=[unseen])
    client.force_login(learner)
    page = client.get(reverse("revision:progress")).content.decode()
    listed = page.split('<ol id="revise-next">')[1].split("</ol>")[0]
    # then the unanswered and the wrong come first, the known not at all; the
    # weakest links to the quiz that covers it
    order = re.findall(r"<strong>([\w-]+)</strong>", listed)
    assert order == ["LO-A", "LO-D", "LO-B"]
    assert (
        f'<a href="{reverse("revision:quizzes")}#quiz-{quiz.identifier}">'
        "Judge the statements</a>"
    ) in listed
    # and "What to revise next" comes before the tables
    assert page.index("What to revise next") < page.index("Learning objectives</h2>")


def test_revise_next_shows_at_most_five(client, learner):
    for number in range(7):
        objective = ContentItemFactory(identifier=f"LO-{number:02d}")
        answer(learner, QuizItemFactory(covers=[objective]), right=False)
    client.force_login(learner)
    page = client.get(reverse("revision:progress")).content.decode()
    listed = page.split('<ol id="revise-next">')[1].split("</ol>")[0]
    assert listed.count("<li") == 5


def test_marking_points_show_the_learners_own_judgements(client, learner):
    # given a scenario whose checklist is MP-02 and MP-08, judged: MP-02 met
    ContentItemFactory(identifier="MP-02", section=Section.MARKING_POINT)
    ContentItemFactory(identifier="MP-08", section=Section.MARKING_POINT)
    scenario = QuizItemFactory(kind="scenario", data=SCENARIO_DATA)
    attempt = attempt_start(
        learner=learner, mode="practice", quiz=QuizFactory(items=[scenario])
    )
    given = answer_record(
        attempt=attempt,
        learner=learner,
        item=scenario,
        response={"choice": SCENARIO_DATA["answer"], "message": "Dear Ms Patel…"},
        certainty=Certainty.MEDIUM,
    )
    self_assessment_record(answer=given, learner=learner, met={"MP-02"})
    client.force_login(learner)
    page = client.get(reverse("revision:progress")).content.decode()
    assert "Self-assessed met</th>" in page
    assert row(page, "MP-02").endswith("1 of 1")
    assert row(page, "MP-08").endswith("0 of 1")


def test_a_new_learner_starts_at_nothing(client, learner):
    ContentItemFactory(identifier="LO-01")
    client.force_login(learner)
    page = client.get(reverse("revision:progress")).content.decode()
    assert "Answer some quiz questions and your weakest areas will appear" in page
    assert row(page, "LO-01").startswith("LO-01 Content item")


@pytest.mark.parametrize("role", ["processor", "assessor"])
def test_progress_is_refused_to_other_roles(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("revision:progress")).status_code == 403


def test_progress_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("revision:progress"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_progress_page_queries_do_not_grow_with_answers(client, learner):
    # given 30 items over objectives, marking points and misconceptions
    objectives = [ContentItemFactory(identifier=f"LO-{n:02d}") for n in range(3)]
    point = ContentItemFactory(identifier="MP-01", section=Section.MARKING_POINT)
    misconception = ContentItemFactory(
        identifier="MC-01", section=Section.MISCONCEPTION, correction="Not so."
    )
    items = [
        QuizItemFactory(covers=[objectives[n % 3], point, misconception])
        for n in range(30)
    ]
    quiz = QuizFactory(items=items)
    client.force_login(learner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("revision:progress")).status_code == 200
        return len(captured)

    # when the page is read with no answers, then with 30 (half confidently wrong)
    before = queries()
    attempt = attempt_start(learner=learner, mode="practice", quiz=quiz)
    for number, item in enumerate(items):
        answer_record(
            attempt=attempt,
            learner=learner,
            item=item,
            response=RIGHT if number % 2 else WRONG,
            certainty=Certainty.HIGH,
        )
    # then the page makes the same number of queries
    assert queries() == before


# --- The learner's panel on the unit overview ----------------------------------


def test_overview_panel_shows_reviews_revise_next_and_todays_plan_step(learner, rf):
    # given a plan started yesterday (today is day 2, in step RP-01 of days 1-3),
    # a weak objective, and one review due today
    ContentItemFactory(
        identifier="RP-01",
        section=Section.REVISION_PLAN,
        title="Understand the Core Principles",
        plan_first_day=1,
        plan_last_day=3,
    )
    objective = ContentItemFactory(identifier="LO-01")
    item = QuizItemFactory(covers=[objective])
    answer(learner, item, right=False)
    plan_start(learner=learner, starts_on=timezone.localdate() - timedelta(days=1))
    request = rf.get("/revision/")
    request.user = learner
    # when the panel is included
    html = render_to_string(
        "revision/_overview_learner.html", {"user": learner}, request=request
    )
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    # then it states each figure and links to its page
    assert "Your revision" in text
    assert "You have answered 1 of 1 question." in text
    assert "LO-01 (0 % right)" in text
    assert "Day 2 of 14: Understand the Core Principles. 0 of 14 days done." in text
    for name in ("revision:review", "revision:progress", "revision:plan"):
        assert f'href="{reverse(name)}"' in html


def test_overview_panel_invites_a_learner_without_a_plan_to_set_one(learner, rf):
    request = rf.get("/revision/")
    request.user = learner
    html = render_to_string(
        "revision/_overview_learner.html", {"user": learner}, request=request
    )
    assert "Set your revision plan</a>" in html


def test_unit_overview_includes_the_panel_for_learners_only(client, learner, assessor):
    client.force_login(learner)
    assert (
        "Your revision</h2>"
        in client.get(reverse("revision:overview")).content.decode()
    )
    client.force_login(assessor)
    assert "Your revision</h2>" not in (
        client.get(reverse("revision:overview")).content.decode()
    )
