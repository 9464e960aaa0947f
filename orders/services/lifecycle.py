"""The order lifecycle: one transition table, and the transitions that change status.

Each transition has the same shape: lock the order, check the transition and its
guards, change, save, write the event, schedule side effects on commit.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from inventory import services as stock

from .. import tasks as order_tasks
from ..access import acts_as, ensure_acts_as
from ..exceptions import OrderInputError, OrderRuleError, StaleOrderError
from ..models import (
    Communication,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
    Shipment,
    ShipmentLine,
)
from ..selectors.detail import earliest_promise_date
from ..selectors.fulfilment import dispatch_blockers, ships_now
from .background import enqueue_after_commit
from .communications import customer_notify
from .dates import ensure_not_too_far_ahead
from .events import event_record
from .payments import payment_capture_for_order, payment_release_for_order

S = Order.Status
P, D, V = Role.PROCESSOR, Role.DISPATCHER, Role.SUPERVISOR
SYSTEM = ()  # only the background checks take these transitions


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None
    roles: tuple[str, ...]
    verb: str  # "confirmed": for messages ("it can be confirmed only when ...")


TRANSITIONS: dict[str, Transition] = {
    "start_verification": Transition(
        frozenset({S.RECEIVED}), S.VERIFYING, SYSTEM, "checked"
    ),
    "complete_verification": Transition(
        frozenset({S.VERIFYING}), S.VERIFIED, SYSTEM, "verified"
    ),
    "hold": Transition(
        frozenset({S.VERIFIED, S.CONFIRMED, S.FULFILLING}),
        S.ON_HOLD,
        (P, D, V),
        "put on hold",
    ),
    # The target is the status the order was held from (verification complete).
    "release": Transition(frozenset({S.ON_HOLD}), None, (P, D, V), "released"),
    "confirm": Transition(frozenset({S.VERIFIED}), S.CONFIRMED, (P, V), "confirmed"),
    "start_fulfilment": Transition(
        frozenset({S.CONFIRMED}), S.FULFILLING, (D, V), "picked"
    ),
    "dispatch": Transition(
        frozenset({S.FULFILLING}), S.DISPATCHED, (D, V), "dispatched"
    ),
    "record_delivery": Transition(
        frozenset({S.FULFILLING, S.DISPATCHED}), S.DELIVERED, (D, V), "marked delivered"
    ),
    "record_follow_up": Transition(
        frozenset({S.DELIVERED}), S.FOLLOWED_UP, (P, V), "followed up"
    ),
    # Delivered: only for a customer who has not agreed to courtesy contact, whose
    # follow-up is "not needed" (order_close checks).
    "close": Transition(
        frozenset({S.DELIVERED, S.FOLLOWED_UP}), S.CLOSED, (P, V), "closed"
    ),
    # A change to lines, address or date until dispatch: the changed order is
    # checked again (only the checks the change affects) and confirmed afresh.
    "amend": Transition(
        frozenset({S.VERIFIED, S.ON_HOLD, S.CONFIRMED, S.FULFILLING}),
        S.VERIFYING,
        (P, V),
        "amended",
    ),
    "cancel": Transition(
        frozenset(
            {S.RECEIVED, S.VERIFYING, S.VERIFIED, S.ON_HOLD, S.CONFIRMED, S.FULFILLING}
        ),
        S.CANCELLED,
        (P, V),
        "cancelled",
    ),
}


# The warehouse picks from confirmation (start_fulfilment) until the last shipment
# goes (dispatch): only then is there a picking list to print.
PICKING_STATUSES = frozenset(
    TRANSITIONS["start_fulfilment"].sources | TRANSITIONS["dispatch"].sources
)


def _labels(statuses) -> str:
    names = [str(S(s).label).lower() for s in S.values if s in statuses]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def ensure_role(actor, *roles: str, order: Order | None = None) -> None:
    """Refuse a person whose role does not allow the action (on this order: a
    practice order is only its learner's, who acts as the order processor)."""
    ensure_acts_as(actor, order, *roles)


def ensure_transition(order: Order, action: str, actor=None) -> Transition:
    """Refuse, with a message a person can act on, an action the order cannot take."""
    transition = TRANSITIONS[action]
    if actor is not None:
        ensure_role(actor, *transition.roles, order=order)
    if order.status not in transition.sources:
        raise OrderRuleError(
            f"Order {order} is {order.get_status_display().lower()}; it can be "
            f"{transition.verb} only when it is {_labels(transition.sources)}."
        )
    return transition


def allowed_actions(order: Order, user) -> list[str]:
    """The transitions this person may take on the order in its current status."""
    return [
        action
        for action, transition in TRANSITIONS.items()
        if transition.roles
        and order.status in transition.sources
        and acts_as(user, order, *transition.roles)
    ]


def stock_reference(line: OrderLine) -> str:
    """How the stock ledger names the order line a movement is for."""
    return f"order-line:{line.pk}"


def line_stock_release(*, order: Order, line: OrderLine, quantity: int, actor) -> None:
    """Give `quantity` units held for a line back to its order's stock pool."""
    stock.stock_release(
        pool=order.stock_pool,
        product_id=line.product_id,
        quantity=quantity,
        reference=stock_reference(line),
        actor=actor,
    )


def order_lock(order: Order, expected_version: int | None = None) -> Order:
    """Re-read the order under a row lock, refusing if it changed since it was shown."""
    locked = (
        Order.objects.select_for_update(of=("self",))
        .select_related("customer", "stock_pool")
        .get(pk=order.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleOrderError()
    return locked


def order_save(order: Order, fields: list[str]) -> None:
    """Save the named fields and bump the version, so stale pages are refused."""
    order.version += 1
    order.save(update_fields=[*fields, "version", "updated_at"])


def _move(order: Order, target: str, fields: list[str] | None = None) -> None:
    order.status = target
    order_save(order, ["status", *(fields or [])])


def order_hold(*, order: Order, actor=None, data: dict | None = None) -> Order:
    """Put a locked order on hold (an exception was opened on it)."""
    ensure_transition(order, "hold")
    order.held_from = order.status
    _move(order, S.ON_HOLD, ["held_from"])
    event_record(order=order, kind=OrderEvent.Kind.HELD, actor=actor, data=data)
    return order


def order_release_if_clear(*, order: Order, actor=None) -> Order:
    """Take a locked, held order off hold once no exception on it is open."""
    if order.status != S.ON_HOLD or order.exceptions.filter(status="open").exists():
        return order
    ensure_transition(order, "release")
    target = S.VERIFIED if order.held_from in (S.VERIFYING, "") else order.held_from
    order.held_from = ""
    _move(order, target, ["held_from"])
    event_record(order=order, kind=OrderEvent.Kind.RELEASED, actor=actor)
    order_advance_if_all_sent(order=order, actor=actor)
    return order


def exception_mark_resolved(
    *,
    order: Order,
    exception: OrderException,
    actor,
    resolution: str,
    customer_informed: bool,
    communication: Communication | None = None,
    worker: str = "",
    handling: str = "",
    customer_agreement: str = "",
    approved_by=None,
) -> OrderException:
    """Record a locked exception as resolved, and its event (callers check first)."""
    exception.status = OrderException.Status.RESOLVED
    exception.resolution = resolution
    exception.resolved_by, exception.resolved_at = actor, timezone.now()
    exception.customer_informed = customer_informed
    exception.communication = communication
    exception.handling = handling
    exception.customer_agreement = customer_agreement
    exception.approved_by = approved_by
    exception.save(
        update_fields=[
            "status",
            "resolution",
            "resolved_by",
            "resolved_at",
            "customer_informed",
            "communication",
            "handling",
            "customer_agreement",
            "approved_by",
        ]
    )
    event_record(
        order=order,
        kind=OrderEvent.Kind.EXCEPTION_RESOLVED,
        actor=actor,
        worker=worker,
        data={
            "exception_id": exception.pk,
            "kind": exception.kind,
            "resolution": resolution,
            "customer_informed": customer_informed,
            "communication_id": communication.pk if communication else None,
            "handling": handling,
            "customer_agreement": customer_agreement,
            "approved_by": approved_by.pk if approved_by else None,
        },
    )
    return exception


def availability_problems(order: Order) -> list[str]:
    """What stops a delivery date being promised: lines without confirmed stock."""
    return [
        f"line {line.line_number} ({line.product_code}) has no stock reserved and no "
        "backorder with a restock date"
        for line in order.lines.all()
        if not line.availability_confirmed
    ]


@transaction.atomic
def order_confirm(
    *,
    order: Order,
    actor,
    promised_date: date,
    expected_version: int | None = None,
) -> Order:
    """Confirm a verified order to the customer with a delivery promise.

    A promised date in the past, before the stock can be there, or more than a year
    ahead is refused as an OrderInputError on promised_date.
    """
    order = order_lock(order, expected_version)
    ensure_transition(order, "confirm", actor)
    open_exceptions = order.exceptions.filter(status=OrderException.Status.OPEN)
    if open_exceptions.exists():
        raise OrderRuleError(
            "Resolve the order's open exceptions before confirming it."
        )
    problems = availability_problems(order)
    if problems:
        raise OrderRuleError(
            "Confirm stock before promising a delivery date: "
            + "; ".join(problems)
            + "."
        )
    lines = [line for line in order.lines.all() if line.is_active]
    today = timezone.localdate()
    if promised_date < today:
        raise OrderInputError(
            {"promised_date": ["The promised date cannot be in the past."]}
        )
    earliest = earliest_promise_date(order, today)
    if promised_date < earliest:
        raise OrderInputError(
            {
                "promised_date": [
                    f"The earliest delivery date you can promise is "
                    f"{earliest:%d %B %Y}: stock is not available before then."
                ]
            }
        )
    ensure_not_too_far_ahead(promised_date, field="promised_date")
    order.promised_date = promised_date
    _move(order, S.CONFIRMED, ["promised_date"])
    summary = "\n".join(
        f"{line.quantity} × {line.description} ({line.product_code}) "
        f"at £{line.unit_price}"
        for line in lines
    )
    communication = customer_notify(
        order=order,
        actor=actor,
        purpose=Communication.Purpose.CONFIRMATION,
        subject=f"Order {order.reference} confirmed",
        content=(
            f"We confirm your order {order.reference}.\n\n{summary}\n\n"
            f"Total £{order.gross_total} including VAT of £{order.vat_total}.\n"
            f"Delivery by {promised_date:%A %d %B %Y}."
        ),
    )
    event_record(
        order=order,
        kind=OrderEvent.Kind.CONFIRMED,
        actor=actor,
        data={
            "promised_date": promised_date,
            "communication_id": communication.pk,
            "channel": communication.channel,
            "backordered_lines": [
                line.line_number for line in lines if line.status == "backordered"
            ],
            # What was confirmed, as the customer was told it: practice scoring and
            # portfolio evidence read it here rather than from the lines later.
            "lines": [
                {
                    "line": line.line_number,
                    "product_code": line.product_code,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                }
                for line in lines
            ],
        },
    )
    return order


@transaction.atomic
def order_start_fulfilment(
    *, order: Order, actor, expected_version: int | None = None
) -> Order:
    """Hand a confirmed order to the warehouse for picking."""
    order = order_lock(order, expected_version)
    ensure_transition(order, "start_fulfilment", actor)
    _move(order, S.FULFILLING)
    event_record(order=order, kind=OrderEvent.Kind.FULFILMENT_STARTED, actor=actor)
    return order


def order_advance_if_all_sent(*, order: Order, actor=None, by_shipment=False) -> bool:
    """Move a locked, fulfilling order on once every line still wanted has gone.

    Called after a shipment (which writes its own dispatch event), and after the
    unsent rest of an order is cancelled or its hold released. The card payment is
    captured here, once, for the order's final total. Returns whether it moved.
    """
    if order.status != S.FULFILLING:
        return False
    L = OrderLine.Status
    statuses = {line.status for line in order.lines.all()}
    if not statuses <= {L.DISPATCHED, L.DELIVERED, *OrderLine.INACTIVE_STATUSES}:
        return False
    _move(order, S.DISPATCHED)
    if not by_shipment:
        event_record(
            order=order,
            kind=OrderEvent.Kind.DISPATCHED,
            actor=actor,
            data={"partial": False, "rest_cancelled": True},
        )
    payment_capture_for_order(order=order, actor=actor)
    if statuses <= {L.DELIVERED, *OrderLine.INACTIVE_STATUSES}:
        _move(order, S.DELIVERED)
        event_record(
            order=order,
            kind=OrderEvent.Kind.DELIVERED,
            actor=actor,
            data={"order_delivered": True, "rest_cancelled": True},
        )
    return True


@transaction.atomic
def order_dispatch(
    *,
    order: Order,
    actor,
    carrier: str,
    tracking_reference: str = "",
    quantities: dict[int, int] | None = None,
    expected_version: int | None = None,
) -> Shipment:
    """Send reserved goods: all reserved lines, or the given {line id: quantity}.

    A partial shipment leaves the order being fulfilled; the last one dispatches it.
    The card payment is captured when the last line goes, for the final total.
    """
    order = order_lock(order, expected_version)
    ensure_transition(order, "dispatch", actor)
    if not carrier.strip():
        raise OrderRuleError("Enter the carrier.")
    lines = {line.pk: line for line in order.lines.select_for_update()}
    # Reserved lines, and the reserved part of a line the customer agreed to take
    # in parts; nothing at all while a line they want with the rest still waits.
    shippable = {
        pk: line.quantity_reserved - line.quantity_dispatched
        for pk, line in lines.items()
        if ships_now(line)
    }
    blockers = dispatch_blockers(lines.values())
    if blockers:
        raise OrderRuleError(
            f"Order {order} cannot be dispatched yet: " + "; ".join(blockers) + "."
        )
    if quantities is None:
        quantities = {pk: qty for pk, qty in shippable.items() if qty > 0}
    if not quantities:
        raise OrderRuleError("No line has reserved stock waiting to be dispatched.")
    for pk, qty in quantities.items():
        if pk not in lines:
            raise OrderRuleError("That line is not on this order.")
        if qty < 1 or qty > shippable.get(pk, 0):
            line = lines[pk]
            raise OrderRuleError(
                f"Line {line.line_number} ({line.product_code}): you can dispatch "
                f"between 1 and {shippable.get(pk, 0)}."
            )
    shipment = Shipment.objects.create(
        order=order,
        carrier=carrier.strip(),
        tracking_reference=tracking_reference.strip(),
        dispatched_by=actor,
    )
    stock.stock_lock(
        pool=order.stock_pool, product_ids=[lines[pk].product_id for pk in quantities]
    )
    for pk, qty in sorted(quantities.items()):
        line = lines[pk]
        ShipmentLine.objects.create(shipment=shipment, line=line, quantity=qty)
        stock.stock_dispatch(
            pool=order.stock_pool,
            product_id=line.product_id,
            quantity=qty,
            reference=stock_reference(line),
            actor=actor,
        )
        line.quantity_dispatched += qty
        if line.quantity_dispatched == line.quantity:
            line.status = OrderLine.Status.DISPATCHED
        line.save(update_fields=["quantity_dispatched", "status"])
    everything_sent = order_advance_if_all_sent(
        order=order, actor=actor, by_shipment=True
    )
    if not everything_sent:
        order_save(order, [])
    customer_notify(
        order=order,
        actor=actor,
        purpose=Communication.Purpose.DISPATCH_NOTICE,
        subject=f"Order {order.reference} dispatched",
        content=(
            f"Your order {order.reference} is on its way with {shipment.carrier}"
            + (
                f", tracking {shipment.tracking_reference}"
                if tracking_reference
                else ""
            )
            + ("." if everything_sent else ". The rest will follow.")
        ),
    )
    event_record(
        order=order,
        kind=OrderEvent.Kind.DISPATCHED,
        actor=actor,
        data={
            "shipment_id": shipment.pk,
            "carrier": shipment.carrier,
            "tracking_reference": shipment.tracking_reference,
            "lines": {
                str(lines[pk].line_number): qty for pk, qty in quantities.items()
            },
            "partial": not everything_sent,
        },
    )
    return shipment


@transaction.atomic
def shipment_record_delivery(
    *,
    shipment: Shipment,
    actor,
    proof_of_delivery: str = "",
    delivered_at=None,
    expected_version: int | None = None,
) -> Shipment:
    """Record that a shipment arrived; the last one marks the order delivered."""
    order = order_lock(shipment.order, expected_version)
    ensure_transition(order, "record_delivery", actor)
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if shipment.delivered_at is not None:
        raise OrderRuleError("This shipment's delivery is already recorded.")
    delivered_at = delivered_at or timezone.now()
    if delivered_at < shipment.dispatched_at:
        raise OrderRuleError("Delivery cannot be before the shipment was dispatched.")
    shipment.delivered_at = delivered_at
    shipment.delivery_recorded_by = actor
    shipment.proof_of_delivery = proof_of_delivery.strip()
    shipment.save(
        update_fields=["delivered_at", "delivery_recorded_by", "proof_of_delivery"]
    )
    for shipped in shipment.lines.select_related("line"):
        line = shipped.line
        line.quantity_delivered += shipped.quantity
        if line.quantity_delivered == line.quantity:
            line.status = OrderLine.Status.DELIVERED
        line.save(update_fields=["quantity_delivered", "status"])
    all_delivered = all(
        line.status == OrderLine.Status.DELIVERED or not line.is_active
        for line in order.lines.all()
    )
    if order.status == S.DISPATCHED and all_delivered:
        _move(order, S.DELIVERED)
    else:
        order_save(order, [])
    event_record(
        order=order,
        kind=OrderEvent.Kind.DELIVERED,
        actor=actor,
        data={
            "shipment_id": shipment.pk,
            "delivered_at": delivered_at,
            "proof_of_delivery": shipment.proof_of_delivery,
            "order_delivered": order.status == S.DELIVERED,
        },
    )
    return shipment


FOLLOW_UP_DONE = (
    Communication.Outcome.REACHED,
    Communication.Outcome.VOICEMAIL,
    Communication.Outcome.SENT,
    Communication.Outcome.RECEIVED,
)


@transaction.atomic
def order_record_follow_up(
    *,
    order: Order,
    actor,
    channel: str,
    outcome: str,
    notes: str,
    satisfaction: int | None = None,
    expected_version: int | None = None,
) -> Communication:
    """Record a courtesy contact after delivery; a completed one moves the order on.

    An attempt that did not reach the customer (no answer) is kept as a
    communication but leaves the order waiting for follow-up.
    """
    order = order_lock(order, expected_version)
    ensure_transition(order, "record_follow_up", actor)
    if not notes.strip():
        raise OrderRuleError("Write what the customer said, or what you did.")
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise OrderRuleError("Satisfaction is a score from 1 to 5.")
    if outcome not in Communication.Outcome.values:
        raise OrderRuleError("Choose the outcome of the follow-up.")
    if channel not in Communication.Channel.values:
        raise OrderRuleError("Choose how you contacted the customer.")
    communication = Communication.objects.create(
        order=order,
        channel=channel,
        purpose=Communication.Purpose.FOLLOW_UP,
        content=notes.strip(),
        outcome=outcome,
        actor=actor,
    )
    completed = outcome in FOLLOW_UP_DONE
    if completed:
        _move(order, S.FOLLOWED_UP)
    else:
        order_save(order, [])
    event_record(
        order=order,
        kind=OrderEvent.Kind.FOLLOWED_UP
        if completed
        else OrderEvent.Kind.COMMUNICATION,
        actor=actor,
        data={
            "communication_id": communication.pk,
            "channel": channel,
            "outcome": outcome,
            "purpose": communication.purpose,
            "satisfaction": satisfaction,
            "content": communication.content,
        },
    )
    return communication


@transaction.atomic
def order_close(*, order: Order, actor, expected_version: int | None = None) -> Order:
    """Close a followed-up order (or a delivered one needing no follow-up)."""
    order = order_lock(order, expected_version)
    ensure_transition(order, "close", actor)
    data = {}
    if order.status == S.DELIVERED:
        if not closes_without_follow_up(order):
            raise OrderRuleError("Record a follow-up with the customer before closing.")
        data["no_follow_up"] = "The customer has not agreed to courtesy contact."
    else:
        followed_up = order.communications.filter(
            purpose=Communication.Purpose.FOLLOW_UP, outcome__in=FOLLOW_UP_DONE
        ).exists()
        if not followed_up:
            raise OrderRuleError("Record a follow-up with the customer before closing.")
    _move(order, S.CLOSED)
    event_record(order=order, kind=OrderEvent.Kind.CLOSED, actor=actor, data=data)
    return order


def closes_without_follow_up(order: Order) -> bool:
    """A delivered order whose customer has not agreed to courtesy contact: its
    follow-up is not needed, so it may close once delivered."""
    return order.status == S.DELIVERED and not order.customer.consent_to_contact


@transaction.atomic
def order_cancel(
    *, order: Order, actor, reason: str, expected_version: int | None = None
) -> Order:
    """Cancel before dispatch: release stock, void payment, tell the customer."""
    order = order_lock(order, expected_version)
    ensure_transition(order, "cancel", actor)
    if not reason.strip():
        raise OrderRuleError("Give the reason for cancelling.")
    if order.shipments.exists():
        raise OrderRuleError(
            "Part of this order has been dispatched, so it cannot be cancelled; "
            "cancel the lines still to send instead."
        )
    released = []
    lines = list(order.lines.select_for_update())
    stock.stock_lock(
        pool=order.stock_pool,
        product_ids=[line.product_id for line in lines if line.quantity_reserved],
    )
    for line in lines:
        if not line.is_active:
            continue  # already cancelled, or replaced by a substitute
        if line.quantity_reserved:
            line_stock_release(
                order=order, line=line, quantity=line.quantity_reserved, actor=actor
            )
            released.append(
                {"line": line.line_number, "quantity": line.quantity_reserved}
            )
        line.quantity_reserved = 0
        line.status = OrderLine.Status.CANCELLED
        line.save(update_fields=["quantity_reserved", "status"])
    for exception in order.exceptions.filter(status=OrderException.Status.OPEN):
        exception_mark_resolved(
            order=order,
            exception=exception,
            actor=actor,
            resolution=f"Order cancelled: {reason.strip()}",
            customer_informed=True,  # by the cancellation notice below
        )
    payment_release_for_order(order=order, actor=actor)
    order.cancellation_reason = reason.strip()
    order.held_from = ""
    _move(order, S.CANCELLED, ["cancellation_reason", "held_from"])
    communication = customer_notify(
        order=order,
        actor=actor,
        purpose=Communication.Purpose.CANCELLATION,
        subject=f"Order {order.reference} cancelled",
        content=f"Your order {order.reference} has been cancelled: {reason.strip()}",
    )
    event_record(
        order=order,
        kind=OrderEvent.Kind.CANCELLED,
        actor=actor,
        data={
            "reason": order.cancellation_reason,
            "released": released,
            "communication_id": communication.pk,
        },
    )
    return order


def schedule_verification(order: Order) -> None:
    """Run the order's checks in the background once this transaction commits."""
    enqueue_after_commit(order_tasks.order_verify_task, order_id=order.pk)
