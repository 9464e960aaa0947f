"""The actions taken from the order page: each a POST that calls its service."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from orders.models import (
    Check,
    Communication,
    ExceptionStep,
    Order,
    OrderException,
    OrderLine,
)
from orders.services import (
    communication_record,
    exception_raise,
    order_confirm,
    order_record_follow_up,
)

from ..factories import CustomerFactory, OrderFactory, OrderLineFactory

STALE = "changed since you opened it"


def post(client, name, order, data=None, *extra_args):
    """POST an order-page form (with the order's current version unless given)."""
    payload = {"version": order.version, **(data or {})}
    return client.post(reverse(name, args=[order.pk, *extra_args]), payload)


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def back_to_page(response, order) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("orders:detail", args=[order.pk])
    )


# -- confirm ---------------------------------------------------------------------


def test_confirm_confirms_a_verified_order_with_the_promised_date(
    client, processor, verified_order, tomorrow
):
    # Given a verified order open on a processor's screen
    order = verified_order()
    client.force_login(processor)
    # When they confirm it for tomorrow
    response = post(
        client, "orders:confirm", order, {"promised_date": tomorrow.isoformat()}
    )
    # Then it is confirmed with that date, and they are back on the order page
    order.refresh_from_db()
    assert back_to_page(response, order)
    assert order.status == Order.Status.CONFIRMED
    assert order.promised_date == tomorrow
    assert "Order confirmed" in said(response)


def test_confirm_is_refused_to_a_dispatcher_and_nothing_changes(
    client, dispatcher, verified_order, tomorrow
):
    # Given a verified order and a dispatcher
    order = verified_order()
    client.force_login(dispatcher)
    # When the dispatcher posts a confirmation
    response = post(
        client, "orders:confirm", order, {"promised_date": tomorrow.isoformat()}
    )
    # Then it is refused and the order is unchanged
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED


@pytest.mark.parametrize("role", ["learner", "assessor"])
def test_actions_are_refused_to_learners_and_assessors(
    client, request, role, verified_order, tomorrow
):
    # Given a verified order and a learner or assessor
    order = verified_order()
    client.force_login(request.getfixturevalue(role))
    # When they post any of the order page's forms
    for name, data in [
        ("orders:confirm", {"promised_date": tomorrow.isoformat()}),
        ("orders:exception_raise", {"kind": "other", "found": "x"}),
        ("orders:log_call", {"direction": "outbound", "purpose": "query"}),
        ("orders:send_email", {"purpose": "query", "subject": "s", "content": "c"}),
    ]:
        # Then each is refused
        assert post(client, name, order, data).status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED
    assert not order.exceptions.exists()


def test_actions_send_anonymous_visitors_to_sign_in(client, verified_order, tomorrow):
    # Given nobody signed in
    order = verified_order()
    # When a confirmation is posted
    response = post(
        client, "orders:confirm", order, {"promised_date": tomorrow.isoformat()}
    )
    # Then they are sent to sign in and nothing changes
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED


def test_actions_are_post_only(client, processor, verified_order):
    # Given a processor
    order = verified_order()
    client.force_login(processor)
    # When they GET an action's address
    # Then it is not allowed
    assert client.get(reverse("orders:confirm", args=[order.pk])).status_code == 405


def test_confirm_is_refused_by_status_with_the_services_message(
    client, processor, held_order, tomorrow
):
    # Given an order on hold with an open exception
    order = held_order()
    client.force_login(processor)
    # When a processor tries to confirm it
    response = post(
        client, "orders:confirm", order, {"promised_date": tomorrow.isoformat()}
    )
    # Then the service's reason is shown and nothing changes
    assert back_to_page(response, order)
    assert "it can be confirmed only when it is verified" in said(response)
    order.refresh_from_db()
    assert order.status == Order.Status.ON_HOLD


def test_confirm_from_a_stale_page_is_refused(
    client, processor, verified_order, tomorrow
):
    # Given a verified order whose page was opened before someone changed it
    order = verified_order()
    opened_at = order.version
    communication_record(
        order=order,
        actor=processor,
        channel="phone",
        purpose="query",
        content="Called",
        outcome="reached",
        expected_version=order.version,
    )
    client.force_login(processor)
    # When the stale page's confirmation is posted
    response = post(
        client,
        "orders:confirm",
        order,
        {"promised_date": tomorrow.isoformat(), "version": opened_at},
    )
    # Then it is refused and the order is not confirmed
    assert STALE in said(response)
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter the delivery date you are promising."),
        ("31/02/2026", "Enter the promised date as a date"),
        ("not a date", "Enter the promised date as a date"),
    ],
)
def test_confirm_with_a_bad_date_says_so_and_changes_nothing(
    client, processor, verified_order, value, message
):
    # Given a verified order
    order = verified_order()
    client.force_login(processor)
    # When a bad date is posted
    response = post(client, "orders:confirm", order, {"promised_date": value})
    # Then the message says what is wrong and nothing changes
    assert message in said(response)
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED


def refused_next_to_the_date(response, message: str) -> None:
    """The order page came back (400) with the message by the promised date."""
    assert response.status_code == 400
    assert response.context["confirm_form"].errors["promised_date"] == [message]
    assert 'id="error_1_id_confirm_promised_date"' in response.content.decode()


def test_confirm_in_the_past_is_refused_next_to_the_date_as_in_the_past(
    client, processor, verified_order
):
    # Given a verified order with its stock reserved
    order = verified_order()
    client.force_login(processor)
    # When a date in the past is promised
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = post(client, "orders:confirm", order, {"promised_date": yesterday})
    # Then the page says so beside the date, not that stock is missing
    refused_next_to_the_date(response, "The promised date cannot be in the past.")
    assert "stock is not available" not in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED


def test_confirm_before_a_restock_is_refused_next_to_the_date_with_the_earliest(
    client, processor
):
    # Given a verified order with a line backordered until ten days from now
    restock = timezone.localdate() + timedelta(days=10)
    order = OrderFactory(status=Order.Status.VERIFIED)
    OrderLineFactory(order=order, line_number=1, status=OrderLine.Status.RESERVED)
    OrderLineFactory(
        order=order,
        line_number=2,
        status=OrderLine.Status.BACKORDERED,
        restock_date=restock,
    )
    client.force_login(processor)
    # When it is promised for the day before the restock
    day_before = (restock - timedelta(days=1)).isoformat()
    response = post(client, "orders:confirm", order, {"promised_date": day_before})
    # Then the service's reason is shown beside the date
    refused_next_to_the_date(
        response,
        f"The earliest delivery date you can promise is {restock:%d %B %Y}: "
        "stock is not available before then.",
    )
    # and the date picker, shown again, still starts at the restock date
    form = response.context["confirm_form"]
    assert form["promised_date"].field.widget.attrs["min"] == restock.isoformat()
    assert f'min="{restock.isoformat()}"' in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED


@pytest.mark.parametrize("value", ["9999-12-31", "2099-01-01"])
def test_confirm_more_than_a_year_ahead_is_refused_next_to_the_date(
    client, processor, verified_order, value
):
    # Given a verified order
    order = verified_order()
    client.force_login(processor)
    # When the delivery is promised in a mistyped year
    response = post(client, "orders:confirm", order, {"promised_date": value})
    # Then the page asks for the year to be checked, beside the date
    refused_next_to_the_date(
        response, "That is more than a year ahead: check the year."
    )
    order.refresh_from_db()
    assert (order.status, order.promised_date) == (Order.Status.VERIFIED, None)
    assert not order.communications.filter(
        purpose=Communication.Purpose.CONFIRMATION
    ).exists()


def test_confirm_date_picker_stops_a_year_and_a_day_ahead(
    client, processor, verified_order
):
    order = verified_order()
    client.force_login(processor)
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f'max="{(timezone.localdate() + timedelta(days=366)).isoformat()}"' in html


def test_confirm_without_a_version_is_refused(
    client, processor, verified_order, tomorrow
):
    # Given a verified order
    order = verified_order()
    client.force_login(processor)
    # When a form without the version is posted
    response = client.post(
        reverse("orders:confirm", args=[order.pk]),
        {"promised_date": tomorrow.isoformat()},
    )
    # Then it is refused as out of date
    assert "out of date" in said(response)
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED


def test_actions_on_an_unknown_order_are_404(client, processor, tomorrow):
    # Given a processor
    client.force_login(processor)
    # When they post to an order that does not exist
    response = client.post(
        reverse("orders:confirm", args=[999999]),
        {"promised_date": tomorrow.isoformat(), "version": 1},
    )
    # Then it is not found
    assert response.status_code == 404


# -- cancel ----------------------------------------------------------------------


def test_cancel_cancels_with_the_reason(client, supervisor, verified_order):
    # Given a verified order
    order = verified_order()
    client.force_login(supervisor)
    # When a supervisor cancels it with a reason
    response = post(client, "orders:cancel", order, {"reason": "Customer changed mind"})
    # Then it is cancelled with that reason and the customer is told
    order.refresh_from_db()
    assert back_to_page(response, order)
    assert order.status == Order.Status.CANCELLED
    assert order.cancellation_reason == "Customer changed mind"
    assert order.communications.filter(purpose="cancellation").exists()


def test_cancel_without_a_reason_says_so_and_changes_nothing(
    client, processor, verified_order
):
    # Given a verified order
    order = verified_order()
    client.force_login(processor)
    # When it is cancelled with a blank reason
    response = post(client, "orders:cancel", order, {"reason": "   "})
    # Then the reason is asked for and nothing changes
    assert "Give the reason for cancelling." in said(response)
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED


def test_cancel_twice_from_the_same_page_is_refused_the_second_time(
    client, processor, verified_order
):
    # Given a verified order open on a processor's screen
    order = verified_order()
    client.force_login(processor)
    data = {"reason": "Duplicate", "version": order.version}
    # When the cancel form is submitted twice (a double click)
    post(client, "orders:cancel", order, data)
    second = post(client, "orders:cancel", order, data)
    # Then the second is refused as stale and only one notice is recorded
    assert STALE in said(second)
    assert order.communications.filter(purpose="cancellation").count() == 1


def test_cancel_is_refused_to_a_dispatcher(client, dispatcher, verified_order):
    order = verified_order()
    client.force_login(dispatcher)
    response = post(client, "orders:cancel", order, {"reason": "No"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED


# -- follow-up and close ---------------------------------------------------------


def test_follow_up_is_recorded_and_moves_the_order_on(
    client, processor, delivered_order
):
    # Given a delivered order
    order = delivered_order()
    client.force_login(processor)
    # When the follow-up call is recorded
    response = post(
        client,
        "orders:record_follow_up",
        order,
        {
            "channel": "phone",
            "outcome": "reached",
            "notes": "Happy with the goods",
            "satisfaction": "5",
        },
    )
    # Then the order is followed up and the call recorded
    order.refresh_from_db()
    assert back_to_page(response, order)
    assert order.status == Order.Status.FOLLOWED_UP
    follow_up = order.communications.get(purpose="follow_up")
    assert follow_up.content == "Happy with the goods"
    assert order.events.filter(kind="followed_up").get().data["satisfaction"] == 5


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("satisfaction", "9", "Satisfaction is a score from 1 to 5."),
        ("notes", "", "Write what the customer said, or what you did."),
        ("outcome", "exploded", "Outcome"),
        ("channel", "pigeon", "How you contacted the customer"),
    ],
)
def test_follow_up_with_bad_input_says_so_and_changes_nothing(
    client, processor, delivered_order, field, value, message
):
    # Given a delivered order
    order = delivered_order()
    client.force_login(processor)
    data = {"channel": "phone", "outcome": "reached", "notes": "Fine", field: value}
    # When the follow-up is posted with one bad value
    response = post(client, "orders:record_follow_up", order, data)
    # Then the message names it and nothing is recorded
    assert message in said(response)
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
    assert not order.communications.filter(purpose="follow_up").exists()


def test_follow_up_is_refused_before_delivery(client, processor, verified_order):
    # Given an order not yet delivered
    order = verified_order()
    client.force_login(processor)
    # When a follow-up is posted
    response = post(
        client,
        "orders:record_follow_up",
        order,
        {"channel": "phone", "outcome": "reached", "notes": "Hello"},
    )
    # Then the service refuses it, saying why
    assert "it can be followed up only when it is delivered" in said(response)
    assert not order.communications.filter(purpose="follow_up").exists()


def test_close_closes_a_followed_up_order(client, processor, delivered_order):
    # Given a followed-up order
    order = delivered_order()
    order_record_follow_up(
        order=order, actor=processor, channel="phone", outcome="reached", notes="Ok"
    )
    order.refresh_from_db()
    client.force_login(processor)
    # When it is closed
    response = post(client, "orders:close", order)
    # Then it is closed
    order.refresh_from_db()
    assert back_to_page(response, order)
    assert order.status == Order.Status.CLOSED


def test_close_is_refused_before_follow_up(client, processor, delivered_order):
    # Given a delivered order with no follow-up
    order = delivered_order()
    client.force_login(processor)
    # When it is closed
    response = post(client, "orders:close", order)
    # Then the service says why not and it stays delivered
    assert "Record a follow-up with the customer before closing." in said(response)
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED


def test_close_is_refused_to_a_dispatcher(
    client, dispatcher, processor, delivered_order
):
    order = delivered_order()
    order_record_follow_up(
        order=order, actor=processor, channel="phone", outcome="reached", notes="Ok"
    )
    order.refresh_from_db()
    client.force_login(dispatcher)
    assert post(client, "orders:close", order).status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.FOLLOWED_UP


# -- lines -----------------------------------------------------------------------


def test_cancel_line_cancels_it_with_the_reason(client, processor, held_order):
    # Given an order with a short line
    order = held_order()
    line = order.lines.get(line_number=1)
    client.force_login(processor)
    # When the line is cancelled with a reason
    response = post(
        client, "orders:line_cancel", order, {"reason": "Customer agreed"}, line.pk
    )
    # Then it is cancelled and the totals drop
    line.refresh_from_db()
    order.refresh_from_db()
    assert back_to_page(response, order)
    assert line.status == "cancelled"
    assert order.events.filter(kind="line_cancelled").get().data["reason"] == (
        "Customer agreed"
    )


def test_cancel_line_without_a_reason_changes_nothing(client, processor, held_order):
    order = held_order()
    line = order.lines.get(line_number=1)
    client.force_login(processor)
    response = post(client, "orders:line_cancel", order, {"reason": ""}, line.pk)
    assert "Give the reason for cancelling the line." in said(response)
    line.refresh_from_db()
    assert line.status == "short"


def test_cancel_line_of_another_order_is_404(
    client, processor, held_order, verified_order
):
    # Given two orders
    order = held_order()
    other_line = verified_order().lines.get()
    client.force_login(processor)
    # When a line of one is posted against the other
    response = post(client, "orders:line_cancel", order, {"reason": "x"}, other_line.pk)
    # Then it is not found
    assert response.status_code == 404
    other_line.refresh_from_db()
    assert other_line.status == "reserved"


# -- re-run a check --------------------------------------------------------------


def test_rerun_records_a_new_check_by_the_person(client, processor, held_order):
    # Given a held order whose stock check failed
    order = held_order()
    client.force_login(processor)
    # When the processor re-runs the stock check
    response = post(client, "orders:check_rerun", order, {"kind": "stock"})
    # Then a re-run check by them is recorded
    assert back_to_page(response, order)
    rerun = Check.objects.get(order=order, rerun=True)
    assert rerun.kind == "stock"
    assert rerun.run_by == processor


def test_rerun_of_an_unknown_check_says_so(client, processor, held_order):
    order = held_order()
    client.force_login(processor)
    response = post(client, "orders:check_rerun", order, {"kind": "horoscope"})
    assert "Choose a check to run." in said(response)
    assert not Check.objects.filter(order=order, rerun=True).exists()


def test_rerun_twice_from_the_same_page_runs_once(client, processor, held_order):
    # Given a held order open on a processor's screen
    order = held_order()
    client.force_login(processor)
    data = {"kind": "customer", "version": order.version}
    # When "re-run" is clicked twice
    post(client, "orders:check_rerun", order, data)
    second = post(client, "orders:check_rerun", order, data)
    # Then only one re-run is recorded
    assert STALE in said(second)
    assert Check.objects.filter(order=order, rerun=True).count() == 1


def test_rerun_after_confirmation_is_refused_with_the_services_message(
    client, processor, verified_order, tomorrow
):
    order = verified_order()
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    client.force_login(processor)
    response = post(client, "orders:check_rerun", order, {"kind": "stock"})
    assert "Checks can be re-run only before the order is confirmed." in said(response)
    assert not Check.objects.filter(order=order, rerun=True).exists()


def test_rerun_is_refused_to_a_dispatcher(client, dispatcher, held_order):
    order = held_order()
    client.force_login(dispatcher)
    response = post(client, "orders:check_rerun", order, {"kind": "stock"})
    assert response.status_code == 403
    assert not Check.objects.filter(order=order, rerun=True).exists()


# -- exceptions ------------------------------------------------------------------


def test_raise_exception_records_it_and_holds_the_order(
    client, dispatcher, verified_order
):
    # Given a verified order
    order = verified_order()
    line = order.lines.get()
    client.force_login(dispatcher)
    # When a member of staff raises a problem on its line
    response = post(
        client,
        "orders:exception_raise",
        order,
        {"kind": "invalid_address", "found": "No such street", "line": line.pk},
    )
    # Then it is recorded against the line and the order goes on hold
    order.refresh_from_db()
    assert back_to_page(response, order)
    exception = order.exceptions.get()
    assert (exception.kind, exception.found, exception.line) == (
        "invalid_address",
        "No such street",
        line,
    )
    assert order.status == Order.Status.ON_HOLD


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "", "found": "x"}, "Choose what kind of problem it is."),
        ({"kind": "other", "found": ""}, "Describe what you found."),
        ({"kind": "other", "found": "x", "line": "999999"}, "not on this order"),
    ],
)
def test_raise_exception_with_bad_input_changes_nothing(
    client, processor, verified_order, data, message
):
    order = verified_order()
    client.force_login(processor)
    response = post(client, "orders:exception_raise", order, data)
    assert message in said(response)
    assert not order.exceptions.exists()
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED


def test_raise_exception_from_a_stale_page_is_refused(
    client, processor, verified_order
):
    order = verified_order()
    client.force_login(processor)
    response = post(
        client,
        "orders:exception_raise",
        order,
        {"kind": "other", "found": "x", "version": order.version - 1},
    )
    assert STALE in said(response)
    assert not order.exceptions.exists()


def test_add_step_records_who_did_what(client, processor, held_order):
    # Given an open exception
    order = held_order()
    exception = order.exceptions.get()
    client.force_login(processor)
    # When a step is recorded
    response = post(
        client,
        "orders:exception_add_step",
        order,
        {"text": "Asked the warehouse"},
        exception.pk,
    )
    # Then it is recorded with who took it, and shown on the page
    assert back_to_page(response, order)
    step = exception.steps.get()
    assert (step.text, step.actor) == ("Asked the warehouse", processor)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Asked the warehouse" in page


def test_add_step_without_text_or_from_a_stale_page_changes_nothing(
    client, processor, held_order
):
    order = held_order()
    exception = order.exceptions.get()
    client.force_login(processor)
    empty = post(client, "orders:exception_add_step", order, {"text": ""}, exception.pk)
    assert "Describe the step you took." in said(empty)
    stale = post(
        client,
        "orders:exception_add_step",
        order,
        {"text": "x", "version": order.version - 1},
        exception.pk,
    )
    assert STALE in said(stale)
    assert not ExceptionStep.objects.exists()


def test_add_step_to_another_orders_exception_is_404(
    client, processor, held_order, verified_order
):
    order = verified_order()
    other = held_order().exceptions.get()
    client.force_login(processor)
    response = post(client, "orders:exception_add_step", order, {"text": "x"}, other.pk)
    assert response.status_code == 404


def test_resolve_links_the_communication_and_releases_the_order(
    client, processor, verified_order
):
    # Given an order held for a possible duplicate, and the call that settled it
    order = verified_order()
    exception = exception_raise(
        order=order,
        actor=processor,
        kind="duplicate",
        found="Same lines as last week's order",
    )
    call = communication_record(
        order=order,
        actor=processor,
        channel="phone",
        purpose="exception_notice",
        content="They do want a second delivery",
        outcome="reached",
    )
    order.refresh_from_db()
    client.force_login(processor)
    # When the exception is resolved, linking the call
    response = post(
        client,
        "orders:exception_resolve",
        order,
        {
            "resolution": "Not a duplicate: the customer wants both",
            "customer_informed": "yes",
            "communication": call.pk,
        },
        exception.pk,
    )
    # Then it is resolved with the call linked, and the order is verified again
    exception.refresh_from_db()
    order.refresh_from_db()
    assert back_to_page(response, order)
    assert exception.status == OrderException.Status.RESOLVED
    assert exception.communication == call
    assert exception.customer_informed is True
    assert order.status == Order.Status.VERIFIED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"resolution": "", "customer_informed": "no"}, "Say how the problem was"),
        ({"resolution": "x"}, "Say whether the customer was told."),
        (
            {"resolution": "x", "customer_informed": "no", "communication": "999999"},
            "Choose one of this order's communications.",
        ),
    ],
)
def test_resolve_with_bad_input_changes_nothing(
    client, processor, held_order, data, message
):
    order = held_order()
    exception = order.exceptions.get()
    client.force_login(processor)
    response = post(client, "orders:exception_resolve", order, data, exception.pk)
    assert message in said(response)
    exception.refresh_from_db()
    assert exception.status == OrderException.Status.OPEN


def test_resolve_from_a_stale_page_is_refused(client, processor, held_order):
    order = held_order()
    exception = order.exceptions.get()
    client.force_login(processor)
    response = post(
        client,
        "orders:exception_resolve",
        order,
        {"resolution": "x", "customer_informed": "no", "version": order.version - 1},
        exception.pk,
    )
    assert STALE in said(response)
    exception.refresh_from_db()
    assert exception.status == OrderException.Status.OPEN


def test_resolve_an_already_resolved_exception_shows_the_services_message(
    client, processor, verified_order
):
    order = verified_order()
    exception = exception_raise(order=order, actor=processor, kind="other", found="Odd")
    order.refresh_from_db()
    client.force_login(processor)
    data = {"resolution": "Fine", "customer_informed": "no"}
    post(client, "orders:exception_resolve", order, data, exception.pk)
    order.refresh_from_db()
    again = post(client, "orders:exception_resolve", order, data, exception.pk)
    assert "This exception is already resolved." in said(again)


# -- communications --------------------------------------------------------------


def test_send_email_queues_the_edited_message(
    client, processor, verified_order, django_capture_on_commit_callbacks, mailoutbox
):
    # Given a customer who prefers e-mail
    order = verified_order()
    client.force_login(processor)
    # When the processor sends an edited query e-mail
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            "orders:send_email",
            order,
            {"purpose": "query", "subject": "About your order", "content": "Which?"},
        )
    # Then it is recorded and e-mailed
    assert back_to_page(response, order)
    communication = order.communications.get(purpose="query")
    assert (communication.subject, communication.content) == (
        "About your order",
        "Which?",
    )
    assert communication.channel == "email"
    assert "E-mail queued to send." in said(response)
    assert [m.subject for m in mailoutbox] == ["About your order"]


def test_send_email_to_a_customer_who_prefers_the_phone_is_left_to_do(
    client, processor, receive, stocked_product
):
    # Given a customer who prefers the phone
    customer = CustomerFactory(preferred_channel="phone")
    order = receive([(stocked_product(5).code, 1)], customer=customer)
    client.force_login(processor)
    # When an e-mail is "sent" from the template
    response = post(
        client,
        "orders:send_email",
        order,
        {"purpose": "acknowledgement", "subject": "Thanks", "content": "Got it"},
    )
    # Then it is recorded as a phone message to give, not e-mailed
    communication = order.communications.get(subject="Thanks")
    assert (communication.channel, communication.outcome) == ("phone", "pending")
    assert "not e-mailed" in said(response)


def test_send_email_with_bad_input_or_stale_page_changes_nothing(
    client, processor, verified_order
):
    order = verified_order()
    client.force_login(processor)
    before = order.communications.count()
    empty = post(
        client,
        "orders:send_email",
        order,
        {"purpose": "query", "subject": "s", "content": ""},
    )
    assert "Write the message." in said(empty)
    stale = post(
        client,
        "orders:send_email",
        order,
        {"purpose": "query", "subject": "s", "content": "c", "version": 0},
    )
    assert "out of date" in said(stale)
    older = post(
        client,
        "orders:send_email",
        order,
        {"purpose": "query", "subject": "s", "content": "c", "version": 1},
    )
    assert STALE in said(older)
    assert order.communications.count() == before


def test_log_call_records_the_call_and_its_outcome(client, dispatcher, verified_order):
    # Given a verified order
    order = verified_order()
    client.force_login(dispatcher)
    # When a call the customer made is logged
    response = post(
        client,
        "orders:log_call",
        order,
        {
            "direction": "inbound",
            "purpose": "query",
            "outcome": "reached",
            "notes": "Asked when it will arrive",
        },
    )
    # Then it is recorded as a phone call, with who took it
    assert back_to_page(response, order)
    call = order.communications.get(actor=dispatcher)
    assert (call.channel, call.direction, call.outcome, call.actor) == (
        "phone",
        "inbound",
        "reached",
        dispatcher,
    )
    assert call.content == "Asked when it will arrive"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("outcome", "sent", "Outcome"),
        ("notes", "", "Write what was said."),
        ("direction", "sideways", "Who called"),
    ],
)
def test_log_call_with_bad_input_changes_nothing(
    client, processor, verified_order, field, value, message
):
    order = verified_order()
    client.force_login(processor)
    data = {
        "direction": "outbound",
        "purpose": "query",
        "outcome": "no_answer",
        "notes": "Rang",
        field: value,
    }
    before = order.communications.count()
    response = post(client, "orders:log_call", order, data)
    assert message in said(response)
    assert order.communications.count() == before


def test_log_call_twice_from_the_same_page_records_one_call(
    client, processor, verified_order
):
    order = verified_order()
    client.force_login(processor)
    data = {
        "direction": "outbound",
        "purpose": "query",
        "outcome": "voicemail",
        "notes": "Left a message",
        "version": order.version,
    }
    post(client, "orders:log_call", order, data)
    second = post(client, "orders:log_call", order, data)
    assert STALE in said(second)
    assert Communication.objects.filter(order=order, outcome="voicemail").count() == 1


def test_bad_input_reshows_the_page_with_the_message_next_to_the_field(
    client, processor, verified_order
):
    # Given an order on hold with an open exception a note can resolve
    order = verified_order()
    problem = exception_raise(
        order=order, actor=processor, kind="quantity", found="Ten times the usual"
    )
    client.force_login(processor)
    # When a resolution is posted without saying how it was resolved
    response = post(
        client, "orders:exception_resolve", order, {"resolution": ""}, problem.pk
    )
    # Then the page comes back (not a redirect) with the resolve form open and its
    # field flagged invalid, next to the message
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html or "is-invalid" in html
    form_at = html.index(
        reverse("orders:exception_resolve", args=[order.pk, problem.pk])
    )
    details_tag = html[html.rindex("<details", 0, form_at) :].split(">", 1)[0]
    assert details_tag.endswith(" open")
    assert "invalid-feedback" in html[form_at:]
    # and nothing changed
    problem.refresh_from_db()
    assert problem.status == OrderException.Status.OPEN


def test_resolving_an_out_of_stock_exception_with_a_note_is_refused(
    client, processor, held_order
):
    # Given an order held by a short line (the customer has not been asked)
    order = held_order()
    problem = order.exceptions.get()
    client.force_login(processor)
    # When a hand-made resolve form is posted for it
    response = post(
        client,
        "orders:exception_resolve",
        order,
        {"resolution": "Sorted", "customer_informed": "yes"},
        problem.pk,
    )
    # Then the page says which steps resolve it, and nothing changed
    assert "record the customer's choice" in said(response)
    problem.refresh_from_db()
    assert problem.status == OrderException.Status.OPEN
