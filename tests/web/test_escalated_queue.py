"""The supervisors' "Escalated" queue: orders with an exception escalated to them."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order, OrderException

from ..factories import CustomerFactory, OrderFactory

S = Order.Status
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=ZoneInfo("Europe/London"))
URL = reverse("orders:queue", args=["escalated"])


@pytest.fixture
def frozen(db):
    with time_machine.travel(NOW, tick=False):
        yield


def escalated(minutes_ago: int, *, status=S.ON_HOLD, resolved=False) -> Order:
    """An order with an out-of-stock exception escalated `minutes_ago`."""
    order = OrderFactory(
        status=status, received_at=NOW - timedelta(hours=8), customer=CustomerFactory()
    )
    OrderException.objects.create(
        order=order,
        kind=OrderException.Kind.OUT_OF_STOCK,
        found="Not enough.",
        opened_at=NOW - timedelta(hours=5),
        escalated_at=NOW - timedelta(minutes=minutes_ago),
        status="resolved" if resolved else "open",
    )
    return order


def test_supervisor_sees_escalated_orders_oldest_escalation_first(
    client, supervisor, frozen
):
    # given two orders escalated 20 and 90 minutes ago (target 1 hour), one whose
    # escalated exception is since resolved, and one held but not escalated
    recent = escalated(20)
    late = escalated(90)
    settled = escalated(120, resolved=True)
    quiet = OrderFactory(status=S.ON_HOLD)
    OrderException.objects.create(order=quiet, kind="out_of_stock", found="x")
    client.force_login(supervisor)
    # when the supervisor opens the queue
    response = client.get(URL)
    # then it lists the two open escalations, the older first, the late one overdue
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [order.pk for order, _ in rows] == [late.pk, recent.pk]
    assert [timing.overdue for _, timing in rows] == [True, False]
    page = response.content.decode()
    assert (
        'Out of stock <span class="escalated">(escalated 18 Nov 13:30)</span>' in page
    )
    assert "30 min over target" in page
    assert settled.reference not in page
    assert quiet.reference not in page


def test_overview_shows_supervisors_the_escalated_queue(client, supervisor, frozen):
    escalated(90)
    escalated(10)
    client.force_login(supervisor)
    response = client.get(reverse("orders:queues"))
    summaries = {s.queue.slug: s for s in response.context["summaries"]}
    summary = summaries["escalated"]
    assert (summary.count, summary.overdue) == (2, 1)
    assert summary.oldest.against_target == "30 min over target"
    assert "Escalated" in response.content.decode()


@pytest.mark.parametrize("role", ["processor", "dispatcher"])
def test_escalated_queue_is_for_supervisors_only(client, request, role, frozen):
    order = escalated(90)
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    overview = client.get(reverse("orders:queues"))
    assert "escalated" not in {s.queue.slug for s in overview.context["summaries"]}
    assert order.reference not in client.get(URL).content.decode()


def test_an_escalated_order_keeps_its_place_in_its_own_stage_queue(
    client, supervisor, frozen
):
    # the order list names its stage queue, not the escalation
    order = escalated(90)
    client.force_login(supervisor)
    rows = client.get(reverse("orders:list")).context["rows"]
    (row,) = [r for r in rows if r["order"].pk == order.pk]
    assert "Escalated" not in row["late"]


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_escalated_queue_makes_the_same_number_of_queries_for_3_or_30(
    client, supervisor, frozen
):
    for minutes in range(3):
        escalated(minutes * 30)
    client.force_login(supervisor)
    few = queries_for(client, URL)
    few_overview = queries_for(client, reverse("orders:queues"))
    for minutes in range(27):
        escalated(minutes * 7)
    many = queries_for(client, URL)
    many_overview = queries_for(client, reverse("orders:queues"))
    assert len(client.get(URL).context["rows"]) == 30
    assert few == many <= 7
    assert few_overview == many_overview <= 5
