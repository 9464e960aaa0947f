"""Invariants of stock and reservations, for any test to check after it runs.

from tests.orders.invariants import assert_stock_invariants
assert_stock_invariants()
"""

from collections import defaultdict

from django.db.models import F, Sum

from inventory.models import StockLevel, StockPool
from inventory.selectors import stock_ledger_mismatches
from orders.models import OrderLine


def reservation_mismatches(*, pool: StockPool | None = None) -> list[str]:
    """Levels whose reserved units differ from what the active lines hold unsent.

    A line's quantity_reserved counts units since dispatched, so what it still
    holds is quantity_reserved - quantity_dispatched.
    """
    lines = OrderLine.objects.exclude(status__in=OrderLine.INACTIVE_STATUSES).filter(
        product__isnull=False
    )
    levels = StockLevel.objects.all()
    if pool is not None:
        lines, levels = lines.filter(order__stock_pool=pool), levels.filter(pool=pool)
    held = defaultdict(int)
    for row in lines.values("order__stock_pool_id", "product_id").annotate(
        held=Sum(F("quantity_reserved") - F("quantity_dispatched"))
    ):
        held[(row["order__stock_pool_id"], row["product_id"])] += row["held"] or 0
    problems = []
    for level in levels:
        key = (level.pool_id, level.product_id)
        holding = held.pop(key, 0)
        if level.reserved != holding:
            problems.append(
                f"pool {level.pool_id} product {level.product_id}: {level.reserved} "
                f"reserved, active lines hold {holding}"
            )
    for (pool_id, product_id), holding in held.items():
        if holding:
            problems.append(
                f"pool {pool_id} product {product_id}: no stock level, active lines "
                f"hold {holding}"
            )
    return problems


def assert_stock_invariants(*, pool: StockPool | None = None) -> None:
    """Every stock level agrees with its ledger, and its reserved units are exactly
    what the active order lines in its pool hold and have not yet sent."""
    assert stock_ledger_mismatches(pool=pool) == []
    assert reservation_mismatches(pool=pool) == []
