"""What the database itself refuses, whatever code tries to write."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from inventory.models import Product, StockLevel, StockMovement
from inventory.services import stock_receive


def test_product_code_in_house_format_is_accepted(db):
    # given a product with a code like PAP-0001, then it validates
    Product(code="PAP-0001", name="A4 paper", unit_price="4.99").full_clean()


@pytest.mark.parametrize("code", ["pap1", "pap-0001", "PAP0001", "PA-0001", "PAP-01"])
def test_product_code_in_another_format_is_refused(db, code):
    # given a product whose code is not three capitals, a dash and four digits
    product = Product(code=code, name="A4 paper", unit_price="4.99")
    # when it is validated, then the code is refused with an example of the format
    with pytest.raises(ValidationError) as refused:
        product.full_clean()
    assert refused.value.message_dict["code"] == [
        "A product code is three capital letters, a dash and four digits, "
        "e.g. PAP-0001."
    ]


def test_database_refuses_more_reserved_than_on_hand(live_pool, product):
    # given 5 on hand
    stock_receive(pool=live_pool, product=product, quantity=5)
    # when a raw update reserves 6, then the database refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pool=live_pool, product=product).update(reserved=6)
    assert StockLevel.objects.get(pool=live_pool, product=product).reserved == 0


def test_database_refuses_negative_on_hand(live_pool, product):
    # given 5 on hand
    stock_receive(pool=live_pool, product=product, quantity=5)
    # when a raw update sets on-hand below zero, then the database refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pool=live_pool, product=product).update(on_hand=-1)
    assert StockLevel.objects.get(pool=live_pool, product=product).on_hand == 5


def test_database_refuses_a_second_level_for_the_same_product_and_pool(
    live_pool, product
):
    # given a product's level in the live pool
    stock_receive(pool=live_pool, product=product, quantity=5)
    # when another level row is added for it, then the database refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.create(pool=live_pool, product=product, on_hand=100)


@pytest.mark.parametrize(
    ("kind", "quantity"),
    [("received", 0), ("reserved", -2), ("dispatched", 0), ("adjusted", 0)],
)
def test_database_refuses_a_movement_of_nothing_or_a_negative_non_adjustment(
    live_pool, product, kind, quantity
):
    # when such a movement is written directly, then the database refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            pool=live_pool, product=product, kind=kind, quantity=quantity
        )


def test_movement_cannot_be_changed_once_recorded(live_pool, product):
    # given a recorded receipt of 5
    movement = stock_receive(pool=live_pool, product=product, quantity=5)
    # when someone edits and saves it, then it is refused
    movement.quantity = 500
    with pytest.raises(ValueError, match="append-only"):
        movement.save()
    # and the ledger still says 5
    assert StockMovement.objects.get(pk=movement.pk).quantity == 5


def test_movement_cannot_be_deleted(live_pool, product):
    # given a recorded receipt
    movement = stock_receive(pool=live_pool, product=product, quantity=5)
    # when someone deletes it, then it is refused and it is still there
    with pytest.raises(ValueError, match="append-only"):
        movement.delete()
    assert StockMovement.objects.filter(pk=movement.pk).exists()


def test_movements_cannot_be_rewritten_or_deleted_in_bulk(live_pool, product):
    # given a recorded receipt of 5
    movement = stock_receive(pool=live_pool, product=product, quantity=5)
    # when someone updates or deletes movements through a query, it is refused,
    # naming what is protected
    with pytest.raises(ValueError, match="Stock movements are append-only"):
        StockMovement.objects.filter(pk=movement.pk).update(quantity=500)
    with pytest.raises(ValueError, match="Stock movements are append-only"):
        StockMovement.objects.all().delete()
    # and the ledger still says 5
    assert StockMovement.objects.get(pk=movement.pk).quantity == 5
