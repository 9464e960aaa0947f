"""Escalation: an out-of-stock exception left open too long goes to a supervisor."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from inventory.services import stock_set_restock_date
from orders.models import Order, OrderEvent, OrderException
from orders.services import exception_raise, out_of_stock_handle, verification_run
from orders.services.stock_exceptions import exception_escalate
from orders.tasks import exception_escalate_overdue_task

E = OrderEvent.Kind


@pytest.fixture
def short_order(receive, stocked_product):
    """An order on hold with an open out-of-stock exception, opened now."""

    def make():
        product = stocked_product(0)
        order = receive([(product.code, 2)])
        return verification_run(order_id=order.pk, worker="w")

    return make


def settle(order: Order, processor) -> None:
    """The customer agreed to wait for the restock: the exception is resolved."""
    line = order.lines.get()
    stock_set_restock_date(
        pool=order.stock_pool,
        product=line.product,
        restock_date=timezone.localdate() + timedelta(days=3),
    )
    out_of_stock_handle(
        exception=order.exceptions.get(),
        actor=processor,
        option=OrderException.Handling.BACKORDER,
        agreement="We'll wait for it",
        agreement_channel="phone",
    )


def later(**span):
    return time_machine.travel(timezone.now() + timedelta(**span), tick=False)


def escalations(order: Order) -> list[OrderEvent]:
    return list(order.events.filter(kind=E.ESCALATED))


def test_an_out_of_stock_exception_open_past_the_target_is_escalated(short_order):
    # given an out-of-stock exception opened now (target: 4 hours)
    order = short_order()
    problem = order.exceptions.get()
    version = Order.objects.get(pk=order.pk).version
    # when the beat task runs 4 h 5 min later
    with later(hours=4, minutes=5):
        count = exception_escalate_overdue_task()
        now = timezone.now()
    # then it is escalated, with an event saying how long it had been open
    assert count == 1
    problem.refresh_from_db()
    assert problem.escalated_at == now
    (event,) = escalations(order)
    assert event.data == {
        "exception_id": problem.pk,
        "kind": "out_of_stock",
        "open_minutes": 245,
    }
    assert event.worker
    assert Order.objects.get(pk=order.pk).version == version + 1


def test_escalation_happens_once_however_often_the_task_runs(short_order):
    order = short_order()
    with later(hours=5):
        assert exception_escalate_overdue_task() == 1
        assert exception_escalate_overdue_task() == 0
    with later(hours=9):
        assert exception_escalate_overdue_task() == 0
    assert len(escalations(order)) == 1


def test_an_exception_within_its_target_is_not_escalated(short_order):
    order = short_order()
    with later(hours=3, minutes=59):
        assert exception_escalate_overdue_task() == 0
    assert order.exceptions.get().escalated_at is None
    assert escalations(order) == []


def test_a_resolved_exception_is_not_escalated(short_order, processor):
    order = short_order()
    settle(order, processor)
    with later(hours=5):
        assert exception_escalate_overdue_task() == 0
    assert escalations(order) == []


def test_only_out_of_stock_exceptions_escalate(verified_order, processor):
    order = verified_order()
    exception_raise(order=order, actor=processor, kind="invalid_address", found="x")
    with later(days=2):
        assert exception_escalate_overdue_task() == 0
    assert escalations(order) == []


def test_the_target_comes_from_settings(short_order, settings):
    # given a target of 30 minutes
    settings.ORDERDESK = {
        **settings.ORDERDESK,
        "OUT_OF_STOCK_ESCALATION": {"minutes": 30},
    }
    order = short_order()
    # then it escalates after 31 minutes, not before
    with later(minutes=29):
        assert exception_escalate_overdue_task() == 0
    with later(minutes=31):
        assert exception_escalate_overdue_task() == 1
    assert len(escalations(order)) == 1


def test_escalating_a_resolved_or_missing_exception_does_nothing(
    short_order, processor
):
    order = short_order()
    problem = order.exceptions.get()
    settle(order, processor)
    assert exception_escalate(exception_id=problem.pk) is False
    assert exception_escalate(exception_id=problem.pk + 1000) is False
    assert OrderException.objects.get(pk=problem.pk).escalated_at is None


def test_beat_runs_the_escalation_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["escalate-overdue-exceptions"]
    assert entry == {
        "task": "orders.tasks.exception_escalate_overdue_task",
        "schedule": 60.0,
    }
    assert settings.ORDERDESK["OUT_OF_STOCK_ESCALATION"] == {"hours": 4}
