"""The simulated gateway: answers fixed by the card, and never charges twice."""

from decimal import Decimal

import pytest

from orders.exceptions import GatewayTimeout
from orders.gateways import SimulatedGateway, get_gateway
from orders.models import SimulatedGatewayTransaction

AMOUNT = Decimal("24.00")


@pytest.fixture
def gateway():
    return SimulatedGateway()


def authorise(gateway, card_last4: str, key: str = "order-1-authorise-r1"):
    return gateway.authorise(amount=AMOUNT, card_last4=card_last4, idempotency_key=key)


@pytest.mark.parametrize("card_last4", ["4242", "1881"])
def test_card_is_approved_unless_planted_otherwise(db, gateway, card_last4):
    # when a card ending 4242 (or any unplanted number) is authorised
    result = authorise(gateway, card_last4)
    # then it is approved, with a reference kept in the gateway's ledger
    assert (result.approved, result.message) == (True, "Approved.")
    record = SimulatedGatewayTransaction.objects.get()
    assert result.reference == record.reference
    assert result.reference.startswith("SIM-AUT-")
    assert (record.operation, record.amount, record.approved) == (
        "authorise",
        AMOUNT,
        True,
    )


@pytest.mark.parametrize(
    ("card_last4", "message"),
    [
        ("0002", "Card declined by the issuer."),
        ("9995", "Declined: insufficient funds."),
    ],
    ids=["declined", "insufficient-funds"],
)
def test_planted_cards_are_declined_with_the_issuers_reason(
    db, gateway, card_last4, message
):
    # when a planted card is authorised
    result = authorise(gateway, card_last4)
    # then it is declined, saying why
    assert (result.approved, result.message) == (False, message)
    assert SimulatedGatewayTransaction.objects.get().approved is False


def test_timeout_card_answers_the_retry_without_charging_twice(db, gateway):
    # given a card ending 0119, whose first answer is lost on the way back
    with pytest.raises(GatewayTimeout):
        authorise(gateway, "0119", key="order-7-authorise-r1")
    # the charge went through at the gateway all the same
    first = SimulatedGatewayTransaction.objects.get()
    # when the call is retried with the same key
    result = authorise(gateway, "0119", key="order-7-authorise-r1")
    # then it is approved with that first charge's reference, and charged once
    assert (result.approved, result.reference) == (True, first.reference)
    assert SimulatedGatewayTransaction.objects.count() == 1


def test_timeout_card_times_out_again_for_a_new_key(db, gateway):
    # given a timed-out authorisation
    with pytest.raises(GatewayTimeout):
        authorise(gateway, "0119", key="order-7-authorise-r1")
    # when a different call (a new key) is made, then it times out too
    with pytest.raises(GatewayTimeout):
        authorise(gateway, "0119", key="order-7-authorise-r2")
    assert SimulatedGatewayTransaction.objects.count() == 2


def test_same_key_twice_is_one_call(db, gateway):
    # when the same authorisation is sent twice
    first = authorise(gateway, "4242", key="order-3-authorise-r1")
    second = authorise(gateway, "4242", key="order-3-authorise-r1")
    # then both answers are the same charge, recorded once
    assert second == first
    assert SimulatedGatewayTransaction.objects.count() == 1


def test_a_repeated_decline_stays_declined(db, gateway):
    # given a declined authorisation
    first = authorise(gateway, "0002", key="order-4-authorise-r1")
    # when the same call is repeated, then the first answer is given again
    assert authorise(gateway, "0002", key="order-4-authorise-r1") == first
    assert first.approved is False
    assert SimulatedGatewayTransaction.objects.count() == 1


def test_different_keys_are_different_charges(db, gateway):
    # when two orders are authorised
    first = authorise(gateway, "4242", key="order-1-authorise-r1")
    second = authorise(gateway, "4242", key="order-2-authorise-r1")
    # then each has its own reference
    assert first.reference != second.reference
    assert SimulatedGatewayTransaction.objects.count() == 2


@pytest.mark.parametrize(
    ("operation", "prefix"),
    [
        (
            lambda g: g.capture(
                authorisation="SIM-AUT-1", amount=AMOUNT, idempotency_key="k"
            ),
            "SIM-CAP-",
        ),
        (
            lambda g: g.refund(
                payment_reference="SIM-CAP-1", amount=AMOUNT, idempotency_key="k"
            ),
            "SIM-REF-",
        ),
        (lambda g: g.void(authorisation="SIM-AUT-1", idempotency_key="k"), "SIM-VOI-"),
    ],
    ids=["capture", "refund", "void"],
)
def test_follow_on_calls_succeed_once_per_key(db, gateway, operation, prefix):
    # when a capture, refund or void is sent twice with one key
    first = operation(gateway)
    second = operation(gateway)
    # then it is approved once and the retry gets the same answer
    assert first.approved is True
    assert first.reference.startswith(prefix)
    assert second == first
    assert SimulatedGatewayTransaction.objects.count() == 1


def test_orders_find_the_simulated_gateway_by_name():
    assert isinstance(get_gateway("simulated"), SimulatedGateway)


def test_an_unknown_gateway_name_is_refused():
    with pytest.raises(LookupError, match="No payment gateway called 'nope'"):
        get_gateway("nope")
