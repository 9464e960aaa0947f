"""Stock changes: each one moves the summary and appends exactly one movement."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connection, transaction

from inventory.exceptions import InventoryError
from inventory.models import StockMovement
from inventory.selectors import stock_ledger_mismatches
from inventory.services import (
    ReservationRequest,
    stock_adjust,
    stock_dispatch,
    stock_pool_live,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_set_restock_date,
)
from tests.factories import ProductFactory

K = StockMovement.Kind


def movements(pool, product) -> list[tuple[str, int]]:
    return list(
        StockMovement.objects.filter(pool=pool, product=product).values_list(
            "kind", "quantity"
        )
    )


def reserve(pool, product, quantity, reference="order-line:1"):
    """Reserve one request and return its result."""
    [result] = stock_reserve(
        pool=pool, requests=[ReservationRequest(product.pk, quantity, reference)]
    )
    return result


def test_receive_raises_on_hand_and_records_one_movement(
    live_pool, product, stock_of, processor
):
    # given a product with no stock
    # when 40 units are booked in
    movement = stock_receive(
        pool=live_pool,
        product=product,
        quantity=40,
        actor=processor,
        reference="PO-991",
        note="Delivery from Paperco",
    )
    # then 40 are on hand, none reserved, and the ledger holds that one receipt
    assert stock_of(live_pool, product) == (40, 0)
    assert movements(live_pool, product) == [(K.RECEIVED, 40)]
    assert (movement.actor, movement.reference, movement.note) == (
        processor,
        "PO-991",
        "Delivery from Paperco",
    )


def test_reserve_holds_units_without_changing_on_hand(live_pool, product, stock_of):
    # given 10 on hand
    stock_receive(pool=live_pool, product=product, quantity=10)
    # when 3 are reserved for an order line
    result = reserve(live_pool, product, 3, reference="order-line:42")
    # then they are reserved, 7 remain available, and one reservation is recorded
    assert result.reserved is True
    assert result.available == 7
    assert stock_of(live_pool, product) == (10, 3)
    assert movements(live_pool, product) == [(K.RECEIVED, 10), (K.RESERVED, 3)]
    assert StockMovement.objects.last().reference == "order-line:42"


def test_release_gives_reserved_units_back(live_pool, product, stock_of):
    # given 10 on hand, 6 reserved
    stock_receive(pool=live_pool, product=product, quantity=10)
    reserve(live_pool, product, 6)
    # when 4 are released (a line reduced)
    stock_release(
        pool=live_pool, product_id=product.pk, quantity=4, reference="order-line:1"
    )
    # then 2 stay reserved and one release is recorded
    assert stock_of(live_pool, product) == (10, 2)
    assert movements(live_pool, product)[-1] == (K.RELEASED, 4)
    assert len(movements(live_pool, product)) == 3


def test_dispatch_takes_units_off_hand_and_out_of_reserved(
    live_pool, product, stock_of
):
    # given 10 on hand, 6 reserved
    stock_receive(pool=live_pool, product=product, quantity=10)
    reserve(live_pool, product, 6)
    # when 5 are dispatched
    stock_dispatch(
        pool=live_pool, product_id=product.pk, quantity=5, reference="order-line:1"
    )
    # then both figures fall by 5 and one dispatch is recorded
    assert stock_of(live_pool, product) == (5, 1)
    assert movements(live_pool, product)[-1] == (K.DISPATCHED, 5)
    assert len(movements(live_pool, product)) == 3


@pytest.mark.parametrize(("delta", "on_hand"), [(-3, 7), (5, 15)])
def test_adjust_corrects_on_hand_with_its_reason(
    live_pool, product, stock_of, supervisor, delta, on_hand
):
    # given 10 on hand
    stock_receive(pool=live_pool, product=product, quantity=10)
    # when a count finds a difference
    movement = stock_adjust(
        pool=live_pool,
        product=product,
        delta=delta,
        reason="Stock count 23 Nov",
        actor=supervisor,
    )
    # then on-hand moves by it and the adjustment keeps its sign, reason and person
    assert stock_of(live_pool, product) == (on_hand, 0)
    assert movements(live_pool, product)[-1] == (K.ADJUSTED, delta)
    assert (movement.note, movement.actor) == ("Stock count 23 Nov", supervisor)


def test_ledger_agrees_with_summary_after_every_change(live_pool, stock_of):
    # given two products
    paper, pens = ProductFactory(), ProductFactory()
    steps = [
        lambda: stock_receive(pool=live_pool, product=paper, quantity=50),
        lambda: stock_receive(pool=live_pool, product=pens, quantity=8),
        lambda: stock_reserve(
            pool=live_pool,
            requests=[
                ReservationRequest(paper.pk, 20, "order-line:1"),
                ReservationRequest(pens.pk, 9, "order-line:2"),  # short: refused
                ReservationRequest(pens.pk, 8, "order-line:3"),
            ],
        ),
        lambda: stock_release(
            pool=live_pool, product_id=paper.pk, quantity=5, reference="order-line:1"
        ),
        lambda: stock_dispatch(
            pool=live_pool, product_id=paper.pk, quantity=15, reference="order-line:1"
        ),
        lambda: stock_dispatch(
            pool=live_pool, product_id=pens.pk, quantity=8, reference="order-line:3"
        ),
        lambda: stock_adjust(
            pool=live_pool, product=paper, delta=-2, reason="Water damage"
        ),
        lambda: stock_adjust(pool=live_pool, product=pens, delta=4, reason="Found"),
        lambda: stock_set_restock_date(
            pool=live_pool, product=pens, restock_date=date(2030, 1, 6)
        ),
    ]
    for number, step in enumerate(steps, start=1):
        # when each change is made
        step()
        # then the summary and the ledger still agree
        assert stock_ledger_mismatches() == [], f"after step {number}"
    assert stock_of(live_pool, paper) == (33, 0)
    assert stock_of(live_pool, pens) == (4, 0)


def test_reservation_is_all_or_nothing_per_request(live_pool, stock_of):
    # given 10 of one product and 2 of another
    paper, toner = ProductFactory(), ProductFactory()
    stock_receive(pool=live_pool, product=paper, quantity=10)
    stock_receive(pool=live_pool, product=toner, quantity=2)
    # when an order asks for 4 of the first and 3 of the second
    results = stock_reserve(
        pool=live_pool,
        requests=[
            ReservationRequest(paper.pk, 4, "order-line:1"),
            ReservationRequest(toner.pk, 3, "order-line:2"),
        ],
    )
    # then the first is reserved in full and the second not at all (no part of 2)
    assert [r.reserved for r in results] == [True, False]
    assert [r.request.reference for r in results] == ["order-line:1", "order-line:2"]
    assert stock_of(live_pool, paper) == (10, 4)
    assert stock_of(live_pool, toner) == (2, 0)
    assert movements(live_pool, toner) == [(K.RECEIVED, 2)]


def test_refused_reservation_reports_what_is_available_and_when_more_comes(
    live_pool, product
):
    # given 2 available and a restock expected
    stock_receive(pool=live_pool, product=product, quantity=5)
    reserve(live_pool, product, 3)
    stock_set_restock_date(
        pool=live_pool, product=product, restock_date=date(2030, 3, 2)
    )
    # when 4 are asked for
    result = reserve(live_pool, product, 4)
    # then it is refused, saying 2 are available and when more is due
    assert result.reserved is False
    assert result.available == 2
    assert result.restock_date == date(2030, 3, 2)


def test_reserving_a_product_never_stocked_is_refused_with_nothing_available(
    live_pool, product, stock_of
):
    # given a product never booked in
    # when a unit is asked for
    result = reserve(live_pool, product, 1)
    # then it is refused and nothing is reserved or recorded
    assert (result.reserved, result.available, result.restock_date) == (False, 0, None)
    assert stock_of(live_pool, product) == (0, 0)
    assert movements(live_pool, product) == []
    assert stock_ledger_mismatches() == []


def test_reservation_with_a_bad_quantity_reserves_nothing_at_all(
    live_pool, product, snapshot
):
    # given 10 on hand
    stock_receive(pool=live_pool, product=product, quantity=10)
    before = snapshot(live_pool, product)
    # when a request list holds a good request and a zero one
    with pytest.raises(InventoryError, match="at least 1 unit"):
        stock_reserve(
            pool=live_pool,
            requests=[
                ReservationRequest(product.pk, 2, "order-line:1"),
                ReservationRequest(product.pk, 0, "order-line:2"),
            ],
        )
    # then not even the good request was reserved
    assert snapshot(live_pool, product) == before


def test_two_requests_for_one_product_share_what_is_available(
    live_pool, product, stock_of
):
    # given 10 on hand
    stock_receive(pool=live_pool, product=product, quantity=10)
    # when one call asks for 6, then 6 more, of it (two lines for the same product)
    results = stock_reserve(
        pool=live_pool,
        requests=[
            ReservationRequest(product.pk, 6, "order-line:1"),
            ReservationRequest(product.pk, 6, "order-line:2"),
        ],
    )
    # then the first is reserved and the second is refused with 4 left
    assert [(r.reserved, r.available) for r in results] == [(True, 4), (False, 4)]
    assert stock_of(live_pool, product) == (10, 6)
    assert movements(live_pool, product) == [(K.RECEIVED, 10), (K.RESERVED, 6)]
    assert stock_ledger_mismatches() == []


def test_a_refused_reservation_leaves_the_callers_transaction_usable(
    live_pool, product, stock_of
):
    # given 5 on hand, and a caller in the middle of its own transaction
    stock_receive(pool=live_pool, product=product, quantity=5)
    with transaction.atomic():
        # when one of its requests is for 0 units and it carries on after the error
        with pytest.raises(InventoryError):
            stock_reserve(
                pool=live_pool,
                requests=[ReservationRequest(product.pk, 0, "order-line:1")],
            )
        reserve(live_pool, product, 2)
    # then its later work is kept
    assert stock_of(live_pool, product) == (5, 2)


@pytest.mark.parametrize("products", [1, 3, 8])
def test_reserving_takes_three_statements_however_many_products(
    live_pool, products, django_assert_num_queries
):
    # given stock of each product (intake's busiest path: see bench/intake.py)
    stocked = [ProductFactory() for _ in range(products)]
    for each in stocked:
        stock_receive(pool=live_pool, product=each, quantity=10)
    requests = [ReservationRequest(p.pk, 1, f"order-line:{p.pk}") for p in stocked]
    # when they are reserved together: the lock, one update, one insert
    with django_assert_num_queries(3):
        results = stock_reserve(pool=live_pool, requests=requests)
    assert all(result.reserved for result in results)
    assert StockMovement.objects.filter(kind=K.RESERVED).count() == products


@pytest.mark.parametrize("quantity", [0, -5])
def test_receive_refuses_a_quantity_below_one(live_pool, product, snapshot, quantity):
    # given 10 on hand
    stock_receive(pool=live_pool, product=product, quantity=10)
    before = snapshot(live_pool, product)
    # when a receipt of nothing (or less) is booked, then it is refused
    with pytest.raises(InventoryError, match="quantity received of at least 1"):
        stock_receive(pool=live_pool, product=product, quantity=quantity)
    # and nothing changed
    assert snapshot(live_pool, product) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda pool, product: stock_release(
                pool=pool, product_id=product.pk, quantity=5, reference="x"
            ),
            "Cannot release 5: only 4 units are reserved",
        ),
        (
            lambda pool, product: stock_release(
                pool=pool, product_id=product.pk, quantity=0, reference="x"
            ),
            "Release at least 1 unit",
        ),
        (
            lambda pool, product: stock_release(
                pool=pool, product_id=product.pk, quantity=-1, reference="x"
            ),
            "Release at least 1 unit",
        ),
        (
            lambda pool, product: stock_dispatch(
                pool=pool, product_id=product.pk, quantity=5, reference="x"
            ),
            "Cannot dispatch 5: only 4 units are reserved",
        ),
        (
            lambda pool, product: stock_dispatch(
                pool=pool, product_id=product.pk, quantity=0, reference="x"
            ),
            "Dispatch at least 1 unit",
        ),
        (
            lambda pool, product: stock_adjust(
                pool=pool, product=product, delta=-7, reason="Count"
            ),
            "PAP-0001: 4 units are reserved for orders; on-hand cannot go below that "
            r"\(it is 10\)",
        ),
        (
            lambda pool, product: stock_adjust(
                pool=pool, product=product, delta=0, reason="Count"
            ),
            "An adjustment must change the quantity",
        ),
        (
            lambda pool, product: stock_adjust(
                pool=pool, product=product, delta=-1, reason="   "
            ),
            "Give the reason for the adjustment",
        ),
    ],
    ids=[
        "release-more-than-reserved",
        "release-zero",
        "release-negative",
        "dispatch-more-than-reserved",
        "dispatch-zero",
        "adjust-below-reserved",
        "adjust-by-zero",
        "adjust-without-reason",
    ],
)
def test_bad_stock_change_is_refused_with_a_reason_and_changes_nothing(
    live_pool, product, snapshot, change, message
):
    # given 10 on hand, 4 of them reserved
    stock_receive(pool=live_pool, product=product, quantity=10)
    reserve(live_pool, product, 4)
    before = snapshot(live_pool, product)
    # when a change the stock cannot take is asked for, then it is refused
    with pytest.raises(InventoryError, match=message):
        change(live_pool, product)
    # and neither the summary nor the ledger moved
    assert snapshot(live_pool, product) == before
    assert stock_ledger_mismatches() == []


def test_adjust_cannot_take_on_hand_below_zero(live_pool, product, snapshot):
    # given 3 on hand, none reserved
    stock_receive(pool=live_pool, product=product, quantity=3)
    before = snapshot(live_pool, product)
    # when a count writes off 4, then it is refused
    with pytest.raises(InventoryError, match="on-hand cannot go below"):
        stock_adjust(pool=live_pool, product=product, delta=-4, reason="Count")
    assert snapshot(live_pool, product) == before


def test_separate_pools_do_not_touch_each_other(
    live_pool, practice_pool, product, stock_of
):
    # given 10 in the live warehouse and 2 in a practice scenario's pool
    stock_receive(pool=live_pool, product=product, quantity=10)
    stock_receive(pool=practice_pool, product=product, quantity=2)
    # when the practice pool reserves and dispatches its 2
    assert reserve(practice_pool, product, 2).reserved
    stock_dispatch(
        pool=practice_pool, product_id=product.pk, quantity=2, reference="practice"
    )
    # then live stock is untouched and the practice pool cannot borrow from it
    assert stock_of(live_pool, product) == (10, 0)
    assert stock_of(practice_pool, product) == (0, 0)
    refused = reserve(practice_pool, product, 1)
    assert (refused.reserved, refused.available) == (False, 0)
    assert movements(live_pool, product) == [(K.RECEIVED, 10)]
    assert stock_ledger_mismatches(pool=live_pool) == []
    assert stock_ledger_mismatches(pool=practice_pool) == []


def test_restock_date_is_recorded_and_can_be_cleared(live_pool, product):
    # given a product with a restock date
    stock_set_restock_date(
        pool=live_pool, product=product, restock_date=date(2030, 5, 1)
    )
    assert reserve(live_pool, product, 1).restock_date == date(2030, 5, 1)
    # when the date is no longer known
    stock_set_restock_date(pool=live_pool, product=product, restock_date=None)
    # then a refused reservation reports no date
    assert reserve(live_pool, product, 1).restock_date is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_cannot_oversell(stock_of):
    # given 5 units and eight orders arriving at once, each wanting 2
    pool = stock_pool_live()
    product = ProductFactory()
    stock_receive(pool=pool, product=product, quantity=5)
    start = threading.Barrier(8)

    def attempt(number: int) -> bool:
        try:
            start.wait(timeout=10)
            return reserve(pool, product, 2, reference=f"order-line:{number}").reserved
        finally:
            connection.close()

    # when they all reserve in parallel
    with ThreadPoolExecutor(max_workers=8) as workers:
        outcomes = list(workers.map(attempt, range(8)))
    # then exactly two get their 2 units and the rest are refused: no oversell
    assert outcomes.count(True) == 2
    assert stock_of(pool, product) == (5, 4)
    assert StockMovement.objects.filter(kind=K.RESERVED).count() == 2
    assert stock_ledger_mismatches() == []
