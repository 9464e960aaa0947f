"""Payments through real orders: authorised at verification, captured at dispatch
once, voided on cancellation, and never touched for account orders."""

from decimal import Decimal

import pytest

from orders.exceptions import GatewayTimeout
from orders.models import Order, OrderEvent, Payment, SimulatedGatewayTransaction
from orders.services import (
    line_cancel,
    order_cancel,
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    verification_run,
)
from tests.conftest import DECLINE_CARD, TIMEOUT_CARD
from tests.factories import CustomerFactory

P = Payment.Operation


def payment_events(order: Order) -> list[dict]:
    return [
        event.data
        for event in order.events.filter(kind=OrderEvent.Kind.PAYMENT).order_by("pk")
    ]


def gateway_calls() -> list[str]:
    return list(SimulatedGatewayTransaction.objects.values_list("operation", flat=True))


def ready_to_dispatch(order: Order, processor, dispatcher, tomorrow) -> Order:
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    return order_start_fulfilment(order=order, actor=dispatcher)


@pytest.fixture
def account_customer(db):
    return CustomerFactory(terms="account_30", credit_limit=Decimal("5000.00"))


def test_verification_authorises_the_card_once(verified_order):
    # when a card order's checks run
    order = verified_order(quantity=2)
    # then one authorisation for the order's total is kept, with one payment event
    payment = order.payments.get()
    assert order.status == Order.Status.VERIFIED
    assert (payment.operation, payment.status) == (P.AUTHORISE, "authorised")
    assert payment.amount == order.gross_total == Decimal("24.00")
    assert payment.gateway_reference.startswith("SIM-AUT-")
    assert payment_events(order) == [
        {
            "payment_id": payment.pk,
            "operation": "authorise",
            "status": "authorised",
            "amount": "24.00",
            "gateway_reference": payment.gateway_reference,
        }
    ]
    assert gateway_calls() == ["authorise"]


def test_running_the_checks_again_does_not_authorise_again(verified_order):
    # given a verified card order
    order = verified_order()
    # when its checks are delivered again (a repeated task)
    verification_run(order_id=order.pk, worker="test-worker")
    # then there is still one authorisation and one payment event
    assert order.payments.count() == 1
    assert len(payment_events(order)) == 1
    assert gateway_calls() == ["authorise"]


def test_declined_card_is_recorded_and_holds_the_order(receive, stocked_product):
    # given a card the issuer declines
    order = receive([(stocked_product(100).code, 2)], card=DECLINE_CARD)
    # when the checks run
    order = verification_run(order_id=order.pk, worker="test-worker")
    # then the decline is kept with its reason, and the order waits for a person
    payment = order.payments.get()
    assert (payment.status, payment.message) == (
        "declined",
        "Card declined by the issuer.",
    )
    assert payment_events(order)[0]["status"] == "declined"
    assert order.status == Order.Status.ON_HOLD
    assert order.exceptions.get().kind == "payment_declined"


def test_timed_out_authorisation_retried_charges_the_card_once(
    receive, stocked_product
):
    # given a card whose first answer is lost on the way back
    order = receive([(stocked_product(100).code, 2)], card=TIMEOUT_CARD)
    # when the checks run and the gateway times out
    with pytest.raises(GatewayTimeout):
        verification_run(order_id=order.pk, worker="test-worker")
    assert not order.payments.exists()
    # and the checks are retried
    order = verification_run(order_id=order.pk, worker="test-worker")
    # then the order is verified on the first (and only) charge
    assert order.status == Order.Status.VERIFIED
    payment = order.payments.get()
    assert payment.status == "authorised"
    assert (
        payment.gateway_reference == SimulatedGatewayTransaction.objects.get().reference
    )
    assert len(payment_events(order)) == 1


def test_dispatch_captures_the_authorised_total(
    verified_order, processor, dispatcher, tomorrow
):
    # given a card order ready to go
    order = ready_to_dispatch(
        verified_order(quantity=2), processor, dispatcher, tomorrow
    )
    # when it is dispatched
    order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", tracking_reference="1Z"
    )
    # then the order's total is captured once, against the authorisation
    capture = order.payments.get(operation=P.CAPTURE)
    assert (capture.status, capture.amount, capture.actor) == (
        "captured",
        Decimal("24.00"),
        dispatcher,
    )
    assert [e["operation"] for e in payment_events(order)] == ["authorise", "capture"]
    assert gateway_calls() == ["authorise", "capture"]


def test_second_partial_shipment_does_not_capture_again(
    verified_order, processor, dispatcher, tomorrow
):
    # given a card order for 4, ready to go
    order = ready_to_dispatch(
        verified_order(quantity=4), processor, dispatcher, tomorrow
    )
    line = order.lines.get()
    # when it goes in two shipments
    order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 1}
    )
    assert Order.objects.get(pk=order.pk).status == Order.Status.FULFILLING
    order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 3}
    )
    # then the card was captured with the first shipment only
    assert Order.objects.get(pk=order.pk).status == Order.Status.DISPATCHED
    assert order.payments.filter(operation=P.CAPTURE).count() == 1
    assert gateway_calls() == ["authorise", "capture"]
    assert [e["operation"] for e in payment_events(order)] == ["authorise", "capture"]


def test_cancelling_a_verified_card_order_voids_the_authorisation(
    verified_order, processor
):
    # given a verified card order with its authorisation
    order = verified_order()
    authorisation = order.payments.get()
    # when it is cancelled
    order_cancel(order=order, actor=processor, reason="Customer changed their mind")
    # then the authorisation is voided (nothing captured) and the void is on record
    void = order.payments.get(operation=P.VOID)
    assert (void.status, void.amount, void.actor) == (
        "voided",
        authorisation.amount,
        processor,
    )
    assert not order.payments.filter(operation=P.CAPTURE).exists()
    assert [e["operation"] for e in payment_events(order)] == ["authorise", "void"]
    assert gateway_calls() == ["authorise", "void"]


def test_cancelling_a_declined_order_calls_the_gateway_no_more(
    receive, stocked_product, processor
):
    # given an order held because its card was declined
    order = receive([(stocked_product(100).code, 2)], card=DECLINE_CARD)
    order = verification_run(order_id=order.pk, worker="test-worker")
    # when it is cancelled, then there is nothing to void
    order_cancel(order=order, actor=processor, reason="Customer has no other card")
    assert list(order.payments.values_list("operation", "status")) == [
        (P.AUTHORISE, "declined")
    ]
    assert gateway_calls() == ["authorise"]


def test_account_order_never_calls_the_gateway(
    verified_order, account_customer, processor, dispatcher, tomorrow
):
    # given an order on account terms, within the credit limit
    order = verified_order(
        quantity=2, customer=account_customer, payment_method="account"
    )
    assert order.status == Order.Status.VERIFIED
    # when it is confirmed and dispatched
    order = ready_to_dispatch(order, processor, dispatcher, tomorrow)
    order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    # then no payment was taken or recorded: it is invoiced instead
    assert not order.payments.exists()
    assert payment_events(order) == []
    assert gateway_calls() == []


def test_cancelling_an_account_order_calls_no_gateway(
    verified_order, account_customer, processor
):
    # given a verified account order
    order = verified_order(customer=account_customer, payment_method="account")
    # when it is cancelled, then no gateway is called
    order_cancel(order=order, actor=processor, reason="Duplicate of a phone order")
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert not order.payments.exists()
    assert gateway_calls() == []


def test_card_is_charged_once_for_what_was_sent_when_the_rest_is_cancelled(
    receive, stocked_product, processor, dispatcher, tomorrow
):
    # given a card order of two £12 lines (£10 + VAT each), the first sent alone
    first, second = stocked_product(5), stocked_product(5)
    order = verification_run(
        order_id=receive([(first.code, 1), (second.code, 1)]).pk, worker="w"
    )
    order = ready_to_dispatch(order, processor, dispatcher, tomorrow)
    line_one, line_two = order.lines.order_by("line_number")
    order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={line_one.pk: 1}
    )
    # then nothing is taken while part of the order is still to go
    assert not order.payments.filter(operation=P.CAPTURE).exists()
    # when the customer cancels the unsent line
    line_cancel(line=line_two, actor=processor, reason="No longer needed")
    # then the order is dispatched and the card charged once, for £12 not £24
    order.refresh_from_db()
    assert order.status == Order.Status.DISPATCHED
    (capture,) = order.payments.filter(operation=P.CAPTURE)
    assert capture.amount == Decimal("12.00") == order.gross_total
