"""Restocking: goods booked in are reserved for the orders waiting for them.

Oldest order first, each waiting line whole or not at all; allocation stops at the
first line the delivery cannot fill, so a later order never jumps the queue.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Role
from inventory import services as stock
from inventory.models import Product, StockMovement, StockPool

from ..exceptions import OrderRuleError
from ..models import (
    GoodsInSubmission,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
)
from ..selectors.fulfilment import dispatch_blockers
from .dates import ensure_not_too_far_ahead
from .events import event_record
from .lifecycle import (
    availability_problems,
    ensure_role,
    exception_mark_resolved,
    order_release_if_clear,
    order_save,
    stock_reference,
)

S = Order.Status
WAITING_STATUSES = (OrderLine.Status.BACKORDERED, OrderLine.Status.SHORT)
CLOSED_STATUSES = (S.CLOSED, S.CANCELLED)


@dataclass
class RestockedOrder:
    """An order the delivery reserved stock for, and what staff can do with it now."""

    order: Order
    lines: list[dict] = field(default_factory=list)  # [{"line": n, "quantity": q}]
    next_step: str = ""  # "confirm", "ship", or "" (something else still waits)
    message: str = ""


@dataclass
class RestockResult:
    movement: StockMovement
    reserved: int  # units of the delivery reserved for waiting orders
    orders: list[RestockedOrder]

    @property
    def ready(self) -> list[RestockedOrder]:
        """The orders that can now be confirmed or shipped."""
        return [o for o in self.orders if o.next_step]

    @property
    def left(self) -> int:
        return self.movement.quantity - self.reserved


def _waiting_lines(pool: StockPool, product: Product, order_ids=None):
    """Lines waiting for this product in this pool, oldest order first."""
    lines = OrderLine.objects.filter(
        order__stock_pool=pool,
        product=product,
        status__in=WAITING_STATUSES,
        quantity_reserved__lt=F("quantity"),
    ).exclude(order__status__in=CLOSED_STATUSES)
    if order_ids is not None:
        lines = lines.filter(order_id__in=order_ids)
    return lines.order_by("order__received_at", "order_id", "line_number")


def _lock_orders(order_ids, *, skip_locked: bool = False) -> dict[int, Order]:
    """Lock orders in primary-key order (the order every order-then-stock change
    takes); with skip_locked, only those no one else holds, without waiting."""
    orders = (
        Order.objects.select_for_update(skip_locked=skip_locked)
        .filter(pk__in=set(order_ids))
        .order_by("pk")
    )
    return {order.pk: order for order in orders}


def _next_step(order: Order) -> tuple[str, str]:
    """What staff can do with an order now its stock is reserved: (step, words)."""
    lines = list(order.lines.all())
    if order.status == S.VERIFIED:
        problems = availability_problems(order)
        if problems:
            return "", f"stock reserved, but {problems[0]}"
        return "confirm", "can now be confirmed"
    if order.status in (S.CONFIRMED, S.FULFILLING):
        blockers = dispatch_blockers(lines)
        if blockers:
            return "", f"stock reserved, but {blockers[0]}"
        return "ship", "can now be shipped"
    if order.status == S.ON_HOLD:
        count = order.exceptions.filter(status=OrderException.Status.OPEN).count()
        return "", (
            f"stock reserved; still on hold with {count} other open exception"
            f"{'' if count == 1 else 's'}"
        )
    return "", f"stock reserved; the order is {order.get_status_display().lower()}"


@transaction.atomic
def restock_receive(
    *,
    pool: StockPool,
    product: Product,
    quantity: int,
    actor,
    reference: str = "",
    note: str = "",
    submission_token: uuid.UUID | None = None,
    next_restock_date: date | None = None,
) -> RestockResult:
    """Book goods in and reserve them for the lines waiting for them, oldest first.

    Each waiting line (backordered or short, on an open order in this pool) is
    reserved whole or not at all; allocation stops at the first line the stock
    cannot fill. A short line filled this way settles its out-of-stock exception.
    Returns what was reserved for each order and which orders can now be
    confirmed or shipped. With a submission_token (the goods-in form's one-time
    token) the same person's second submit of the same form raises IntegrityError.
    The delivery that was expected has come: the product's restock date becomes
    next_restock_date (None: no further delivery known), so no later backorder is
    promised on a date that has passed. A next_restock_date more than a year ahead
    is refused as an OrderInputError on that field.
    """
    # A practice pool's deliveries are simulated by the practice service (actor
    # None); a live delivery is booked in by a person with the role.
    if actor is not None or pool.is_live:
        ensure_role(actor, Role.DISPATCHER, Role.SUPERVISOR)
    if quantity < 1:
        raise OrderRuleError("Enter a quantity received of at least 1.")
    if next_restock_date is not None and next_restock_date <= timezone.localdate():
        raise OrderRuleError("The next delivery date must be after today.")
    ensure_not_too_far_ahead(next_restock_date, field="next_restock_date")
    if submission_token is not None:
        # First, before any lock: a second submit of the same goods-in form waits
        # here for the first to commit, then fails with IntegrityError, booking
        # nothing.
        GoodsInSubmission.objects.create(user=actor, token=submission_token)
    # Orders first, then the stock row: the order every other change locks them
    # in, so a restock and an order's checks or dispatch cannot deadlock.
    candidates = _waiting_lines(pool, product).values_list("order_id", flat=True)
    orders = _lock_orders(list(candidates))
    movement = stock.stock_receive(
        pool=pool,
        product=product,
        quantity=quantity,
        actor=actor,
        reference=reference,
        note=note,
    )
    stock.stock_set_restock_date(
        pool=pool, product=product, restock_date=next_restock_date
    )
    touched: dict[int, RestockedOrder] = {}
    filled_short: dict[int, list[OrderLine]] = {}
    reserved_units = 0
    for line in _waiting_lines(pool, product):
        if line.order_id not in orders:
            # A line that started waiting after the first look: lock its order only
            # if free now (waiting could deadlock behind the stock row we hold).
            orders.update(_lock_orders([line.order_id], skip_locked=True))
            if line.order_id not in orders:
                break  # cannot serve it now, so no later order may go first
            line.refresh_from_db()
            if line.status not in WAITING_STATUSES or not line.quantity_outstanding:
                continue
        outstanding = line.quantity - line.quantity_reserved
        (result,) = stock.stock_reserve(
            pool=pool,
            requests=[
                stock.ReservationRequest(product.pk, outstanding, stock_reference(line))
            ],
            actor=actor,
        )
        if not result.reserved:
            break
        reserved_units += outstanding
        was_short = line.status == OrderLine.Status.SHORT
        line.status = OrderLine.Status.RESERVED
        line.quantity_reserved = line.quantity
        line.restock_date = None
        line.save(update_fields=["status", "quantity_reserved", "restock_date"])
        entry = touched.setdefault(
            line.order_id, RestockedOrder(order=orders[line.order_id])
        )
        entry.lines.append({"line": line.line_number, "quantity": outstanding})
        if was_short:
            filled_short.setdefault(line.order_id, []).append(line)
    for order_id, entry in touched.items():
        order = entry.order
        order_save(order, [])
        event_record(
            order=order,
            kind=OrderEvent.Kind.STOCK_RESERVED,
            actor=actor,
            data={
                "lines": entry.lines,
                "restock": True,
                "movement_id": movement.pk,
                "reference": reference,
            },
        )
        for line in filled_short.get(order_id, []):
            settled = OrderException.objects.select_for_update().filter(
                line=line,
                kind=OrderException.Kind.OUT_OF_STOCK,
                status=OrderException.Status.OPEN,
            )
            for exception in settled:
                exception_mark_resolved(
                    order=order,
                    exception=exception,
                    actor=actor,
                    resolution=(
                        f"Stock arrived{f' ({reference})' if reference else ''}: "
                        f"line {line.line_number} ({line.product_code}) reserved in "
                        "full."
                    ),
                    customer_informed=False,
                )
        order_release_if_clear(order=order, actor=actor)
        entry.next_step, entry.message = _next_step(order)
    return RestockResult(
        movement=movement, reserved=reserved_units, orders=list(touched.values())
    )
