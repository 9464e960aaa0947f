"""The assessor's pages: the assigned learners, the review criterion by criterion,
sign-off with the evidence check, and the recorded unlock. Only the assigned
assessor; bad input is a message next to the form and stores nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from portfolio.models import Review, SignOff, Unlock
from portfolio.services import entry_add, portfolio_for
from revision.services.content import content_load
from tests.factories import UserFactory

from .helpers import judge_all, play_ps01, signed_off
from .test_pages_learner import started_orders


@pytest.fixture
def portfolio(db, learner, assessor, django_capture_on_commit_callbacks):
    content_load()
    run = play_ps01(learner, django_capture_on_commit_callbacks)
    entry_add(learner=learner, order=run.order)
    portfolio = portfolio_for(learner)
    portfolio.assessor = assessor
    portfolio.save()
    return portfolio


def review_url(portfolio) -> str:
    return reverse("portfolio:review", args=[portfolio.pk])


def judge(client, portfolio, criterion="AC-01", verdict="met", comment="Clear."):
    return client.post(
        reverse("portfolio:review_record", args=[portfolio.pk, criterion]),
        {
            f"review-{criterion}-verdict": verdict,
            f"review-{criterion}-comment": comment,
        },
    )


# -- access ------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, portfolio):
    for url in (reverse("portfolio:assessor_list"), review_url(portfolio)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["processor", "learner"])
def test_other_roles_are_refused(client, portfolio, role):
    client.force_login(UserFactory(role=role))

    assert client.get(reverse("portfolio:assessor_list")).status_code == 403
    assert client.get(review_url(portfolio)).status_code == 403
    assert judge(client, portfolio).status_code == 403
    assert not Review.objects.exists()


def test_another_assessor_gets_404_everywhere(client, portfolio):
    other = UserFactory(role="assessor")
    client.force_login(other)

    assert client.get(review_url(portfolio)).status_code == 404
    assert judge(client, portfolio).status_code == 404
    response = client.post(
        reverse("portfolio:sign_off", args=[portfolio.pk]), {"declared": "on"}
    )
    assert response.status_code == 404
    response = client.post(
        reverse("portfolio:unlock", args=[portfolio.pk]), {"reason": "Mine"}
    )
    assert response.status_code == 404
    assert learner_not_listed(client, portfolio)
    assert not Review.objects.exists()


def learner_not_listed(client, portfolio) -> bool:
    page = client.get(reverse("portfolio:assessor_list")).content.decode()
    return review_url(portfolio) not in page


# -- the list ----------------------------------------------------------------------


def test_assessor_lists_assigned_learners_with_their_standing(
    client, portfolio, learner, assessor
):
    judge_all(portfolio, assessor)
    portfolio_for(UserFactory(role="learner"))  # not assigned: not listed
    client.force_login(assessor)

    response = client.get(reverse("portfolio:assessor_list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<h1") == 1
    assert review_url(portfolio) in page
    row = page[page.index(escape(str(learner))) :]
    assert "<td>1</td>" in row  # one order
    assert row.count("<td>5</td>") == 2  # five met by evidence, five judged met
    assert "Not signed off" in row


# -- the review --------------------------------------------------------------------


def test_review_page_shows_each_criterion_with_must_show_and_evidence(
    client, portfolio, assessor
):
    client.force_login(assessor)
    entry = portfolio.entries.get()

    response = client.get(review_url(portfolio))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<h1") == 1
    for identifier in ("AC-01", "AC-02", "AC-03", "AC-04", "AC-05"):
        assert f'id="criterion-{identifier}"' in page
        assert (
            reverse("portfolio:review_record", args=[portfolio.pk, identifier]) in page
        )
    assert "Must show:" in page
    assert "The order&#x27;s record shows the stages in their proper order" in page
    assert reverse("portfolio:entry", args=[entry.pk]) in page
    assert "Followed up by e-mail: satisfaction 5 of 5." in page
    assert "I confirm that I have reviewed this evidence" in page


def test_assessor_records_a_judgement_kept_in_the_history(client, portfolio, assessor):
    client.force_login(assessor)

    first = judge(client, portfolio, "AC-02", "more_evidence", "Show a price check.")
    second = judge(client, portfolio, "AC-02", "met", "Seen on the second order.")

    assert first.status_code == second.status_code == 302
    assert second.url == f"{review_url(portfolio)}#criterion-AC-02"
    page = client.get(review_url(portfolio)).content.decode()
    assert "Show a price check." in page
    assert "Seen on the second order." in page
    assert "More evidence needed" in page
    assert Review.objects.filter(portfolio=portfolio).count() == 2


@pytest.mark.parametrize(
    ("verdict", "comment", "message"),
    [
        ("", "Fine.", "Choose met, not yet met or more evidence needed."),
        ("brilliant", "Fine.", "Choose met, not yet met or more evidence needed."),
        ("met", "   ", "Write a comment the learner can act on."),
        ("met", "x" * 3001, "Keep the comment to 3,000 characters."),
    ],
)
def test_bad_judgement_is_a_message_and_nothing_stored(
    client, portfolio, assessor, verdict, comment, message
):
    client.force_login(assessor)

    response = judge(client, portfolio, "AC-01", verdict, comment)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Review.objects.exists()


def test_unknown_criterion_is_404(client, portfolio, assessor):
    client.force_login(assessor)

    assert judge(client, portfolio, "MP-01").status_code == 404
    assert judge(client, portfolio, "AC-99").status_code == 404


def test_sign_off_refused_until_every_criterion_is_met(client, portfolio, assessor):
    client.force_login(assessor)
    judge(client, portfolio, "AC-01")

    response = client.post(
        reverse("portfolio:sign_off", args=[portfolio.pk]), {"declared": "on"}
    )

    assert response.status_code == 400
    assert "Judge every criterion met before signing off: AC-02" in (
        response.content.decode()
    )
    assert not SignOff.objects.exists()


def test_sign_off_refused_without_the_declaration(client, portfolio, assessor):
    judge_all(portfolio, assessor)
    client.force_login(assessor)

    response = client.post(reverse("portfolio:sign_off", args=[portfolio.pk]), {})

    assert response.status_code == 400
    assert "Tick the declaration to sign off." in response.content.decode()
    assert not SignOff.objects.exists()


def test_sign_off_then_evidence_unchanged(client, portfolio, assessor):
    judge_all(portfolio, assessor)
    client.force_login(assessor)

    response = client.post(
        reverse("portfolio:sign_off", args=[portfolio.pk]), {"declared": "on"}
    )

    assert response.status_code == 302
    row = SignOff.objects.get()
    page = client.get(review_url(portfolio)).content.decode()
    assert "Evidence unchanged since sign-off" in page
    assert row.final_hash in page
    assert f"Signed off</strong> by {escape(str(assessor))}" in page
    # locked: the unlock form instead of the judgement and sign-off forms
    assert reverse("portfolio:unlock", args=[portfolio.pk]) in page
    assert reverse("portfolio:sign_off", args=[portfolio.pk]) not in page
    assert reverse("portfolio:review_record", args=[portfolio.pk, "AC-01"]) not in page


def test_tampered_evidence_shows_a_mismatch(client, portfolio, assessor):
    signed_off(portfolio, assessor)
    event = portfolio.entries.get().order.events.get(kind="followed_up")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_orderevent SET data = %s WHERE id = %s",
            ['{"satisfaction": 5, "channel": "phone"}', event.pk],
        )
    client.force_login(assessor)

    page = client.get(review_url(portfolio)).content.decode()

    assert "Evidence unchanged since sign-off" not in page
    assert "The evidence has changed since sign-off." in page


def test_judging_a_locked_portfolio_is_refused_next_to_the_form(
    client, portfolio, assessor
):
    signed_off(portfolio, assessor)
    client.force_login(assessor)

    response = judge(client, portfolio, "AC-01", "not_yet_met", "Second thoughts.")

    assert response.status_code == 400
    assert "signed off and locked" in response.content.decode()
    assert Review.objects.count() == 5


def test_unlock_needs_a_reason_then_is_recorded(client, portfolio, assessor, learner):
    signed_off(portfolio, assessor)
    client.force_login(assessor)
    url = reverse("portfolio:unlock", args=[portfolio.pk])

    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "Give the reason for unlocking." in refused.content.decode()
    assert not Unlock.objects.exists()

    response = client.post(url, {"reason": "The learner wants to add PS-02."})

    assert response.status_code == 302
    unlock = Unlock.objects.get()
    assert unlock.by == assessor
    assert unlock.reason == "The learner wants to add PS-02."
    page = client.get(review_url(portfolio)).content.decode()
    assert "Reason: The learner wants to add PS-02." in page
    assert reverse("portfolio:sign_off", args=[portfolio.pk]) in page


def test_unlock_of_a_portfolio_not_signed_off_is_refused(client, portfolio, assessor):
    client.force_login(assessor)

    response = client.post(
        reverse("portfolio:unlock", args=[portfolio.pk]), {"reason": "Why not"}
    )

    assert response.status_code == 400
    assert "This portfolio is not signed off." in response.content.decode()


def test_review_page_queries_do_not_grow_with_orders(
    client, db, learner, assessor, django_capture_on_commit_callbacks
):
    content_load()
    orders = started_orders(learner, django_capture_on_commit_callbacks, 4)
    portfolio = portfolio_for(learner)
    portfolio.assessor = assessor
    portfolio.save()
    entry_add(learner=learner, order=orders[0])
    judge_all(portfolio, assessor, verdict=Review.Verdict.MORE_EVIDENCE)
    client.force_login(assessor)
    client.get(review_url(portfolio))

    with CaptureQueriesContext(connection) as one:
        assert client.get(review_url(portfolio)).status_code == 200
    for order in orders[1:]:
        entry_add(learner=learner, order=order)
    judge_all(portfolio, assessor)
    with CaptureQueriesContext(connection) as four:
        response = client.get(review_url(portfolio))

    assert "4 orders in the portfolio" in response.content.decode()
    assert len(four) == len(one), [q["sql"] for q in four.captured_queries]


def test_assessor_list_queries_do_not_grow_with_learners(client, portfolio, assessor):
    client.force_login(assessor)
    client.get(reverse("portfolio:assessor_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("portfolio:assessor_list"))
    for _ in range(3):
        other = portfolio_for(UserFactory(role="learner"))
        other.assessor = assessor
        other.save()

    with CaptureQueriesContext(connection) as four:
        client.get(reverse("portfolio:assessor_list"))

    assert len(four) == len(one)


# -- administration ----------------------------------------------------------------


def test_supervisor_assigns_the_assessor_in_the_admin(client, portfolio, assessor):
    admin_user = UserFactory(role="supervisor", is_staff=True, is_superuser=True)
    other = UserFactory(role="assessor")
    signed_off(portfolio, assessor)
    client.force_login(admin_user)

    for model in ("portfolio", "entry", "review", "signoff", "unlock", "export"):
        url = reverse(f"admin:portfolio_{model}_changelist")
        assert client.get(url).status_code == 200, url
    change = reverse("admin:portfolio_portfolio_change", args=[portfolio.pk])
    assert client.get(change).status_code == 200
    signed = SignOff.objects.get()
    assert (
        client.get(
            reverse("admin:portfolio_signoff_change", args=[signed.pk])
        ).status_code
        == 200
    )

    response = client.post(
        change,
        {
            "assessor": other.pk,
            "entries-TOTAL_FORMS": "1",
            "entries-INITIAL_FORMS": "1",
            "entries-MIN_NUM_FORMS": "0",
            "entries-MAX_NUM_FORMS": "1000",
            "entries-0-id": portfolio.entries.get().pk,
            "entries-0-portfolio": portfolio.pk,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    portfolio.refresh_from_db()
    assert portfolio.assessor == other
