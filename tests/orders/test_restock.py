"""Restocking: goods in are reserved for the waiting orders, oldest first, each line
whole or not at all, and staff are told which orders can now move on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.models import StockPool
from inventory.selectors import stock_level
from inventory.services import stock_receive, stock_set_restock_date
from orders.exceptions import OrderInputError, OrderPermissionError, OrderRuleError
from orders.models import Order, OrderEvent, OrderException, OrderLine
from orders.services import (
    exception_raise,
    order_cancel,
    order_confirm,
    out_of_stock_handle,
    restock_receive,
    verification_run,
)
from tests.factories import CustomerFactory, ProductFactory

from .invariants import assert_stock_invariants

S = Order.Status
L = OrderLine.Status
H = OrderException.Handling


@pytest.fixture
def scarce(live_pool):
    """A product with nothing in stock and more expected in a week."""
    product = ProductFactory()
    stock_set_restock_date(
        pool=live_pool,
        product=product,
        restock_date=timezone.localdate() + timedelta(days=7),
    )
    return product


@pytest.fixture
def waiting(receive):
    """A checked order, received `hours_ago`, for `quantity` of a product: short
    if the pool cannot fill it (each order from its own customer)."""

    def make(product, quantity: int, hours_ago: int, **fields) -> Order:
        fields.setdefault("customer", CustomerFactory())
        order = receive(
            [(product.code, quantity)],
            received_at=timezone.now() - timedelta(hours=hours_ago),
            **fields,
        )
        return verification_run(order_id=order.pk, worker="w")

    return make


def backorder(order: Order, actor) -> Order:
    out_of_stock_handle(
        exception=order.exceptions.get(kind="out_of_stock"),
        actor=actor,
        option=H.BACKORDER,
        agreement="We'll wait.",
        agreement_channel="phone",
    )
    return Order.objects.get(pk=order.pk)


def line_of(order: Order) -> OrderLine:
    return order.lines.get(line_number=1)


# --- oldest first, whole lines ------------------------------------------------------


def test_restock_fills_the_oldest_orders_first(scarce, waiting, dispatcher, live_pool):
    # given three orders waiting for 2, 3 and 2 units, oldest first
    oldest = waiting(scarce, 2, hours_ago=30)
    middle = waiting(scarce, 3, hours_ago=20)
    newest = waiting(scarce, 2, hours_ago=10)
    # when 6 units arrive
    result = restock_receive(
        pool=live_pool, product=scarce, quantity=6, actor=dispatcher
    )
    # then the two oldest are reserved in full and the newest still waits, though
    # one unit is left: it is not enough for the newest's whole line
    assert line_of(oldest).status == L.RESERVED
    assert line_of(middle).status == L.RESERVED
    assert (line_of(newest).status, line_of(newest).quantity_reserved) == (L.SHORT, 0)
    assert [entry.order.pk for entry in result.orders] == [oldest.pk, middle.pk]
    assert (result.reserved, result.left) == (5, 1)
    level = stock_level(pool=live_pool, product_id=scarce.pk)
    assert (level.on_hand, level.reserved) == (6, 5)
    assert_stock_invariants()


def test_a_later_order_never_jumps_the_queue(scarce, waiting, dispatcher, live_pool):
    # given an older order waiting for 5 and a newer one waiting for 1
    older = waiting(scarce, 5, hours_ago=5)
    newer = waiting(scarce, 1, hours_ago=1)
    # when 3 arrive: not enough for the older order's line
    result = restock_receive(
        pool=live_pool, product=scarce, quantity=3, actor=dispatcher
    )
    # then nothing is reserved: the newer order does not go ahead of the older one
    assert result.orders == []
    assert line_of(older).status == L.SHORT
    assert line_of(newer).status == L.SHORT
    assert stock_level(pool=live_pool, product_id=scarce.pk).available == 3
    assert_stock_invariants()


def test_a_line_is_reserved_whole_never_in_part(scarce, waiting, dispatcher, live_pool):
    order = waiting(scarce, 4, hours_ago=1)
    restock_receive(pool=live_pool, product=scarce, quantity=3, actor=dispatcher)
    assert line_of(order).quantity_reserved == 0
    restock_receive(pool=live_pool, product=scarce, quantity=1, actor=dispatcher)
    assert (line_of(order).status, line_of(order).quantity_reserved) == (L.RESERVED, 4)
    assert_stock_invariants()


def test_restock_serves_backordered_and_part_shipped_lines(
    scarce, waiting, processor, dispatcher, live_pool
):
    # given a backordered line for 2, and a line for 3 with 1 sent as a part
    # shipment (1 was in stock when it was agreed)
    backordered = backorder(waiting(scarce, 2, hours_ago=9), processor)
    stock_receive(pool=live_pool, product=scarce, quantity=1)
    partial = waiting(scarce, 3, hours_ago=5)
    out_of_stock_handle(
        exception=partial.exceptions.get(kind="out_of_stock"),
        actor=processor,
        option=H.PARTIAL_SHIPMENT,
        agreement="Send the one.",
        agreement_channel="phone",
    )
    # (the one unit went to the part shipment: the backorder was agreed first)
    assert line_of(partial).quantity_reserved == 1
    # when 4 arrive
    restock_receive(pool=live_pool, product=scarce, quantity=4, actor=dispatcher)
    # then both lines are reserved in full: 2, and the 2 still missing
    assert (line_of(backordered).status, line_of(backordered).quantity_reserved) == (
        L.RESERVED,
        2,
    )
    assert (line_of(partial).status, line_of(partial).quantity_reserved) == (
        L.RESERVED,
        3,
    )
    assert line_of(backordered).restock_date is None
    assert stock_level(pool=live_pool, product_id=scarce.pk).available == 0
    assert_stock_invariants()


# --- what staff can do now --------------------------------------------------------


def test_a_held_order_is_settled_and_can_now_be_confirmed(
    scarce, waiting, dispatcher, live_pool
):
    # given an order on hold for its short line
    order = waiting(scarce, 2, hours_ago=1)
    assert order.status == S.ON_HOLD
    version = order.version
    # when its stock arrives
    result = restock_receive(
        pool=live_pool, product=scarce, quantity=2, actor=dispatcher, reference="DN-1"
    )
    # then the out-of-stock exception is settled, the order released, and staff
    # told it can now be confirmed
    (entry,) = result.ready
    assert (entry.order.pk, entry.next_step, entry.message) == (
        order.pk,
        "confirm",
        "can now be confirmed",
    )
    assert entry.lines == [{"line": 1, "quantity": 2}]
    order.refresh_from_db()
    assert order.status == S.VERIFIED
    assert order.version > version
    problem = order.exceptions.get()
    assert problem.status == OrderException.Status.RESOLVED
    assert "Stock arrived (DN-1)" in problem.resolution
    assert problem.customer_informed is False
    event = order.events.get(kind=OrderEvent.Kind.STOCK_RESERVED, data__restock=True)
    assert event.data["lines"] == [{"line": 1, "quantity": 2}]
    assert event.actor == dispatcher
    assert_stock_invariants()


def test_a_confirmed_backorder_can_now_be_shipped(
    scarce, waiting, processor, dispatcher, live_pool
):
    order = backorder(waiting(scarce, 2, hours_ago=1), processor)
    order_confirm(
        order=order, actor=processor, promised_date=line_of(order).restock_date
    )
    result = restock_receive(
        pool=live_pool, product=scarce, quantity=2, actor=dispatcher
    )
    assert [(e.next_step, e.message) for e in result.ready] == [
        ("ship", "can now be shipped")
    ]


def test_an_order_with_another_open_exception_stays_on_hold(
    scarce, waiting, processor, dispatcher, live_pool
):
    # given a held order with its short line and another open problem
    order = waiting(scarce, 2, hours_ago=1)
    exception_raise(
        order=order, actor=processor, kind="invalid_address", found="No flat number."
    )
    # when the stock arrives
    result = restock_receive(
        pool=live_pool, product=scarce, quantity=2, actor=dispatcher
    )
    # then the line is reserved but the order is not ready: it says why
    (entry,) = result.orders
    assert entry.next_step == ""
    assert "still on hold with 1 other open exception" in entry.message
    assert result.ready == []
    assert Order.objects.get(pk=order.pk).status == S.ON_HOLD


def test_an_order_with_another_line_still_waiting_is_not_ready(
    receive, scarce, processor, dispatcher, live_pool
):
    # given a backordered order with two scarce products, only one restocked
    other = ProductFactory()
    stock_set_restock_date(
        pool=live_pool,
        product=other,
        restock_date=timezone.localdate() + timedelta(days=9),
    )
    order = receive([(scarce.code, 1), (other.code, 1)])
    order = verification_run(order_id=order.pk, worker="w")
    for problem in order.exceptions.all():
        out_of_stock_handle(
            exception=problem,
            actor=processor,
            option=H.BACKORDER,
            agreement="We'll wait.",
            agreement_channel="phone",
        )
    order_confirm(
        order=order,
        actor=processor,
        promised_date=timezone.localdate() + timedelta(days=9),
    )
    # when one of them arrives, then the order cannot ship yet, and says why
    result = restock_receive(
        pool=live_pool, product=scarce, quantity=1, actor=dispatcher
    )
    (entry,) = result.orders
    assert entry.next_step == ""
    assert "line 2" in entry.message


# --- pools, orders and people -------------------------------------------------------


def test_pools_are_kept_apart(waiting, dispatcher, learner, live_pool):
    # given a learner's practice order waiting in its own pool, for a product of
    # the practice catalogue that both pools stock
    practice = StockPool.objects.create(code="practice-1", name="Practice 1")
    scarce = ProductFactory(practice=True)
    order = waiting(
        scarce,
        1,
        hours_ago=1,
        stock_pool=practice,
        customer=CustomerFactory(practice=True),
        practice_learner=learner,
    )
    assert line_of(order).status == L.SHORT
    # when the live warehouse receives the product
    result = restock_receive(
        pool=live_pool, product=scarce, quantity=5, actor=dispatcher
    )
    # then the practice order is untouched, and the goods stay in the live pool
    assert result.orders == []
    assert line_of(order).status == L.SHORT
    assert stock_level(pool=live_pool, product_id=scarce.pk).available == 5
    assert stock_level(pool=practice, product_id=scarce.pk).on_hand == 0
    # and a delivery to the practice pool serves it
    result = restock_receive(
        pool=practice, product=scarce, quantity=1, actor=dispatcher
    )
    assert [e.order.pk for e in result.orders] == [order.pk]
    assert_stock_invariants()


def test_a_cancelled_order_is_not_served(
    scarce, waiting, processor, dispatcher, live_pool
):
    order = waiting(scarce, 1, hours_ago=1)
    order_cancel(order=order, actor=processor, reason="Customer cancelled")
    result = restock_receive(
        pool=live_pool, product=scarce, quantity=1, actor=dispatcher
    )
    assert result.orders == []
    assert stock_level(pool=live_pool, product_id=scarce.pk).available == 1


def test_goods_in_with_no_waiting_order_just_books_them_in(
    stocked_product, dispatcher, live_pool
):
    product = stocked_product(3)
    result = restock_receive(
        pool=live_pool,
        product=product,
        quantity=7,
        actor=dispatcher,
        reference="DN-77",
        note="Two boxes",
    )
    assert (result.orders, result.reserved, result.left) == ([], 0, 7)
    assert (result.movement.reference, result.movement.note) == ("DN-77", "Two boxes")
    assert stock_level(pool=live_pool, product_id=product.pk).on_hand == 10


@pytest.mark.parametrize("quantity", [0, -3])
def test_restock_needs_a_quantity(scarce, dispatcher, live_pool, quantity):
    with pytest.raises(OrderRuleError, match="at least 1"):
        restock_receive(
            pool=live_pool, product=scarce, quantity=quantity, actor=dispatcher
        )
    assert stock_level(pool=live_pool, product_id=scarce.pk).on_hand == 0


def test_a_processor_cannot_book_goods_in(scarce, processor, live_pool):
    with pytest.raises(OrderPermissionError):
        restock_receive(pool=live_pool, product=scarce, quantity=1, actor=processor)
    assert stock_level(pool=live_pool, product_id=scarce.pk).on_hand == 0


def test_a_supervisor_can_book_goods_in(scarce, supervisor, live_pool):
    restock_receive(pool=live_pool, product=scarce, quantity=1, actor=supervisor)
    assert stock_level(pool=live_pool, product_id=scarce.pk).on_hand == 1


def test_booking_in_replaces_the_expected_date_with_the_next_one(
    scarce, dispatcher, live_pool
):
    # given a product expected in 5 days, which arrives early
    assert stock_level(pool=live_pool, product_id=scarce.pk).restock_date
    # when it is booked in with no further delivery due
    restock_receive(pool=live_pool, product=scarce, quantity=3, actor=dispatcher)
    # then no restock date is left for a later backorder to be promised on
    assert stock_level(pool=live_pool, product_id=scarce.pk).restock_date is None
    # and when the next delivery is booked with the one after it known
    after = timezone.localdate() + timedelta(days=14)
    restock_receive(
        pool=live_pool,
        product=scarce,
        quantity=3,
        actor=dispatcher,
        next_restock_date=after,
    )
    assert stock_level(pool=live_pool, product_id=scarce.pk).restock_date == after


def test_a_next_delivery_date_in_the_past_is_refused(scarce, dispatcher, live_pool):
    with pytest.raises(OrderRuleError, match="after today"):
        restock_receive(
            pool=live_pool,
            product=scarce,
            quantity=3,
            actor=dispatcher,
            next_restock_date=timezone.localdate(),
        )
    assert stock_level(pool=live_pool, product_id=scarce.pk).on_hand == 0


@pytest.mark.parametrize("days_ahead", [367, 2_900_000])
def test_a_next_delivery_date_more_than_a_year_ahead_is_refused(
    scarce, dispatcher, live_pool, days_ahead
):
    # given a product expected in 5 days
    expected = stock_level(pool=live_pool, product_id=scarce.pk).restock_date
    # when it is booked in with the next delivery in a mistyped year
    with pytest.raises(OrderInputError) as refused:
        restock_receive(
            pool=live_pool,
            product=scarce,
            quantity=3,
            actor=dispatcher,
            next_restock_date=timezone.localdate() + timedelta(days=days_ahead),
        )
    # then it is refused on that field and nothing is booked in
    assert refused.value.errors == {
        "next_restock_date": ["That is more than a year ahead: check the year."]
    }
    level = stock_level(pool=live_pool, product_id=scarce.pk)
    assert (level.on_hand, level.restock_date) == (0, expected)


def test_a_next_delivery_date_366_days_ahead_is_accepted(scarce, dispatcher, live_pool):
    after = timezone.localdate() + timedelta(days=366)
    restock_receive(
        pool=live_pool,
        product=scarce,
        quantity=3,
        actor=dispatcher,
        next_restock_date=after,
    )
    assert stock_level(pool=live_pool, product_id=scarce.pk).restock_date == after
