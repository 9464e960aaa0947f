"""The staff queues: the overview (orders:queues) and one queue (orders:queue)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order, OrderEvent, OrderException
from orders.selectors.lists import Target, duration_words

from ..factories import CustomerFactory, OrderFactory

S = Order.Status
LONDON = ZoneInfo("Europe/London")
# A Wednesday, well away from a weekend and a clock change.
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=LONDON)
QUEUES_URL = reverse("orders:queues")
PROCESSING_QUEUES = ("To verify", "To confirm", "To follow up")
FULFILMENT_QUEUES = ("To fulfil", "Out for delivery")


def queue_url(slug: str) -> str:
    return reverse("orders:queue", args=[slug])


def order_in(status: str, *, since: timedelta, event: str | None = None, **fields):
    """An order in `status` that entered it `since` before NOW (through `event`)."""
    entered = NOW - since
    order = OrderFactory(status=status, received_at=entered, **fields)
    if event:
        OrderEvent.objects.create(
            order=order, kind=event, status_after=status, at=entered
        )
    return order


def open_exception(order, kind=OrderException.Kind.OUT_OF_STOCK):
    return OrderException.objects.create(order=order, kind=kind, found="Not enough.")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# --- The overview ----------------------------------------------------------------


def test_overview_shows_a_processor_only_the_processing_queues(client, processor):
    # given a processor
    client.force_login(processor)
    # when they open their queues
    response = client.get(QUEUES_URL)
    # then they see verify, confirm and follow up, and no fulfilment queue
    assert response.status_code == 200
    page = response.content.decode()
    for title in PROCESSING_QUEUES:
        assert title in page
    for title in FULFILMENT_QUEUES:
        assert title not in page


def test_overview_shows_a_dispatcher_only_the_fulfilment_queues(client, dispatcher):
    client.force_login(dispatcher)
    page = client.get(QUEUES_URL).content.decode()
    for title in FULFILMENT_QUEUES:
        assert title in page
    for title in PROCESSING_QUEUES:
        assert title not in page


def test_overview_shows_a_supervisor_every_queue(client, supervisor):
    client.force_login(supervisor)
    page = client.get(QUEUES_URL).content.decode()
    for title in PROCESSING_QUEUES + FULFILMENT_QUEUES:
        assert title in page


def test_overview_counts_orders_and_says_how_far_the_oldest_is_over_target(
    client, processor, frozen
):
    # given two verified orders, one verified 6 h 10 min ago (target 4 h)
    order_in(S.VERIFIED, since=timedelta(hours=6, minutes=10), event="verified")
    order_in(S.VERIFIED, since=timedelta(minutes=30), event="verified")
    # and a closed order, which is in no queue
    order_in(S.CLOSED, since=timedelta(days=9))
    client.force_login(processor)
    # when the processor opens the overview
    response = client.get(QUEUES_URL)
    # then "to confirm" counts two, one overdue, the oldest 2 h 10 min over target
    summaries = {s.queue.slug: s for s in response.context["summaries"]}
    assert summaries["to-confirm"].count == 2
    assert summaries["to-confirm"].overdue == 1
    assert summaries["to-confirm"].oldest.against_target == "2 h 10 min over target"
    assert summaries["to-verify"].count == 0
    page = response.content.decode()
    assert "1 overdue" in page
    assert "2 h 10 min over target" in page


@pytest.mark.parametrize("role", ["learner", "assessor"])
def test_overview_refuses_learners_and_assessors(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(QUEUES_URL).status_code == 403


def test_overview_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(QUEUES_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_overview_refuses_a_post(client, processor):
    client.force_login(processor)
    assert client.post(QUEUES_URL).status_code == 405


# --- One queue -------------------------------------------------------------------


def test_to_verify_lists_received_checking_and_held_orders_with_their_exceptions(
    client, processor, frozen
):
    # given orders received, being checked, held with an open exception, and verified
    received = order_in(S.RECEIVED, since=timedelta(minutes=20))
    checking = order_in(S.VERIFYING, since=timedelta(minutes=50))
    held = order_in(
        S.ON_HOLD, since=timedelta(hours=1), event="held", held_from=S.VERIFYING
    )
    open_exception(held)
    open_exception(held, kind=OrderException.Kind.PAYMENT_DECLINED)
    verified = order_in(S.VERIFIED, since=timedelta(hours=3), event="verified")
    client.force_login(processor)
    # when the processor opens "to verify"
    response = client.get(queue_url("to-verify"))
    # then the three waiting orders are listed oldest first, the verified one is not
    assert response.status_code == 200
    listed = [order.pk for order, _ in response.context["rows"]]
    assert listed == [held.pk, checking.pk, received.pk]
    page = response.content.decode()
    assert verified.reference not in page
    # and the held order shows its open exceptions by kind, with a link to the order
    assert "Out of stock; Payment declined" in page
    assert reverse("orders:detail", args=[held.pk]) in page


def test_to_verify_leaves_out_an_order_on_hold_with_no_open_exception(
    client, processor
):
    # given an order on hold whose exception is already resolved
    held = OrderFactory(status=S.ON_HOLD)
    exception = open_exception(held)
    OrderException.objects.filter(pk=exception.pk).update(status="resolved")
    client.force_login(processor)
    response = client.get(queue_url("to-verify"))
    assert response.context["rows"] == []


def test_queue_says_in_words_how_far_an_order_is_over_its_target(
    client, processor, frozen
):
    # given an order received 4 h 10 min ago and one received 30 min ago (target 2 h)
    late = order_in(S.RECEIVED, since=timedelta(hours=4, minutes=10))
    order_in(S.RECEIVED, since=timedelta(minutes=30))
    client.force_login(processor)
    # when the queue is shown
    page = client.get(queue_url("to-verify")).content.decode()
    # then the late one is overdue in words, the other shows the time left
    assert "Overdue: 2 h 10 min over target" in page
    assert "1 h 30 min left" in page
    assert "1 overdue" in page
    assert page.index(late.reference) < page.index("1 h 30 min left")


def test_to_confirm_counts_age_from_verification_not_receipt(client, processor, frozen):
    # given an order received three days ago but verified only an hour ago
    order = order_in(S.VERIFIED, since=timedelta(days=3))
    OrderEvent.objects.create(
        order=order,
        kind="verified",
        status_after=S.VERIFIED,
        at=NOW - timedelta(hours=1),
    )
    client.force_login(processor)
    response = client.get(queue_url("to-confirm"))
    # then it has 3 hours left of its 4 h target
    ((_, timing),) = response.context["rows"]
    assert timing.age_words == "1 h"
    assert timing.against_target == "3 h left"
    assert not timing.overdue


def test_to_confirm_lists_an_order_verified_by_the_checks(
    client, processor, verified_order
):
    # given an order whose background checks all passed (through the services)
    order = verified_order()
    client.force_login(processor)
    response = client.get(queue_url("to-confirm"))
    assert [row.pk for row, _ in response.context["rows"]] == [order.pk]
    assert "less than a minute" in response.content.decode()


def test_to_fulfil_links_each_order_to_its_fulfilment_page(client, dispatcher, frozen):
    # given a confirmed order and one being picked
    confirmed = order_in(S.CONFIRMED, since=timedelta(hours=2), event="confirmed")
    picking = order_in(S.FULFILLING, since=timedelta(hours=1))
    OrderEvent.objects.create(
        order=picking,
        kind="confirmed",
        status_after=S.CONFIRMED,
        at=NOW - timedelta(hours=1),
    )
    order_in(S.VERIFIED, since=timedelta(hours=1), event="verified")
    client.force_login(dispatcher)
    # when the dispatcher opens "to fulfil"
    response = client.get(queue_url("to-fulfil"))
    # then both are listed, oldest first, each with a link to pick, pack and dispatch
    assert [order.pk for order, _ in response.context["rows"]] == [
        confirmed.pk,
        picking.pk,
    ]
    page = response.content.decode()
    assert reverse("orders:fulfil", args=[confirmed.pk]) in page
    assert reverse("orders:fulfil", args=[picking.pk]) in page


def test_to_fulfil_counts_from_confirmation_while_the_order_is_picked(
    client, dispatcher, frozen
):
    # given an order confirmed 20 h ago whose picking started an hour ago
    order = order_in(S.FULFILLING, since=timedelta(days=2))
    for kind, status, hours in (
        ("confirmed", S.CONFIRMED, 20),
        ("fulfilment_started", S.FULFILLING, 1),
    ):
        OrderEvent.objects.create(
            order=order, kind=kind, status_after=status, at=NOW - timedelta(hours=hours)
        )
    client.force_login(dispatcher)
    ((_, timing),) = client.get(queue_url("to-fulfil")).context["rows"]
    # then its clock started at confirmation, not when picking began
    assert timing.since == NOW - timedelta(hours=20)


def test_to_fulfil_target_is_one_working_day_over_a_weekend(client, dispatcher):
    # given an order confirmed on Friday at 16:00
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=LONDON)
    order = OrderFactory(status=S.CONFIRMED, received_at=friday)
    OrderEvent.objects.create(
        order=order, kind="confirmed", status_after=S.CONFIRMED, at=friday
    )
    client.force_login(dispatcher)
    # when the queue is opened on Sunday, it is not yet due (due Monday 16:00)
    with time_machine.travel(datetime(2026, 11, 22, 12, 0, tzinfo=LONDON), tick=False):
        ((_, timing),) = client.get(queue_url("to-fulfil")).context["rows"]
    assert not timing.overdue
    assert timing.due == datetime(2026, 11, 23, 16, 0, tzinfo=LONDON)
    # and on Monday at 17:00 it is an hour over target
    with time_machine.travel(datetime(2026, 11, 23, 17, 0, tzinfo=LONDON), tick=False):
        page = client.get(queue_url("to-fulfil")).content.decode()
    assert "Overdue: 1 h over target" in page


def test_out_for_delivery_lists_dispatched_orders(client, dispatcher, frozen):
    order = order_in(S.DISPATCHED, since=timedelta(days=4), event="dispatched")
    order_in(S.DELIVERED, since=timedelta(days=1), event="delivered")
    client.force_login(dispatcher)
    response = client.get(queue_url("out-for-delivery"))
    assert [row.pk for row, _ in response.context["rows"]] == [order.pk]
    assert "Overdue: 1 day over target" in response.content.decode()


def test_to_follow_up_shows_due_and_overdue_from_delivery(client, processor, frozen):
    # given one order delivered 3 days ago and one delivered yesterday (target 2 days)
    overdue = order_in(S.DELIVERED, since=timedelta(days=3), event="delivered")
    due = order_in(S.DELIVERED, since=timedelta(days=1), event="delivered")
    client.force_login(processor)
    response = client.get(queue_url("to-follow-up"))
    rows = response.context["rows"]
    assert [order.pk for order, _ in rows] == [overdue.pk, due.pk]
    page = response.content.decode()
    assert "Overdue: 1 day over target" in page
    assert "Due by 19 Nov 15:00 (1 day left)" in page


@pytest.mark.parametrize(
    ("role", "slug"),
    [
        ("processor", "to-fulfil"),
        ("processor", "out-for-delivery"),
        ("dispatcher", "to-verify"),
        ("dispatcher", "to-confirm"),
        ("dispatcher", "to-follow-up"),
        ("learner", "to-verify"),
        ("assessor", "to-fulfil"),
    ],
)
def test_queue_refuses_a_role_that_does_not_work_it(client, request, role, slug):
    # given a person with the role, and an order waiting
    user = request.getfixturevalue(role)
    OrderFactory(status=S.VERIFIED)
    # when they open the queue, then it is refused and shows no order
    client.force_login(user)
    response = client.get(queue_url(slug))
    assert response.status_code == 403
    assert "SO-" not in response.content.decode()


@pytest.mark.parametrize(
    "slug",
    ["to-verify", "to-confirm", "to-fulfil", "out-for-delivery", "to-follow-up"],
)
def test_supervisor_opens_every_queue(client, supervisor, slug):
    client.force_login(supervisor)
    assert client.get(queue_url(slug)).status_code == 200


def test_queue_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(queue_url("to-verify"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_unknown_queue_is_not_found(client, supervisor):
    client.force_login(supervisor)
    assert client.get(queue_url("to-dance")).status_code == 404


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999", "1.5", ""])
def test_queue_with_a_bad_page_number_shows_a_page_not_an_error(
    client, processor, page
):
    OrderFactory(status=S.RECEIVED)
    client.force_login(processor)
    response = client.get(queue_url("to-verify"), {"page": page})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 1


def test_queue_pages_fifty_orders_at_a_time(client, processor, frozen):
    for minutes in range(51):
        order_in(S.RECEIVED, since=timedelta(minutes=minutes))
    client.force_login(processor)
    first = client.get(queue_url("to-verify"))
    second = client.get(queue_url("to-verify"), {"page": 2})
    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 1
    assert "51 orders in this queue, page 2 of 2" in second.content.decode()


# --- Fixed query counts ------------------------------------------------------------

QUEUE_SETUP = {
    "to-verify": lambda: open_exception(
        OrderFactory(
            status=S.ON_HOLD, held_from=S.VERIFYING, customer=CustomerFactory()
        )
    ),
    "to-confirm": lambda: order_in(
        S.VERIFIED, since=timedelta(hours=1), event="verified"
    ),
    "to-fulfil": lambda: order_in(
        S.CONFIRMED, since=timedelta(hours=1), event="confirmed"
    ),
    "out-for-delivery": lambda: order_in(
        S.DISPATCHED, since=timedelta(hours=1), event="dispatched"
    ),
    "to-follow-up": lambda: order_in(
        S.DELIVERED, since=timedelta(hours=1), event="delivered"
    ),
}
QUEUE_PAGE_MAX_QUERIES = 7


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("slug", list(QUEUE_SETUP))
def test_queue_page_makes_the_same_number_of_queries_for_3_or_30_orders(
    client, supervisor, slug
):
    # given 3 orders in the queue
    for _ in range(3):
        QUEUE_SETUP[slug]()
    client.force_login(supervisor)
    few = queries_for(client, queue_url(slug))
    # when there are 30
    for _ in range(27):
        QUEUE_SETUP[slug]()
    many = queries_for(client, queue_url(slug))
    # then the page makes the same, small number of queries
    assert len(client.get(queue_url(slug)).context["rows"]) == 30
    assert few == many
    assert many <= QUEUE_PAGE_MAX_QUERIES


def test_overview_makes_the_same_number_of_queries_for_3_or_30_orders(
    client, supervisor
):
    for setup in QUEUE_SETUP.values():
        setup()
    client.force_login(supervisor)
    few = queries_for(client, QUEUES_URL)
    for setup in QUEUE_SETUP.values():
        for _ in range(5):
            setup()
    many = queries_for(client, QUEUES_URL)
    assert few == many
    assert many <= 5


# --- Target times ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entered", "due"),
    [
        # Wednesday 10:00 → Thursday 10:00
        (datetime(2026, 11, 18, 10, 0), datetime(2026, 11, 19, 10, 0)),
        # Friday 16:00 → Monday 16:00
        (datetime(2026, 11, 20, 16, 0), datetime(2026, 11, 23, 16, 0)),
        # Saturday 11:00 counts from Monday morning → Tuesday 00:00
        (datetime(2026, 11, 21, 11, 0), datetime(2026, 11, 24, 0, 0)),
    ],
)
def test_working_day_target_skips_the_weekend(entered, due):
    target = Target(amount=1, unit="working_days")
    assert target.deadline(entered.replace(tzinfo=LONDON)) == due.replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 18, 10, 0),  # Wednesday
        datetime(2026, 11, 21, 12, 0),  # Saturday
        datetime(2026, 11, 22, 23, 0),  # Sunday night
        datetime(2026, 11, 23, 9, 30),  # Monday morning
    ],
)
def test_working_day_cutoff_agrees_with_the_deadline(now):
    # the SQL filter (entered before the cutoff) and the words (now past the
    # deadline) must call the same orders overdue
    target = Target(amount=1, unit="working_days")
    now = now.replace(tzinfo=LONDON)
    cutoff = target.cutoff(now)
    for hours in range(0, 24 * 8):
        entered = now - timedelta(hours=hours, minutes=7)
        assert (entered < cutoff) == (target.deadline(entered) < now), entered


def test_targets_read_from_settings(settings, client, processor, frozen):
    # given the to-verify target shortened to 30 minutes
    settings.ORDERDESK = {
        **settings.ORDERDESK,
        "QUEUE_TARGETS": {
            **settings.ORDERDESK["QUEUE_TARGETS"],
            "to-verify": {"minutes": 30},
        },
    }
    order_in(S.RECEIVED, since=timedelta(minutes=45))
    client.force_login(processor)
    page = client.get(queue_url("to-verify")).content.decode()
    assert "Target: 30 minutes" in page
    assert "Overdue: 15 min over target" in page


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (timedelta(seconds=20), "less than a minute"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(hours=2, minutes=10, seconds=59), "2 h 10 min"),
        (timedelta(days=1, minutes=5), "1 day"),
        (timedelta(days=3, hours=4), "3 days 4 h"),
    ],
)
def test_durations_read_as_words(span, words):
    assert duration_words(span) == words
