"""Orders processed at the same moment on PostgreSQL: no oversell, no deadlock.

Each order runs in its own thread with its own database connection, all released
together by a barrier. The tests are transactional, so receipt really commits and
its on-commit callback runs the checks (eagerly, in that thread); the explicit
verification_run that follows then finds nothing left to do. The assertions hold
whichever of the two ran the checks. Every test ends with the stock ledger check.
"""

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from itertools import permutations
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections
from django.utils import timezone

from accounts.models import Role
from inventory.models import Product, StockLevel, StockMovement
from inventory.selectors import stock_ledger_mismatches
from inventory.services import stock_pool_live
from orders.models import Check, Order, OrderException, OrderLine
from orders.services import (
    CHECK_SEQUENCE,
    LineInput,
    order_cancel,
    order_confirm,
    order_dispatch,
    order_receive,
    order_start_fulfilment,
    verification_run,
)
from tests.conftest import APPROVE_CARD
from tests.factories import CustomerFactory

from .invariants import assert_stock_invariants

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREAD_DEADLINE_SECONDS = 60


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run each job in its own thread and connection, all starting at once.

    Fails if a job raised, or if any thread is still running at the deadline.
    """
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=THREAD_DEADLINE_SECONDS)
            results[index] = job()
        except BaseException as error:  # reported by the main thread, below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, job), daemon=True)
        for index, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + THREAD_DEADLINE_SECONDS
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    assert not stuck, f"{stuck} of {len(threads)} threads never finished"
    assert not errors, f"{len(errors)} threads failed; the first: {errors[0]!r}"
    return results


def deadlocks_detected() -> int:
    """How many deadlocks PostgreSQL has broken in the test database so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        )
        return cursor.fetchone()[0]


def errors_logged(caplog) -> list[str]:
    """Errors swallowed on the way, e.g. by a robust on-commit callback."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def receive_and_verify(customer, lines: list[tuple[str, int]], by) -> Order:
    """What the web page and then the worker do for one order."""
    order = order_receive(
        customer=customer,
        lines=[LineInput(code, quantity) for code, quantity in lines],
        channel="email",
        received_by=by,
        payment_method="card",
        card_number=APPROVE_CARD,
    )
    return verification_run(order_id=order.pk, worker=f"thread-{threading.get_ident()}")


def level_of(product: Product) -> StockLevel:
    return StockLevel.objects.get(pool=stock_pool_live(), product=product)


def assert_round_complete(order: Order) -> None:
    """The order's first round made each check exactly once and was completed."""
    kinds = Counter(
        Check.objects.filter(order=order, round=1, rerun=False).values_list(
            "kind", flat=True
        )
    )
    assert kinds == Counter(CHECK_SEQUENCE), order.reference
    assert order.verification_completed_at is not None, order.reference


@pytest.fixture(autouse=True)
def role_groups(transactional_db):
    """Put back the role groups that an earlier transactional test's flush removed
    (the roles migration made them; a flush does not re-run it)."""
    for role in Role.values:
        Group.objects.get_or_create(name=role)


@pytest.fixture(autouse=True)
def invariants_hold(transactional_db):
    """After every concurrency test: the ledger and the reservations agree."""
    yield
    assert_stock_invariants()


@pytest.fixture
def quiet_checks(caplog):
    """Fail the test if any thread logged an error or PostgreSQL broke a deadlock."""
    caplog.set_level(logging.WARNING)
    before = deadlocks_detected()
    yield
    assert errors_logged(caplog) == []
    assert deadlocks_detected() == before, "PostgreSQL broke a deadlock"


def test_twenty_orders_at_once_for_ten_units_reserve_exactly_ten(
    processor, stocked_product, quiet_checks
):
    # given 10 units of a product and 20 customers each about to order 1
    product = stocked_product(10)
    customers = CustomerFactory.create_batch(20)
    # when all 20 orders are received and checked at the same moment
    results = run_together(
        [
            lambda c=customer: receive_and_verify(c, [(product.code, 1)], processor)
            for customer in customers
        ]
    )
    # then exactly 10 units are reserved and none is oversold
    level = level_of(product)
    assert (level.on_hand, level.reserved, level.available) == (10, 10, 0)
    reservations = StockMovement.objects.filter(
        product=product, kind=StockMovement.Kind.RESERVED
    )
    assert sorted(reservations.values_list("quantity", flat=True)) == [1] * 10
    # and 10 orders are verified with their line reserved, 10 held as out of stock
    orders = list(Order.objects.filter(pk__in=[o.pk for o in results]))
    assert len(orders) == 20
    assert Counter(o.status for o in orders) == {
        Order.Status.VERIFIED: 10,
        Order.Status.ON_HOLD: 10,
    }
    for order in orders:
        assert_round_complete(order)
        line = order.lines.get()
        open_kinds = list(
            order.exceptions.filter(status=OrderException.Status.OPEN).values_list(
                "kind", flat=True
            )
        )
        if order.status == Order.Status.VERIFIED:
            assert (line.status, line.quantity_reserved) == ("reserved", 1)
            assert open_kinds == []
        else:
            assert (line.status, line.quantity_reserved) == ("short", 0)
            assert open_kinds == [OrderException.Kind.OUT_OF_STOCK]
    # and the stock summary agrees with its ledger
    assert stock_ledger_mismatches() == []


def test_overlapping_orders_in_different_line_orders_never_deadlock(
    processor, stocked_product, quiet_checks
):
    # given 10 units each of three products, and 12 orders wanting 2 of each,
    # their lines in every possible order
    products = [stocked_product(10) for _ in range(3)]
    line_orders = list(permutations(products)) * 2
    customers = CustomerFactory.create_batch(len(line_orders))
    jobs = [
        lambda c=customer, ps=line_order: receive_and_verify(
            c, [(p.code, 2) for p in ps], processor
        )
        for customer, line_order in zip(customers, line_orders, strict=True)
    ]
    # when they are all received and checked at once
    results = run_together(jobs)
    # then every order finished its checks: verified if all lines were reserved
    orders = list(Order.objects.filter(pk__in=[o.pk for o in results]))
    for order in orders:
        assert_round_complete(order)
        statuses = set(order.lines.values_list("status", flat=True))
        expected = (
            Order.Status.VERIFIED
            if statuses == {OrderLine.Status.RESERVED}
            else Order.Status.ON_HOLD
        )
        assert order.status == expected, order.reference
    # and each product's 10 units went to exactly 5 lines; the other 7 are short,
    # each with its own open out-of-stock exception
    for product in products:
        level = level_of(product)
        assert (level.on_hand, level.reserved) == (10, 10)
        lines = OrderLine.objects.filter(product=product)
        assert Counter(lines.values_list("status", flat=True)) == {
            OrderLine.Status.RESERVED: 5,
            OrderLine.Status.SHORT: 7,
        }
        for line in lines.filter(status=OrderLine.Status.SHORT):
            assert (
                line.exceptions.filter(
                    kind=OrderException.Kind.OUT_OF_STOCK,
                    status=OrderException.Status.OPEN,
                ).count()
                == 1
            )
    assert stock_ledger_mismatches() == []


@pytest.fixture
def reserved_orders(processor, stocked_product):
    """Verified orders for 1 each of two products (100 in stock), half listing
    them one way round and half the other."""

    def make(count: int):
        first, second = stocked_product(100), stocked_product(100)
        orders = [
            receive_and_verify(
                customer,
                [(first.code, 1), (second.code, 1)]
                if n % 2
                else [(second.code, 1), (first.code, 1)],
                processor,
            )
            for n, customer in enumerate(CustomerFactory.create_batch(count))
        ]
        assert {o.status for o in orders} == {Order.Status.VERIFIED}
        return first, second, orders

    return make


def test_cancelling_overlapping_orders_at_once_never_deadlocks(
    reserved_orders, processor, supervisor, quiet_checks
):
    # given 12 verified orders holding stock of the same two products, their lines
    # in opposite orders
    first, second, orders = reserved_orders(12)
    newcomers = CustomerFactory.create_batch(4)
    # when they are all cancelled while new orders reserve the same products
    run_together(
        [
            lambda o=order: order_cancel(
                order=o, actor=supervisor, reason="Customer changed their mind."
            )
            for order in orders
        ]
        + [
            lambda c=customer: receive_and_verify(
                c, [(second.code, 1), (first.code, 1)], processor
            )
            for customer in newcomers
        ]
    )
    # then every cancellation gave its stock back, and only the newcomers hold any
    assert set(
        Order.objects.filter(pk__in=[o.pk for o in orders]).values_list(
            "status", flat=True
        )
    ) == {Order.Status.CANCELLED}
    for product in (first, second):
        level = level_of(product)
        assert (level.on_hand, level.reserved) == (100, 4)
    assert stock_ledger_mismatches() == []


def test_dispatching_overlapping_orders_at_once_never_deadlocks(
    reserved_orders, supervisor, quiet_checks
):
    # given 12 orders being fulfilled from the same two products, their lines in
    # opposite orders
    first, second, orders = reserved_orders(12)
    promised = timezone.localdate() + timedelta(days=3)
    for order in orders:
        order_confirm(order=order, actor=supervisor, promised_date=promised)
        order_start_fulfilment(order=order, actor=supervisor)
    # when they are all dispatched at once
    run_together(
        [
            lambda o=order: order_dispatch(order=o, actor=supervisor, carrier="DPD")
            for order in orders
        ]
    )
    # then every order went, and the goods left the warehouse once each
    assert set(
        Order.objects.filter(pk__in=[o.pk for o in orders]).values_list(
            "status", flat=True
        )
    ) == {Order.Status.DISPATCHED}
    for product in (first, second):
        level = level_of(product)
        assert (level.on_hand, level.reserved) == (88, 0)
    assert stock_ledger_mismatches() == []
