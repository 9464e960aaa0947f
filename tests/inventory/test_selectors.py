"""Reads of stock: the ledger check, and looking a product up by its code."""

from django.db.models import F

from inventory.models import StockLevel, StockMovement
from inventory.selectors import (
    LedgerMismatch,
    product_by_code,
    stock_ledger_mismatches,
    stock_level,
)
from inventory.services import (
    ReservationRequest,
    stock_receive,
    stock_reserve,
)
from tests.factories import ProductFactory


def test_ledger_check_is_empty_when_nothing_is_stocked(live_pool):
    # given no stock at all, then there is nothing to disagree
    assert stock_ledger_mismatches() == []


def test_ledger_check_reports_a_summary_changed_behind_the_ledger(live_pool, product):
    # given 10 on hand, 3 reserved, recorded properly
    stock_receive(pool=live_pool, product=product, quantity=10)
    stock_reserve(
        pool=live_pool, requests=[ReservationRequest(product.pk, 3, "order-line:1")]
    )
    assert stock_ledger_mismatches() == []
    # when someone edits the summary row directly
    StockLevel.objects.filter(pool=live_pool, product=product).update(
        on_hand=F("on_hand") + 1
    )
    # then the check names the row, its figures and what the ledger says
    assert stock_ledger_mismatches() == [
        LedgerMismatch(
            pool_id=live_pool.pk,
            product_id=product.pk,
            on_hand=11,
            reserved=3,
            ledger_on_hand=10,
            ledger_reserved=3,
        )
    ]


def test_ledger_check_reports_a_reservation_changed_behind_the_ledger(
    live_pool, product
):
    # given 10 on hand
    stock_receive(pool=live_pool, product=product, quantity=10)
    # when reserved is raised without a movement
    StockLevel.objects.filter(pool=live_pool, product=product).update(reserved=2)
    # then the mismatch shows the reserved figures apart
    [mismatch] = stock_ledger_mismatches()
    assert (mismatch.reserved, mismatch.ledger_reserved) == (2, 0)


def test_ledger_check_reports_movements_without_a_summary_change(live_pool, product):
    # given a product on hand
    stock_receive(pool=live_pool, product=product, quantity=5)
    # when a movement is appended without its summary change (bypassing the service)
    StockMovement.objects.create(
        pool=live_pool, product=product, kind=StockMovement.Kind.RECEIVED, quantity=4
    )
    # then the check reports the difference
    [mismatch] = stock_ledger_mismatches()
    assert (mismatch.on_hand, mismatch.ledger_on_hand) == (5, 9)


def test_ledger_check_can_be_limited_to_one_pool(live_pool, practice_pool, product):
    # given stock in two pools, and the practice pool's summary corrupted
    stock_receive(pool=live_pool, product=product, quantity=5)
    stock_receive(pool=practice_pool, product=product, quantity=5)
    StockLevel.objects.filter(pool=practice_pool).update(on_hand=1)
    # then only the practice pool reports a mismatch
    assert stock_ledger_mismatches(pool=live_pool) == []
    assert [m.pool_id for m in stock_ledger_mismatches(pool=practice_pool)] == [
        practice_pool.pk
    ]
    assert len(stock_ledger_mismatches()) == 1


def test_product_by_code_ignores_case_and_spaces(db):
    # given a product
    product = ProductFactory(code="PAP-0001")
    # when a code is typed loosely, then the product is still found
    assert product_by_code(code="  pap-0001 ") == product
    # and an unknown code finds nothing
    assert product_by_code(code="PAP-9999") is None


def test_stock_level_is_none_for_a_product_never_stocked(live_pool, product):
    # given a product never booked in, then it has no level yet
    assert stock_level(pool=live_pool, product_id=product.pk) is None
    # when it is booked in, then its level shows it
    stock_receive(pool=live_pool, product=product, quantity=3)
    level = stock_level(pool=live_pool, product_id=product.pk)
    assert (level.on_hand, level.reserved, level.available) == (3, 0, 3)
