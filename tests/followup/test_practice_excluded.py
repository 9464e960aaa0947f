"""A learner's practice order is kept out of follow-up work and its figures: no
scheduled follow-up, no overdue alert, no complaint in the list, nothing in the
dashboard or its CSV; staff cannot open its follow-ups or complaints."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from followup import kpis
from followup.complaints import complaint_open
from followup.models import FollowUp, FollowUpRule
from followup.services import follow_ups_alert_overdue, follow_ups_schedule
from inventory.models import StockPool
from inventory.services import stock_receive
from orders.models import Order, OrderEvent
from orders.services import (
    exception_raise,
    exception_resolve,
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    shipment_record_delivery,
    verification_run,
)

from ..factories import CustomerFactory, ProductFactory


@pytest.fixture
def practice_delivered(receive, learner, tomorrow):
    """A practice order its learner confirmed and the simulation delivered."""
    pool = StockPool.objects.create(code="practice-t", name="Practice", is_live=False)
    product = ProductFactory(practice=True)
    stock_receive(pool=pool, product=product, quantity=20)
    order = receive(
        [(product.code, 2)],
        customer=CustomerFactory(practice=True),
        by=learner,
        stock_pool=pool,
        practice_learner=learner,
    )
    order = verification_run(order_id=order.pk, worker="test-worker")
    order = order_confirm(order=order, actor=learner, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=None)
    shipment = order_dispatch(order=order, actor=None, carrier="DPD")
    shipment_record_delivery(shipment=shipment, actor=None)
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
    return order


def test_no_follow_up_is_scheduled_for_a_practice_order(
    delivered_order, practice_delivered
):
    # given a delivered live order and a delivered practice order
    live = delivered_order()
    # when the scheduler runs
    follow_ups_schedule()
    # then only the live order is due a follow-up
    assert list(FollowUp.objects.values_list("order_id", flat=True)) == [live.pk]
    assert not practice_delivered.events.filter(
        kind=OrderEvent.Kind.FOLLOW_UP_SCHEDULED
    ).exists()


def test_a_practice_orders_follow_up_is_in_no_queue_and_never_alerted(
    client, processor, practice_delivered, learner
):
    # given a follow-up on a practice order, long overdue (made directly: the
    # scheduler makes none)
    follow_up = FollowUp.objects.create(
        order=practice_delivered,
        kind=FollowUpRule.Kind.DELIVERY_CHECK,
        due_at=timezone.now() - timedelta(days=10),
        owner=learner,
    )
    # then the overdue sweep alerts nobody
    assert follow_ups_alert_overdue() == 0
    assert mail.outbox == []
    # and the staff's follow-up queue does not show it, nor may they open it
    client.force_login(processor)
    page = client.get(reverse("followup:queue")).content.decode()
    assert practice_delivered.reference not in page
    record = reverse("followup:record", args=[follow_up.pk])
    assert client.get(record).status_code == 404


def test_a_practice_orders_complaint_is_in_no_list_and_staff_get_404(
    client, supervisor, practice_delivered, learner, delivered_order
):
    # given a live complaint, and a complaint on the practice order (its learner
    # acts as the processor in the services)
    live = delivered_order()
    complaint_open(
        order=live, actor=supervisor, customer_words="Late", category="other"
    )
    complaint = complaint_open(
        order=practice_delivered,
        actor=learner,
        customer_words="Box was damaged",
        category="other",
    )
    client.force_login(supervisor)
    # then the complaints list shows the live one only
    page = client.get(reverse("followup:complaints")).content.decode()
    assert live.reference in page
    assert practice_delivered.reference not in page
    # and the practice order's complaint and follow-up pages are not found
    for url in (
        reverse("followup:complaint", args=[complaint.pk]),
        reverse("followup:complaint_open", args=[practice_delivered.pk]),
        reverse("followup:order", args=[practice_delivered.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_learner_cannot_open_complaint_pages_of_their_practice_order(
    client, practice_delivered, learner
):
    client.force_login(learner)
    for url in (
        reverse("followup:complaint_open", args=[practice_delivered.pk]),
        reverse("followup:order", args=[practice_delivered.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_dashboard_and_its_csv_leave_practice_orders_out(
    client, supervisor, processor, delivered_order, receive, learner, tomorrow
):
    # given a delivered live order, and the dashboard's figures for the week
    live = delivered_order()
    client.force_login(supervisor)
    period = kpis.Period.last_days(7)
    query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    before = kpis.dashboard(period)
    csv_before = client.get(reverse("followup:dashboard_csv"), query).content
    # when a learner works a practice order through to delivery, with an
    # exception and a complaint on the way
    pool = StockPool.objects.create(code="practice-t", name="Practice", is_live=False)
    product = ProductFactory(practice=True)
    stock_receive(pool=pool, product=product, quantity=20)
    practice = verification_run(
        order_id=receive(
            [(product.code, 1), (product.code, 1)],
            customer=CustomerFactory(practice=True),
            by=learner,
            stock_pool=pool,
            practice_learner=learner,
        ).pk,
        worker="test-worker",
    )
    exception_raise(order=practice, actor=learner, kind="other", found="Odd")
    exception_resolve(
        exception=practice.exceptions.get(),
        actor=learner,
        resolution="Checked with the customer",
        customer_informed=True,
    )
    practice.refresh_from_db()
    practice = order_confirm(order=practice, actor=learner, promised_date=tomorrow)
    practice = order_start_fulfilment(order=practice, actor=None)
    shipment = order_dispatch(order=practice, actor=None, carrier="DPD")
    shipment_record_delivery(shipment=shipment, actor=None)
    practice.refresh_from_db()
    complaint_open(
        order=practice, actor=learner, customer_words="Damaged", category="other"
    )
    # then the dashboard's figures and the CSV are as they were
    after = kpis.dashboard(period)
    assert [f.pk for f in kpis.order_facts(period)] == [live.pk]
    assert [(k.key, k.count, k.value) for k in after.kpis] == [
        (k.key, k.count, k.value) for k in before.kpis
    ]
    assert after.exceptions_opened == before.exceptions_opened
    assert after.complaints_opened == before.complaints_opened
    csv_after = client.get(reverse("followup:dashboard_csv"), query).content
    assert csv_after == csv_before
