"""Restocks and orders on the same product at the same moment, on PostgreSQL.

Each job runs in its own thread and database connection, all released together
(see test_concurrency.run_together). After every test the stock invariants are
checked: each level agrees with its ledger, and its reserved units are exactly
what the active lines in its pool hold unsent.
"""

import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Role
from inventory.models import StockLevel
from inventory.services import stock_pool_live, stock_set_restock_date
from orders.models import Order, OrderLine
from orders.services import order_cancel, restock_receive
from tests.factories import CustomerFactory, ProductFactory

from .invariants import assert_stock_invariants
from .test_concurrency import (
    deadlocks_detected,
    errors_logged,
    receive_and_verify,
    run_together,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

L = OrderLine.Status


@pytest.fixture(autouse=True)
def role_groups(transactional_db):
    """Put back the role groups an earlier transactional test's flush removed."""
    for role in Role.values:
        Group.objects.get_or_create(name=role)


@pytest.fixture(autouse=True)
def invariants_hold(transactional_db):
    """After every test here: the ledger and the reservations agree."""
    yield
    assert_stock_invariants()


@pytest.fixture
def quiet(caplog):
    """Fail the test if any thread logged an error or PostgreSQL broke a deadlock."""
    caplog.set_level(logging.WARNING)
    before = deadlocks_detected()
    yield
    assert errors_logged(caplog) == []
    assert deadlocks_detected() == before, "PostgreSQL broke a deadlock"


@pytest.fixture
def scarce(db):
    """Make a product with none in stock and a restock date next week."""

    def make():
        product = ProductFactory()
        stock_set_restock_date(
            pool=stock_pool_live(),
            product=product,
            restock_date=timezone.localdate() + timedelta(days=7),
        )
        return product

    return make


def level_of(product) -> StockLevel:
    return StockLevel.objects.get(pool=stock_pool_live(), product=product)


def waiting_orders(product, quantities, by) -> list[Order]:
    orders = [
        receive_and_verify(customer, [(product.code, quantity)], by)
        for customer, quantity in zip(
            CustomerFactory.create_batch(len(quantities)), quantities, strict=True
        )
    ]
    assert {o.status for o in orders} == {Order.Status.ON_HOLD}
    return orders


def test_restocks_at_once_serve_every_waiting_line_exactly(
    scarce, processor, dispatcher, quiet
):
    # given 12 orders each waiting for 1 unit
    product = scarce()
    orders = waiting_orders(product, [1] * 12, processor)
    # when six deliveries of 2 are booked in at the same moment
    results = run_together(
        [
            lambda: restock_receive(
                pool=stock_pool_live(), product=product, quantity=2, actor=dispatcher
            )
            for _ in range(6)
        ]
    )
    # then all 12 lines are reserved once each, and nothing is left over or oversold
    level = level_of(product)
    assert (level.on_hand, level.reserved) == (12, 12)
    lines = OrderLine.objects.filter(order__in=orders)
    assert set(lines.values_list("status", "quantity_reserved")) == {(L.RESERVED, 1)}
    assert sum(result.reserved for result in results) == 12
    served = [entry.order.pk for result in results for entry in result.orders]
    assert sorted(served) == sorted(o.pk for o in orders)


def test_restocks_and_new_orders_at_once_never_oversell(
    scarce, processor, dispatcher, quiet
):
    # given 8 orders waiting for 1, 2 or 3 units of a product
    product = scarce()
    waiting_orders(product, [1, 2, 3, 1, 2, 3, 1, 2], processor)
    # when four deliveries of 3 arrive while ten new orders for 2 are received
    # and checked, all at the same moment
    run_together(
        [
            lambda: restock_receive(
                pool=stock_pool_live(), product=product, quantity=3, actor=dispatcher
            )
            for _ in range(4)
        ]
        + [
            lambda c=customer: receive_and_verify(c, [(product.code, 2)], processor)
            for customer in CustomerFactory.create_batch(10)
        ]
    )
    # then the 12 units received are reserved at most once, each line whole or not
    # at all (the invariants, checked after the test, tie them to the lines)
    level = level_of(product)
    assert level.on_hand == 12
    assert level.reserved <= 12
    lines = OrderLine.objects.filter(product=product)
    for line in lines:
        assert (line.status, line.quantity_reserved) in {
            (L.RESERVED, line.quantity),
            (L.SHORT, 0),
        }, line
    reserved = sum(line.quantity for line in lines if line.status == L.RESERVED)
    assert reserved == level.reserved


def test_restocking_two_products_while_orders_holding_them_are_cancelled(
    scarce, processor, supervisor, dispatcher, quiet
):
    # given orders holding two products (their lines in both orders), and orders
    # waiting for each
    first, second = scarce(), scarce()
    pool = stock_pool_live()
    restock_receive(pool=pool, product=first, quantity=12, actor=dispatcher)
    restock_receive(pool=pool, product=second, quantity=12, actor=dispatcher)
    holding = [
        receive_and_verify(
            customer,
            [(first.code, 2), (second.code, 2)]
            if n % 2
            else [(second.code, 2), (first.code, 2)],
            processor,
        )
        for n, customer in enumerate(CustomerFactory.create_batch(6))
    ]
    assert {o.status for o in holding} == {Order.Status.VERIFIED}
    waiting = waiting_orders(first, [2, 2], processor) + waiting_orders(
        second, [2, 2], processor
    )
    # when the holders are cancelled while both products are restocked
    run_together(
        [
            lambda o=order: order_cancel(order=o, actor=supervisor, reason="Changed")
            for order in holding
        ]
        + [
            lambda p=product: restock_receive(
                pool=pool, product=p, quantity=4, actor=dispatcher
            )
            for product in (first, second, first, second)
        ]
    )
    # then every waiting order was served, and only they hold stock
    for order in waiting:
        assert order.lines.get().status == L.RESERVED
    for product in (first, second):
        level = level_of(product)
        assert (level.on_hand, level.reserved) == (20, 4)
