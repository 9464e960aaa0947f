"""The practice pages: the queue and scenario library, starting, one attempt (the
simulated customer's replies, the warehouse, finishing and abandoning), the result;
roles, other learners' attempts and bad input."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order
from revision.models import PracticeAttempt, PracticeResult, ReviewCard, Scenario
from revision.services.content import content_load
from revision.services.practice import practice_finish, practice_start
from tests.factories import UserFactory

from .practice_runs import Run

BACKORDER = "The paper is out of stock until Thursday. Shall we send it then?"


@pytest.fixture
def loaded(db):
    content_load()


@pytest.fixture
def signed_in(client, learner, loaded):
    client.force_login(learner)
    return client


@pytest.fixture
def run(learner, loaded, django_capture_on_commit_callbacks):
    """PS-01 started by the learner, its checks run (the order held: no paper)."""
    return Run.start(learner, "PS-01", django_capture_on_commit_callbacks)


@pytest.fixture
def confirmed(run):
    """PS-01 handled as the model does, up to the confirmation."""
    run.tell("backorder_notice", BACKORDER)
    (reply,) = run.replies()
    run.backorder(reply.content)
    run.confirm()
    assert run.order.status == Order.Status.CONFIRMED
    return run


def text(response) -> str:
    """The page's HTML with runs of white space made single spaces."""
    return " ".join(html.unescape(response.content.decode()).split())


def url(name: str, *args) -> str:
    return reverse(f"revision:{name}", args=args)


def attempt_now(run) -> PracticeAttempt:
    return PracticeAttempt.objects.get(pk=run.attempt.pk)


# -- the practice page -------------------------------------------------------------


def test_practice_page_shows_the_library_without_the_planted_problems(signed_in):
    response = signed_in.get(url("practice"))

    page = text(response)
    assert response.status_code == 200
    assert '<h1 class="h2">Practice</h1>' in page
    assert "Your practice queue is empty" in page
    assert "PS-01: Copier paper out of stock, more due this week" in page
    assert "An accountant e-mails an order for copier paper." in page
    assert "How it arrives: E-mail" in page
    assert "Planted problems" not in page
    assert "You have not finished a practice attempt yet." in page


def test_practice_page_lists_the_queue_and_past_attempts(signed_in, learner, run):
    # given one attempt ended and one in progress
    run.finish(abandon=True)
    current = practice_start(
        learner=learner, scenario=Scenario.objects.get(identifier="PS-01")
    )

    response = signed_in.get(url("practice"))

    page = text(response)
    order = current.order
    assert f'<a href="{reverse("orders:detail", args=[order.pk])}">' in page
    assert f"{order.reference}</a></td> <td>Received</td>" in page
    assert f"carry on with {order.reference}" in page
    # the ended attempt, with its counts and result; now the problems are named
    result = run.attempt.result
    assert "<td>Abandoned</td>" in page
    assert (
        f"<td>{result.met}</td> <td>{result.partly}</td> <td>{result.not_met}</td>"
        in page
    )
    assert url("practice_result", run.attempt.pk) in page
    assert "Planted problems (you have seen a result for this one): Out of stock." in (
        page
    )


def test_practice_page_makes_as_many_queries_for_five_attempts_as_for_one(
    signed_in, learner
):
    scenario = Scenario.objects.get(identifier="PS-01")

    def attempts(count: int) -> int:
        for _ in range(count):
            attempt = practice_start(learner=learner, scenario=scenario)
            practice_finish(attempt=attempt, learner=learner, abandon=True)
        practice_start(learner=learner, scenario=scenario)
        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get(url("practice")).status_code == 200
        # (leave none in progress for the next round)
        ongoing = PracticeAttempt.objects.get(learner=learner, status="in_progress")
        practice_finish(attempt=ongoing, learner=learner, abandon=True)
        return len(queries)

    one = attempts(1)
    five = attempts(5)

    assert one == five
    assert one <= 8


# -- starting ----------------------------------------------------------------------


def test_start_makes_an_attempt_and_opens_it(
    signed_in, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(url("practice_start", "PS-01"))

    attempt = PracticeAttempt.objects.get(learner=learner)
    assert response.status_code == 302
    assert response.url == url("practice_attempt", attempt.pk)
    assert attempt.scenario.identifier == "PS-01"
    assert attempt.order.practice_learner == learner
    # the checks ran: the paper is out of stock
    assert attempt.order.status == Order.Status.ON_HOLD


def test_start_refuses_a_second_attempt_in_progress_with_the_message(
    signed_in, learner, run
):
    response = signed_in.post(url("practice_start", "PS-01"), follow=True)

    assert response.redirect_chain == [(url("practice"), 302)]
    assert "You are already working on this scenario" in text(response)
    assert PracticeAttempt.objects.filter(learner=learner).count() == 1


def test_start_of_an_unknown_or_inactive_scenario_is_404(signed_in, learner):
    Scenario.objects.filter(identifier="PS-01").update(active=False)

    assert signed_in.post(url("practice_start", "PS-99")).status_code == 404
    assert signed_in.post(url("practice_start", "PS-01")).status_code == 404
    assert not PracticeAttempt.objects.filter(learner=learner).exists()


def test_start_is_post_only(signed_in):
    assert signed_in.get(url("practice_start", "PS-01")).status_code == 405


# -- one attempt -------------------------------------------------------------------


def test_attempt_page_shows_the_order_as_sent_and_the_way_into_orderdesk(
    signed_in, run
):
    response = signed_in.get(url("practice_attempt", run.attempt.pk))

    page = text(response)
    order = run.order
    assert response.status_code == 200
    assert "Practice PS-01: Copier paper out of stock" in page
    assert '<figcaption class="fw-semibold mb-2">E-mail received</figcaption>' in page
    assert "Please could we order 10 boxes of your A4 80 gsm copier paper" in page
    link = (
        f'href="{reverse("orders:detail", args=[order.pk])}">'
        f"Open order {order.reference} in OrderDesk</a>"
    )
    assert link in page
    assert "Status now: <strong>On hold</strong>" in page
    # the acknowledgement sent on receipt opens the conversation
    assert "To the customer: Acknowledgement, by e-mail" in page
    assert "Check for the customer's replies" in page
    # not confirmed: nothing goes to the warehouse yet
    assert "Send it to the warehouse" not in page
    assert "I understand the attempt will be scored as it stands" in page


def test_replies_with_nothing_asked_says_no_new_replies(signed_in, run):
    response = signed_in.post(url("practice_replies", run.attempt.pk), follow=True)

    assert response.redirect_chain == [
        (url("practice_attempt", run.attempt.pk) + "#conversation", 302)
    ]
    assert "No new replies" in text(response)
    assert run.order.communications.filter(direction="inbound").count() == 0


def test_replies_bring_the_customers_answer_into_the_conversation(signed_in, run):
    run.tell("backorder_notice", BACKORDER)

    response = signed_in.post(url("practice_replies", run.attempt.pk), follow=True)

    page = text(response)
    assert "1 new reply from the customer." in page
    assert "To the customer: Backorder notice, by e-mail" in page
    assert BACKORDER in page
    assert "From the customer: Backorder notice, by e-mail" in page
    assert "Yes, please send the paper when the new stock arrives." in page
    # asked again, nothing new
    again = signed_in.post(url("practice_replies", run.attempt.pk), follow=True)
    assert "No new replies" in text(again)


def test_fulfil_before_confirmation_is_refused_with_the_message(signed_in, run):
    response = signed_in.post(url("practice_fulfil", run.attempt.pk), follow=True)

    assert "Confirm the order first" in text(response)
    assert run.order.status == Order.Status.ON_HOLD


def test_confirmed_order_goes_to_the_warehouse_and_comes_back_delivered(
    signed_in, confirmed, django_capture_on_commit_callbacks
):
    page = text(signed_in.get(url("practice_attempt", confirmed.attempt.pk)))
    assert "Send it to the warehouse" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            url("practice_fulfil", confirmed.attempt.pk), follow=True
        )

    assert confirmed.order.status == Order.Status.DELIVERED
    page = text(response)
    assert "picked, dispatched and delivered" in page
    assert "Status now: <strong>Delivered</strong>" in page


def test_finish_scores_the_attempt_and_shows_the_result(
    signed_in, confirmed, django_capture_on_commit_callbacks
):
    confirmed.fulfil()
    confirmed.follow_up(satisfaction=5, notes="Arrived Friday, very happy.")

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(url("practice_finish", confirmed.attempt.pk))

    attempt = attempt_now(confirmed)
    assert response.status_code == 302
    assert response.url == url("practice_result", attempt.pk)
    assert attempt.status == PracticeAttempt.Status.FINISHED
    assert (attempt.result.met, attempt.result.partly, attempt.result.not_met) == (
        8,
        0,
        0,
    )


def test_abandon_without_the_tick_is_refused_and_changes_nothing(signed_in, run):
    response = signed_in.post(url("practice_finish", run.attempt.pk), {"abandon": "1"})

    page = text(response)
    assert response.status_code == 400
    assert "The attempt was not abandoned" in page
    assert "Tick the box to say you understand" in page
    assert attempt_now(run).status == PracticeAttempt.Status.IN_PROGRESS
    assert not PracticeResult.objects.exists()


def test_abandon_with_the_tick_ends_the_attempt_scored_as_it_stands(signed_in, run):
    response = signed_in.post(
        url("practice_finish", run.attempt.pk), {"abandon": "1", "understood": "on"}
    )

    attempt = attempt_now(run)
    assert response.url == url("practice_result", attempt.pk)
    assert attempt.status == PracticeAttempt.Status.ABANDONED
    assert attempt.result.met + attempt.result.partly + attempt.result.not_met == 8


def test_an_ended_attempt_opens_on_its_result_and_refuses_more_actions(signed_in, run):
    run.finish()
    result = url("practice_result", run.attempt.pk)

    assert signed_in.get(url("practice_attempt", run.attempt.pk)).url == result
    response = signed_in.post(url("practice_replies", run.attempt.pk), follow=True)
    assert response.redirect_chain[-1] == (result, 302)
    assert "This practice attempt has ended." in text(response)
    again = signed_in.post(url("practice_finish", run.attempt.pk), follow=True)
    assert "This practice attempt has ended." in text(again)
    assert PracticeResult.objects.count() == 1


def test_the_order_pages_link_back_to_the_attempt(signed_in, run):
    response = signed_in.get(url("practice_order", run.order.pk))

    assert response.url == url("practice_attempt", run.attempt.pk)


def test_practice_order_link_for_a_live_or_unknown_order_is_404(
    signed_in, verified_order
):
    live = verified_order()

    assert signed_in.get(url("practice_order", live.pk)).status_code == 404
    assert signed_in.get(url("practice_order", 999_999)).status_code == 404


# -- the result --------------------------------------------------------------------


def test_result_shows_each_marking_point_and_the_model_handling(
    signed_in, learner, run
):
    # a careless run: backorder without asking, confirm, never follow up
    run.backorder("Assumed she would wait.")
    run.confirm()
    run.fulfil()
    run.finish()

    response = signed_in.get(url("practice_result", run.attempt.pk))

    page = text(response)
    assert response.status_code == 200
    assert '<h1 class="h2">Your result</h1>' in page
    assert '<dd class="col-sm-8" id="count-met">3</dd>' in page
    assert '<dd class="col-sm-8" id="count-partly">3</dd>' in page
    assert '<dd class="col-sm-8" id="count-not-met">2</dd>' in page
    assert "Planted in this scenario: Out of stock." in page
    # each point: its wording, the verdict in words, the reasons, the evidence
    assert "MP-01: Met" in page
    assert "Evidence of accurate and complete data capture" in page
    assert "MP-04: Not met" in page
    assert "No follow-up was recorded after delivery." in page
    assert "MP-03: Partly met" in page
    assert "Confirmed to customer" in page
    # where missed: the seeds' advice and the misconceptions now in reviews
    assert "What the seeds advise" in page
    assert "Misconceptions added to your reviews" in page
    assert "MC-03: Treating follow-up as optional" in page
    assert reverse("revision:review") in page
    assert ReviewCard.objects.filter(learner=learner).exists()
    # beside the model handling
    assert "Compared with the model handling" in page
    assert "E-mail Mrs Patel (her preferred channel)" in page
    assert '<a href="#MP-08">MP-08</a>: partly met' in page
    assert "What you did" in page
    assert "Exception resolved: Out of stock" in page


def test_result_of_an_unfinished_attempt_goes_back_to_the_attempt(signed_in, run):
    response = signed_in.get(url("practice_result", run.attempt.pk))

    assert response.url == url("practice_attempt", run.attempt.pk)


# -- who may --------------------------------------------------------------------------


def pages(attempt: PracticeAttempt) -> list[tuple[str, str]]:
    return [
        ("get", url("practice_attempt", attempt.pk)),
        ("get", url("practice_result", attempt.pk)),
        ("get", url("practice_order", attempt.order_id)),
        ("post", url("practice_replies", attempt.pk)),
        ("post", url("practice_fulfil", attempt.pk)),
        ("post", url("practice_finish", attempt.pk)),
    ]


def test_another_learners_attempt_is_404(client, run):
    client.force_login(UserFactory(role="learner"))

    for method, address in pages(run.attempt):
        assert getattr(client, method)(address).status_code == 404, address
    assert attempt_now(run).status == PracticeAttempt.Status.IN_PROGRESS


def test_a_processor_is_refused_every_practice_page(client, processor, run):
    client.force_login(processor)

    every = [
        ("get", url("practice")),
        ("post", url("practice_start", "PS-01")),
        *pages(run.attempt),
    ]
    for method, address in every:
        assert getattr(client, method)(address).status_code == 403, address


def test_anonymous_visitors_are_sent_to_sign_in(client, run):
    every = [
        ("get", url("practice")),
        ("post", url("practice_start", "PS-01")),
        *pages(run.attempt),
    ]
    for method, address in every:
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response.url.startswith(reverse("accounts:login")), address
