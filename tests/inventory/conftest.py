"""Fixtures for the inventory tests: a product, a second pool, and a stock reading."""

from collections.abc import Callable

import pytest

from inventory.models import Product, StockLevel, StockMovement, StockPool
from tests.factories import ProductFactory


@pytest.fixture
def product(db) -> Product:
    return ProductFactory(code="PAP-0001", name="A4 paper, 500 sheets")


@pytest.fixture
def practice_pool(db) -> StockPool:
    return StockPool.objects.create(code="practice-1", name="Practice scenario 1")


@pytest.fixture
def stock_of() -> Callable[[StockPool, Product], tuple[int, int]]:
    """Read (on hand, reserved) for a product in a pool, fresh from the database."""

    def read(pool: StockPool, product: Product) -> tuple[int, int]:
        level = StockLevel.objects.filter(pool=pool, product=product).first()
        return (level.on_hand, level.reserved) if level else (0, 0)

    return read


@pytest.fixture
def snapshot(stock_of):
    """Everything a refused stock change must leave alone: summary and ledger."""

    def take(pool: StockPool, product: Product):
        movements = list(
            StockMovement.objects.filter(pool=pool, product=product).values_list(
                "pk", "kind", "quantity"
            )
        )
        return stock_of(pool, product), movements

    return take
