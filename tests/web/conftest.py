"""Fixtures shared by the page tests."""

from datetime import timedelta

import pytest

from inventory.services import stock_set_restock_date
from orders.services import verification_run


@pytest.fixture
def held_order(receive, stocked_product, live_pool, tomorrow):
    """An order on hold: line 1 out of stock (restock date known unless
    restock=False), line 2 reserved."""

    def make(restock=True):
        short = stocked_product(0)
        if restock:
            stock_set_restock_date(
                pool=live_pool, product=short, restock_date=tomorrow + timedelta(6)
            )
        plenty = stocked_product(50)
        order = receive([(short.code, 3), (plenty.code, 1)])
        return verification_run(order_id=order.pk, worker="worker-1")

    return make
