"""Payments in the browser: a processor sorts out a declined card with another card,
and the payment page, in each of its states, passes axe-core."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order, OrderException
from orders.services import (
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    shipment_record_delivery,
    verification_run,
)
from tests.conftest import DECLINE_CARD
from tests.factories import CustomerFactory

WORKER = "browser-test-worker"


@pytest.fixture
def declined_order(receive, stocked_product):
    customer = CustomerFactory(name="Grace Hopper", company="Compilers Ltd")
    product = stocked_product(50, code="PAP-A4", name="A4 copier paper")
    order = receive([(product.code, 2)], customer=customer, card=DECLINE_CARD)
    order = verification_run(order_id=order.pk, worker=WORKER)
    assert order.status == Order.Status.ON_HOLD
    return order


def test_declined_card_sorted_out_with_another_card(
    page, base, sign_in, processor, declined_order, axe, shot, console
):
    order = declined_order
    sign_in(processor)

    # The order page shows the declined payment and where to sort it out.
    page.goto(f"{base}/orders/{order.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("On hold")
    problem = page.get_by_role("article", name=re.compile("Payment declined: Open"))
    expect(problem).to_contain_text("Card ending 0002: Card declined by the issuer.")
    problem.get_by_role("link", name=re.compile("Sort out the payment")).click()

    # The payment page: the decline in the history, the problem, the forms.
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Payment for order {order.reference}"
    )
    history = page.get_by_role("table", name=re.compile("Every call to the payment"))
    expect(history.get_by_role("row").nth(1)).to_contain_text("Declined")
    shot("payment-page-declined")
    axe(page, context="payment page, card declined")

    # A mistyped number is refused next to the field, and not written back.
    page.get_by_label("New card number").fill("4242 4242 4242 4241")
    page.get_by_label("Why another card").fill(
        "Customer read out their business card instead."
    )
    page.get_by_role("button", name="Take this card").click()
    card = page.get_by_label("New card number")
    expect(card).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_changecard_card_number_error")).to_contain_text(
        "not a valid card number"
    )
    expect(card).to_have_value("")
    expect(page.get_by_label("Why another card")).to_have_value(
        "Customer read out their business card instead."
    )
    shot("payment-page-bad-card-number")
    axe(page, context="payment page, card number refused")

    # The right number goes through: the order is off hold.
    card.fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Take this card").click()
    expect(page.get_by_role("status")).to_contain_text("New card taken and authorised")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verified")
    expect(history.get_by_role("row").nth(2)).to_contain_text("Authorised")
    expect(page.get_by_text("No open payment problems on this order.")).to_be_visible()
    expect(page.get_by_text("4242 4242 4242 4242")).to_have_count(0)
    shot("payment-page-new-card-authorised")
    axe(page, context="payment page, new card authorised")

    # Back on the order page, the exception says how it was handled.
    page.get_by_role("link", name=f"Order {order.reference}").click()
    resolved = page.get_by_role(
        "article", name=re.compile("Payment declined: Resolved")
    )
    expect(resolved).to_contain_text("Another card taken")
    shot("order-page-payment-resolved")

    order.refresh_from_db()
    assert (order.status, order.card_last4) == (Order.Status.VERIFIED, "4242")
    exception = order.exceptions.get()
    assert exception.handling == OrderException.Handling.NEW_CARD
    axe.assert_clean()
    console.assert_clean()


def test_payment_page_for_credit_approval_and_refunds_passes_axe(
    page,
    base,
    sign_in,
    sign_out,
    supervisor,
    processor,
    dispatcher,
    receive,
    verified_order,
    stocked_product,
    tomorrow,
    axe,
    shot,
    console,
):
    # An account order over its limit, seen by a supervisor: the approval form.
    customer = CustomerFactory(terms="account_30", credit_limit=Decimal("10.00"))
    over = receive(
        [(stocked_product(20).code, 2)], customer=customer, payment_method="account"
    )
    over = verification_run(order_id=over.pk, worker=WORKER)
    sign_in(supervisor)
    page.goto(f"{base}/orders/{over.pk}/payment/")
    expect(page.get_by_text("Credit left", exact=True)).to_be_visible()
    shot("payment-page-over-limit-supervisor")
    axe(page, context="payment page, over the credit limit, supervisor")
    page.get_by_label("Why going over the limit is approved").fill(
        "Long-standing customer; limit review booked."
    )
    page.get_by_role("button", name="Approve going over the limit").click()
    expect(page.get_by_role("status")).to_contain_text("approved, up to £24.00")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verified")
    axe(page, context="payment page, credit approved")
    sign_out()

    # A delivered card order, seen by a processor: the refund form.
    order = verified_order(quantity=2)
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=dispatcher)
    shipment = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    shipment_record_delivery(shipment=shipment, actor=dispatcher)
    sign_in(processor)
    page.goto(f"{base}/orders/{order.pk}/payment/")
    refund = page.get_by_role("region", name="Refund")
    expect(refund).to_contain_text("up to £24.00")
    shot("payment-page-refund")
    axe(page, context="payment page, refund after delivery")
    refund.get_by_label("Amount to refund (£)").fill("30")
    refund.get_by_label("Reason for the refund").fill("Returned")
    refund.get_by_role("button", name="Refund").click()
    expect(page.locator("#id_refund_amount_error")).to_contain_text("at most £24.00")
    axe(page, context="payment page, refund amount refused")
    refund = page.get_by_role("region", name="Refund")
    refund.get_by_label("Amount to refund (£)").fill("6.00")
    refund.get_by_role("button", name="Refund").click()
    expect(page.get_by_role("status")).to_contain_text("£6.00 refunded")
    expect(page.get_by_role("table", name=re.compile("Every call"))).to_contain_text(
        "Refunded"
    )
    shot("payment-page-refunded")
    axe(page, context="payment page, refunded")
    axe.assert_clean()
    console.assert_clean()
