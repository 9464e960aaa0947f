"""Reads of stock, shaped for their callers."""

from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from .models import Product, StockLevel, StockMovement, StockPool


def product_by_code(*, code: str, practice: bool = False) -> Product | None:
    """The product with this code in the live catalogue, or with practice=True in
    the practice catalogue (a learner's scenarios); the other one never matches."""
    return Product.objects.filter(code=code.strip().upper(), practice=practice).first()


def stock_level(*, pool: StockPool, product_id: int) -> StockLevel | None:
    return StockLevel.objects.filter(pool=pool, product_id=product_id).first()


@dataclass(frozen=True)
class LedgerMismatch:
    pool_id: int
    product_id: int
    on_hand: int
    reserved: int
    ledger_on_hand: int
    ledger_reserved: int


def _signed(kind_signs: dict[str, int]) -> Sum:
    whens = [
        When(kind=kind, then=F("quantity") * sign) for kind, sign in kind_signs.items()
    ]
    return Coalesce(
        Sum(Case(*whens, default=Value(0), output_field=IntegerField())), Value(0)
    )


def stock_ledger_mismatches(*, pool: StockPool | None = None) -> list[LedgerMismatch]:
    """Levels whose on-hand or reserved figures disagree with the movement ledger.

    Empty when the summary and the ledger agree, which they always must.
    """
    K = StockMovement.Kind
    ledger = (
        StockMovement.objects.filter(Q(pool=pool) if pool else Q())
        .values("pool_id", "product_id")
        .annotate(
            on_hand=_signed({K.RECEIVED: 1, K.ADJUSTED: 1, K.DISPATCHED: -1}),
            reserved=_signed({K.RESERVED: 1, K.RELEASED: -1, K.DISPATCHED: -1}),
        )
    )
    by_key = {(row["pool_id"], row["product_id"]): row for row in ledger}
    levels = StockLevel.objects.filter(Q(pool=pool) if pool else Q())
    mismatches = []
    for level in levels:
        row = by_key.pop((level.pool_id, level.product_id), None)
        on_hand, reserved = (row["on_hand"], row["reserved"]) if row else (0, 0)
        if (on_hand, reserved) != (level.on_hand, level.reserved):
            mismatches.append(
                LedgerMismatch(
                    level.pool_id,
                    level.product_id,
                    level.on_hand,
                    level.reserved,
                    on_hand,
                    reserved,
                )
            )
    for (pool_id, product_id), row in by_key.items():
        mismatches.append(
            LedgerMismatch(pool_id, product_id, 0, 0, row["on_hand"], row["reserved"])
        )
    return mismatches
