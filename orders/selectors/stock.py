"""Reads for the out-of-stock page: the stock picture and substitute suggestions."""

import re
from dataclasses import dataclass

from django.db.models import F, Q
from django.shortcuts import get_object_or_404

from inventory.models import StockLevel, StockPool

from ..models import OrderException, OrderLine

# Words too common in product names to say two products are alike.
COMMON_WORDS = {"and", "for", "the", "with", "pack", "box", "set", "of", "per"}
MAX_SUGGESTIONS = 8


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    unit_price: object
    available: int
    enough: bool


def out_of_stock_exception(*, order_pk: int, exception_pk: int) -> OrderException:
    """The exception with its order, customer, line and the order's communications."""
    return get_object_or_404(
        OrderException.objects.select_related(
            "order__customer", "order__stock_pool", "line__product", "resolved_by"
        ).prefetch_related("order__communications__actor"),
        pk=exception_pk,
        order_id=order_pk,
    )


def stock_for(*, pool: StockPool, product_id: int | None) -> StockLevel | None:
    if product_id is None:
        return None
    return StockLevel.objects.filter(pool=pool, product_id=product_id).first()


def _name_words(name: str) -> list[str]:
    words = {w for w in re.split(r"[^a-z0-9]+", name.lower()) if len(w) >= 3}
    return sorted(words - COMMON_WORDS)


def substitute_suggestions(*, line: OrderLine, pool: StockPool) -> list[Suggestion]:
    """Active products in stock in the pool whose name shares a word with the
    line's product: those with enough for the whole line first. One query.

    Only from the pool's own catalogue: live products for the live pool, practice
    ones for a practice pool."""
    if line.product is None:
        return []
    words = _name_words(line.product.name)
    if not words:
        return []
    alike = Q()
    for word in words:
        alike |= Q(product__name__icontains=word)
    levels = (
        StockLevel.objects.filter(
            alike, pool=pool, product__active=True, product__practice=not pool.is_live
        )
        .exclude(product_id=line.product_id)
        .annotate(free=F("on_hand") - F("reserved"))
        .filter(free__gt=0)
        .select_related("product")
        .order_by("product__code")
    )
    suggestions = [
        Suggestion(
            code=level.product.code,
            name=level.product.name,
            unit_price=level.product.unit_price,
            available=level.free,
            enough=level.free >= line.quantity,
        )
        for level in levels[:50]
    ]
    suggestions.sort(key=lambda s: (not s.enough, s.code))
    return suggestions[:MAX_SUGGESTIONS]
