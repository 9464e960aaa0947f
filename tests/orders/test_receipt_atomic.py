"""Receiving an order is one transaction: a failure part-way leaves nothing."""

import pytest

from orders.models import Order, OrderEvent
from orders.services import LineInput, order_receive


def test_a_failure_after_the_order_row_leaves_no_order(
    processor, customer, stocked_product, monkeypatch
):
    product = stocked_product()

    # given acknowledging the order fails (after the order and lines are written)
    def broken(**kwargs):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr("orders.services.receipt._acknowledge", broken)
    # when an order is received, then it fails and nothing of it is kept
    with pytest.raises(RuntimeError):
        order_receive(
            customer=customer,
            lines=[LineInput(product.code, 1)],
            channel="email",
            received_by=processor,
            payment_method="card",
            card_number="4242424242424242",
        )
    assert not Order.objects.exists()
    assert not OrderEvent.objects.exists()
