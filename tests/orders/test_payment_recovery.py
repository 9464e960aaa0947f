"""Sorting out payments end to end, with the simulated gateway's planted cards:
a declined card replaced, a retry after a timeout, account terms, a supervisor's
credit approval, no authorisation left held, and refunds after dispatch."""

from decimal import Decimal

import pytest
from celery.exceptions import Retry

from orders.exceptions import (
    GatewayTimeout,
    OrderInputError,
    OrderPermissionError,
    OrderRuleError,
    StaleOrderError,
)
from orders.gateways import SimulatedGateway
from orders.models import (
    Check,
    Communication,
    Order,
    OrderEvent,
    OrderException,
    Payment,
    SimulatedGatewayTransaction,
)
from orders.services import (
    check_rerun,
    exception_raise,
    order_cancel,
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    payment_recovery,
    shipment_record_delivery,
    verification_run,
)
from orders.services.payment_recovery import (
    credit_limit_approve,
    order_refund,
    payment_change_card,
    payment_move_to_account,
    payment_retry,
)
from orders.tasks import order_verify_task
from tests.conftest import (
    APPROVE_CARD,
    DECLINE_CARD,
    INSUFFICIENT_FUNDS_CARD,
    TIMEOUT_CARD,
)
from tests.factories import CustomerFactory

X = OrderException.Kind
H = OrderException.Handling
P = Payment.Operation


def gateway_ledger() -> list[tuple[str, bool]]:
    return list(
        SimulatedGatewayTransaction.objects.order_by("pk").values_list(
            "operation", "approved"
        )
    )


def money_held() -> list[str]:
    """What the gateway still holds on cards: authorisations not captured or voided."""
    return [record.reference for record in SimulatedGateway().open_authorisations()]


def events(order: Order, kind: str) -> list[dict]:
    return [e.data for e in order.events.filter(kind=kind).order_by("pk")]


def reload(order: Order) -> Order:
    return Order.objects.select_related("customer").get(pk=order.pk)


@pytest.fixture
def held_for_payment(receive, stocked_product):
    """An order (2 × £10 + VAT = £24) whose payment check failed: on hold."""

    def make(card=DECLINE_CARD, **fields):
        order = receive([(stocked_product(100).code, 2)], card=card, **fields)
        order = verification_run(order_id=order.pk, worker="test-worker")
        assert order.status == Order.Status.ON_HOLD
        return order

    return make


@pytest.fixture
def unanswered_order(receive, stocked_product):
    """An order whose gateway never answered, even on the checks' last retry."""

    def make(**fields):
        order = receive([(stocked_product(100).code, 2)], card=TIMEOUT_CARD, **fields)
        order_verify_task.apply(
            kwargs={"order_id": order.pk}, retries=order_verify_task.max_retries
        )
        order = reload(order)
        assert order.status == Order.Status.ON_HOLD
        return order

    return make


@pytest.fixture
def account_customer(db):
    return CustomerFactory(terms="account_30", credit_limit=Decimal("5000.00"))


@pytest.fixture
def delivered(processor, dispatcher, tomorrow):
    """Take a verified order through confirmation, dispatch and delivery."""

    def make(order: Order) -> Order:
        order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
        order = order_start_fulfilment(order=order, actor=dispatcher)
        shipment = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
        shipment_record_delivery(shipment=shipment, actor=dispatcher)
        order = reload(order)
        assert order.status == Order.Status.DELIVERED
        return order

    return make


# -- another card ------------------------------------------------------------------


def test_declined_card_then_another_card_approved_releases_the_order(
    held_for_payment, processor
):
    # Given an order held because the issuer declined the card
    order = held_for_payment(card=DECLINE_CARD)
    # When the processor takes another card from the customer
    check = payment_change_card(
        order=order,
        actor=processor,
        card_number="4242 4242 4242 4242",
        reason="Customer gave their business card instead",
        expected_version=order.version,
    )
    # Then the new card is authorised and the order is verified again
    order = reload(order)
    assert check.outcome == Check.Outcome.PASSED
    assert order.status == Order.Status.VERIFIED
    assert (order.payment_method, order.card_last4) == ("card", "4242")
    exception = order.exceptions.get()
    assert exception.status == OrderException.Status.RESOLVED
    assert exception.handling == H.NEW_CARD
    assert exception.resolved_by == processor
    # and the change is on record, before and after, with only last four digits
    (change,) = events(order, OrderEvent.Kind.PAYMENT_METHOD_CHANGED)
    assert change == {
        "before": {"method": "card", "card_last4": "0002", "label": "Card ending 0002"},
        "after": {"method": "card", "card_last4": "4242", "label": "Card ending 4242"},
        "reason": "Customer gave their business card instead",
    }
    assert "4242424242424242" not in str(list(order.events.values_list("data")))
    # and the payment history holds the decline and the new authorisation
    assert list(order.payments.values_list("operation", "status")) == [
        (P.AUTHORISE, "declined"),
        (P.AUTHORISE, "authorised"),
    ]
    assert len(money_held()) == 1


def test_another_declined_card_keeps_the_order_held(held_for_payment, processor):
    # Given an order held for a declined card
    order = held_for_payment(card=DECLINE_CARD)
    # When the card taken instead has insufficient funds
    check = payment_change_card(
        order=order,
        actor=processor,
        card_number=INSUFFICIENT_FUNDS_CARD,
        reason="Customer's second card",
    )
    # Then the order stays on hold with its payment problem open, and both
    # declines are in the history
    order = reload(order)
    assert check.outcome == Check.Outcome.FAILED
    assert "insufficient funds" in check.detail
    assert order.status == Order.Status.ON_HOLD
    assert order.card_last4 == "9995"
    assert order.exceptions.get().status == OrderException.Status.OPEN
    assert order.payments.filter(status="declined").count() == 2
    assert money_held() == []


@pytest.mark.parametrize(
    ("card_number", "message"),
    [
        ("", "Enter the new card number"),
        ("4242 4242 4242 424x", "only digits"),
        ("4242 4242 42", "12 to 19 digits; this one has 10"),
        ("4242424242424241", "not a valid card number"),
        ("4242²42424242424", "only digits"),
    ],
    ids=["empty", "letter", "too-short", "luhn", "superscript-digit"],
)
def test_change_card_refuses_a_bad_number_and_changes_nothing(
    held_for_payment, processor, card_number, message
):
    # Given an order held for a declined card
    order = held_for_payment()
    before = (order.version, order.events.count(), gateway_ledger())
    # When an invalid card number is given, then it is refused saying why
    with pytest.raises(OrderInputError, match=message) as refused:
        payment_change_card(
            order=order, actor=processor, card_number=card_number, reason="New card"
        )
    assert list(refused.value.errors) == ["card_number"]
    # and nothing changed: not the card, not the trail, not the gateway
    order = reload(order)
    assert order.card_last4 == "0002"
    assert (order.version, order.events.count(), gateway_ledger()) == before


def test_change_card_needs_a_reason(held_for_payment, processor):
    order = held_for_payment()
    with pytest.raises(OrderInputError, match="reason"):
        payment_change_card(
            order=order, actor=processor, card_number=APPROVE_CARD, reason="  "
        )
    assert reload(order).card_last4 == "0002"


def test_payment_recovery_is_refused_to_a_dispatcher(held_for_payment, dispatcher):
    # Given a held order, when a dispatcher tries to sort out its payment
    order = held_for_payment()
    with pytest.raises(OrderPermissionError):
        payment_change_card(
            order=order, actor=dispatcher, card_number=APPROVE_CARD, reason="x"
        )
    with pytest.raises(OrderPermissionError):
        payment_retry(order=order, actor=dispatcher)
    with pytest.raises(OrderPermissionError):
        payment_move_to_account(order=order, actor=dispatcher, reason="x")
    # then nothing changed
    assert reload(order).version == order.version


def test_change_card_refused_when_there_is_no_payment_problem(
    verified_order, processor
):
    # Given a verified order, its card authorised
    order = verified_order()
    # When someone tries to change its card here, then they are told why not
    with pytest.raises(OrderRuleError, match="no open payment problem"):
        payment_change_card(
            order=order, actor=processor, card_number=APPROVE_CARD, reason="x"
        )
    assert gateway_ledger() == [("authorise", True)]


def test_change_card_on_an_order_over_its_credit_limit_settles_the_limit(
    held_for_payment, processor
):
    # Given an account order held because it is over the customer's credit limit
    customer = CustomerFactory(terms="account_30", credit_limit=Decimal("10.00"))
    order = held_for_payment(customer=customer, payment_method="account")
    assert order.exceptions.get().kind == X.CREDIT_LIMIT
    # When the customer pays by card instead
    payment_change_card(
        order=order, actor=processor, card_number=APPROVE_CARD, reason="Pays by card"
    )
    # Then the card is authorised, the credit limit no longer matters, and the
    # order is free to go on
    order = reload(order)
    assert order.status == Order.Status.VERIFIED
    assert (order.payment_method, order.card_last4) == ("card", "4242")
    exception = order.exceptions.get()
    assert (exception.status, exception.handling) == ("resolved", H.NEW_CARD)


def test_another_card_on_an_authorised_order_releases_the_first_card(
    verified_order, processor, dispatcher, tomorrow
):
    # Given an authorised card order held by hand: the card was reported stolen
    order = verified_order()
    first = order.payments.get()
    exception_raise(
        order=order,
        actor=processor,
        kind=X.PAYMENT_DECLINED,
        found="Customer says this card was reported stolen",
    )
    # When another card is taken
    payment_change_card(
        order=reload(order),
        actor=processor,
        card_number=APPROVE_CARD,
        reason="Replacement card",
    )
    # Then the first card's authorisation is voided, the new one stands, and the
    # exception raised by hand is resolved by the new card
    order = reload(order)
    assert order.status == Order.Status.VERIFIED
    second = order.payments.filter(status="authorised").exclude(pk=first.pk).get()
    assert money_held() == [second.gateway_reference]
    assert order.exceptions.get().handling == H.NEW_CARD
    # and dispatch captures the new card's authorisation, not the voided one
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    order = order_start_fulfilment(order=order, actor=dispatcher)
    order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    capture = order.payments.get(operation=P.CAPTURE)
    assert capture.message == f"Captured {second.gateway_reference}."


# -- retry -------------------------------------------------------------------------


def test_retry_of_a_declined_card_asks_the_gateway_afresh(held_for_payment, processor):
    # Given an order whose card was declined
    order = held_for_payment(card=DECLINE_CARD)
    # When the processor tries the same card again
    check = payment_retry(order=order, actor=processor, expected_version=order.version)
    # Then the gateway is asked again under a new key and declines again
    assert check.outcome == Check.Outcome.FAILED
    assert check.rerun is True
    assert gateway_ledger() == [("authorise", False), ("authorise", False)]
    keys = list(order.payments.values_list("idempotency_key", flat=True))
    assert len(set(keys)) == 2
    order = reload(order)
    assert order.status == Order.Status.ON_HOLD
    assert order.exceptions.get().status == OrderException.Status.OPEN


def test_retry_after_a_timeout_never_charges_twice(unanswered_order, processor):
    # Given an order whose gateway never answered the checks (the task's last
    # retry), so its payment check failed
    order = unanswered_order()
    # When the processor retries the payment, and the gateway's answer is lost
    # again (it is asked once more under the same key, and answers)
    check = payment_retry(order=order, actor=processor, expected_version=order.version)
    # Then the card is authorised once for the retry: one authorisation held
    order = reload(order)
    assert check.outcome == Check.Outcome.PASSED
    assert order.status == Order.Status.VERIFIED
    authorised = order.payments.get(status="authorised")
    assert money_held() == [authorised.gateway_reference]
    retry_calls = SimulatedGatewayTransaction.objects.filter(
        idempotency_key=authorised.idempotency_key
    )
    assert retry_calls.count() == 1
    # and the exception records how it was handled
    exception = order.exceptions.get()
    assert (exception.status, exception.handling) == ("resolved", H.PAYMENT_RETRIED)
    assert events(order, OrderEvent.Kind.EXCEPTION_STEP)[-1]["handling"] == (
        H.PAYMENT_RETRIED
    )


def test_retry_that_never_gets_an_answer_is_recorded_and_nothing_held(
    held_for_payment, processor, monkeypatch
):
    # Given an order whose card was declined
    order = held_for_payment(card=DECLINE_CARD)
    # and a gateway that now authorises but whose answers never come back
    real = SimulatedGateway.authorise

    def lost(self, *, amount, card_last4, idempotency_key):
        real(self, amount=amount, card_last4="4242", idempotency_key=idempotency_key)
        raise GatewayTimeout("The payment gateway did not answer in time.")

    monkeypatch.setattr(SimulatedGateway, "authorise", lost)
    # When the processor retries
    check = payment_retry(order=order, actor=processor, expected_version=order.version)
    # Then the retry is recorded as unanswered, what the gateway authorised is
    # voided, and the order stays held for another try
    assert check.outcome == Check.Outcome.FAILED
    assert "did not answer; what it had authorised is voided" in check.detail
    assert money_held() == []
    assert reload(order).status == Order.Status.ON_HOLD
    assert list(order.payments.values_list("operation", "status")) == [
        (P.AUTHORISE, "declined"),
        (P.VOID, "voided"),
        (P.AUTHORISE, "declined"),
    ]
    # and the next retry asks afresh, under a key of its own
    monkeypatch.setattr(SimulatedGateway, "authorise", real)
    payment_retry(order=order, actor=processor)
    assert reload(order).status == Order.Status.ON_HOLD  # the card still declines
    assert (
        SimulatedGatewayTransaction.objects.filter(operation="authorise").count() == 3
    )


def test_second_submit_of_a_retry_is_refused_without_asking_the_gateway(
    held_for_payment, processor
):
    # Given a retry already made from a page opened at this version
    order = held_for_payment(card=DECLINE_CARD)
    payment_retry(order=order, actor=processor, expected_version=order.version)
    calls = gateway_ledger()
    # When the same page is submitted again, then it is refused as out of date
    with pytest.raises(StaleOrderError):
        payment_retry(order=order, actor=processor, expected_version=order.version)
    # and the card was not asked for money again
    assert gateway_ledger() == calls


# -- the authorisation a lost answer left behind --------------------------------------


def test_gateway_that_never_answers_leaves_no_money_held(unanswered_order):
    # Given a card order whose gateway took the authorisation but never answered,
    # even on the checks' last retry
    order = unanswered_order()
    # Then the order waits for a person, told the gateway did not answer and that
    # what it authorised is voided
    exception = order.exceptions.get()
    assert exception.kind == X.PAYMENT_DECLINED
    assert "did not answer; what it had authorised is voided" in exception.found
    # and the void is on record, and the gateway holds nothing on the card
    void = order.payments.get(operation=P.VOID)
    assert (void.status, void.amount) == ("voided", Decimal("24.00"))
    assert money_held() == []
    assert gateway_ledger() == [("authorise", True), ("void", True)]
    assert [e["operation"] for e in events(order, OrderEvent.Kind.PAYMENT)] == [
        "void",
        "authorise",
    ]


def test_gateway_that_authorised_nothing_gets_no_void(
    receive, stocked_product, monkeypatch
):
    # Given a gateway that is simply down: it authorises nothing and never answers
    def down(self, **_):
        raise GatewayTimeout("The payment gateway did not answer in time.")

    monkeypatch.setattr(SimulatedGateway, "authorise", down)
    order = receive([(stocked_product(100).code, 2)], card=APPROVE_CARD)
    # When the checks' last retry finds it still down
    order_verify_task.apply(
        kwargs={"order_id": order.pk}, retries=order_verify_task.max_retries
    )
    # Then the order is held as unanswered, with nothing to void
    order = reload(order)
    assert order.status == Order.Status.ON_HOLD
    assert "did not answer." in order.exceptions.get().found
    assert not order.payments.filter(operation=P.VOID).exists()
    assert gateway_ledger() == []


def test_order_cancelled_while_the_checks_waited_to_retry_leaves_no_money_held(
    receive, stocked_product, processor
):
    # Given a card order whose checks timed out at the gateway (which did take
    # the authorisation), waiting for their retry
    order = receive([(stocked_product(100).code, 2)], card=TIMEOUT_CARD)
    with pytest.raises(Retry):
        order_verify_task.apply(kwargs={"order_id": order.pk}, retries=0)
    assert len(money_held()) == 1
    # and the customer cancels meanwhile
    order_cancel(order=order, actor=processor, reason="Ordered by mistake")
    # When the retry runs
    order_verify_task.apply(kwargs={"order_id": order.pk}, retries=1)
    # Then nothing is checked, and what the lost call authorised is voided
    order = reload(order)
    assert order.status == Order.Status.CANCELLED
    assert money_held() == []
    assert list(order.payments.values_list("operation", "status")) == [
        (P.VOID, "voided")
    ]


# -- account terms --------------------------------------------------------------------


def test_insufficient_funds_then_account_terms(
    held_for_payment, account_customer, processor
):
    # Given an account customer's card order, held for insufficient funds
    order = held_for_payment(card=INSUFFICIENT_FUNDS_CARD, customer=account_customer)
    # When the processor moves it to the customer's account terms
    check = payment_move_to_account(
        order=order,
        actor=processor,
        reason="Customer asked to put it on their account",
        expected_version=order.version,
    )
    # Then the credit check passes and the order is verified, with no card kept
    order = reload(order)
    assert check.outcome == Check.Outcome.PASSED
    assert "within the £5000.00 credit left" in check.detail
    assert order.status == Order.Status.VERIFIED
    assert (order.payment_method, order.card_last4) == ("account", "")
    exception = order.exceptions.get()
    assert (exception.status, exception.handling) == ("resolved", H.ACCOUNT_TERMS)
    (change,) = events(order, OrderEvent.Kind.PAYMENT_METHOD_CHANGED)
    assert change["before"]["label"] == "Card ending 9995"
    assert change["after"] == {
        "method": "account",
        "card_last4": "",
        "label": "On account",
    }
    # and only the declined authorisation ever went to the gateway
    assert gateway_ledger() == [("authorise", False)]


@pytest.mark.parametrize(
    ("terms", "on_hold", "message"),
    [
        ("prepay", False, "has no account terms"),
        ("account_30", True, "account is on hold"),
    ],
    ids=["no-account-terms", "account-on-hold"],
)
def test_move_to_account_refused_saying_why_and_nothing_changes(
    held_for_payment, processor, terms, on_hold, message
):
    # Given a declined card order for a customer without usable account terms
    customer = CustomerFactory(
        terms=terms, on_hold=on_hold, credit_limit=Decimal("5000.00")
    )
    order = held_for_payment(customer=customer)
    events_before = order.events.count()
    # When the processor tries to move it to account, then they are told why not
    with pytest.raises(OrderRuleError, match=message):
        payment_move_to_account(order=order, actor=processor, reason="On account")
    # and nothing changed
    order = reload(order)
    assert (order.payment_method, order.card_last4) == ("card", "0002")
    assert order.events.count() == events_before


def test_move_to_account_voids_an_authorisation_the_card_still_holds(
    verified_order, account_customer, processor
):
    # Given an authorised card order held by hand for a payment problem
    order = verified_order(customer=account_customer)
    exception_raise(
        order=order,
        actor=processor,
        kind=X.PAYMENT_DECLINED,
        found="Customer says the card was reported stolen",
    )
    # When it is moved to account terms
    payment_move_to_account(order=reload(order), actor=processor, reason="Stolen")
    # Then the card's authorisation is voided and the order goes on, on account
    order = reload(order)
    assert money_held() == []
    assert order.status == Order.Status.VERIFIED
    assert order.exceptions.get().handling == H.ACCOUNT_TERMS


# -- over the credit limit ------------------------------------------------------------


@pytest.fixture
def over_limit_order(held_for_payment, processor):
    """A declined card moved to account terms, where £24 is over the £10 limit."""

    def make():
        customer = CustomerFactory(terms="account_30", credit_limit=Decimal("10.00"))
        order = held_for_payment(card=DECLINE_CARD, customer=customer)
        check = payment_move_to_account(
            order=order, actor=processor, reason="Customer asked for account"
        )
        assert check.outcome == Check.Outcome.FAILED
        return reload(order)

    return make


def test_over_the_limit_then_supervisor_approval(
    over_limit_order, processor, supervisor
):
    # Given a declined card moved to account terms, over the credit limit
    order = over_limit_order()
    # Then the decline is settled by the move, and the limit is the open problem
    assert order.status == Order.Status.ON_HOLD
    declined = order.exceptions.get(kind=X.PAYMENT_DECLINED)
    assert (declined.status, declined.handling) == ("resolved", H.ACCOUNT_TERMS)
    limit = order.exceptions.get(kind=X.CREDIT_LIMIT)
    assert limit.status == OrderException.Status.OPEN
    assert "would exceed the credit limit" in limit.found
    # When a processor tries to approve it, then they are refused
    with pytest.raises(OrderPermissionError, match="supervisor"):
        credit_limit_approve(exception=limit, actor=processor, note="Good customer")
    # When a supervisor approves it without a note, then they are asked for one
    with pytest.raises(OrderInputError, match="why"):
        credit_limit_approve(exception=limit, actor=supervisor, note=" ")
    assert reload(order).credit_approved_for is None
    # When the supervisor approves it with a note
    credit_limit_approve(
        exception=limit,
        actor=supervisor,
        note="Pays on time; limit review due",
        expected_version=order.version,
    )
    # Then the approval is on the order, the exception resolved and the hold gone
    order = reload(order)
    assert order.status == Order.Status.VERIFIED
    assert (order.credit_approved_for, order.credit_approved_by) == (
        Decimal("24.00"),
        supervisor,
    )
    limit.refresh_from_db()
    assert (limit.status, limit.handling, limit.approved_by) == (
        "resolved",
        H.APPROVED,
        supervisor,
    )
    assert events(order, OrderEvent.Kind.APPROVED) == [
        {
            "exception_id": limit.pk,
            "what": "credit",
            "amount": "24.00",
            "note": "Pays on time; limit review due",
        }
    ]
    # and a later payment check passes on the approval
    check = check_rerun(order=order, kind=Check.Kind.PAYMENT, actor=processor)
    assert check.outcome == Check.Outcome.PASSED
    assert f"approved by {supervisor}" in check.detail


def test_credit_approval_refused_when_within_the_limit(over_limit_order, supervisor):
    # Given an over-limit order whose customer's limit was since raised
    order = over_limit_order()
    order.customer.credit_limit = Decimal("100.00")
    order.customer.save()
    limit = order.exceptions.get(kind=X.CREDIT_LIMIT)
    # When a supervisor approves it, then they are told no approval is needed
    with pytest.raises(OrderRuleError, match="no approval is needed"):
        credit_limit_approve(exception=limit, actor=supervisor, note="OK")
    assert reload(order).credit_approved_for is None


def test_retry_of_an_over_limit_order_passes_once_the_limit_is_raised(
    over_limit_order, processor
):
    # Given an over-limit order whose customer's limit was since raised
    order = over_limit_order()
    order.customer.credit_limit = Decimal("100.00")
    order.customer.save()
    # When the processor retries the payment (the credit check)
    check = payment_retry(order=order, actor=processor)
    # Then it passes and the order goes on
    assert check.outcome == Check.Outcome.PASSED
    order = reload(order)
    assert order.status == Order.Status.VERIFIED
    limit = order.exceptions.get(kind=X.CREDIT_LIMIT)
    assert limit.handling == H.PAYMENT_RETRIED


# -- refunds ---------------------------------------------------------------------------


def test_refund_of_a_delivered_card_order(verified_order, delivered, processor):
    # Given a delivered card order, £24 captured
    order = delivered(verified_order(quantity=2))
    # When part of it is refunded for a return
    refund = order_refund(
        order=order,
        actor=processor,
        amount=Decimal("12.00"),
        reason="One pack returned unopened",
        expected_version=order.version,
    )
    # Then the card is refunded through the gateway against the capture
    assert (refund.operation, refund.status, refund.amount) == (
        P.REFUND,
        "refunded",
        Decimal("12.00"),
    )
    assert refund.message == "One pack returned unopened"
    assert gateway_ledger()[-1] == ("refund", True)
    (event,) = [
        e for e in events(order, OrderEvent.Kind.PAYMENT) if e["operation"] == "refund"
    ]
    assert (event["amount"], event["reason"]) == ("12.00", "One pack returned unopened")
    # and the customer is told
    told = order.communications.get(purpose=Communication.Purpose.REFUND)
    assert "£12.00" in told.content
    assert "card ending 4242" in told.content


def test_refund_never_exceeds_what_was_taken(verified_order, delivered, processor):
    # Given a delivered £24 card order with £20 refunded already
    order = delivered(verified_order(quantity=2))
    order_refund(order=order, actor=processor, amount=Decimal("20"), reason="Damaged")
    order = reload(order)
    before = (order.version, order.payments.count(), gateway_ledger())
    # When £5 more is asked for, then it is refused, saying what is left
    with pytest.raises(OrderInputError, match=r"at most £4\.00") as refused:
        order_refund(
            order=order, actor=processor, amount=Decimal("5.00"), reason="Goodwill"
        )
    assert list(refused.value.errors) == ["amount"]
    # and nothing changed
    order = reload(order)
    assert (order.version, order.payments.count(), gateway_ledger()) == before
    # When the last £4 is refunded, then that is allowed, and nothing is left
    order_refund(order=order, actor=processor, amount=Decimal("4"), reason="Goodwill")
    with pytest.raises(OrderRuleError, match="all been refunded"):
        order_refund(
            order=reload(order),
            actor=processor,
            amount=Decimal("0.01"),
            reason="Goodwill",
        )


def test_second_submit_of_a_refund_is_refused(verified_order, delivered, processor):
    # Given a refund made from a page opened at this version
    order = delivered(verified_order(quantity=2))
    order_refund(
        order=order,
        actor=processor,
        amount=Decimal("10"),
        reason="Returned",
        expected_version=order.version,
    )
    # When the same page is submitted again, then it is refused
    with pytest.raises(StaleOrderError):
        order_refund(
            order=order,
            actor=processor,
            amount=Decimal("10"),
            reason="Returned",
            expected_version=order.version,
        )
    # and the customer was paid once
    assert order.payments.filter(operation=P.REFUND).count() == 1
    assert [op for op, _ in gateway_ledger()].count("refund") == 1


def test_retried_refund_is_never_paid_twice(
    verified_order, delivered, processor, monkeypatch
):
    # Given a refund whose record was lost after the gateway paid it (the
    # transaction failed after the call)
    order = delivered(verified_order(quantity=2))

    def broken(**_):
        raise RuntimeError("lost on the way back")

    monkeypatch.setattr(payment_recovery, "customer_notify", broken)
    with pytest.raises(RuntimeError):
        order_refund(
            order=order,
            actor=processor,
            amount=Decimal("10"),
            reason="Returned",
            expected_version=order.version,
        )
    assert not order.payments.filter(operation=P.REFUND).exists()
    monkeypatch.undo()
    # When the same refund is tried again from the same page
    order_refund(
        order=order,
        actor=processor,
        amount=Decimal("10"),
        reason="Returned",
        expected_version=order.version,
    )
    # Then the gateway paid it once, and it is recorded once
    assert [op for op, _ in gateway_ledger()].count("refund") == 1
    assert order.payments.filter(operation=P.REFUND).count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("0"), "more than £0"),
        (Decimal("-5"), "more than £0"),
        (Decimal("1.005"), "two decimal places"),
        ("ten", "in pounds"),
        (Decimal("NaN"), "in pounds"),
    ],
    ids=["zero", "negative", "fraction-of-a-penny", "words", "not-a-number"],
)
def test_refund_refuses_a_bad_amount(
    verified_order, delivered, processor, amount, message
):
    order = delivered(verified_order(quantity=2))
    with pytest.raises(OrderInputError, match=message):
        order_refund(order=order, actor=processor, amount=amount, reason="Returned")
    assert not order.payments.filter(operation=P.REFUND).exists()


def test_refund_before_dispatch_is_refused(verified_order, processor):
    order = verified_order()
    with pytest.raises(OrderRuleError, match="once the order has been dispatched"):
        order_refund(order=order, actor=processor, amount=Decimal("1"), reason="x")


def test_refund_refused_to_a_dispatcher(verified_order, delivered, dispatcher):
    order = delivered(verified_order())
    with pytest.raises(OrderPermissionError):
        order_refund(order=order, actor=dispatcher, amount=Decimal("1"), reason="x")


def test_refund_on_account_is_a_credit_note(
    verified_order, delivered, account_customer, processor
):
    # Given a delivered order on account terms (invoiced, never charged)
    order = delivered(
        verified_order(quantity=2, customer=account_customer, payment_method="account")
    )
    # When part of it is refunded
    note = order_refund(
        order=order, actor=processor, amount=Decimal("12.00"), reason="Short-dated"
    )
    # Then a credit note is recorded, without calling the card gateway
    assert (note.operation, note.status, note.gateway) == (
        P.REFUND,
        "refunded",
        "account",
    )
    assert note.gateway_reference == f"CN-{order.reference}-1"
    assert gateway_ledger() == []
    told = order.communications.get(purpose=Communication.Purpose.REFUND)
    assert "credit note of £12.00" in told.content
    # and never more than was invoiced
    with pytest.raises(OrderInputError, match=r"at most £12\.00"):
        order_refund(
            order=reload(order),
            actor=processor,
            amount=Decimal("12.01"),
            reason="Short-dated",
        )


# -- the simulated gateway's void by key -----------------------------------------------


def test_gateway_void_by_key_releases_what_an_unanswered_call_authorised(db):
    # Given an authorisation whose answer was lost on the way back
    gateway = SimulatedGateway()
    with pytest.raises(GatewayTimeout):
        gateway.authorise(
            amount=Decimal("24.00"), card_last4="0119", idempotency_key="k1"
        )
    held = money_held()
    # When it is voided by the lost call's key (twice: a repeated void)
    first = gateway.void_by_key(authorised_under="k1", idempotency_key="k1-void")
    again = gateway.void_by_key(authorised_under="k1", idempotency_key="k1-void")
    # Then it is voided once, naming the authorisation, and nothing is held
    assert first == again
    assert first.approved
    assert first.message == f"Voided {held[0]}."
    assert money_held() == []
    assert gateway_ledger() == [("authorise", True), ("void", True)]


@pytest.mark.parametrize("card_last4", ["0002", None], ids=["declined", "never-sent"])
def test_gateway_void_by_key_is_a_no_op_when_nothing_was_authorised(db, card_last4):
    gateway = SimulatedGateway()
    if card_last4:
        gateway.authorise(
            amount=Decimal("24.00"), card_last4=card_last4, idempotency_key="k1"
        )
    ledger = gateway_ledger()
    assert gateway.void_by_key(authorised_under="k1", idempotency_key="k1-void") is None
    assert gateway_ledger() == ledger
