"""Every change to stock: a movement in the ledger and the summary, together."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import F

from .exceptions import InventoryError
from .models import Product, StockLevel, StockMovement, StockPool


def stock_pool_live() -> StockPool:
    """The live warehouse's pool, created on first use."""
    pool, _ = StockPool.objects.get_or_create(
        code=StockPool.LIVE_CODE, defaults={"name": "Live warehouse", "is_live": True}
    )
    return pool


@dataclass(frozen=True)
class ReservationRequest:
    product_id: int
    quantity: int
    reference: str


@dataclass(frozen=True)
class ReservationResult:
    request: ReservationRequest
    reserved: bool
    available: int
    restock_date: date | None


def _lock_query(pool: StockPool, ids: list[int]):
    return (
        StockLevel.objects.select_for_update()
        .filter(pool=pool, product_id__in=ids)
        .order_by("pk")
    )


def _locked_levels(
    *, pool: StockPool, product_ids: Iterable[int]
) -> dict[int, StockLevel]:
    """Lock the pool's level rows for these products, in primary-key order.

    A fixed lock order means two transactions reserving overlapping products queue
    behind each other instead of deadlocking.
    """
    ids = sorted(set(product_ids))
    levels = {level.product_id: level for level in _lock_query(pool, ids)}
    missing = [pid for pid in ids if pid not in levels]
    if missing:  # a product's first movement in this pool: make its row, then lock
        StockLevel.objects.bulk_create(
            [StockLevel(pool=pool, product_id=pid) for pid in missing],
            ignore_conflicts=True,
        )
        levels = {level.product_id: level for level in _lock_query(pool, ids)}
    return levels


def _move(
    *,
    level: StockLevel,
    kind: str,
    quantity: int,
    reference: str = "",
    note: str = "",
    actor=None,
) -> StockMovement:
    """Apply one movement to a locked level row and append it to the ledger."""
    on_hand_delta, reserved_delta = {
        StockMovement.Kind.RECEIVED: (quantity, 0),
        StockMovement.Kind.RESERVED: (0, quantity),
        StockMovement.Kind.RELEASED: (0, -quantity),
        StockMovement.Kind.DISPATCHED: (-quantity, -quantity),
        StockMovement.Kind.ADJUSTED: (quantity, 0),
    }[kind]
    StockLevel.objects.filter(pk=level.pk).update(
        on_hand=F("on_hand") + on_hand_delta, reserved=F("reserved") + reserved_delta
    )
    level.on_hand += on_hand_delta
    level.reserved += reserved_delta
    return StockMovement.objects.create(
        pool_id=level.pool_id,
        product_id=level.product_id,
        kind=kind,
        quantity=quantity,
        reference=reference,
        note=note,
        actor=actor,
    )


def stock_lock(*, pool: StockPool, product_ids: Iterable[int]) -> None:
    """Lock these products' levels until the caller's transaction ends.

    Call it first when one transaction changes several products one at a time (a
    cancelled or dispatched order): locking them all now, in the one order every
    stock change uses, keeps it from deadlocking with another order's change.
    """
    _locked_levels(pool=pool, product_ids=product_ids)


@transaction.atomic
def stock_receive(
    *,
    pool: StockPool,
    product: Product,
    quantity: int,
    actor=None,
    reference: str = "",
    note: str = "",
) -> StockMovement:
    """Book goods in: on-hand rises by quantity."""
    if quantity <= 0:
        raise InventoryError("Enter a quantity received of at least 1.")
    level = _locked_levels(pool=pool, product_ids=[product.pk])[product.pk]
    return _move(
        level=level,
        kind=StockMovement.Kind.RECEIVED,
        quantity=quantity,
        reference=reference,
        note=note,
        actor=actor,
    )


@transaction.atomic
def stock_adjust(
    *, pool: StockPool, product: Product, delta: int, reason: str, actor=None
) -> StockMovement:
    """Correct on-hand after a count (damage, loss, found stock), with a reason."""
    if delta == 0:
        raise InventoryError("An adjustment must change the quantity.")
    if not reason.strip():
        raise InventoryError("Give the reason for the adjustment.")
    level = _locked_levels(pool=pool, product_ids=[product.pk])[product.pk]
    if level.on_hand + delta < level.reserved:
        raise InventoryError(
            f"{product.code}: {level.reserved} units are reserved for orders; on-hand "
            f"cannot go below that (it is {level.on_hand})."
        )
    return _move(
        level=level,
        kind=StockMovement.Kind.ADJUSTED,
        quantity=delta,
        note=reason,
        actor=actor,
    )


def stock_reserve(
    *, pool: StockPool, requests: list[ReservationRequest], actor=None
) -> list[ReservationResult]:
    """Reserve each request in full if the pool has it available, else not at all.

    Rows are locked in primary-key order, so concurrent callers cannot oversell.
    Returns one result per request, in the order given. However many requests,
    it takes three statements: the lock, one update of the levels and one insert
    of the movements (order intake's busiest path: see bench/intake.py).
    """
    if any(request.quantity <= 0 for request in requests):
        raise InventoryError("A reservation must be for at least 1 unit.")
    # No savepoint of its own: nothing here is caught and carried on from, so an
    # error rolls back the caller's whole transaction, as it must.
    with transaction.atomic(savepoint=False):
        levels = _locked_levels(pool=pool, product_ids=[r.product_id for r in requests])
        results, movements = [], []
        for request in requests:
            level = levels[request.product_id]
            reserved = level.available >= request.quantity
            if reserved:
                # The row is locked: the new figure is the one to write.
                level.reserved += request.quantity
                movements.append(
                    StockMovement(
                        pool_id=level.pool_id,
                        product_id=level.product_id,
                        kind=StockMovement.Kind.RESERVED,
                        quantity=request.quantity,
                        reference=request.reference,
                        actor=actor,
                    )
                )
            results.append(
                ReservationResult(
                    request=request,
                    reserved=reserved,
                    available=level.available,
                    restock_date=level.restock_date,
                )
            )
        if movements:
            touched = {movement.product_id for movement in movements}
            StockLevel.objects.bulk_update(
                [levels[pid] for pid in sorted(touched)], ["reserved"]
            )
            StockMovement.objects.bulk_create(movements)
    return results


@transaction.atomic
def stock_release(
    *, pool: StockPool, product_id: int, quantity: int, reference: str, actor=None
) -> StockMovement:
    """Give reserved units back to available stock (a cancelled or changed line)."""
    if quantity <= 0:
        raise InventoryError("Release at least 1 unit.")
    level = _locked_levels(pool=pool, product_ids=[product_id])[product_id]
    if quantity > level.reserved:
        raise InventoryError(
            f"Cannot release {quantity}: only {level.reserved} units are reserved."
        )
    return _move(
        level=level,
        kind=StockMovement.Kind.RELEASED,
        quantity=quantity,
        reference=reference,
        actor=actor,
    )


@transaction.atomic
def stock_dispatch(
    *, pool: StockPool, product_id: int, quantity: int, reference: str, actor=None
) -> StockMovement:
    """Send reserved units out of the warehouse: on-hand and reserved both fall."""
    if quantity <= 0:
        raise InventoryError("Dispatch at least 1 unit.")
    level = _locked_levels(pool=pool, product_ids=[product_id])[product_id]
    if quantity > level.reserved:
        raise InventoryError(
            f"Cannot dispatch {quantity}: only {level.reserved} units are reserved."
        )
    return _move(
        level=level,
        kind=StockMovement.Kind.DISPATCHED,
        quantity=quantity,
        reference=reference,
        actor=actor,
    )


@transaction.atomic
def stock_set_restock_date(
    *, pool: StockPool, product: Product, restock_date: date | None
) -> StockLevel:
    """Record when more of a product is expected (None: not known)."""
    level = _locked_levels(pool=pool, product_ids=[product.pk])[product.pk]
    level.restock_date = restock_date
    level.save(update_fields=["restock_date"])
    return level
