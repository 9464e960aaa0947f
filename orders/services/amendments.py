"""Amending an order until it is dispatched, keeping the order as it stood before.

An amendment changes lines (quantity, product code, unit price; removes or adds
them), the delivery address or postcode, or the requested date. The order as it
stood is kept whole as an OrderRevision, the stock held is adjusted at once, and
the order goes back through the checks the change affects (a new verification
round). It must then be confirmed to the customer afresh.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from accounts.models import Role
from inventory import services as stock
from inventory.models import Product

from ..exceptions import OrderInputError, OrderRuleError
from ..models import (
    Check,
    Communication,
    ExceptionStep,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
    OrderRevision,
    Payment,
)
from .events import event_record
from .lifecycle import (
    ensure_role,
    ensure_transition,
    exception_mark_resolved,
    line_stock_release,
    order_advance_if_all_sent,
    order_lock,
    order_save,
    schedule_verification,
)
from .payments import payment_void_live_authorisations
from .receipt import (
    DEFAULT_VAT_RATE,
    MAX_LINES,
    PENNY,
    LineInput,
    catalogue_for,
    delivery_problems,
    line_from_input,
    line_input_problems,
    order_totals,
    price_problem,
    product_code_problem,
    quantity_problem,
)
from .verification import CHECK_SEQUENCE

K = Check.Kind
L = OrderLine.Status
# What each kind of change puts in question, so the new round runs only those checks.
LINE_CHECKS = (K.PRODUCTS, K.QUANTITIES, K.PRICES, K.DUPLICATE, K.STOCK, K.DATE)
ADDRESS_CHECKS = (K.CUSTOMER,)
DATE_CHECKS = (K.DATE,)
TOTAL_CHECKS = (K.PAYMENT,)
STILL_CHECKING = (Order.Status.RECEIVED, Order.Status.VERIFYING)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()  # requested_date not being changed (None clears it)


@dataclass(frozen=True)
class LineChange:
    """A change to an existing line; None leaves that part as it is.

    A quantity of 0 removes the line (it is cancelled, and kept in the record).
    """

    product_code: str | None = None
    quantity: int | None = None
    unit_price: Decimal | None = None


# -- the snapshot kept as a revision ----------------------------------------------


def _line_snapshot(line: OrderLine, numbers: dict[int, int]) -> dict:
    return {
        "id": line.pk,
        "line_number": line.line_number,
        "product_code": line.product_code,
        "product_id": line.product_id,
        "description": line.description,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "list_price": line.list_price,
        "vat_rate": line.vat_rate,
        "net": line.net,
        "status": line.status,
        "status_label": line.get_status_display(),
        "quantity_reserved": line.quantity_reserved,
        "quantity_dispatched": line.quantity_dispatched,
        "quantity_delivered": line.quantity_delivered,
        "restock_date": line.restock_date,
        "ship_partial": line.ship_partial,
        "substitute_for": numbers.get(line.substitute_for_id),
        "price_approved_by": str(line.price_approved_by)
        if line.price_approved_by_id
        else None,
    }


def order_snapshot(order: Order, lines: Sequence[OrderLine]) -> dict:
    """The order and every line as they stand, as JSON-ready data for a revision."""
    customer = order.customer
    numbers = {line.pk: line.line_number for line in lines}
    data = {
        "reference": order.reference,
        "revision": order.revision,
        "status": order.status,
        "status_label": order.get_status_display(),
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "company": customer.company,
            "email": customer.email,
            "phone": customer.phone,
            "postal_address": customer.postal_address,
            "postcode": customer.postcode,
        },
        "channel": order.channel,
        "customer_po_ref": order.customer_po_ref,
        "delivery_address": order.delivery_address,
        "delivery_postcode": order.delivery_postcode,
        "requested_date": order.requested_date,
        "promised_date": order.promised_date,
        "payment_method": order.payment_method,
        "payment_method_label": order.get_payment_method_display(),
        "card_last4": order.card_last4,
        "credit_approved_for": order.credit_approved_for,
        "net_total": order.net_total,
        "vat_total": order.vat_total,
        "gross_total": order.gross_total,
        "verification_round": order.verification_round,
        "lines": [
            _line_snapshot(line, numbers)
            for line in sorted(lines, key=lambda x: x.line_number)
        ],
    }
    # Dates and money as text, exactly as they stood.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# -- validation ---------------------------------------------------------------------


def _money(value) -> Decimal | None:
    """A price as Decimal, or None if it is not a number of pounds and pence."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return None
    value = Decimal(value)
    if not value.is_finite() or value != value.quantize(PENNY):
        return None
    return value


def _price_message(label: str, value) -> str | None:
    price = _money(value)
    if price is None:
        return f"{label}: enter the price in pounds and pence, for example 12.50."
    problem = price_problem(price, name="unit price")
    return f"{label}: {problem}" if problem else None


@dataclass
class _Plan:
    """What an amendment will do, once every part of it is known to be valid."""

    line_changes: dict[int, LineChange]  # only the parts that differ
    new_lines: list[LineInput]
    delivery_address: str | None
    delivery_postcode: str | None
    requested_date: object  # UNSET, None or a date

    @property
    def changes_lines(self) -> bool:
        return bool(self.line_changes or self.new_lines)

    @property
    def is_empty(self) -> bool:
        return not (
            self.changes_lines
            or self.delivery_address is not None
            or self.delivery_postcode is not None
            or self.requested_date is not UNSET
        )


def _plan(
    *,
    order: Order,
    lines: dict[int, OrderLine],
    reason: str,
    line_changes: dict[int, LineChange],
    new_lines: Sequence[LineInput],
    delivery_address,
    delivery_postcode,
    requested_date,
    communication: Communication | None,
    exception: OrderException | None,
) -> _Plan:
    """Check every part of the amendment; refuse it all, field by field, if any fails.

    Returns the plan with the parts that change nothing left out.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not isinstance(reason, str) or not reason.strip():
        add("reason", "Give the reason for the amendment.")
    if communication is not None and communication.order_id != order.pk:
        add("communication", "That communication is about a different order.")
    if (
        exception is not None
        and not order.exceptions.filter(
            pk=exception.pk, status=OrderException.Status.OPEN
        ).exists()
    ):
        add("exception", "That exception is not open on this order.")

    changed: dict[int, LineChange] = {}
    removed = 0
    for pk, change in line_changes.items():
        line = lines.get(pk)
        if line is None:
            add("lines", "That line is not on this order.")
            continue
        label = f"Line {line.line_number}"
        code = quantity = price = None
        if change.product_code is not None:
            problem = product_code_problem(change.product_code)
            if problem:
                add("lines", f"{label}: {problem}")
            elif change.product_code.strip().upper() != line.product_code:
                code = change.product_code.strip().upper()
        if change.quantity is not None:
            problem = quantity_problem(change.quantity, minimum=0)
            if problem:
                add("lines", f"{label}: {problem.rstrip('.')} (0 removes the line).")
            elif change.quantity != line.quantity:
                quantity = change.quantity
        if change.unit_price is not None:
            problem = _price_message(label, change.unit_price)
            if problem:
                add("lines", problem)
            elif _money(change.unit_price) != line.unit_price:
                price = _money(change.unit_price)
        if code is None and quantity is None and price is None:
            continue
        if not line.is_active:
            add(
                "lines",
                f"{label} is {line.get_status_display().lower()}, so it cannot be "
                "changed; add a new line instead.",
            )
            continue
        shipped = line.quantity_dispatched
        if quantity is not None and quantity < shipped:
            add(
                "lines",
                f"{label}: {shipped} already shipped, so the quantity cannot go below "
                f"{shipped}.",
            )
        if code is not None and shipped:
            add(
                "lines",
                f"{label}: {shipped} already shipped, so its product code cannot "
                "change; add a new line for the other product instead.",
            )
        if quantity == 0:
            removed += 1
        changed[pk] = LineChange(code, quantity, price)

    for number, given in enumerate(new_lines, start=1):
        label = f"New line {number}"
        problems = line_input_problems(given, label)
        if given.agreed_price is not None and _money(given.agreed_price) is None:
            problems.append(
                f"{label}: enter the price in pounds and pence, for example 12.50."
            )
        for message in problems:
            add("new_lines", message)

    active = sum(1 for line in lines.values() if line.is_active)
    remaining = active - removed + len(new_lines)
    if remaining < 1:
        add(
            "lines",
            "An order needs at least one line: cancel the order instead of removing "
            "every line.",
        )
    elif remaining > MAX_LINES:
        add("new_lines", f"An order can have at most {MAX_LINES} lines.")

    address = postcode = None
    if delivery_address is not None:
        # A browser sends a textarea's line breaks as CRLF.
        typed = delivery_address.replace("\r\n", "\n").replace("\r", "\n").strip()
        if typed != order.delivery_address.replace("\r\n", "\n"):
            address = typed
    if (
        delivery_postcode is not None
        and delivery_postcode.strip().upper() != order.delivery_postcode
    ):
        postcode = delivery_postcode.strip().upper()
    new_date = UNSET
    if requested_date is not UNSET:
        if requested_date is not None and not isinstance(requested_date, date):
            add("requested_date", "Enter the requested date as a date.")
        elif requested_date != order.requested_date:
            new_date = requested_date
    problems = delivery_problems(
        delivery_address=order.delivery_address if address is None else address,
        delivery_postcode=order.delivery_postcode if postcode is None else postcode,
        requested_date=None if new_date is UNSET else new_date,
    )
    asked = {
        "delivery_address": address is not None,
        "delivery_postcode": postcode is not None,
        "requested_date": new_date is not UNSET,
    }
    for field, messages in problems.items():
        if asked[field]:
            errors.setdefault(field, []).extend(messages)

    if errors:
        raise OrderInputError(errors)
    return _Plan(changed, list(new_lines), address, postcode, new_date)


# -- applying it ----------------------------------------------------------------


def _line_text(line: OrderLine) -> str:
    return f"{line.product_code} × {line.quantity} at £{line.unit_price}"


def _apply_line_change(
    order: Order,
    line: OrderLine,
    change: LineChange,
    products: dict[str, Product],
    actor,
) -> tuple[list[dict], int]:
    """Change one locked line and the stock held for it; (changes, units released)."""
    changes, released = [], 0
    n = line.line_number

    def note(field: str, before, after) -> None:
        changes.append({"field": field, "line": n, "before": before, "after": after})

    if change.quantity == 0:
        note("quantity", line.quantity, 0)
        if line.quantity_reserved:
            released = line.quantity_reserved
            line_stock_release(order=order, line=line, quantity=released, actor=actor)
        line.status, line.quantity_reserved = L.CANCELLED, 0
        return changes, released

    if change.product_code is not None:
        # Nothing of it has shipped (validated): give back all that is held for the
        # old product, and check stock for the new one from scratch.
        product = products.get(change.product_code)
        note("product_code", line.product_code, change.product_code)
        if line.quantity_reserved:
            released = line.quantity_reserved
            line_stock_release(order=order, line=line, quantity=released, actor=actor)
        line.quantity_reserved = 0
        line.product_code, line.product = change.product_code, product
        line.description = product.name if product else "Unknown product code"
        line.list_price = product.unit_price if product else None
        line.vat_rate = product.vat_rate if product else DEFAULT_VAT_RATE
        line.status, line.restock_date, line.ship_partial = L.PENDING, None, False
        line.price_approved_by = None
        price = change.unit_price
        if price is None and product is not None:
            price = product.unit_price  # the new product's list price
        if price is not None and price != line.unit_price:
            note("unit_price", line.unit_price, price)
            line.unit_price = price
    elif change.unit_price is not None:
        note("unit_price", line.unit_price, change.unit_price)
        line.unit_price = change.unit_price
        line.price_approved_by = None  # an approval was for the old price

    if change.quantity is not None:
        note("quantity", line.quantity, change.quantity)
        if change.quantity > line.quantity:
            line.quantity = change.quantity
            # The stock check reserves only the units not yet held; an earlier
            # backorder or part-shipment agreement was for the old quantity.
            line.status, line.restock_date, line.ship_partial = L.PENDING, None, False
        else:
            line.quantity = change.quantity
            surplus = line.quantity_reserved - change.quantity
            if surplus > 0:
                released += surplus
                line_stock_release(
                    order=order, line=line, quantity=surplus, actor=actor
                )
                line.quantity_reserved = change.quantity
            if line.quantity_dispatched == line.quantity:
                line.status = (
                    L.DELIVERED
                    if line.quantity_delivered == line.quantity
                    else L.DISPATCHED
                )
                line.restock_date = None
            elif line.quantity_reserved == line.quantity and line.status != L.PENDING:
                line.status, line.restock_date = L.RESERVED, None
    return changes, released


def _apply_lines(
    order: Order, lines: dict[int, OrderLine], plan: _Plan, actor
) -> tuple[list[OrderLine], list[dict], list[dict], list[OrderLine]]:
    """Change, remove and add lines, adjusting the stock held for them.

    Returns every line of the order now, the changes made, the units released
    per line, and the lines removed.
    """
    changes: list[dict] = []
    released: list[dict] = []
    removed: list[OrderLine] = []
    # Lock every product whose stock is given back in one go, in the usual order.
    stock.stock_lock(
        pool=order.stock_pool,
        product_ids=[
            lines[pk].product_id
            for pk in plan.line_changes
            if lines[pk].quantity_reserved and lines[pk].product_id
        ],
    )
    codes = {c.product_code for c in plan.line_changes.values() if c.product_code}
    codes |= {given.product_code.strip().upper() for given in plan.new_lines}
    products = {p.code: p for p in catalogue_for(order).filter(code__in=codes)}
    for pk, change in plan.line_changes.items():
        line = lines[pk]
        made, units = _apply_line_change(order, line, change, products, actor)
        changes += made
        if units:
            released.append({"line": line.line_number, "quantity": units})
        if change.quantity == 0:
            removed.append(line)
        line.save()
    next_number = max((line.line_number for line in lines.values()), default=0) + 1
    added = [
        line_from_input(order, next_number + index, given, products)
        for index, given in enumerate(plan.new_lines)
    ]
    OrderLine.objects.bulk_create(added)
    changes += [
        {
            "field": "new_line",
            "line": line.line_number,
            "before": None,
            "after": _line_text(line),
        }
        for line in added
    ]
    return list(lines.values()) + added, changes, released, removed


def _apply_delivery(order: Order, plan: _Plan) -> list[dict]:
    """Set the new delivery address, postcode and requested date; the changes."""
    changes = []
    values = [
        ("delivery_address", plan.delivery_address),
        ("delivery_postcode", plan.delivery_postcode),
    ]
    if plan.requested_date is not UNSET:
        values.append(("requested_date", plan.requested_date))
    for field, value in values:
        if field != "requested_date" and value is None:
            continue
        changes.append(
            {
                "field": field,
                "line": None,
                "before": getattr(order, field),
                "after": value,
            }
        )
        setattr(order, field, value)
    return changes


def _checks_for(plan: _Plan, total_changed: bool) -> list[str]:
    kinds: set[str] = set()
    if plan.changes_lines:
        kinds.update(LINE_CHECKS)
        kinds.update(TOTAL_CHECKS)
    if plan.delivery_address is not None or plan.delivery_postcode is not None:
        kinds.update(ADDRESS_CHECKS)
    if plan.requested_date is not UNSET:
        kinds.update(DATE_CHECKS)
    if total_changed:
        kinds.update(TOTAL_CHECKS)
    return [kind for kind in CHECK_SEQUENCE if kind in kinds]


@transaction.atomic
def order_amend(
    *,
    order: Order,
    actor,
    reason: str,
    line_changes: dict[int, LineChange] | None = None,
    new_lines: Sequence[LineInput] | None = None,
    delivery_address: str | None = None,
    delivery_postcode: str | None = None,
    requested_date=UNSET,
    customer_told: bool,
    communication: Communication | None = None,
    exception: OrderException | None = None,
    expected_version: int | None = None,
) -> Order:
    """Change an order until dispatch, keeping how it stood as a revision.

    `line_changes` is keyed by line id. None leaves a part as it is; a
    requested_date of None clears it. Bad input is refused with OrderInputError
    keyed by field, and nothing changes. The order's stock is adjusted now; the
    checks the change affects then run again (a new round, in the background), and
    the order must be confirmed to the customer afresh. `exception` is the open
    exception this amendment corrects, if any: the amendment is recorded on it as
    a step taken.
    """
    ensure_role(actor, Role.PROCESSOR, Role.SUPERVISOR, order=order)
    order = order_lock(order, expected_version)
    if order.status in STILL_CHECKING:
        raise OrderRuleError(
            f"Checks are still running on order {order}: wait for them to finish, "
            "then amend it."
        )
    ensure_transition(order, "amend", actor)
    lines = {
        line.pk: line
        for line in order.lines.select_for_update(of=("self",))
        .select_related("price_approved_by")
        .order_by("line_number")
    }
    plan = _plan(
        order=order,
        lines=lines,
        reason=reason,
        line_changes=line_changes or {},
        new_lines=list(new_lines or []),
        delivery_address=delivery_address,
        delivery_postcode=delivery_postcode,
        requested_date=requested_date,
        communication=communication,
        exception=exception,
    )
    if plan.is_empty:
        raise OrderRuleError(
            "Nothing to amend: change a line, add one, or change the delivery "
            "address, postcode or requested date."
        )
    reason = reason.strip()
    if communication is not None:
        customer_told = True  # the communication is the telling
    customer_told = bool(customer_told)

    # Keep the order exactly as it stood.
    number = order.revision
    OrderRevision.objects.create(
        order=order,
        number=number,
        snapshot=order_snapshot(order, list(lines.values())),
        replaced_by_reason=reason,
        replaced_by=actor,
    )
    order.revision += 1

    gross_before = order.gross_total
    all_lines, changes, released, removed_lines = _apply_lines(
        order, lines, plan, actor
    )
    order.net_total, order.vat_total, order.gross_total = order_totals(all_lines)
    total_changed = order.gross_total != gross_before
    changes += _apply_delivery(order, plan)

    done = _Amendment(
        order=order,
        actor=actor,
        number=number,
        reason=reason,
        customer_told=customer_told,
        communication=communication,
        exception=exception,
        changes=changes,
        released=released,
        removed_lines=removed_lines,
        gross_before=gross_before,
    )
    fields = [
        "revision",
        "net_total",
        "vat_total",
        "gross_total",
        "delivery_address",
        "delivery_postcode",
        "requested_date",
    ]
    if _nothing_left_to_send(order, all_lines, plan):
        # The rest of a part-shipped order is no longer wanted: there is nothing to
        # check or confirm, so it moves on as if its last shipment had just left.
        order_save(order, fields)
        done.record(kinds=[], voided=None)
        order_advance_if_all_sent(order=order, actor=actor)
        return order

    # Back through the checks the change affects, then confirmed afresh.
    kinds = _checks_for(plan, total_changed)
    order.status = Order.Status.VERIFYING
    order.held_from = ""
    order.verification_round += 1
    order.verification_kinds = kinds
    order.verification_completed_at = None
    order_save(
        order,
        [
            "status",
            "held_from",
            "verification_round",
            "verification_kinds",
            "verification_completed_at",
            *fields,
        ],
    )

    # A card authorisation for the old total is given back, so the round's payment
    # check authorises the new one (nothing is captured before the last dispatch).
    voided = None
    if K.PAYMENT in kinds and order.payment_method == Order.PaymentMethod.CARD:
        # Every authorisation still holding money (none already given back).
        voids = payment_void_live_authorisations(order=order, actor=actor)
        voided = voids[-1] if voids else None

    done.record(kinds=kinds, voided=voided)
    event_record(
        order=order,
        kind=OrderEvent.Kind.VERIFICATION_STARTED,
        actor=actor,
        data={"round": order.verification_round, "checks": kinds, "amended": True},
    )
    schedule_verification(order)
    return order


def _nothing_left_to_send(order: Order, lines, plan: _Plan) -> bool:
    """Whether the change leaves a part-shipped order with everything shipped.

    Refuses what cannot then be done: a held order (its exceptions come first) and
    a price change on goods already shipped.
    """
    if not order.shipments.exists() or any(
        line.quantity_dispatched < line.quantity for line in lines if line.is_active
    ):
        return False
    if order.status != Order.Status.FULFILLING:
        raise OrderRuleError(
            f"After this change everything on order {order} has been shipped: "
            "resolve its open exceptions first, then amend it again."
        )
    if any(change.unit_price is not None for change in plan.line_changes.values()):
        raise OrderRuleError(
            "After this change everything on the order has been shipped, so its "
            "prices can no longer be changed: refund the difference from the "
            "payment page instead."
        )
    return True


@dataclass
class _Amendment:
    """What an amendment did, for its events and what follows from it."""

    order: Order
    actor: object
    number: int  # the revision kept
    reason: str
    customer_told: bool
    communication: Communication | None
    exception: OrderException | None
    changes: list[dict]
    released: list[dict]
    removed_lines: list[OrderLine]
    gross_before: Decimal

    def record(self, *, kinds: list[str], voided: Payment | None) -> None:
        """The AMENDED event, then stock released, the step on the exception being
        corrected, and problems on removed lines settled."""
        order, actor = self.order, self.actor
        event_record(
            order=order,
            kind=OrderEvent.Kind.AMENDED,
            actor=actor,
            data={
                "revision": order.revision,
                "reason": self.reason,
                "changes": self.changes,
                "checks": kinds,
                "customer_told": self.customer_told,
                "communication_id": self.communication.pk
                if self.communication
                else None,
                "exception_id": self.exception.pk if self.exception else None,
                "gross_total": {
                    "before": self.gross_before,
                    "after": order.gross_total,
                },
                "released": self.released,
                "payment_voided": voided.pk if voided else None,
            },
        )
        if self.released:
            event_record(
                order=order,
                kind=OrderEvent.Kind.STOCK_RELEASED,
                actor=actor,
                data={"lines": self.released, "revision": order.revision},
            )
        if self.exception is not None:
            _record_step(
                order,
                self.exception,
                actor,
                self.number,
                self.reason,
                self.customer_told,
            )
        _settle_removed_lines(
            order,
            self.removed_lines,
            actor,
            self.reason,
            self.customer_told,
            self.communication,
        )


def _record_step(order, exception, actor, number, reason, customer_told) -> None:
    """Note on the exception being corrected what was done about it."""
    exception = OrderException.objects.select_for_update().get(pk=exception.pk)
    told = "customer told" if customer_told else "customer not yet told"
    step = ExceptionStep.objects.create(
        exception=exception,
        actor=actor,
        text=(
            f"Order amended (revision {number + 1}; revision {number} kept): "
            f"{reason} ({told}). The affected checks are running again."
        ),
    )
    event_record(
        order=order,
        kind=OrderEvent.Kind.EXCEPTION_STEP,
        actor=actor,
        data={"exception_id": exception.pk, "step_id": step.pk, "text": step.text},
    )


def _settle_removed_lines(
    order, removed_lines, actor, reason, customer_told, communication
) -> None:
    """A problem with a line the customer no longer wants is settled by its removal."""
    if not removed_lines:
        return
    numbers = {line.pk: line.line_number for line in removed_lines}
    open_on_removed = OrderException.objects.select_for_update().filter(
        order=order, status=OrderException.Status.OPEN, line_id__in=list(numbers)
    )
    for exception in open_on_removed:
        exception_mark_resolved(
            order=order,
            exception=exception,
            actor=actor,
            resolution=(
                f"Line {numbers[exception.line_id]} removed from the order "
                f"(revision {order.revision}): {reason}"
            ),
            customer_informed=customer_told,
            communication=communication,
            handling=OrderException.Handling.CORRECTED,
        )
