"""Stage 2, verification: each check passes on a clean order and catches its problem."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import StockMovement
from inventory.selectors import stock_level
from inventory.services import stock_set_restock_date
from orders.exceptions import GatewayTimeout, StaleOrderError
from orders.models import (
    Check,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
    Payment,
    SimulatedGatewayTransaction,
)
from orders.services import (
    CHECK_SEQUENCE,
    check_rerun,
    check_run,
    verification_run,
    verification_start,
)
from tests.conftest import DECLINE_CARD, INSUFFICIENT_FUNDS_CARD, TIMEOUT_CARD
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

X = OrderException.Kind
WORKER = "celery@test-worker"


def verify(order: Order) -> Order:
    return verification_run(order_id=order.pk, worker=WORKER)


def check(order: Order, kind: str) -> Check:
    return order.checks.get(kind=kind)


def exceptions_of(order: Order, kind: str) -> list[OrderException]:
    return list(order.exceptions.filter(check_record__kind=kind))


@pytest.fixture
def account_customer(db):
    return CustomerFactory(terms="account_30", credit_limit=Decimal("100.00"))


# --- a clean order ---------------------------------------------------------------


def test_clean_order_passes_every_check_and_is_verified(receive, stocked_product):
    # given an order with nothing wrong with it
    product = stocked_product(50)
    order = receive([(product.code, 2)])
    # when its checks run
    order = verify(order)
    # then every check passed, in sequence, and the order is verified
    assert order.status == Order.Status.VERIFIED
    assert order.verification_completed_at is not None
    assert [c.kind for c in order.checks.order_by("pk")] == CHECK_SEQUENCE
    assert set(order.checks.values_list("outcome", flat=True)) == {"passed"}
    assert not order.exceptions.exists()
    assert order.lines.get().status == OrderLine.Status.RESERVED


def test_every_check_records_who_ran_it_and_when(receive, stocked_product):
    # given an order
    product = stocked_product(50)
    order = receive([(product.code, 2)])
    started = timezone.now()
    # when the worker runs its checks
    verify(order)
    # then each check has one row naming the worker and the time, and one event
    checks = list(order.checks.all())
    assert len(checks) == len(CHECK_SEQUENCE)
    for row in checks:
        assert row.worker == WORKER
        assert row.run_by is None
        assert row.at >= started
        assert row.round == 1
        assert row.detail
        assert row.ran_by == f"worker {WORKER}"
    events = order.events.filter(kind=OrderEvent.Kind.CHECK_RECORDED)
    assert sorted(e.data["check_id"] for e in events) == sorted(c.pk for c in checks)
    assert {e.worker for e in events} == {WORKER}


def test_clean_check_details_say_what_was_confirmed(receive, stocked_product):
    # given a clean card order
    product = stocked_product(50)
    order = verify(receive([(product.code, 2)]))
    # then each passed check says what it confirmed
    assert "delivery postcode valid" in check(order, "customer").detail
    assert "All 1 product codes exist" in check(order, "products").detail
    assert "whole packs" in check(order, "quantities").detail
    assert "Every price matches" in check(order, "prices").detail
    assert "No recent order" in check(order, "duplicate").detail
    assert "Stock reserved for every line" in check(order, "stock").detail
    assert "£24.00 authorised on the card ending 4242" in check(order, "payment").detail


# --- customer details ------------------------------------------------------------


def test_customer_check_fails_when_the_preferred_contact_detail_is_missing(
    receive, stocked_product
):
    # given a customer who prefers e-mail but has no e-mail address
    customer = CustomerFactory(email="")
    product = stocked_product(50)
    order = receive([(product.code, 2)], customer=customer)
    # when the checks run
    order = verify(order)
    # then the customer check failed with a missing-contact exception, on hold
    assert check(order, "customer").outcome == Check.Outcome.FAILED
    (problem,) = exceptions_of(order, "customer")
    assert problem.kind == X.MISSING_CONTACT
    assert "e-mail address (their preferred channel)" in problem.found
    assert problem.status == OrderException.Status.OPEN
    assert order.status == Order.Status.ON_HOLD


def test_customer_check_fails_on_an_invalid_delivery_postcode(receive, stocked_product):
    # given an order to a postcode that cannot exist
    product = stocked_product(50)
    order = receive([(product.code, 2)], delivery_postcode="LEEDS 1")
    # when the checks run
    order = verify(order)
    # then the customer check failed with an invalid-address exception
    (problem,) = exceptions_of(order, "customer")
    assert problem.kind == X.INVALID_ADDRESS
    assert "'LEEDS 1' is not a valid UK postcode" in problem.found
    assert order.status == Order.Status.ON_HOLD


def test_customer_check_opens_one_exception_per_problem(receive, stocked_product):
    # given a customer with no e-mail address ordering to a bad postcode
    customer = CustomerFactory(email="")
    product = stocked_product(50)
    order = receive([(product.code, 2)], customer=customer, delivery_postcode="NOWHERE")
    # when the checks run
    order = verify(order)
    # then there is one open exception for each problem
    kinds = sorted(e.kind for e in exceptions_of(order, "customer"))
    assert kinds == [X.INVALID_ADDRESS, X.MISSING_CONTACT]
    assert order.exceptions.filter(status="open").count() == 2


# --- product codes ---------------------------------------------------------------


def test_products_check_fails_on_an_unknown_code(receive, stocked_product):
    # given an order with a code nobody sells
    product = stocked_product(50)
    order = receive([(product.code, 2), ("ZZZ-9999", 1)])
    # when the checks run
    order = verify(order)
    # then the products check failed on that line, and its stock was not checked
    (problem,) = exceptions_of(order, "products")
    assert problem.kind == X.UNKNOWN_PRODUCT
    assert problem.line.line_number == 2
    assert "no product has the code 'ZZZ-9999'" in problem.found
    assert "Not checked (unknown code): line 2" in check(order, "stock").detail
    assert order.status == Order.Status.ON_HOLD


def test_products_check_fails_on_an_inactive_product(receive, stocked_product):
    # given an order for a product we no longer sell
    product = stocked_product(50, active=False, name="Fax paper")
    order = receive([(product.code, 2)])
    # when the checks run
    order = verify(order)
    # then the products check says it is no longer sold
    (problem,) = exceptions_of(order, "products")
    assert problem.kind == X.UNKNOWN_PRODUCT
    assert f"{product.code} (Fax paper) is no longer sold" in problem.found


# --- quantities ------------------------------------------------------------------


def test_quantities_check_fails_when_not_a_whole_number_of_packs(
    receive, stocked_product
):
    # given a product sold in packs of 6, ordered in sevens
    product = stocked_product(50, pack_size=6)
    order = receive([(product.code, 7)])
    # when the checks run
    order = verify(order)
    # then the quantity is queried
    (problem,) = exceptions_of(order, "quantities")
    assert problem.kind == X.QUANTITY
    assert "7 is not a multiple of the pack size (6)" in problem.found
    assert problem.line == order.lines.get()


def test_quantities_check_passes_whole_packs(receive, stocked_product):
    # given a product sold in packs of 6, ordered in twelves
    product = stocked_product(50, pack_size=6)
    # when the checks run
    order = verify(receive([(product.code, 12)]))
    # then the quantity is fine
    assert check(order, "quantities").outcome == Check.Outcome.PASSED


def test_quantities_check_fails_on_an_absurd_quantity(receive, stocked_product):
    # given an order for ten thousand of something
    product = stocked_product(20_000)
    order = receive([(product.code, 10_000)])
    # when the checks run
    order = verify(order)
    # then the quantity is queried as implausible
    (problem,) = exceptions_of(order, "quantities")
    assert "10000 is implausibly large" in problem.found
    assert order.status == Order.Status.ON_HOLD


def _history(customer, product, quantity: int, orders: int) -> None:
    long_ago = timezone.now() - timedelta(days=60)
    for n in range(orders):
        earlier = OrderFactory(
            customer=customer,
            status=Order.Status.CLOSED,
            received_at=long_ago + timedelta(days=n),
        )
        OrderLineFactory(
            order=earlier, product=product, quantity=quantity, line_number=1
        )


def test_quantities_check_fails_far_above_the_customers_usual(
    receive, stocked_product, customer
):
    # given a customer who has ordered 2 of a product three times before
    product = stocked_product(100)
    _history(customer, product, 2, orders=3)
    # when they order more than ten times that
    order = verify(receive([(product.code, 21)]))
    # then the quantity is queried against their history
    (problem,) = exceptions_of(order, "quantities")
    assert "21 is far above this customer's usual 2" in problem.found


def test_quantities_check_needs_three_earlier_orders_to_judge_usual(
    receive, stocked_product, customer
):
    # given a customer with only two earlier orders of 2
    product = stocked_product(100)
    _history(customer, product, 2, orders=2)
    # when they order 21
    order = verify(receive([(product.code, 21)]))
    # then there is too little history to call it unusual
    assert check(order, "quantities").outcome == Check.Outcome.PASSED


# --- prices ----------------------------------------------------------------------


def test_prices_check_fails_when_the_price_differs_from_the_list(
    receive, stocked_product
):
    # given an order at £9.00 for a product listed at £10.00
    product = stocked_product(50, unit_price=Decimal("10.00"))
    order = receive([(product.code, 2, Decimal("9.00"))])
    # when the checks run
    order = verify(order)
    # then the price mismatch is flagged for a person to check the agreement
    (problem,) = exceptions_of(order, "prices")
    assert problem.kind == X.PRICE_MISMATCH
    assert "order price £9.00 differs from the price list's £10.00" in problem.found
    assert order.status == Order.Status.ON_HOLD


# --- duplicates ------------------------------------------------------------------


def test_duplicate_check_fails_on_the_same_lines_from_the_same_customer(
    receive, stocked_product
):
    # given an order already received
    product = stocked_product(50)
    first = receive([(product.code, 2)])
    verify(first)
    # when the customer sends the same lines again
    second = verify(receive([(product.code, 2)]))
    # then the second is flagged as a possible duplicate of the first
    (problem,) = exceptions_of(second, "duplicate")
    assert problem.kind == X.DUPLICATE
    first.refresh_from_db()
    assert f"Order {first.reference}" in problem.found
    assert "has the same lines" in problem.found


def test_duplicate_check_fails_on_the_same_po_reference(receive, stocked_product):
    # given an order with PO 4471
    product = stocked_product(50)
    first = receive([(product.code, 2)], customer_po_ref="PO-4471")
    verify(first)
    # when another order arrives with the same PO but different lines
    second = verify(receive([(product.code, 4)], customer_po_ref="PO-4471"))
    # then it is flagged by its PO reference
    (problem,) = exceptions_of(second, "duplicate")
    assert "has the same PO reference" in problem.found


def test_duplicate_check_ignores_orders_outside_the_window(
    receive, stocked_product, settings
):
    # given the same lines ordered a day longer ago than the window
    days = settings.ORDERDESK["DUPLICATE_WINDOW_DAYS"]
    product = stocked_product(50)
    receive(
        [(product.code, 2)],
        received_at=timezone.now() - timedelta(days=days + 1),
    )
    # when they are ordered again now
    order = verify(receive([(product.code, 2)]))
    # then it is not a duplicate
    assert check(order, "duplicate").outcome == Check.Outcome.PASSED


def test_duplicate_check_ignores_other_customers(receive, stocked_product):
    # given another customer ordered the same lines
    product = stocked_product(50)
    receive([(product.code, 2)], customer=CustomerFactory())
    # when this customer orders them
    order = verify(receive([(product.code, 2)]))
    # then it is not a duplicate
    assert check(order, "duplicate").outcome == Check.Outcome.PASSED


# --- stock -----------------------------------------------------------------------


def test_stock_check_reserves_each_line(receive, stocked_product, live_pool):
    # given 10 in stock
    product = stocked_product(10)
    # when an order for 4 is checked
    order = verify(receive([(product.code, 4)]))
    # then 4 are reserved for the line
    line = order.lines.get()
    assert (line.status, line.quantity_reserved) == (OrderLine.Status.RESERVED, 4)
    level = stock_level(pool=live_pool, product_id=product.pk)
    assert (level.on_hand, level.reserved) == (10, 4)
    assert order.events.filter(kind=OrderEvent.Kind.STOCK_RESERVED).count() == 1


@pytest.mark.parametrize("lines", [1, 3, 6])
def test_stock_check_takes_as_many_statements_for_one_line_as_for_six(
    receive, stocked_product, lines, django_assert_num_queries
):
    # given a verifying order of 1, 3 or 6 lines, each in stock
    order = receive([(stocked_product(50).code, 1) for _ in range(lines)])
    verification_start(order_id=order.pk, worker=WORKER)
    # when its stock check runs: lock the order, see it is not done, lock its lines
    # and the stock, one update of the levels, one insert of the movements, one
    # update of the lines, the event, the check and its event, open exceptions; and
    # the savepoint and its release (the test runs inside a transaction)
    with django_assert_num_queries(13):
        check_run(order_id=order.pk, kind=Check.Kind.STOCK, worker=WORKER)
    # then every line is reserved
    assert set(order.lines.values_list("status", flat=True)) == {"reserved"}


def test_stock_check_fails_with_no_restock_date_known(receive, stocked_product):
    # given 5 in stock and no restock date
    product = stocked_product(5)
    # when 8 are ordered
    order = verify(receive([(product.code, 8)]))
    # then the line is short, and the exception says what is missing and when
    line = order.lines.get()
    assert (line.status, line.quantity_reserved) == (OrderLine.Status.SHORT, 0)
    (problem,) = exceptions_of(order, "stock")
    assert problem.kind == X.OUT_OF_STOCK
    assert problem.line == line
    assert "8 ordered, 5 available; no restock date known" in problem.found
    assert order.status == Order.Status.ON_HOLD


def test_stock_check_failure_gives_the_restock_date(
    receive, stocked_product, live_pool
):
    # given none in stock and more due on a known date
    product = stocked_product(0)
    due = timezone.localdate() + timedelta(days=10)
    stock_set_restock_date(pool=live_pool, product=product, restock_date=due)
    # when some are ordered
    order = verify(receive([(product.code, 3)]))
    # then the exception says when stock is expected
    (problem,) = exceptions_of(order, "stock")
    assert f"3 ordered, 0 available; restock expected {due:%d %b %Y}" in problem.found


def test_stock_check_reserves_nothing_for_a_short_line(
    receive, stocked_product, live_pool
):
    # given one line we can fill and one we cannot
    plenty, scarce = stocked_product(10), stocked_product(1)
    order = verify(receive([(plenty.code, 2), (scarce.code, 2)]))
    # then only the fillable line holds stock; the short one holds none at all
    assert stock_level(pool=live_pool, product_id=plenty.pk).reserved == 2
    assert stock_level(pool=live_pool, product_id=scarce.pk).reserved == 0
    assert [problem.line.line_number for problem in exceptions_of(order, "stock")] == [
        2
    ]


# --- payment ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("card", "message"),
    [
        (DECLINE_CARD, "Card ending 0002: Card declined by the issuer."),
        (INSUFFICIENT_FUNDS_CARD, "Card ending 9995: Declined: insufficient funds."),
    ],
)
def test_payment_check_fails_when_the_card_is_declined(
    receive, stocked_product, card, message
):
    # given an order paid by a card the issuer will refuse
    product = stocked_product(50)
    order = receive([(product.code, 2)], card=card)
    # when the checks run
    order = verify(order)
    # then the payment check failed with the issuer's reason, and nothing authorised
    (problem,) = exceptions_of(order, "payment")
    assert problem.kind == X.PAYMENT_DECLINED
    assert problem.found == message
    payment = order.payments.get()
    assert payment.status == Payment.Status.DECLINED
    assert order.status == Order.Status.ON_HOLD


def test_payment_check_authorises_the_card_once(receive, stocked_product):
    # given a good card
    product = stocked_product(50)
    # when the checks run
    order = verify(receive([(product.code, 2)]))
    # then the gross total is authorised once and the event trail shows it
    payment = order.payments.get()
    assert payment.operation == Payment.Operation.AUTHORISE
    assert payment.status == Payment.Status.AUTHORISED
    assert payment.amount == Decimal("24.00")
    assert SimulatedGatewayTransaction.objects.count() == 1
    assert order.events.filter(kind=OrderEvent.Kind.PAYMENT).count() == 1


def test_payment_check_fails_for_a_customer_without_account_terms(
    receive, stocked_product
):
    # given a pay-with-order customer asking to pay on account
    product = stocked_product(50)
    order = verify(receive([(product.code, 2)], payment_method="account"))
    # then it is refused, suggesting a card instead
    (problem,) = exceptions_of(order, "payment")
    assert problem.kind == X.CREDIT_LIMIT
    assert "no account terms; take payment by card" in problem.found
    assert not order.payments.exists()


def test_payment_check_fails_when_the_account_is_on_hold(
    receive, stocked_product, account_customer
):
    # given an account customer whose account is on hold
    account_customer.on_hold = True
    account_customer.save()
    product = stocked_product(50)
    order = receive(
        [(product.code, 2)], customer=account_customer, payment_method="account"
    )
    # when the checks run
    order = verify(order)
    # then the payment check says so
    (problem,) = exceptions_of(order, "payment")
    assert problem.found == "The customer's account is on hold."


def test_payment_check_passes_within_the_credit_limit(
    receive, stocked_product, account_customer
):
    # given an account customer with £100 of credit and nothing outstanding
    product = stocked_product(50)
    order = receive(
        [(product.code, 2)], customer=account_customer, payment_method="account"
    )
    # when a £24 order is checked
    order = verify(order)
    # then it is within the limit
    assert check(order, "payment").outcome == Check.Outcome.PASSED
    assert "within the £100.00 credit left" in check(order, "payment").detail
    assert order.status == Order.Status.VERIFIED


def _open_account_order(customer, gross: str, status=Order.Status.CONFIRMED):
    gross = Decimal(gross)
    return OrderFactory(
        customer=customer,
        payment_method=Order.PaymentMethod.ACCOUNT,
        card_last4="",
        status=status,
        net_total=gross,
        vat_total=Decimal("0.00"),
        gross_total=gross,
        received_at=timezone.now() - timedelta(days=40),
    )


def test_payment_check_counts_outstanding_account_orders_against_the_limit(
    receive, stocked_product, account_customer
):
    # given £90 already outstanding on a £100 account
    _open_account_order(account_customer, "90.00")
    product = stocked_product(50)
    order = receive(
        [(product.code, 2)], customer=account_customer, payment_method="account"
    )
    # when a £24 order is checked
    order = verify(order)
    # then it would take them over their limit
    (problem,) = exceptions_of(order, "payment")
    assert problem.kind == X.CREDIT_LIMIT
    assert problem.found == (
        "£24.00 would exceed the credit limit: £90.00 is already outstanding of "
        "£100.00."
    )


@pytest.mark.parametrize("status", [Order.Status.CLOSED, Order.Status.CANCELLED])
def test_payment_check_ignores_closed_and_cancelled_account_orders(
    receive, stocked_product, account_customer, status
):
    # given a £90 account order that is closed or cancelled
    _open_account_order(account_customer, "90.00", status=status)
    product = stocked_product(50)
    order = receive(
        [(product.code, 2)], customer=account_customer, payment_method="account"
    )
    # when a £24 order is checked
    order = verify(order)
    # then the old order does not use up credit
    assert check(order, "payment").outcome == Check.Outcome.PASSED


# --- outcome of a round ----------------------------------------------------------


def test_failed_checks_hold_the_order_with_one_exception_per_problem(
    receive, stocked_product
):
    # given an order with a price mismatch, a bad pack quantity and a short line
    priced = stocked_product(50, unit_price=Decimal("10.00"))
    packed = stocked_product(50, pack_size=5)
    scarce = stocked_product(1)
    order = receive(
        [(priced.code, 1, Decimal("8.00")), (packed.code, 3), (scarce.code, 2)]
    )
    # when the checks run
    order = verify(order)
    # then it is on hold from verification, with three open exceptions, each
    # opened by an event pointing at its check
    assert order.status == Order.Status.ON_HOLD
    assert order.held_from == Order.Status.VERIFYING
    opened = order.exceptions.filter(status="open")
    assert sorted(opened.values_list("kind", flat=True)) == sorted(
        [X.PRICE_MISMATCH, X.QUANTITY, X.OUT_OF_STOCK]
    )
    events = order.events.filter(kind=OrderEvent.Kind.EXCEPTION_OPENED)
    assert sorted(e.data["exception_id"] for e in events) == sorted(
        opened.values_list("pk", flat=True)
    )
    held = order.events.get(kind=OrderEvent.Kind.HELD)
    assert held.data["open_exceptions"] == 3
    assert held.status_after == Order.Status.ON_HOLD


def test_every_check_runs_even_when_an_early_one_fails(receive, stocked_product):
    # given an order whose customer check will fail
    customer = CustomerFactory(email="", phone="")
    product = stocked_product(50)
    order = verify(receive([(product.code, 2)], customer=customer))
    # then the later checks still ran, so a person sees every outcome at once
    assert order.checks.count() == len(CHECK_SEQUENCE)
    assert order.lines.get().status == OrderLine.Status.RESERVED


# --- idempotency -----------------------------------------------------------------


def test_verification_run_twice_changes_nothing_the_second_time(
    receive, stocked_product, live_pool
):
    # given an order verified once
    product = stocked_product(10)
    order = verify(receive([(product.code, 4)]))
    events = list(order.events.values_list("pk", flat=True))
    # when its checks are delivered again
    again = verify(order)
    # then nothing new happened: same status, checks, events, stock and payment
    assert again.status == Order.Status.VERIFIED
    assert again.version == order.version
    assert again.checks.count() == len(CHECK_SEQUENCE)
    assert list(again.events.values_list("pk", flat=True)) == events
    assert stock_level(pool=live_pool, product_id=product.pk).reserved == 4
    assert StockMovement.objects.filter(product=product, kind="reserved").count() == 1
    assert again.payments.count() == 1
    assert SimulatedGatewayTransaction.objects.count() == 1


def test_verification_run_twice_on_a_held_order_opens_nothing_new(
    receive, stocked_product
):
    # given an order held for a short line
    product = stocked_product(1)
    order = verify(receive([(product.code, 4)]))
    # when its checks are delivered again
    again = verify(order)
    # then there is still one exception and one round of checks
    assert again.status == Order.Status.ON_HOLD
    assert again.exceptions.count() == 1
    assert again.checks.count() == len(CHECK_SEQUENCE)


def test_gateway_timeout_keeps_earlier_checks_and_a_rerun_charges_once(
    receive, stocked_product, live_pool
):
    # given an order paid by a card whose authorisation answer gets lost
    product = stocked_product(10)
    order = receive([(product.code, 4)], card=TIMEOUT_CARD)
    # when the checks run and the gateway times out
    with pytest.raises(GatewayTimeout):
        verify(order)
    # then the checks before payment are recorded and the order is still verifying
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFYING
    assert sorted(order.checks.values_list("kind", flat=True)) == sorted(
        CHECK_SEQUENCE[:-1]
    )
    assert not order.payments.exists()
    assert SimulatedGatewayTransaction.objects.count() == 1
    # when the task is retried
    order = verify(order)
    # then only the payment check ran, the card was charged once, and it is verified
    assert order.status == Order.Status.VERIFIED
    assert order.checks.count() == len(CHECK_SEQUENCE)
    assert order.checks.filter(kind="payment").count() == 1
    assert SimulatedGatewayTransaction.objects.count() == 1
    assert order.payments.get().status == Payment.Status.AUTHORISED
    assert stock_level(pool=live_pool, product_id=product.pk).reserved == 4
    assert order.events.filter(kind=OrderEvent.Kind.VERIFICATION_STARTED).count() == 1
    assert order.events.filter(kind=OrderEvent.Kind.STOCK_RESERVED).count() == 1


def test_gateway_unavailable_records_the_payment_check_failed(receive, stocked_product):
    # given an order whose gateway never answered on any retry
    product = stocked_product(10)
    order = receive([(product.code, 4)])
    # when the last retry records it
    order = verification_run(order_id=order.pk, worker=WORKER, gateway_unavailable=True)
    # then the payment check failed with an exception a person can act on
    assert check(order, "payment").outcome == Check.Outcome.FAILED
    (problem,) = exceptions_of(order, "payment")
    assert problem.kind == X.PAYMENT_DECLINED
    assert "The payment gateway did not answer." in problem.found
    assert order.status == Order.Status.ON_HOLD
    assert SimulatedGatewayTransaction.objects.count() == 0


def test_duplicate_check_run_late_does_not_flag_the_original(receive, stocked_product):
    # given two orders with the same lines, the first still unchecked (its task was
    # lost) when the second is received and checked
    product = stocked_product(50)
    first = receive([(product.code, 2)])
    second = verify(receive([(product.code, 2)]))
    assert exceptions_of(second, "duplicate")
    # when the first order's checks finally run
    first = verify(first)
    # then the first is the original: it is not a duplicate of the later order
    assert check(first, "duplicate").outcome == Check.Outcome.PASSED


def test_a_stale_payment_rerun_is_refused_before_the_gateway_is_called(
    receive, stocked_product, processor
):
    # given a declined order whose page a processor opened at its current version
    product = stocked_product(10)
    order = verify(receive([(product.code, 1)], card=DECLINE_CARD))
    opened_at = order.version
    calls = SimulatedGatewayTransaction.objects.count()
    check_rerun(
        order=order, kind="payment", actor=processor, expected_version=opened_at
    )
    calls_after_first = SimulatedGatewayTransaction.objects.count()
    assert calls_after_first == calls + 1
    # when the same re-run form is submitted again (a double click)
    with pytest.raises(StaleOrderError):
        check_rerun(
            order=order, kind="payment", actor=processor, expected_version=opened_at
        )
    # then the gateway was not asked again: no second authorisation attempt
    assert SimulatedGatewayTransaction.objects.count() == calls_after_first
    assert order.checks.filter(kind="payment", rerun=True).count() == 1
