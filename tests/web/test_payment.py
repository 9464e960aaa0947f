"""The payment page: who may use it, each form's happy path, and bad input shown
next to its field with nothing changed."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from orders.models import Order, OrderEvent, OrderException, Payment
from orders.services import (
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    shipment_record_delivery,
    verification_run,
)
from tests.conftest import APPROVE_CARD, DECLINE_CARD
from tests.factories import CustomerFactory

X = OrderException.Kind
STALE = "changed since you opened it"


def page_url(order: Order) -> str:
    return reverse("orders:payment", args=[order.pk])


def post(client, name, order, data=None, *extra_args):
    """POST a payment-page form with the order's current version unless given."""
    payload = {"version": order.version, **(data or {})}
    return client.post(reverse(name, args=[order.pk, *extra_args]), payload)


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def back_to_page(response, order) -> bool:
    return response.status_code == 302 and response["Location"] == page_url(order)


def field_error(response, field_id: str) -> str:
    """The message shown next to a field (its invalid-feedback), as text."""
    html = response.content.decode()
    field = re.search(rf'<(?:input|textarea|select)[^>]*id="{field_id}"[^>]*>', html)
    assert field, f"no field {field_id} on the page"
    assert 'aria-invalid="true"' in field.group(0)
    assert f"{field_id}_error" in field.group(0)  # aria-describedby names it
    feedback = re.search(
        rf'<div id="{field_id}_error" class="invalid-feedback">(.*?)</div>',
        html,
        re.S,
    )
    assert feedback, f"no message next to {field_id}"
    return unescape(re.sub(r"<[^>]+>", "", feedback.group(1))).strip()


def reload(order: Order) -> Order:
    return Order.objects.select_related("customer").get(pk=order.pk)


@pytest.fixture
def declined_order(receive, stocked_product):
    """A card order (£24) held because the card was declined."""

    def make(**fields):
        order = receive([(stocked_product(100).code, 2)], card=DECLINE_CARD, **fields)
        order = verification_run(order_id=order.pk, worker="w")
        assert order.status == Order.Status.ON_HOLD
        return order

    return make


@pytest.fixture
def over_limit_order(receive, stocked_product):
    """An account order (£24) held over the customer's £10 credit limit."""
    customer = CustomerFactory(terms="account_30", credit_limit=Decimal("10.00"))
    order = receive(
        [(stocked_product(100).code, 2)], customer=customer, payment_method="account"
    )
    order = verification_run(order_id=order.pk, worker="w")
    assert order.exceptions.get().kind == X.CREDIT_LIMIT
    return order


@pytest.fixture
def delivered_order(verified_order, processor, dispatcher, tomorrow):
    order = verified_order(quantity=2)
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=dispatcher)
    shipment = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    shipment_record_delivery(shipment=shipment, actor=dispatcher)
    return reload(order)


# -- the page and who may see it ---------------------------------------------------


def test_page_shows_the_history_the_problem_and_the_forms_that_apply(
    client, processor, declined_order
):
    # Given an order held for a declined card
    order = declined_order()
    client.force_login(processor)
    # When the processor opens its payment page
    response = client.get(page_url(order))
    # Then they see the decline in the history, the open problem, and the ways
    # to sort it out that apply (no account terms for this customer: said why)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Card declined by the issuer." in html
    assert "Payment declined" in html
    assert "Try the payment again" in html
    assert 'name="card_number"' in html
    assert "has no account terms" in html
    assert reverse("orders:payment_move_to_account", args=[order.pk]) not in html
    assert "A refund is made once the order has been dispatched" in html


def test_order_page_links_to_the_payment_page(client, processor, declined_order):
    order = declined_order()
    client.force_login(processor)
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Sort out the payment" in html
    assert page_url(order) in html


def test_page_and_its_actions_are_refused_to_a_dispatcher(
    client, dispatcher, declined_order
):
    # Given a held order and a dispatcher signed in
    order = declined_order()
    client.force_login(dispatcher)
    # When they open the payment page or post any of its forms, then they are
    # refused
    assert client.get(page_url(order)).status_code == 403
    for name, data in [
        ("orders:payment_retry", {}),
        ("orders:payment_change_card", {"card_number": APPROVE_CARD, "reason": "x"}),
        ("orders:payment_move_to_account", {"reason": "x"}),
        ("orders:payment_refund", {"amount": "1", "reason": "x"}),
    ]:
        assert post(client, name, order, data).status_code == 403
    # and nothing changed
    order_now = reload(order)
    assert (order_now.version, order_now.card_last4) == (order.version, "0002")


def test_page_needs_signing_in(client, declined_order):
    order = declined_order()
    response = client.get(page_url(order))
    assert response.status_code == 302
    assert "sign-in" in response["Location"]


def test_credit_approval_is_refused_to_a_processor(client, processor, over_limit_order):
    # Given an account order over its limit, and a processor signed in
    order = over_limit_order
    exception = order.exceptions.get()
    client.force_login(processor)
    # Then the page says only a supervisor can approve, with no form
    html = client.get(page_url(order)).content.decode()
    assert "only a supervisor can approve" in html
    approve = reverse("orders:credit_limit_approve", args=[order.pk, exception.pk])
    assert approve not in html
    # and posting the approval anyway is refused, changing nothing
    response = post(
        client,
        "orders:credit_limit_approve",
        order,
        {"note": "Fine"},
        exception.pk,
    )
    assert response.status_code == 403
    assert reload(order).credit_approved_for is None


# -- sorting it out --------------------------------------------------------------


def test_another_card_taken_from_the_page(client, processor, declined_order):
    # Given an order held for a declined card, open on the payment page
    order = declined_order()
    client.force_login(processor)
    # When the processor takes another card
    response = post(
        client,
        "orders:payment_change_card",
        order,
        {"card_number": "4242 4242 4242 4242", "reason": "Customer's other card"},
    )
    # Then they are back on the page, told it went through, and the order is off hold
    assert back_to_page(response, order)
    assert "New card taken and authorised" in said(response)
    assert "no longer on hold" in said(response)
    order = reload(order)
    assert (order.status, order.card_last4) == (Order.Status.VERIFIED, "4242")
    # and the page shows the new authorisation but never the full number
    html = client.get(page_url(order)).content.decode()
    assert "Authorised" in html
    assert "4242424242424242" not in html
    assert "4242 4242 4242 4242" not in html


def test_retry_from_the_page_says_it_failed_again(client, processor, declined_order):
    order = declined_order()
    client.force_login(processor)
    response = post(client, "orders:payment_retry", order)
    assert back_to_page(response, order)
    assert "failed again" in said(response)
    assert "Card declined by the issuer." in said(response)
    assert order.payments.count() == 2


def test_move_to_account_from_the_page(client, processor, declined_order):
    # Given an account customer's declined card order
    customer = CustomerFactory(terms="account_30", credit_limit=Decimal("500.00"))
    order = declined_order(customer=customer)
    client.force_login(processor)
    # The page shows the credit position
    html = client.get(page_url(order)).content.decode()
    assert "£500.00" in html
    # When the processor moves it to account terms
    response = post(
        client,
        "orders:payment_move_to_account",
        order,
        {"reason": "Customer asked to use their account"},
    )
    # Then it is on account and off hold
    assert back_to_page(response, order)
    assert "Moved to account terms" in said(response)
    order = reload(order)
    assert (order.payment_method, order.status) == ("account", Order.Status.VERIFIED)


def test_supervisor_approves_going_over_the_limit(client, supervisor, over_limit_order):
    order = over_limit_order
    exception = order.exceptions.get()
    client.force_login(supervisor)
    response = post(
        client,
        "orders:credit_limit_approve",
        order,
        {"note": "Long-standing customer, paying on time"},
        exception.pk,
    )
    assert back_to_page(response, order)
    assert "approved, up to £24.00" in said(response)
    order = reload(order)
    assert order.status == Order.Status.VERIFIED
    assert order.credit_approved_by == supervisor


def test_refund_from_the_page(client, processor, delivered_order):
    order = delivered_order
    client.force_login(processor)
    html = client.get(page_url(order)).content.decode()
    assert "up to £24.00" in html
    response = post(
        client,
        "orders:payment_refund",
        order,
        {"amount": "7.50", "reason": "Damaged in transit"},
    )
    assert back_to_page(response, order)
    assert "£7.50 refunded to the card ending 4242" in said(response)
    refund = order.payments.get(operation=Payment.Operation.REFUND)
    assert refund.amount == Decimal("7.50")


def test_stale_page_is_refused_and_nothing_changes(client, processor, declined_order):
    # Given a payment page opened before the order last changed
    order = declined_order()
    client.force_login(processor)
    # When a form from it is posted
    response = post(
        client,
        "orders:payment_change_card",
        order,
        {
            "version": order.version - 1,
            "card_number": APPROVE_CARD,
            "reason": "Other card",
        },
    )
    # Then it is refused, and the card was neither changed nor charged
    assert back_to_page(response, order)
    assert STALE in said(response)
    assert reload(order).card_last4 == "0002"
    assert order.payments.count() == 1


# -- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("card_number", "message"),
    [
        ("4242424242424241", "not a valid card number"),
        ("4242 4242", "12 to 19 digits"),
        ("card", "only digits"),
        ("", "Enter the new card number"),
    ],
    ids=["luhn", "short", "letters", "empty"],
)
def test_bad_card_number_is_shown_next_to_the_field_and_nothing_changes(
    client, processor, declined_order, card_number, message
):
    # Given a held order open on the payment page
    order = declined_order()
    events = order.events.count()
    client.force_login(processor)
    # When a bad card number is submitted
    response = post(
        client,
        "orders:payment_change_card",
        order,
        {"card_number": card_number, "reason": "Other card"},
    )
    # Then the page comes back with the message next to the card number, the
    # number typed is not written back, and the reason is kept
    assert response.status_code == 400
    assert message in field_error(response, "id_changecard_card_number")
    html = response.content.decode()
    if any(ch.isdigit() for ch in card_number):
        assert card_number not in html
    assert "Other card</textarea>" in html
    # and nothing changed
    order_now = reload(order)
    assert (order_now.version, order_now.card_last4) == (order.version, "0002")
    assert order_now.events.count() == events


def test_missing_reason_is_shown_next_to_the_field(client, processor, declined_order):
    customer = CustomerFactory(terms="account_30", credit_limit=Decimal("500.00"))
    order = declined_order(customer=customer)
    client.force_login(processor)
    response = post(
        client,
        "orders:payment_move_to_account",
        order,
        {"reason": "   "},
    )
    assert response.status_code == 400
    assert "Give the reason" in field_error(response, "id_accountterms_reason")
    assert reload(order).version == order.version


def test_empty_approval_note_is_shown_next_to_the_field(
    client, supervisor, over_limit_order
):
    order = over_limit_order
    exception = order.exceptions.get()
    client.force_login(supervisor)
    response = post(
        client, "orders:credit_limit_approve", order, {"note": ""}, exception.pk
    )
    assert response.status_code == 400
    message = field_error(response, f"id_creditapprove_{exception.pk}_note")
    assert "Write why" in message
    assert reload(order).credit_approved_for is None


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "Enter the amount to refund"),
        ("ten pounds", "in pounds, like 12.50"),
        ("0", "more than £0"),
        ("-3", "more than £0"),
        ("1.005", "two decimal places"),
        ("NaN", "in pounds, like 12.50"),
        ("99999999999999", "too large"),
        ("24.01", "at most £24.00"),
    ],
    ids=[
        "empty",
        "words",
        "zero",
        "negative",
        "fraction-of-a-penny",
        "nan",
        "huge",
        "more-than-taken",
    ],
)
def test_bad_refund_amount_is_shown_next_to_the_field_and_nothing_changes(
    client, processor, delivered_order, amount, message
):
    # Given a delivered order (£24 taken) open on the payment page
    order = delivered_order
    client.force_login(processor)
    # When a bad amount is submitted
    response = post(
        client,
        "orders:payment_refund",
        order,
        {"amount": amount, "reason": "Returned"},
    )
    # Then the message sits next to the amount, and nothing was refunded
    assert response.status_code == 400
    assert message in field_error(response, "id_refund_amount")
    assert not order.payments.filter(operation=Payment.Operation.REFUND).exists()
    assert reload(order).version == order.version
    assert not order.events.filter(
        kind=OrderEvent.Kind.PAYMENT, data__operation="refund"
    ).exists()


def test_second_submit_of_a_refund_is_refused(client, processor, delivered_order):
    # Given a refund made from the page
    order = delivered_order
    client.force_login(processor)
    data = {"amount": "5.00", "reason": "Returned"}
    post(client, "orders:payment_refund", order, data)
    # When the same form is submitted again (the old version)
    response = post(client, "orders:payment_refund", order, data)
    # Then it is refused and the customer was refunded once
    assert back_to_page(response, order)
    assert STALE in said(response)
    assert order.payments.filter(operation=Payment.Operation.REFUND).count() == 1
