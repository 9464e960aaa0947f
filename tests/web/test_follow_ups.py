"""The follow-up queue, recording a follow-up, and an order's follow-ups page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from followup.models import Complaint, FollowUp
from followup.services import follow_ups_schedule
from orders.models import Order

from ..factories import CustomerFactory, OrderFactory, OrderLineFactory

S = Order.Status
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("Europe/London"))
QUEUE = reverse("followup:queue")


@pytest.fixture
def frozen(db):
    with time_machine.travel(NOW, tick=False):
        yield


def follow_up(hours_from_now: float, *, owner=None, status="due", **order_fields):
    """A follow-up on a delivered order, due `hours_from_now` (negative: overdue)."""
    order_fields.setdefault("status", S.DELIVERED)
    order = OrderFactory(customer=CustomerFactory(), **order_fields)
    OrderLineFactory(order=order, line_number=1)
    return FollowUp.objects.create(
        order=order,
        kind="delivery_check",
        due_at=NOW + timedelta(hours=hours_from_now),
        owner=owner,
        status=status,
    )


# --- The queue --------------------------------------------------------------------


def test_the_queue_lists_due_follow_ups_oldest_first_with_overdue_marked(
    client, processor, frozen
):
    # given a follow-up due in 3 hours, one overdue by a day, and one done
    later = follow_up(3, owner=processor)
    late = follow_up(-24)
    follow_up(-48, status="done")
    client.force_login(processor)
    # when the processor opens the queue
    response = client.get(QUEUE)
    # then the two due ones are listed, the overdue first and marked, with owners
    assert response.status_code == 200
    assert [f.pk for f in response.context["follow_ups"]] == [late.pk, later.pk]
    text = response.content.decode()
    assert text.index(late.order.reference) < text.index(later.order.reference)
    assert 'class="overdue">Overdue since' in text
    assert "1 overdue" in text
    assert escape(str(processor)) in text
    assert "Nobody" in text
    assert reverse("followup:record", args=[late.pk]) in text


def test_the_queue_takes_the_same_number_of_queries_however_long(
    client, supervisor, frozen
):
    client.force_login(supervisor)
    follow_up(-1)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    for hours in range(10):
        follow_up(hours, owner=supervisor)
    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE)
    assert len(response.context["follow_ups"]) == 11
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("role", "status"), [("dispatcher", 403), ("learner", 403), ("assessor", 403)]
)
def test_the_queue_is_refused_to_other_roles(client, request, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(QUEUE).status_code == status


def test_the_queue_needs_sign_in(client, db):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "sign-in" in response.url


# --- Recording --------------------------------------------------------------------


def record_url(item: FollowUp) -> str:
    return reverse("followup:record", args=[item.pk])


def test_a_processor_records_a_follow_up_and_the_order_is_followed_up(
    client, processor, frozen
):
    item = follow_up(-2)
    order = item.order
    client.force_login(processor)
    page = client.get(record_url(item))
    assert page.status_code == 200
    assert order.customer.phone in page.content.decode()
    response = client.post(
        record_url(item),
        {
            "version": order.version,
            "method": "phone",
            "outcome": "reached",
            "satisfaction": "5",
            "comments": "All arrived, thanks.",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == QUEUE
    assert f"Follow-up for order {order.reference} recorded." in (
        response.content.decode()
    )
    item.refresh_from_db()
    assert (item.status, item.satisfaction, item.completed_by) == (
        "done",
        5,
        processor,
    )
    assert Order.objects.get(pk=order.pk).status == S.FOLLOWED_UP
    # and the recorded follow-up leaves the queue
    assert item not in response.context["follow_ups"]


def test_no_answer_keeps_the_follow_up_in_the_queue(client, processor, frozen):
    item = follow_up(-2)
    client.force_login(processor)
    response = client.post(
        record_url(item),
        {
            "version": item.order.version,
            "method": "phone",
            "outcome": "no_answer",
            "comments": "Rang, no answer.",
        },
        follow=True,
    )
    assert "is still due" in response.content.decode()
    assert [f.pk for f in response.context["follow_ups"]] == [item.pk]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"method": ""}, "method", "Choose how you contacted the customer."),
        ({"outcome": ""}, "outcome", "Choose the outcome of the follow-up."),
        ({"outcome": "bogus"}, "outcome", "Select a valid choice."),
        ({"satisfaction": "9"}, "satisfaction", "Select a valid choice."),
        ({"satisfaction": "²"}, "satisfaction", "Select a valid choice."),
        ({"comments": "   "}, "comments", "Write what the customer said"),
        (
            {"outcome": "no_answer", "satisfaction": "3"},
            "satisfaction",
            "leave satisfaction empty",
        ),
        ({"complaint": "on"}, "complaint_category", "Choose what the complaint"),
        ({"version": "x"}, "version", "This page is out of date"),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_changes_nothing(
    client, processor, frozen, data, field, message
):
    item = follow_up(-2)
    version = item.order.version
    client.force_login(processor)
    response = client.post(
        record_url(item),
        {
            "version": version,
            "method": "phone",
            "outcome": "reached",
            "satisfaction": "4",
            "comments": "Fine.",
            **data,
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert message in response.content.decode()
    item.refresh_from_db()
    assert item.status == FollowUp.Status.DUE
    assert Order.objects.get(pk=item.order.pk).version == version


def test_a_stale_page_is_refused_with_a_message(client, processor, frozen):
    item = follow_up(-2)
    client.force_login(processor)
    response = client.post(
        record_url(item),
        {
            "version": item.order.version + 5,
            "method": "phone",
            "outcome": "reached",
            "comments": "Fine.",
        },
        follow=True,
    )
    assert "changed since you opened it" in response.content.decode()
    item.refresh_from_db()
    assert item.status == FollowUp.Status.DUE


@pytest.mark.parametrize("role", ["dispatcher", "learner"])
def test_recording_is_refused_to_other_roles(client, request, role, frozen):
    item = follow_up(-2)
    client.force_login(request.getfixturevalue(role))
    assert client.get(record_url(item)).status_code == 403
    response = client.post(
        record_url(item),
        {"version": 1, "method": "phone", "outcome": "reached", "comments": "x"},
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == FollowUp.Status.DUE


def test_an_unknown_follow_up_is_not_found(client, processor):
    client.force_login(processor)
    assert client.get(reverse("followup:record", args=[99999])).status_code == 404


def test_a_done_follow_up_shows_no_form(client, processor, frozen):
    item = follow_up(-2, status="done")
    client.force_login(processor)
    response = client.get(record_url(item))
    assert response.status_code == 200
    assert "Record follow-up</button>" not in response.content.decode()


# --- An order's follow-ups and complaints -----------------------------------------


def test_the_order_page_lists_its_follow_ups_and_complaints(client, dispatcher, frozen):
    item = follow_up(-2)
    Complaint.objects.create(
        order=item.order, customer_words="The lid was cracked.", category="damaged"
    )
    client.force_login(dispatcher)
    response = client.get(reverse("followup:order", args=[item.order.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Delivery check" in text
    assert "Overdue since" in text
    assert "Damaged goods" in text
    assert "The lid was cracked." in text


def test_the_queue_and_an_orders_follow_ups_are_read_only_pages(
    client, processor, frozen
):
    # given a follow-up, and a processor who may see both pages
    due = follow_up(3)
    client.force_login(processor)
    order_page = reverse("followup:order", args=[due.order.pk])
    # when either page is posted to, then the method is refused, as for any
    # read-only page, and a GET still works
    for url in (QUEUE, order_page):
        assert client.post(url).status_code == 405
        assert client.get(url).status_code == 200
    # and the record page takes only GET and POST
    assert client.put(reverse("followup:record", args=[due.pk])).status_code == 405


def test_the_order_follow_ups_page_is_staff_only(client, learner, frozen):
    item = follow_up(-2)
    client.force_login(learner)
    url = reverse("followup:order", args=[item.order.pk])
    assert client.get(url).status_code == 403


# --- the order page and the scheduled follow-up ------------------------------------


def test_the_order_page_sends_a_scheduled_follow_up_to_its_record_page(
    client, processor, delivered_order
):
    # given a delivered order whose follow-up the scheduler has created
    order = delivered_order()
    assert follow_ups_schedule() == 1
    scheduled = FollowUp.objects.get(order=order)
    client.force_login(processor)
    # when the processor opens the order
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    # then "record the follow-up" leads to that follow-up, not to a separate form
    # that would leave it due in the queue
    assert reverse("followup:record", args=[scheduled.pk]) in html
    assert reverse("orders:record_follow_up", args=[order.pk]) not in html


@pytest.mark.parametrize("consent", [True, False])
def test_close_is_offered_on_a_delivered_order_only_without_consent(
    client, processor, delivered_order, consent
):
    order = delivered_order(customer=CustomerFactory(consent_to_contact=consent))
    client.force_login(processor)
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert (reverse("orders:close", args=[order.pk]) in html) is not consent
