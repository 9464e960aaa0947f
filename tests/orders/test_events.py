"""The event trail: append-only, and written by every change with who made it."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from inventory.services import stock_receive, stock_set_restock_date
from orders.models import Check, Communication, Order, OrderEvent
from orders.services import (
    check_rerun,
    communication_mark_failed,
    communication_record,
    communication_send,
    event_record,
    exception_add_step,
    exception_raise,
    exception_resolve,
    line_backorder,
    line_cancel,
    order_cancel,
    order_close,
    order_confirm,
    order_dispatch,
    order_record_follow_up,
    order_start_fulfilment,
    out_of_stock_handle,
    restock_receive,
    shipment_record_delivery,
    verification_run,
)
from orders.services.stock_exceptions import exception_escalate


@pytest.fixture
def event(verified_order):
    return verified_order().events.first()


# --- append-only -----------------------------------------------------------------


def test_an_event_cannot_be_changed(event):
    # given a recorded event
    # when it is edited and saved, then it is refused and the record is unchanged
    event.kind = OrderEvent.Kind.CLOSED
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    assert OrderEvent.objects.get(pk=event.pk).kind == OrderEvent.Kind.RECEIVED


def test_an_event_cannot_be_deleted(event):
    # when an event is deleted, then it is refused and it is still there
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert OrderEvent.objects.filter(pk=event.pk).exists()


def test_events_cannot_be_updated_in_bulk(event):
    # when events are updated through a queryset, then it is refused
    with pytest.raises(ValueError, match="append-only"):
        OrderEvent.objects.filter(pk=event.pk).update(worker="someone else")
    with pytest.raises(ValueError, match="append-only"):
        OrderEvent.objects.update(worker="someone else")
    event.worker = "someone else"
    # (bulk_update runs in its own transaction; a savepoint keeps the test's usable)
    with pytest.raises(ValueError, match="append-only"), transaction.atomic():
        OrderEvent.objects.bulk_update([event], ["worker"])
    assert OrderEvent.objects.get(pk=event.pk).worker != "someone else"


def test_events_cannot_be_deleted_in_bulk(event):
    # when events are deleted through a queryset, then it is refused
    count = OrderEvent.objects.count()
    with pytest.raises(ValueError, match="append-only"):
        OrderEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(ValueError, match="append-only"):
        OrderEvent.objects.all().delete()
    assert OrderEvent.objects.count() == count


def test_an_order_with_events_cannot_be_deleted(event):
    # when the order itself is deleted, then its trail protects it
    with pytest.raises(ProtectedError):
        Order.objects.filter(pk=event.order_id).delete()
    assert OrderEvent.objects.filter(pk=event.pk).exists()


def test_event_data_keeps_money_and_dates_as_text(verified_order, processor):
    # given an order
    order = verified_order()
    # when an event carries a Decimal and a date
    recorded = event_record(
        order=order,
        kind=OrderEvent.Kind.COMMUNICATION,
        actor=processor,
        data={"amount": order.gross_total, "on": timezone.localdate()},
    )
    # then they are stored as exact text, readable back the same
    stored = OrderEvent.objects.get(pk=recorded.pk)
    assert stored.data == {
        "amount": "24.00",
        "on": timezone.localdate().isoformat(),
    }
    assert stored.status_after == Order.Status.VERIFIED
    assert stored.by == str(processor)


# --- every change writes an event with who made it ---------------------------------


@pytest.fixture
def world(
    receive,
    verified_order,
    stocked_product,
    processor,
    dispatcher,
    tomorrow,
    live_pool,
):
    def confirmed(**fields):
        return order_confirm(
            order=verified_order(**fields), actor=processor, promised_date=tomorrow
        )

    def fulfilling(**fields):
        return order_start_fulfilment(order=confirmed(**fields), actor=dispatcher)

    def dispatched():
        order = fulfilling()
        return order, order_dispatch(order=order, actor=dispatcher, carrier="DPD")

    def delivered():
        order, shipment = dispatched()
        shipment_record_delivery(shipment=shipment, actor=dispatcher)
        return Order.objects.get(pk=order.pk)

    def short(**fields):
        product = stocked_product(1)
        order = receive([(product.code, 3)], **fields)
        return verification_run(order_id=order.pk, worker="w")

    return SimpleNamespace(
        receive=receive,
        verified=verified_order,
        confirmed=confirmed,
        fulfilling=fulfilling,
        dispatched=dispatched,
        delivered=delivered,
        short=short,
        stocked_product=stocked_product,
        processor=processor,
        dispatcher=dispatcher,
        tomorrow=tomorrow,
        pool=live_pool,
    )


def _receive(w):
    product = w.stocked_product(10)
    return None, lambda: w.receive([(product.code, 1)])


def _verify(w):
    product = w.stocked_product(10)
    order = w.receive([(product.code, 1)])
    return order, lambda: verification_run(order_id=order.pk, worker="w1")


def _confirm(w):
    order = w.verified()
    return order, lambda: order_confirm(
        order=order, actor=w.processor, promised_date=w.tomorrow
    )


def _start_fulfilment(w):
    order = w.confirmed()
    return order, lambda: order_start_fulfilment(order=order, actor=w.dispatcher)


def _dispatch(w):
    order = w.fulfilling()
    return order, lambda: order_dispatch(order=order, actor=w.dispatcher, carrier="X")


def _record_delivery(w):
    order, shipment = w.dispatched()
    return order, lambda: shipment_record_delivery(
        shipment=shipment, actor=w.dispatcher
    )


def _follow_up(outcome):
    def case(w):
        order = w.delivered()
        return order, lambda: order_record_follow_up(
            order=order, actor=w.processor, channel="phone", outcome=outcome, notes="x"
        )

    return case


def _close(w):
    order = w.delivered()
    order_record_follow_up(
        order=order, actor=w.processor, channel="phone", outcome="reached", notes="x"
    )
    return order, lambda: order_close(order=order, actor=w.processor)


def _cancel(w):
    order = w.confirmed()
    return order, lambda: order_cancel(order=order, actor=w.processor, reason="x")


def _raise(w):
    order = w.verified()
    return order, lambda: exception_raise(
        order=order, actor=w.processor, kind="other", found="x"
    )


def _add_step(w):
    order = w.short()
    problem = order.exceptions.get()
    return order, lambda: exception_add_step(
        exception=problem, actor=w.processor, text="x"
    )


def _resolve(w):
    order = w.short()
    problem = exception_raise(
        order=order, actor=w.processor, kind="duplicate", found="Same PO as SO-1"
    )
    return order, lambda: exception_resolve(
        exception=problem, actor=w.processor, resolution="x", customer_informed=True
    )


def _backorder(w):
    order = w.short()
    line = order.lines.get()
    stock_set_restock_date(
        pool=w.pool,
        product=line.product,
        restock_date=timezone.localdate() + timedelta(days=5),
    )
    return order, lambda: line_backorder(
        line=line,
        actor=w.processor,
        agreement="Happy to wait for it.",
        agreement_channel="phone",
    )


def _substitute(w):
    order = w.short()
    other = w.stocked_product(10)
    return order, lambda: out_of_stock_handle(
        exception=order.exceptions.get(),
        actor=w.processor,
        option="substitute",
        agreement="The other one will do.",
        agreement_channel="email",
        substitute_product=other,
    )


def _restock(w):
    order = w.short()
    line = order.lines.get()
    return order, lambda: restock_receive(
        pool=w.pool, product=line.product, quantity=5, actor=w.dispatcher
    )


def _escalate(w):
    order = w.short()
    return order, lambda: exception_escalate(
        exception_id=order.exceptions.get().pk,
        now=timezone.now() + timedelta(days=1),
    )


def _line_cancel(w):
    keep, drop = w.stocked_product(10), w.stocked_product(10)
    order = w.receive([(keep.code, 1), (drop.code, 1)])
    order = verification_run(order_id=order.pk, worker="w")
    line = order.lines.get(line_number=2)
    return order, lambda: line_cancel(line=line, actor=w.processor, reason="x")


def _rerun_passing(w):
    order = w.short()
    stock_receive(pool=w.pool, product=order.lines.get().product, quantity=10)
    return order, lambda: check_rerun(
        order=order, kind=Check.Kind.STOCK, actor=w.processor
    )


def _rerun_failing(w):
    order = w.verified()
    customer = order.customer
    customer.email = customer.phone = ""
    customer.save()
    return order, lambda: check_rerun(
        order=order, kind=Check.Kind.CUSTOMER, actor=w.processor
    )


def _record_communication(w):
    order = w.verified()
    return order, lambda: communication_record(
        order=order,
        actor=w.processor,
        channel="phone",
        purpose="query",
        content="x",
        outcome="reached",
    )


def _send(w):
    product = w.stocked_product(10)
    order = w.receive([(product.code, 1)], channel="web")
    queued = order.communications.get()
    return order, lambda: communication_send(communication_id=queued.pk, worker="m")


def _mark_failed(w):
    product = w.stocked_product(10)
    order = w.receive([(product.code, 1)], channel="web")
    queued = order.communications.get()
    return order, lambda: communication_mark_failed(
        communication_id=queued.pk, worker="m"
    )


CHANGES = {
    "order_receive": _receive,
    "verification_run": _verify,
    "order_confirm": _confirm,
    "order_start_fulfilment": _start_fulfilment,
    "order_dispatch": _dispatch,
    "shipment_record_delivery": _record_delivery,
    "order_record_follow_up-reached": _follow_up("reached"),
    "order_record_follow_up-no_answer": _follow_up("no_answer"),
    "order_close": _close,
    "order_cancel": _cancel,
    "exception_raise": _raise,
    "exception_add_step": _add_step,
    "exception_resolve": _resolve,
    "line_backorder": _backorder,
    "line_cancel": _line_cancel,
    "out_of_stock_handle-substitute": _substitute,
    "restock_receive": _restock,
    "exception_escalate": _escalate,
    "check_rerun-passing": _rerun_passing,
    "check_rerun-failing": _rerun_failing,
    "communication_record": _record_communication,
    "communication_send": _send,
    "communication_mark_failed": _mark_failed,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_writes_events_naming_who_or_what_made_it(world, change):
    # given an order ready for the change
    order, act = CHANGES[change](world)
    last = OrderEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    # when the change is made
    result = act()
    # then at least one new event records it, each naming a person or a worker,
    # and the last one shows the order's status after the change
    if order is None:
        order = result
    new = list(OrderEvent.objects.filter(pk__gt=last or 0).order_by("pk"))
    assert new
    assert {event.order_id for event in new} == {order.pk}
    for event in new:
        assert event.actor_id or event.worker, f"{event.kind} has no actor or worker"
    assert new[-1].status_after == Order.objects.get(pk=order.pk).status


def test_the_trail_of_a_verified_order_tells_its_story(verified_order):
    # given a verified order
    order = verified_order()
    # then its trail, in order, tells what happened from receipt to verification
    kinds = list(order.events.order_by("pk").values_list("kind", flat=True))
    assert kinds[:3] == [
        OrderEvent.Kind.RECEIVED,
        OrderEvent.Kind.COMMUNICATION,
        OrderEvent.Kind.VERIFICATION_STARTED,
    ]
    assert kinds.count(OrderEvent.Kind.CHECK_RECORDED) == len(Check.Kind)
    assert kinds[-1] == OrderEvent.Kind.VERIFIED
    assert order.communications.get().purpose == Communication.Purpose.ACKNOWLEDGEMENT
