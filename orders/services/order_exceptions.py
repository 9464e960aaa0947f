"""Exceptions: problems found on an order, the steps taken, and their resolution."""

from django.db import transaction

from accounts.models import Role

from ..exceptions import OrderRuleError
from ..models import Communication, Order, OrderEvent, OrderException, OrderLine
from .events import event_record
from .lifecycle import (
    ensure_role,
    exception_mark_resolved,
    line_stock_release,
    order_advance_if_all_sent,
    order_hold,
    order_lock,
    order_release_if_clear,
    order_save,
)
from .receipt import order_totals

STAFF = (Role.PROCESSOR, Role.DISPATCHER, Role.SUPERVISOR)
# Exceptions whose resolution changes the order (stock held, payment standing), so
# they are resolved only by the page that makes that change, never by a note.
DOCUMENTED_PATHS = {
    OrderException.Kind.OUT_OF_STOCK: "record the customer's choice (backorder, "
    "substitute, part shipment or cancel the line)",
    OrderException.Kind.PAYMENT_DECLINED: "retry the card, take another card or "
    "move the customer to account terms on the payment page",
    OrderException.Kind.CREDIT_LIMIT: "take payment by card, or have a supervisor "
    "approve the credit on the payment page",
}


@transaction.atomic
def exception_raise(
    *,
    order: Order,
    actor,
    kind: str,
    found: str,
    line: OrderLine | None = None,
    expected_version: int | None = None,
) -> OrderException:
    """A person records a problem; an order past verification goes on hold."""
    ensure_role(actor, *STAFF, order=order)
    order = order_lock(order, expected_version)
    if kind not in OrderException.Kind.values:
        raise OrderRuleError("Choose what kind of problem it is.")
    if not found.strip():
        raise OrderRuleError("Describe what you found.")
    if line is not None and line.order_id != order.pk:
        raise OrderRuleError("That line is not on this order.")
    if not order.takes_exceptions:
        raise OrderRuleError(
            f"Order {order} is {order.get_status_display().lower()}; raise a "
            "complaint or a new order instead."
        )
    exception = OrderException.objects.create(
        order=order, kind=kind, found=found.strip(), line=line, opened_by=actor
    )
    event_record(
        order=order,
        kind=OrderEvent.Kind.EXCEPTION_OPENED,
        actor=actor,
        data={
            "exception_id": exception.pk,
            "kind": kind,
            "found": exception.found,
            "line": line.line_number if line else None,
        },
    )
    if order.status in (
        Order.Status.VERIFIED,
        Order.Status.CONFIRMED,
        Order.Status.FULFILLING,
    ):
        order_hold(order=order, actor=actor, data={"exception_id": exception.pk})
    else:
        # Still being checked (or already held): verification ends on hold.
        order_save(order, [])
    return exception


def lock_open_exception(
    exception: OrderException, expected_version: int | None = None
) -> tuple[Order, OrderException]:
    """Lock the exception's order (refusing a stale page), then the open exception."""
    order = order_lock(exception.order, expected_version)
    exception = OrderException.objects.select_for_update().get(pk=exception.pk)
    if exception.status != OrderException.Status.OPEN:
        raise OrderRuleError("This exception is already resolved.")
    return order, exception


@transaction.atomic
def exception_add_step(
    *,
    exception: OrderException,
    actor,
    text: str,
    expected_version: int | None = None,
):
    """Record a step taken towards resolving an exception."""
    ensure_role(actor, *STAFF, order=exception.order)
    if not text.strip():
        raise OrderRuleError("Describe the step you took.")
    order, exception = lock_open_exception(exception, expected_version)
    step = exception.steps.create(text=text.strip(), actor=actor)
    order_save(order, [])
    event_record(
        order=order,
        kind=OrderEvent.Kind.EXCEPTION_STEP,
        actor=actor,
        data={"exception_id": exception.pk, "step_id": step.pk, "text": step.text},
    )
    return step


def documented_path(exception: OrderException) -> str | None:
    """The steps an open exception must be resolved by, if a note will not do."""
    if exception.kind == OrderException.Kind.OUT_OF_STOCK and (
        exception.line is None or exception.line.status != OrderLine.Status.SHORT
    ):
        return None  # the line was dealt with (cancelled, say): a note may close it
    return DOCUMENTED_PATHS.get(exception.kind)


@transaction.atomic
def exception_resolve(
    *,
    exception: OrderException,
    actor,
    resolution: str,
    customer_informed: bool,
    communication: Communication | None = None,
    expected_version: int | None = None,
) -> OrderException:
    """Close an exception with what was done; the last one takes the order off hold."""
    ensure_role(actor, *STAFF, order=exception.order)
    if not resolution.strip():
        raise OrderRuleError("Say how the problem was resolved.")
    order, exception = lock_open_exception(exception, expected_version)
    path = documented_path(exception)
    if path:
        raise OrderRuleError(
            f"{exception.get_kind_display()} has its own steps: {path}. Resolving it "
            "with a note would leave the order without them."
        )
    if communication is not None:
        if communication.order_id != order.pk:
            raise OrderRuleError("That communication is about a different order.")
        customer_informed = True
    order_save(order, [])
    exception_mark_resolved(
        order=order,
        exception=exception,
        actor=actor,
        resolution=resolution.strip(),
        customer_informed=customer_informed,
        communication=communication,
    )
    order_release_if_clear(order=order, actor=actor)
    return exception


def _lock_line(
    line: OrderLine, expected_version: int | None = None
) -> tuple[Order, OrderLine]:
    order = order_lock(line.order, expected_version)
    return order, OrderLine.objects.select_for_update().get(pk=line.pk)


@transaction.atomic
def line_backorder(
    *,
    line: OrderLine,
    actor,
    agreement: str,
    communication: Communication | None = None,
    agreement_channel: str = "",
    expected_version: int | None = None,
) -> OrderLine:
    """Put a short line on backorder until its known restock date, as the customer
    agreed: the "backorder" choice on the line's open out-of-stock exception, which
    it resolves (see stock_exceptions.out_of_stock_handle)."""
    # Imported here: stock_exceptions builds on this module's helpers.
    from .stock_exceptions import out_of_stock_handle

    ensure_role(actor, Role.PROCESSOR, Role.SUPERVISOR, order=line.order)
    if line.status != OrderLine.Status.SHORT:
        raise OrderRuleError("Only a line that is out of stock can be backordered.")
    exception = OrderException.objects.filter(
        line=line,
        kind=OrderException.Kind.OUT_OF_STOCK,
        status=OrderException.Status.OPEN,
    ).first()
    if exception is None:
        raise OrderRuleError(
            f"Line {line.line_number} has no open out-of-stock exception: raise one "
            "for it, then record the customer's choice there."
        )
    out_of_stock_handle(
        exception=exception,
        actor=actor,
        option=OrderException.Handling.BACKORDER,
        agreement=agreement,
        agreement_channel=agreement_channel,
        communication=communication,
        expected_version=expected_version,
    )
    return OrderLine.objects.get(pk=line.pk)


def cancel_locked_line(
    *, order: Order, line: OrderLine, actor, reason: str, data: dict | None = None
) -> None:
    """Cancel a locked line of a locked order: release its stock, recompute totals,
    write the event (callers check the role and lock)."""
    if not order.is_open or line.quantity_dispatched or not line.is_active:
        raise OrderRuleError("Only a line not yet dispatched can be cancelled.")
    others = order.lines.exclude(pk=line.pk).exclude(
        status__in=OrderLine.INACTIVE_STATUSES
    )
    if not others.exists():
        raise OrderRuleError("This is the order's only line: cancel the order instead.")
    if line.quantity_reserved:
        line_stock_release(
            order=order, line=line, quantity=line.quantity_reserved, actor=actor
        )
    released = line.quantity_reserved
    line.status, line.quantity_reserved = OrderLine.Status.CANCELLED, 0
    line.save(update_fields=["status", "quantity_reserved"])
    order.net_total, order.vat_total, order.gross_total = order_totals(
        list(order.lines.all())
    )
    order_save(order, ["net_total", "vat_total", "gross_total"])
    event_record(
        order=order,
        kind=OrderEvent.Kind.LINE_CANCELLED,
        actor=actor,
        data={
            "line": line.line_number,
            "reason": reason,
            "released": released,
            "gross_total": order.gross_total,
            **(data or {}),
        },
    )
    # If everything still wanted has gone, the order moves on (and is charged for
    # what it now totals) as if its last shipment had just left.
    order_advance_if_all_sent(order=order, actor=actor)


@transaction.atomic
def line_cancel(
    *, line: OrderLine, actor, reason: str, expected_version: int | None = None
) -> OrderLine:
    """Cancel one line before it is dispatched, releasing any stock held for it."""
    ensure_role(actor, Role.PROCESSOR, Role.SUPERVISOR, order=line.order)
    if not reason.strip():
        raise OrderRuleError("Give the reason for cancelling the line.")
    order, line = _lock_line(line, expected_version)
    cancel_locked_line(order=order, line=line, actor=actor, reason=reason.strip())
    return line
