"""Out of stock: the customer's choice for a short line, with their agreement.

A line the stock check could not fill opens an OUT_OF_STOCK exception. It is
settled one documented way (backorder, substitute, part shipment or cancel the
line), each only with the customer's agreement recorded: their words and the
communication that carried them.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from inventory import services as stock
from inventory.models import Product
from inventory.selectors import stock_level

from ..exceptions import OrderRuleError
from ..models import Communication, Order, OrderEvent, OrderException, OrderLine
from .communications import communication_record
from .events import event_record
from .lifecycle import (
    ensure_role,
    exception_mark_resolved,
    line_stock_release,
    order_lock,
    order_release_if_clear,
    order_save,
    stock_reference,
)
from .order_exceptions import cancel_locked_line, lock_open_exception
from .payment_recovery import payment_follow_total
from .receipt import order_totals

H = OrderException.Handling
OPTIONS = (H.BACKORDER, H.SUBSTITUTE, H.PARTIAL_SHIPMENT, H.CANCEL_LINE)
# A contact in which the customer told us something: a call answered, a visit, a
# reply received. A voicemail or an unsent e-mail carries no agreement.
AGREEMENT_OUTCOMES = (Communication.Outcome.REACHED, Communication.Outcome.RECEIVED)
# How the customer can have given their agreement, and the outcome it records.
AGREEMENT_CHANNELS = {
    Communication.Channel.PHONE: Communication.Outcome.REACHED,
    Communication.Channel.IN_PERSON: Communication.Outcome.REACHED,
    Communication.Channel.EMAIL: Communication.Outcome.RECEIVED,
    Communication.Channel.LETTER: Communication.Outcome.RECEIVED,
}


def _agreement_communication(
    *,
    order: Order,
    actor,
    agreement: str,
    communication: Communication | None,
    agreement_channel: str,
) -> Communication:
    """The communication carrying the customer's agreement: given, or recorded now."""
    if communication is not None:
        if communication.order_id != order.pk:
            raise OrderRuleError("That communication is about a different order.")
        if communication.outcome not in AGREEMENT_OUTCOMES:
            raise OrderRuleError(
                f"That {communication.get_channel_display().lower()} "
                f"({communication.get_outcome_display().lower()}) carries no answer "
                "from the customer: choose a contact in which they told you what "
                "they want, or say how they told you."
            )
        return communication
    if not agreement_channel:
        raise OrderRuleError(
            "Say how the customer told you: choose the communication, or the channel "
            "(phone, e-mail, letter or in person)."
        )
    if agreement_channel not in AGREEMENT_CHANNELS:
        raise OrderRuleError(
            "The customer's agreement comes by phone, e-mail, letter or in person."
        )
    return communication_record(
        order=order,
        actor=actor,
        channel=agreement_channel,
        direction=Communication.Direction.INBOUND,
        purpose=Communication.Purpose.QUERY,
        outcome=AGREEMENT_CHANNELS[agreement_channel],
        subject=f"Out of stock on order {order.reference}: the customer's answer",
        content=agreement,
    )


def _known_restock_date(order: Order, line: OrderLine, offer: str) -> date:
    """The restock date a promise can honestly rest on, or a refusal saying why."""
    level = stock_level(pool=order.stock_pool, product_id=line.product_id)
    restock = level.restock_date if level else None
    if restock is None:
        raise OrderRuleError(
            f"No restock date is known for {line.product_code}: {offer} needs one so "
            "the delivery promise is honest. Offer a substitute or cancel the line."
        )
    if restock < timezone.localdate():
        raise OrderRuleError(
            f"The restock date on record for {line.product_code} "
            f"({restock:%d %B %Y}) has passed: ask purchasing for a new date, or "
            "offer a substitute or cancel the line."
        )
    return restock


def _available(order: Order, product_id: int) -> int:
    """Units free in the order's pool (call with the product's level locked)."""
    level = stock_level(pool=order.stock_pool, product_id=product_id)
    return max(level.available, 0) if level else 0


def _backorder(order, line, actor, extra: dict) -> str:
    restock = _known_restock_date(order, line, "a backorder")
    line.status, line.restock_date, line.ship_partial = (
        OrderLine.Status.BACKORDERED,
        restock,
        False,
    )
    line.save(update_fields=["status", "restock_date", "ship_partial"])
    event_record(
        order=order,
        kind=OrderEvent.Kind.LINE_BACKORDERED,
        actor=actor,
        data={
            "line": line.line_number,
            "restock_date": restock,
            "partial": False,
            **extra,
        },
    )
    return (
        f"Line {line.line_number} ({line.product_code}) backordered until "
        f"{restock:%d %B %Y}; the customer agreed to wait for it."
    )


def _partial_shipment(order, line, actor, extra: dict) -> str:
    restock = _known_restock_date(order, line, "a part shipment (the rest waits)")
    stock.stock_lock(pool=order.stock_pool, product_ids=[line.product_id])
    available = _available(order, line.product_id)
    outstanding = line.quantity_outstanding
    if available <= 0:
        raise OrderRuleError(
            f"None of {line.product_code} is in stock now, so there is nothing to send "
            "first: backorder the whole line, offer a substitute or cancel it."
        )
    if available >= outstanding:
        raise OrderRuleError(
            f"{available} of {line.product_code} are available now, enough for the "
            "whole line: re-run the stock check to reserve it."
        )
    stock.stock_reserve(
        pool=order.stock_pool,
        requests=[
            stock.ReservationRequest(line.product_id, available, stock_reference(line))
        ],
        actor=actor,
    )
    line.quantity_reserved += available
    line.status, line.restock_date, line.ship_partial = (
        OrderLine.Status.BACKORDERED,
        restock,
        True,
    )
    line.save(
        update_fields=["status", "restock_date", "ship_partial", "quantity_reserved"]
    )
    waiting = line.quantity - line.quantity_reserved
    event_record(
        order=order,
        kind=OrderEvent.Kind.LINE_BACKORDERED,
        actor=actor,
        data={
            "line": line.line_number,
            "restock_date": restock,
            "partial": True,
            "reserved": available,
            "waiting": waiting,
            **extra,
        },
    )
    return (
        f"Line {line.line_number} ({line.product_code}): {available} to be sent now "
        f"and the other {waiting} when stock arrives (expected {restock:%d %B %Y}); "
        "the customer agreed to a part shipment."
    )


def _substitute(order, line, actor, product: Product | None, extra: dict) -> str:
    if product is None:
        raise OrderRuleError("Choose the substitute product.")
    if not product.active:
        raise OrderRuleError(
            f"{product.code} ({product.name}) is no longer sold: choose an active "
            "product."
        )
    if product.pk == line.product_id:
        raise OrderRuleError(
            f"{product.code} is the product that is out of stock: choose a different "
            "one."
        )
    if line.quantity_dispatched:
        raise OrderRuleError(
            f"Part of line {line.line_number} has been sent already: backorder or "
            "cancel the rest of it instead."
        )
    stock.stock_lock(pool=order.stock_pool, product_ids=[line.product_id, product.pk])
    available = _available(order, product.pk)
    if available < line.quantity:
        raise OrderRuleError(
            f"Only {available} of {product.code} ({product.name}) are available and "
            f"the line needs {line.quantity}: choose another substitute, backorder or "
            "cancel the line."
        )
    if line.quantity_reserved:
        line_stock_release(
            order=order, line=line, quantity=line.quantity_reserved, actor=actor
        )
    line.status, line.quantity_reserved = OrderLine.Status.SUBSTITUTED, 0
    line.save(update_fields=["status", "quantity_reserved"])
    numbers = order.lines.values_list("line_number", flat=True)
    new_line = OrderLine.objects.create(
        order=order,
        line_number=max(numbers) + 1,
        product_code=product.code,
        product=product,
        description=product.name,
        quantity=line.quantity,
        unit_price=product.unit_price,
        list_price=product.unit_price,
        vat_rate=product.vat_rate,
        substitute_for=line,
    )
    (result,) = stock.stock_reserve(
        pool=order.stock_pool,
        requests=[
            stock.ReservationRequest(
                product.pk, new_line.quantity, stock_reference(new_line)
            )
        ],
        actor=actor,
    )
    if not result.reserved:  # pragma: no cover - checked above under the same lock
        raise OrderRuleError(f"{product.code} could not be reserved; try again.")
    new_line.status, new_line.quantity_reserved = (
        OrderLine.Status.RESERVED,
        new_line.quantity,
    )
    new_line.save(update_fields=["status", "quantity_reserved"])
    order.net_total, order.vat_total, order.gross_total = order_totals(
        list(order.lines.all())
    )
    order_save(order, ["net_total", "vat_total", "gross_total"])
    event_record(
        order=order,
        kind=OrderEvent.Kind.LINE_SUBSTITUTED,
        actor=actor,
        data={
            "line": line.line_number,
            "new_line": new_line.line_number,
            "from": line.product_code,
            "to": product.code,
            "quantity": new_line.quantity,
            "unit_price": new_line.unit_price,
            "gross_total": order.gross_total,
            **extra,
        },
    )
    return (
        f"Line {line.line_number} ({line.product_code}) replaced by "
        f"{new_line.quantity} × {product.code} {product.name} at £{product.unit_price} "
        f"(line {new_line.line_number}); the customer agreed to the substitute."
    )


def out_of_stock_handle(
    *,
    exception: OrderException,
    actor,
    option: str,
    agreement: str,
    agreement_channel: str = "",
    communication: Communication | None = None,
    substitute_product: Product | None = None,
    expected_version: int | None = None,
) -> OrderException:
    """Settle an open out-of-stock exception the way the customer agreed to.

    `option` is a Handling: BACKORDER (until the known restock date), SUBSTITUTE
    (another active product, reserved now), PARTIAL_SHIPMENT (what is in stock now
    is sent first, the rest on restock) or CANCEL_LINE. `agreement` is what the
    customer said; it came in `communication` (a call answered or a reply
    received), or by `agreement_channel`, for which an inbound communication is
    recorded. The exception is resolved with both, and the order comes off hold
    when nothing else is open. A substitute that changes a card order's total has
    the new total authorised (after the change commits: a gateway call). Returns
    the resolved exception.
    """
    resolved = _out_of_stock_settle(
        exception=exception,
        actor=actor,
        option=option,
        agreement=agreement,
        agreement_channel=agreement_channel,
        communication=communication,
        substitute_product=substitute_product,
        expected_version=expected_version,
    )
    if option == H.SUBSTITUTE:
        payment_follow_total(order=resolved.order, actor=actor)
    return resolved


@transaction.atomic
def _out_of_stock_settle(
    *,
    exception: OrderException,
    actor,
    option: str,
    agreement: str,
    agreement_channel: str = "",
    communication: Communication | None = None,
    substitute_product: Product | None = None,
    expected_version: int | None = None,
) -> OrderException:
    """out_of_stock_handle's change, in one transaction."""
    ensure_role(actor, Role.PROCESSOR, Role.SUPERVISOR, order=exception.order)
    if option not in OPTIONS:
        raise OrderRuleError(
            "Choose what the customer agreed to: backorder, substitute, part shipment "
            "or cancel the line."
        )
    agreement = (agreement or "").strip()
    if not agreement:
        raise OrderRuleError("Write what the customer agreed to, in their words.")
    order, exception = lock_open_exception(exception, expected_version)
    if exception.kind != OrderException.Kind.OUT_OF_STOCK:
        raise OrderRuleError("This exception is not about stock.")
    if exception.line_id is None:
        raise OrderRuleError(
            "This out-of-stock exception names no line: resolve it on the order page."
        )
    line = OrderLine.objects.select_for_update().get(pk=exception.line_id)
    if line.status != OrderLine.Status.SHORT:
        raise OrderRuleError(
            f"Line {line.line_number} ({line.product_code}) is "
            f"{line.get_status_display().lower()}, not out of stock: resolve the "
            "exception on the order page."
        )
    communication = _agreement_communication(
        order=order,
        actor=actor,
        agreement=agreement,
        communication=communication,
        agreement_channel=agreement_channel,
    )
    extra = {"exception_id": exception.pk, "communication_id": communication.pk}
    if option == H.BACKORDER:
        resolution = _backorder(order, line, actor, extra)
    elif option == H.PARTIAL_SHIPMENT:
        resolution = _partial_shipment(order, line, actor, extra)
    elif option == H.SUBSTITUTE:
        resolution = _substitute(order, line, actor, substitute_product, extra)
    else:
        cancel_locked_line(
            order=order,
            line=line,
            actor=actor,
            reason=f"Out of stock; the customer agreed to cancel it: {agreement}",
            data=extra,
        )
        resolution = (
            f"Line {line.line_number} ({line.product_code}) cancelled; the customer "
            "agreed."
        )
    order_save(order, [])
    exception_mark_resolved(
        order=order,
        exception=exception,
        actor=actor,
        resolution=resolution,
        customer_informed=True,
        communication=communication,
        handling=option,
        customer_agreement=agreement,
    )
    order_release_if_clear(order=order, actor=actor)
    return exception


@transaction.atomic
def exception_escalate(
    *, exception_id: int, now=None, worker: str = "escalation"
) -> bool:
    """Pass an exception left open too long to a supervisor; once only.

    Returns whether it was escalated now (False: resolved or escalated already).
    """
    order_id = (
        OrderException.objects.filter(pk=exception_id)
        .values_list("order_id", flat=True)
        .first()
    )
    if order_id is None:
        return False
    order = order_lock(Order(pk=order_id))
    exception = OrderException.objects.select_for_update().get(pk=exception_id)
    if exception.status != OrderException.Status.OPEN or exception.escalated_at:
        return False
    now = now or timezone.now()
    exception.escalated_at = now
    exception.save(update_fields=["escalated_at"])
    order_save(order, [])
    event_record(
        order=order,
        kind=OrderEvent.Kind.ESCALATED,
        worker=worker,
        data={
            "exception_id": exception.pk,
            "kind": exception.kind,
            "open_minutes": int((now - exception.opened_at).total_seconds() // 60),
        },
    )
    return True
