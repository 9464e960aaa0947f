"""Discrepancies handled by correcting a record or approving it as it stands.

A supervisor may keep a price that differs from the price list (recorded as their
approval on the line); a processor may correct the customer's contact details while
handling an order's missing-contact exception. Each leaves before, after, who and
why in the event trail, and whether the customer was told.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role
from customers.models import Customer
from customers.services import CONTACT_FIELDS, customer_correct_contact

from ..exceptions import OrderInputError, OrderRuleError
from ..models import (
    Check,
    Communication,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
)
from .events import event_record
from .lifecycle import (
    ensure_role,
    exception_mark_resolved,
    order_lock,
    order_release_if_clear,
    order_save,
)
from .verification import check_rerun

S = Order.Status
X = OrderException.Kind
# Contact details can be corrected from an order until it is dispatched.
CONTACT_CORRECTABLE = (
    S.RECEIVED,
    S.VERIFYING,
    S.VERIFIED,
    S.ON_HOLD,
    S.CONFIRMED,
    S.FULFILLING,
)
# The customer check can be run again only before confirmation (check_rerun).
RERUN_STATUSES = (S.VERIFYING, S.VERIFIED, S.ON_HOLD)
CONTACT_EXCEPTION_KINDS = (X.MISSING_CONTACT, X.INVALID_ADDRESS)


def _lock_exception(
    exception: OrderException, expected_version: int | None
) -> tuple[Order, OrderException]:
    order = order_lock(exception.order, expected_version)
    exception = (
        OrderException.objects.select_for_update(of=("self",))
        .select_related("line")
        .get(pk=exception.pk)
    )
    if exception.status != OrderException.Status.OPEN:
        raise OrderRuleError("This exception is already resolved.")
    return order, exception


# -- keeping a price that differs from the price list ----------------------------


@transaction.atomic
def price_keep_approve(
    *,
    exception: OrderException,
    actor,
    note: str,
    expected_version: int | None = None,
) -> OrderLine:
    """A supervisor approves keeping a line's price that differs from the list.

    The approval is recorded on the line, so later price checks pass while the
    price stays as it is; the exception is resolved, and the order comes off hold
    once nothing else is open.
    """
    ensure_role(actor, Role.SUPERVISOR, order=exception.order)
    if not note.strip():
        raise OrderRuleError("Say why the price can be kept.")
    order, exception = _lock_exception(exception, expected_version)
    if exception.kind != X.PRICE_MISMATCH or exception.line is None:
        raise OrderRuleError(
            "Only a price difference on a line can be approved: this exception is "
            f"{exception.get_kind_display().lower()}."
        )
    if not order.is_open:
        raise OrderRuleError(
            f"Order {order} is {order.get_status_display().lower()}; nothing on it "
            "can be approved."
        )
    line = OrderLine.objects.select_for_update().get(pk=exception.line_id)
    if not line.is_active:
        raise OrderRuleError(
            f"Line {line.line_number} is {line.get_status_display().lower()}, so its "
            "price no longer matters: resolve the exception instead."
        )
    if line.list_price is None or line.unit_price == line.list_price:
        raise OrderRuleError(
            f"Line {line.line_number}'s price now matches the price list: run the "
            "prices check again instead."
        )
    note = note.strip()
    line.price_approved_by = actor
    line.save(update_fields=["price_approved_by"])
    order_save(order, [])
    exception_mark_resolved(
        order=order,
        exception=exception,
        actor=actor,
        resolution=(
            f"Price £{line.unit_price} kept (list price £{line.list_price}), "
            f"approved by {actor}: {note}"
        ),
        customer_informed=False,  # the customer pays the price they were given
        handling=OrderException.Handling.APPROVED,
        approved_by=actor,
    )
    event_record(
        order=order,
        kind=OrderEvent.Kind.APPROVED,
        actor=actor,
        data={
            "exception_id": exception.pk,
            "what": "price",
            "line": line.line_number,
            "unit_price": line.unit_price,
            "list_price": line.list_price,
            "note": note,
        },
    )
    order_release_if_clear(order=order, actor=actor)
    return line


# -- correcting the customer's contact details ----------------------------------


@dataclass
class ContactCorrection:
    """What contact_correct changed, and the customer check it ran afterwards."""

    customer: Customer
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)
    check: Check | None = None

    @property
    def passed(self) -> bool:
        return self.check is not None and self.check.outcome == Check.Outcome.PASSED


def contact_field_label(name: str) -> str:
    """How a contact field is named to a person: "address line 1"."""
    label = str(Customer._meta.get_field(name).verbose_name)
    return {"email": "e-mail address", "phone": "phone number"}.get(name, label)


def contact_correction_refusal(order: Order) -> str:
    """Why the customer's details cannot be corrected from this order, or ""."""
    if order.status in CONTACT_CORRECTABLE:
        return ""
    return (
        f"Order {order} is {order.get_status_display().lower()}; contact details "
        "can be corrected from an order only until it is dispatched."
    )


@transaction.atomic
def _contact_record(
    *,
    order: Order,
    actor,
    changes: dict,
    reason: str,
    customer_told: bool,
    communication: Communication | None,
    exception: OrderException | None,
    expected_version: int | None,
) -> tuple[Order, ContactCorrection]:
    ensure_role(actor, Role.PROCESSOR, Role.SUPERVISOR, order=order)
    reason = reason.strip()
    if not reason:
        raise OrderInputError({"reason": ["Say why the details are being corrected."]})
    unknown = sorted(set(changes) - set(CONTACT_FIELDS))
    if unknown:
        raise OrderRuleError(
            "Only the customer's e-mail address, phone number, postal address and "
            f"preferred channel can be corrected here, not: {', '.join(unknown)}."
        )
    if exception is not None:
        if exception.order_id != order.pk:
            raise OrderRuleError("That exception is about a different order.")
        order, exception = _lock_exception(exception, expected_version)
        if exception.kind not in CONTACT_EXCEPTION_KINDS:
            raise OrderRuleError(
                "Contact details are corrected while handling a missing-contact or "
                f"invalid-address exception, not {exception.get_kind_display()}."
            )
    else:
        order = order_lock(order, expected_version)
    refusal = contact_correction_refusal(order)
    if refusal:
        raise OrderRuleError(refusal)
    if communication is not None:
        if communication.order_id != order.pk:
            raise OrderRuleError("That communication is about a different order.")
        if not customer_told:
            raise OrderRuleError(
                "You chose the communication that told the customer: say that the "
                "customer was told, or choose none."
            )
    try:
        changed = customer_correct_contact(customer=order.customer, changes=changes)
    except ValidationError as error:
        raise OrderInputError(error.message_dict) from error
    if not changed:
        raise OrderRuleError(
            "Nothing to correct: the details entered are the customer's details "
            "already."
        )
    order_save(order, [])
    for name, (before, after) in changed.items():
        event_record(
            order=order,
            kind=OrderEvent.Kind.CORRECTED,
            actor=actor,
            data={
                "field": f"customer's {contact_field_label(name)}",
                "customer_field": name,
                "before": before,
                "after": after,
                "reason": reason,
                "customer_told": customer_told,
                "communication_id": communication.pk if communication else None,
                "exception_id": exception.pk if exception else None,
            },
        )
    if exception is not None:
        labels = ", ".join(contact_field_label(name) for name in changed)
        told = "customer told" if customer_told else "customer not told"
        step = exception.steps.create(
            text=f"Corrected the customer's {labels}: {reason} ({told}).",
            actor=actor,
        )
        event_record(
            order=order,
            kind=OrderEvent.Kind.EXCEPTION_STEP,
            actor=actor,
            data={"exception_id": exception.pk, "step_id": step.pk, "text": step.text},
        )
    order.customer.refresh_from_db()
    return order, ContactCorrection(customer=order.customer, changed=changed)


def contact_correct(
    *,
    order: Order,
    actor,
    changes: dict,
    reason: str,
    customer_told: bool,
    communication: Communication | None = None,
    exception: OrderException | None = None,
    expected_version: int | None = None,
) -> ContactCorrection:
    """Correct the customer's contact details from an order, then check them again.

    Each changed detail is a CORRECTED event on the order (before, after, reason,
    whether and how the customer was told). Then, in its own transaction, the
    customer check runs again where the order is still being verified: if it
    passes, the exceptions it raised are resolved and the order comes off hold.
    """
    order, correction = _contact_record(
        order=order,
        actor=actor,
        changes=changes,
        reason=reason,
        customer_told=customer_told,
        communication=communication,
        exception=exception,
        expected_version=expected_version,
    )
    if order.status in RERUN_STATUSES:
        try:
            correction.check = check_rerun(
                order=order, kind=Check.Kind.CUSTOMER, actor=actor
            )
        except OrderRuleError:
            # The order moved on in between (confirmed by someone else): the
            # correction stands, recorded; there is no check left to re-run.
            correction.check = None
    return correction
