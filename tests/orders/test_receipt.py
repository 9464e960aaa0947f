"""Stage 1, receipt: order_receive captures what the customer gave, or nothing."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from orders.exceptions import OrderInputError
from orders.models import Check, Communication, Order, OrderEvent, OrderLine
from orders.services import LineInput, order_receive
from tests.conftest import APPROVE_CARD
from tests.factories import CustomerFactory, ProductFactory


def _counts() -> tuple[int, int, int, int]:
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        OrderEvent.objects.count(),
        Communication.objects.count(),
    )


def test_receive_totals_round_vat_half_up_on_each_line(receive, stocked_product):
    # given two lines whose VAT is exactly half a penny each (5% of £0.10), and a
    # standard-rate line whose VAT has a fraction of a penny below a half
    half_a = stocked_product(100, unit_price=Decimal("0.10"), vat_rate=Decimal("0.05"))
    half_b = stocked_product(100, unit_price=Decimal("0.10"), vat_rate=Decimal("0.05"))
    standard = stocked_product(100, unit_price=Decimal("9.99"))
    # when the order is received
    order = receive([(half_a.code, 1), (half_b.code, 1), (standard.code, 3)])
    # then each line's VAT is rounded half up on its own (0.01 + 0.01 + 5.99), not
    # once on the total (which would give 6.00) nor to even (which would give 5.99)
    order.refresh_from_db()
    assert order.net_total == Decimal("30.17")
    assert order.vat_total == Decimal("6.01")
    assert order.gross_total == Decimal("36.18")
    for total in (order.net_total, order.vat_total, order.gross_total):
        assert isinstance(total, Decimal)


def test_receive_gives_each_order_a_unique_so_reference(receive, stocked_product):
    # given a product
    product = stocked_product()
    # when two orders are received
    first = receive([(product.code, 1)])
    second = receive([(product.code, 2)])
    # then each has an SO- reference built from its number, and they differ
    first.refresh_from_db()
    assert re.fullmatch(r"SO-\d{6}", first.reference)
    assert first.reference == f"SO-{first.pk:06d}"
    assert second.reference != first.reference


def test_receive_keeps_an_unknown_product_code_as_given(receive, stocked_product):
    # given an order with one good line and one code nobody sells
    product = stocked_product()
    # when it is received (code typed in lower case by the customer)
    order = receive([(product.code, 1), ("zzz-9999", 3)])
    # then the unknown line is kept, flagged by having no product, not refused
    unknown = order.lines.get(line_number=2)
    assert unknown.product is None
    assert unknown.product_code == "ZZZ-9999"
    assert unknown.quantity == 3
    assert unknown.description == "Unknown product code"
    assert order.lines.get(line_number=1).product == product


def test_receive_keeps_the_agreed_price_and_records_the_list_price(
    receive, stocked_product
):
    # given a product listed at £10.00 that the customer agreed at £8.50
    product = stocked_product(unit_price=Decimal("10.00"))
    # when the order is received with the agreed price
    order = receive([LineInput(product.code, 2, Decimal("8.50"))])
    # then the line charges the agreed price, and the list price is kept beside it
    line = order.lines.get()
    assert line.unit_price == Decimal("8.50")
    assert line.list_price == Decimal("10.00")
    order.refresh_from_db()
    assert order.net_total == Decimal("17.00")


def test_receive_uses_the_list_price_when_none_was_agreed(receive, stocked_product):
    # given a product listed at £12.34
    product = stocked_product(unit_price=Decimal("12.34"))
    # when it is ordered without an agreed price
    order = receive([(product.code, 1)])
    # then the line is at the list price
    line = order.lines.get()
    assert line.unit_price == line.list_price == Decimal("12.34")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"lines": []}, "lines", "Add at least one line"),
        ({"lines": [LineInput("TST-0001", 0)]}, "lines", "quantity must be"),
        ({"lines": [LineInput("", 1)]}, "lines", "enter the product code"),
        ({"lines": [LineInput("TST-0001", 1, Decimal("-1"))]}, "lines", "£0 or"),
        ({"channel": "carrier pigeon"}, "channel", "how the order came in"),
        ({"payment_method": "barter"}, "payment_method", "how the customer is"),
        ({"card_number": "4242424242424241"}, "card_number", "valid card number"),
        ({"card_number": "4242"}, "card_number", "valid card number"),
        ({"card_number": ""}, "card_number", "valid card number"),
        # "²" is a digit to str.isdigit() but not to int(): refused, not a crash.
        ({"card_number": "424242424242424²"}, "card_number", "valid card number"),
        ({"requested_date": "yesterday"}, "requested_date", "in the past"),
        ({"requested_date": "next year"}, "requested_date", "more than a year ahead"),
    ],
)
def test_receive_refuses_bad_input_by_field_and_saves_nothing(
    processor, customer, changes, field, message
):
    # given an otherwise complete order with one thing wrong
    fields = {
        "customer": customer,
        "lines": [LineInput("TST-0001", 1)],
        "channel": "phone",
        "payment_method": "card",
        "card_number": APPROVE_CARD,
        "received_by": processor,
        **changes,
    }
    if fields.get("requested_date") == "yesterday":
        fields["requested_date"] = timezone.localdate() - timedelta(days=1)
    if fields.get("requested_date") == "next year":
        fields["requested_date"] = timezone.localdate() + timedelta(days=367)
    before = _counts()
    # when it is received
    with pytest.raises(OrderInputError) as refused:
        order_receive(**fields)
    # then the error names the field, says what to do, and nothing was saved
    assert list(refused.value.errors) == [field]
    assert message in " ".join(refused.value.errors[field])
    assert _counts() == before


def test_receive_refuses_an_order_with_no_delivery_address_or_postcode(processor):
    # given a customer with no address on file, and none given with the order
    customer = CustomerFactory(address_line1="", town="", postcode="")
    before = _counts()
    # when the order is received
    with pytest.raises(OrderInputError) as refused:
        order_receive(
            customer=customer,
            lines=[LineInput("TST-0001", 1)],
            channel="phone",
            payment_method="account",
            received_by=processor,
        )
    # then both missing fields are reported, and nothing was saved
    assert set(refused.value.errors) == {"delivery_address", "delivery_postcode"}
    assert "delivery address" in str(refused.value)
    assert _counts() == before


def test_receive_reports_every_problem_at_once(processor, customer):
    # given an order with several mistakes
    before = _counts()
    # when it is received
    with pytest.raises(OrderInputError) as refused:
        order_receive(
            customer=customer,
            lines=[LineInput("TST-0001", 0)],
            channel="fax",
            payment_method="card",
            card_number="1234",
            received_by=processor,
        )
    # then each field's problem is listed so the person can fix them in one go
    assert set(refused.value.errors) == {"lines", "channel", "card_number"}
    assert _counts() == before


def test_receive_uses_the_customer_address_when_none_is_given(receive, customer):
    # given a customer with an address on file
    product = ProductFactory()
    # when the order is received without a delivery address
    order = receive([(product.code, 1)], payment_method="account")
    # then the customer's address and postcode are used
    assert order.delivery_address == customer.postal_address
    assert order.delivery_postcode == customer.postcode


def test_receive_keeps_only_the_last_four_card_digits(receive):
    # given a card number typed with spaces
    product = ProductFactory()
    # when the order is received
    order = receive([(product.code, 1)], card="4242 4242 4242 4242")
    # then only the last four digits are stored
    order.refresh_from_db()
    assert order.card_last4 == "4242"
    assert "4242424242424242" not in str(
        list(order.events.values_list("data", flat=True))
    )


def test_receive_records_a_received_event_with_who_took_it(receive, processor):
    # given a product
    product = ProductFactory()
    # when an order is received by a processor
    order = receive([(product.code, 2)])
    # then one "received" event names the processor and what was ordered
    event = order.events.get(kind=OrderEvent.Kind.RECEIVED)
    assert event.actor == processor
    assert event.status_after == Order.Status.RECEIVED
    assert event.data["lines"] == [
        {"line": 1, "product_code": product.code, "quantity": 2, "unit_price": "10.00"}
    ]
    assert event.data["gross_total"] == "24.00"


@pytest.mark.parametrize(
    ("channel", "spoken_on"),
    [
        ("phone", Communication.Channel.PHONE),
        ("walk_in", Communication.Channel.IN_PERSON),
    ],
)
def test_receive_acknowledges_a_phone_or_walk_in_order_in_the_conversation(
    receive, processor, channel, spoken_on, django_capture_on_commit_callbacks
):
    # given a customer on the phone or at the counter
    product = ProductFactory()
    # when their order is received (and the transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        order = receive([(product.code, 1)], channel=channel)
    # then the acknowledgement is recorded as given there and then; no e-mail sent
    acknowledgement = order.communications.get(
        purpose=Communication.Purpose.ACKNOWLEDGEMENT
    )
    assert acknowledgement.channel == spoken_on
    assert acknowledgement.outcome == Communication.Outcome.REACHED
    assert acknowledgement.actor == processor
    assert order.reference in acknowledgement.content
    assert mail.outbox == []


def test_receive_acknowledges_an_email_order_by_email_once(
    receive, customer, django_capture_on_commit_callbacks
):
    # given a customer who prefers e-mail
    product = ProductFactory()
    # when their e-mailed order is received and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        order = receive([(product.code, 1)], channel="email")
    # then exactly one acknowledgement e-mail went to them, and it is recorded as sent
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [customer.email]
    assert order.reference in mail.outbox[0].subject
    acknowledgement = order.communications.get(
        purpose=Communication.Purpose.ACKNOWLEDGEMENT
    )
    assert acknowledgement.channel == Communication.Channel.EMAIL
    assert acknowledgement.outcome == Communication.Outcome.SENT
    assert acknowledgement.sent_at is not None


def test_receive_queues_the_email_until_the_order_is_committed(receive):
    # given a customer who prefers e-mail
    product = ProductFactory()
    # when the order is received but the transaction has not committed
    order = receive([(product.code, 1)], channel="web")
    # then the acknowledgement is queued, not claimed as sent, and nothing went out
    acknowledgement = order.communications.get()
    assert acknowledgement.outcome == Communication.Outcome.QUEUED
    assert mail.outbox == []


def test_receive_starts_verification_once_committed(
    receive, stocked_product, django_capture_on_commit_callbacks
):
    # given a clean order for stock we have
    product = stocked_product(10)
    # when it is received and the transaction commits
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = receive([(product.code, 2)])
    # then its checks ran in the background and it is verified
    assert callbacks
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED
    assert order.checks.count() == len(Check.Kind)


def test_receive_does_not_verify_before_commit(receive, stocked_product):
    # given a clean order
    product = stocked_product(10)
    # when it is received but nothing has committed
    order = receive([(product.code, 2)])
    # then it is waiting for its checks
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED
    assert order.checks.count() == 0
