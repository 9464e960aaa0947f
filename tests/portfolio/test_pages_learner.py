"""The learner's portfolio page and one order's evidence page: access, happy paths,
bad input (a message, nothing stored), the lock, and constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, strip_tags

from portfolio.evidence import portfolio_records
from portfolio.exports import document_html, portfolio_document
from portfolio.models import Entry, Portfolio
from portfolio.services import entry_add, portfolio_for
from revision.models import Scenario
from revision.services.content import content_load
from revision.services.practice import practice_finish, practice_start
from tests.factories import UserFactory

from .helpers import careless_ps06, play_ps01, signed_off


@pytest.fixture
def loaded(db):
    content_load()


@pytest.fixture
def run(loaded, learner, django_capture_on_commit_callbacks):
    return play_ps01(learner, django_capture_on_commit_callbacks)


@pytest.fixture
def entry(run, learner, assessor) -> Entry:
    entry = entry_add(learner=learner, order=run.order)
    portfolio = portfolio_for(learner)
    portfolio.assessor = assessor
    portfolio.save()
    return entry


def started_orders(learner, capture, count: int):
    """`count` practice orders, each a PS-01 attempt started and abandoned."""
    scenario = Scenario.objects.get(identifier="PS-01")
    orders = []
    for _ in range(count):
        with capture(execute=True):
            attempt = practice_start(learner=learner, scenario=scenario)
        practice_finish(attempt=attempt, learner=learner, abandon=True)
        orders.append(attempt.order)
    return orders


# -- access ------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, entry):
    for url in (
        reverse("portfolio:mine"),
        reverse("portfolio:entry", args=[entry.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_processor_is_refused(client, processor, entry):
    client.force_login(processor)

    assert client.get(reverse("portfolio:mine")).status_code == 403
    assert client.get(reverse("portfolio:entry", args=[entry.pk])).status_code == 403
    response = client.post(reverse("portfolio:entry_add"), {"order": entry.order_id})
    assert response.status_code == 403


def test_another_learner_cannot_read_or_change_an_entry(client, entry):
    other = UserFactory(role="learner")
    client.force_login(other)

    assert client.get(reverse("portfolio:entry", args=[entry.pk])).status_code == 404
    response = client.post(
        reverse("portfolio:reflection", args=[entry.pk]),
        {f"reflection-{entry.pk}-text": "Mine now"},
    )
    assert response.status_code == 404
    response = client.post(reverse("portfolio:entry_remove", args=[entry.pk]))
    assert response.status_code == 404
    assert Entry.objects.get(pk=entry.pk).reflection == ""


def test_another_learners_order_cannot_be_added(client, entry):
    other = UserFactory(role="learner")
    client.force_login(other)

    response = client.post(reverse("portfolio:entry_add"), {"order": entry.order_id})

    assert response.status_code == 400
    assert "Choose one of your own orders" in response.content.decode()
    assert not Entry.objects.filter(portfolio__learner=other).exists()


def test_assigned_assessor_reads_the_entry_another_assessor_cannot(
    client, entry, assessor
):
    client.force_login(assessor)
    assert client.get(reverse("portfolio:entry", args=[entry.pk])).status_code == 200

    client.force_login(UserFactory(role="assessor"))
    assert client.get(reverse("portfolio:entry", args=[entry.pk])).status_code == 404


def test_posts_only(client, learner, entry):
    client.force_login(learner)

    assert client.get(reverse("portfolio:entry_add")).status_code == 405
    assert client.post(reverse("portfolio:mine")).status_code == 405


# -- the portfolio page ------------------------------------------------------------


def test_first_visit_creates_the_portfolio_with_the_criteria(client, loaded, learner):
    client.force_login(learner)

    response = client.get(reverse("portfolio:mine"))

    page = response.content.decode()
    assert response.status_code == 200
    assert Portfolio.objects.filter(learner=learner).exists()
    assert page.count("<h1") == 1
    for identifier in ("AC-01", "AC-02", "AC-03", "AC-04", "AC-05"):
        assert identifier in page
    assert "cross-checks order quantities, product codes, and customer details" in page
    assert "Your portfolio has no orders yet" in page
    assert "Not signed off yet." in page


def test_learner_adds_an_order_from_the_select(client, run, learner):
    client.force_login(learner)
    page = client.get(reverse("portfolio:mine")).content.decode()
    assert (
        f"{run.order.reference} · PS-01: Copier paper out of stock, more due this "
        "week · Followed up"
    ) in page

    response = client.post(reverse("portfolio:entry_add"), {"order": run.order.pk})

    entry = Entry.objects.get(portfolio__learner=learner)
    assert response.status_code == 302
    assert response.url == f"{reverse('portfolio:mine')}#entry-{entry.pk}"
    page = client.get(reverse("portfolio:mine")).content.decode()
    assert f"{run.order.reference} is now in your portfolio." in page
    assert reverse("portfolio:entry", args=[entry.pk]) in page
    assert "Every stage from receipt to follow-up, in order." in page
    assert "Every order you processed is in your portfolio." in page


def test_a_careless_practice_order_shows_ac02_not_met_as_its_result_says(
    client, loaded, learner, assessor, django_capture_on_commit_callbacks
):
    # given PS-06 confirmed as 120 boxes where the customer asked for 12, never
    # queried: its practice result has MP-01, MP-03 and MP-07 not met
    run = careless_ps06(learner, django_capture_on_commit_callbacks)
    portfolio = portfolio_for(learner)
    portfolio.assessor = assessor
    portfolio.save()
    client.force_login(learner)

    # when the learner adds it as evidence
    client.post(reverse("portfolio:entry_add"), {"order": run.order.pk})

    # then the portfolio, the order's page, the review and the export say AC-02
    # is not met, and why
    entry = Entry.objects.get(portfolio=portfolio)
    pages = {
        "portfolio": client.get(reverse("portfolio:mine")),
        "entry": client.get(reverse("portfolio:entry", args=[entry.pk])),
    }
    client.force_login(assessor)
    pages["review"] = client.get(reverse("portfolio:review", args=[portfolio.pk]))
    for name, response in pages.items():
        text = " ".join(strip_tags(response.content.decode()).split())
        assert response.status_code == 200, name
        assert "Quantities, product codes and customer details checked" not in text
        assert "MP-01 not met: The customer asked for 12 × PAP-9001" in text, name
    portfolio_text = " ".join(strip_tags(pages["portfolio"].content.decode()).split())
    assert "AC-02: Not yet met The practice result: MP-01 not met" in portfolio_text
    document = portfolio_document(
        portfolio,
        entries=list(portfolio.entries.all()),
        records=portfolio_records(portfolio),
        sign_off=None,
        chain_hash="",
        generated_at=timezone.now(),
    )
    (row,) = [row for row in document["criteria"] if row.identifier == "AC-02"]
    assert row.met is False
    html = " ".join(strip_tags(document_html(document)).split())
    assert "AC-02: not yet met. The practice result: MP-01 not met" in html


@pytest.mark.parametrize("posted", [{}, {"order": "nonsense"}, {"order": "999999"}])
def test_adding_bad_input_is_a_message_and_nothing_stored(
    client, loaded, learner, posted
):
    client.force_login(learner)

    response = client.post(reverse("portfolio:entry_add"), posted)

    assert response.status_code == 400
    assert "Choose" in response.content.decode()
    assert not Entry.objects.exists()


def test_learner_saves_and_is_refused_an_overlong_reflection(client, learner, entry):
    client.force_login(learner)
    url = reverse("portfolio:reflection", args=[entry.pk])
    field = f"reflection-{entry.pk}-text"

    response = client.post(url, {field: "I checked the stock first."})
    assert response.status_code == 302
    assert Entry.objects.get(pk=entry.pk).reflection == "I checked the stock first."

    response = client.post(url, {field: "x" * 3001})
    assert response.status_code == 400
    assert "Keep the reflection to 3,000 characters." in response.content.decode()
    assert Entry.objects.get(pk=entry.pk).reflection == "I checked the stock first."


def test_learner_removes_an_order(client, learner, entry):
    client.force_login(learner)

    response = client.post(reverse("portfolio:entry_remove", args=[entry.pk]))

    assert response.status_code == 302
    assert not Entry.objects.filter(pk=entry.pk).exists()


def test_learner_sees_the_assessors_feedback_and_sign_off(
    client, learner, assessor, entry
):
    signed_off(entry.portfolio, assessor)
    client.force_login(learner)

    page = client.get(reverse("portfolio:mine")).content.decode()

    assert "AC-03 shown in the order&#x27;s trail." in page
    assert f"Signed off</strong> by {escape(str(assessor))}" in page
    assert "The portfolio is locked" in page
    # locked: no forms to change it
    assert reverse("portfolio:entry_add") not in page
    assert reverse("portfolio:reflection", args=[entry.pk]) not in page
    assert reverse("portfolio:entry_remove", args=[entry.pk]) not in page


def test_locked_portfolio_refuses_posts_with_the_message(
    client, learner, assessor, entry
):
    signed_off(entry.portfolio, assessor)
    client.force_login(learner)

    for url, data in (
        (
            reverse("portfolio:reflection", args=[entry.pk]),
            {f"reflection-{entry.pk}-text": "Edited after sign-off"},
        ),
        (reverse("portfolio:entry_remove", args=[entry.pk]), {}),
    ):
        response = client.post(url, data)
        assert response.status_code == 400
        assert "signed off and locked" in response.content.decode()

    assert Entry.objects.get(pk=entry.pk).reflection == ""


def test_unlock_shows_its_reason_to_the_learner(client, learner, assessor, entry):
    from portfolio.services import sign_off_undo

    signed_off(entry.portfolio, assessor)
    sign_off_undo(portfolio=entry.portfolio, actor=assessor, reason="Add PS-02 too.")
    client.force_login(learner)

    page = client.get(reverse("portfolio:mine")).content.decode()

    assert f"Unlocked</strong> by {escape(str(assessor))}" in page
    assert "Reason: Add PS-02 too." in page
    assert reverse("portfolio:reflection", args=[entry.pk]) in page


def test_portfolio_page_queries_do_not_grow_with_orders(
    client, loaded, learner, django_capture_on_commit_callbacks
):
    # five orders: one stays out, so both pages offer the add form
    orders = started_orders(learner, django_capture_on_commit_callbacks, 5)
    client.force_login(learner)
    entry_add(learner=learner, order=orders[0])
    client.get(reverse("portfolio:mine"))  # warm the session and role caches

    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("portfolio:mine")).status_code == 200
    for order in orders[1:4]:
        entry_add(learner=learner, order=order)
    with CaptureQueriesContext(connection) as four:
        response = client.get(reverse("portfolio:mine"))

    assert response.content.decode().count('class="border rounded p-3 mb-3"') == 4
    assert len(four) == len(one), [q["sql"] for q in four.captured_queries]


# -- one order's evidence ----------------------------------------------------------


def test_entry_page_shows_the_evidence_from_the_event_trail(client, learner, entry):
    client.force_login(learner)
    order = entry.order

    response = client.get(reverse("portfolio:entry", args=[entry.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<h1") == 1
    assert f"Evidence for order {order.reference}" in page
    # the stages, each reached
    for stage in ("Receipt", "Verification", "Confirmation", "Fulfilment", "Follow-up"):
        assert f"{stage}: reached" in page
    # checks, the exception and its resolution, communications, the follow-up
    assert "Quantities are whole packs" in page
    assert "out of stock" in page
    assert "backordered until" in page
    assert "The paper is out of stock until Thursday. Shall we send it then?" in page
    assert "Arrived Friday, very happy." in page
    # each criterion links to the events behind it, and each event has its anchor
    followed = order.events.get(kind="followed_up")
    assert f'href="#event-{followed.pk}"' in page
    assert f'id="event-{followed.pk}"' in page
    for event in order.events.all():
        assert f'id="event-{event.pk}"' in page


def test_entry_page_groups_events_by_stage_in_time_order(client, learner, entry):
    client.force_login(learner)

    page = client.get(reverse("portfolio:entry", args=[entry.pk])).content.decode()

    events = list(entry.order.events.order_by("at", "pk").values_list("pk", flat=True))
    positions = [page.index(f'id="event-{pk}"') for pk in events]
    assert positions == sorted(positions)
    headings = [page.index(f">{stage}</h3>") for stage in ("Receipt", "Follow-up")]
    assert headings == sorted(headings)


def test_unknown_entry_is_404(client, loaded, learner):
    client.force_login(learner)

    assert client.get(reverse("portfolio:entry", args=[999999])).status_code == 404
