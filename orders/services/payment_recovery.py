"""Sorting out an order's payment: a declined card or a credit limit, and refunds.

A declined card or an account over its limit puts the order on hold with a
PAYMENT_DECLINED or CREDIT_LIMIT exception. Staff can try the payment again, take
another card, or move the customer to account terms; a supervisor can approve going
over the credit limit. Each path re-runs the payment check (verification.py), whose
pass resolves the exception and releases the hold; the exception records how it
was handled. After dispatch, money is given back by refund (card) or credit note
(account).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from accounts.models import Role

from ..exceptions import (
    GatewayTimeout,
    OrderInputError,
    OrderRuleError,
    StaleOrderError,
)
from ..models import Check, Communication, Order, OrderEvent, OrderException, Payment
from .communications import customer_notify
from .events import event_record
from .lifecycle import (
    ensure_role,
    exception_mark_resolved,
    order_lock,
    order_release_if_clear,
    order_save,
)
from .payments import (
    payment_refund,
    payment_void_live_authorisations,
    refund_position,
    standing_authorisation,
)
from .receipt import card_number_digits, card_number_problem
from .verification import check_rerun, check_run, outstanding_on_account

S = Order.Status
X = OrderException.Kind
H = OrderException.Handling
PAYMENT_KINDS = (X.PAYMENT_DECLINED, X.CREDIT_LIMIT)
# Before confirmation (or held after it): where the payment check can run again.
RECOVERY_STATUSES = (S.VERIFYING, S.VERIFIED, S.ON_HOLD)
REFUND_STATUSES = (S.DISPATCHED, S.DELIVERED, S.FOLLOWED_UP)
PENNY = Decimal("0.01")
REASON_MAX = 200


# -- what the page and the services both consult ----------------------------------


@dataclass(frozen=True)
class CreditPosition:
    limit: Decimal
    outstanding: Decimal
    headroom: Decimal


def credit_position(order: Order) -> CreditPosition:
    """The customer's credit limit, what other open account orders owe, and the rest."""
    limit = order.customer.credit_limit
    outstanding = outstanding_on_account(order)
    return CreditPosition(limit, outstanding, limit - outstanding)


def open_payment_exceptions(order: Order) -> list[OrderException]:
    return list(
        order.exceptions.filter(
            status=OrderException.Status.OPEN, kind__in=PAYMENT_KINDS
        ).order_by("pk")
    )


def recovery_refusal(order: Order) -> str | None:
    """Why the payment cannot be retried or changed now, or None if it can."""
    if order.status not in RECOVERY_STATUSES:
        return (
            f"Order {order} is {order.get_status_display().lower()}: a payment is "
            "sorted out here only while the order is held or not yet confirmed."
        )
    if not open_payment_exceptions(order):
        return "This order has no open payment problem: nothing to retry or change."
    return None


def account_refusal(order: Order) -> str | None:
    """Why this order cannot move to account terms, or None if it can."""
    customer = order.customer
    if order.payment_method == Order.PaymentMethod.ACCOUNT:
        return (
            "This order is already on account terms: a supervisor can approve going "
            "over the credit limit, or take a card instead."
        )
    if not customer.on_account:
        return (
            f"{customer} has no account terms (they pay by card with the order): "
            "take another card instead."
        )
    if customer.on_hold:
        return (
            f"{customer}'s account is on hold, so no new orders go on account: take "
            "another card instead."
        )
    return None


def credit_approval_refusal(order: Order, exception: OrderException) -> str | None:
    """Why a supervisor cannot approve this exception's credit, or None if they can."""
    customer = order.customer
    if exception.status != OrderException.Status.OPEN:
        return "This exception is already resolved."
    if exception.kind != X.CREDIT_LIMIT:
        return "Only a credit limit exception can be approved here."
    if order.payment_method != Order.PaymentMethod.ACCOUNT:
        return (
            "This order is paid by card, not on account: there is no credit to approve."
        )
    if not customer.on_account:
        return (
            f"{customer} has no account terms, so there is no credit to approve: "
            "take a card instead."
        )
    if customer.on_hold:
        return (
            f"{customer}'s account is on hold: take it off hold first, or take a "
            "card instead."
        )
    headroom = credit_position(order).headroom
    if order.gross_total <= headroom:
        return (
            f"£{order.gross_total} is within the £{headroom} credit left, so no "
            "approval is needed: try the payment again instead."
        )
    return None


def refundable(order: Order) -> Decimal:
    """What may still be refunded: taken (captured, or invoiced) less refunds."""
    if order.status not in REFUND_STATUSES:
        return Decimal("0.00")
    taken, refunded = refund_position(order)
    return max(taken - refunded, Decimal("0.00"))


def card_digits(card_number: str) -> str:
    """The digits of a card number as typed, or OrderInputError saying what is wrong.

    The message never repeats the number.
    """
    problem = card_number_problem(card_number)
    if problem:
        if not card_number.strip():
            problem = "Enter the new card number."
        raise OrderInputError({"card_number": [problem]})
    return card_number_digits(card_number)


def _reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise OrderInputError({"reason": [f"Give the reason for {what}."]})
    if len(reason) > REASON_MAX:
        raise OrderInputError(
            {"reason": [f"Keep the reason to {REASON_MAX} characters or fewer."]}
        )
    return reason


def _method(order: Order) -> dict:
    if order.payment_method == Order.PaymentMethod.CARD:
        label = f"Card ending {order.card_last4}"
    else:
        label = "On account"
    return {
        "method": order.payment_method,
        "card_last4": order.card_last4,
        "label": label,
    }


# -- the re-run, and what it settled ------------------------------------------------


def _current(order: Order, expected_version: int | None) -> Order:
    """The order as it is now, refusing a stale page before the gateway is called.

    check_run refuses a stale version only after its gateway call, so a second
    submit of the same page would otherwise ask the card for money under a fresh key.
    """
    current = Order.objects.select_related("customer").get(pk=order.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleOrderError()
    return current


def _payment_rerun(*, order: Order, actor, expected_version: int) -> Check:
    """Run the payment check again, so it ends with an answer or a recorded void.

    A lost answer is asked for once more under the same key (the gateway repeats
    its first answer: never charged twice). If it is lost again, the attempt is
    recorded as unanswered and whatever the gateway authorised under it is voided,
    so the next attempt asks afresh with nothing left held.
    """
    for _ in range(2):
        try:
            return check_rerun(
                order=order,
                kind=Check.Kind.PAYMENT,
                actor=actor,
                expected_version=expected_version,
            )
        except GatewayTimeout:
            continue  # nothing was recorded: the version still stands
    check = check_run(
        order_id=order.pk,
        kind=Check.Kind.PAYMENT,
        actor=actor,
        rerun=True,
        gateway_unavailable=True,
        expected_version=expected_version,
    )
    assert check is not None
    return check


@transaction.atomic
def _settle(
    *,
    order: Order,
    exceptions: list[OrderException],
    check: Check,
    handling: str,
    actor,
    replaced_kind: str = "",
    reason: str = "",
) -> list[OrderException]:
    """After the re-run, record how each payment exception it settled was handled.

    A passing check has already resolved the exceptions it raised: they are marked
    with the handling. One raised by hand is resolved here too. An exception the
    change of method made moot (a credit limit, once paying by card) is resolved
    whatever the outcome. Then a superseded card authorisation is voided and the
    hold released if nothing is left open.
    """
    order = order_lock(order)
    passed = check.outcome == Check.Outcome.PASSED
    label = OrderException.Handling(handling).label
    handled = []
    rows = OrderException.objects.select_for_update().filter(
        pk__in=[exception.pk for exception in exceptions]
    )
    for exception in rows.order_by("pk"):
        if exception.status == OrderException.Status.RESOLVED:
            if exception.handling or exception.resolved_by_id != actor.pk:
                continue  # resolved another way meanwhile
            exception.handling = handling
            exception.save(update_fields=["handling"])
            event_record(
                order=order,
                kind=OrderEvent.Kind.EXCEPTION_STEP,
                actor=actor,
                data={
                    "exception_id": exception.pk,
                    "handling": handling,
                    "text": f"Resolved by the payment re-run: {label.lower()}.",
                },
            )
        elif passed or exception.kind == replaced_kind:
            resolution = (
                f"{check.get_kind_display()}: re-run passed. {check.detail}"
                if passed
                else f"No longer applies: the order is now paid "
                f"{_method(order)['label'].lower()}. {reason}"
            )
            exception_mark_resolved(
                order=order,
                exception=exception,
                actor=actor,
                resolution=resolution.strip(),
                customer_informed=False,
                handling=handling,
            )
        else:
            continue
        handled.append(exception)
    if passed and order.payment_method == Order.PaymentMethod.CARD:
        latest = (
            order.payments.filter(
                operation=Payment.Operation.AUTHORISE, status=Payment.Status.AUTHORISED
            )
            .order_by("-at", "-pk")
            .first()
        )
        payment_void_live_authorisations(order=order, actor=actor, keep=latest)
    if handled:
        order_save(order, [])
    order_release_if_clear(order=order, actor=actor)
    return handled


# -- the services ----------------------------------------------------------------------


def payment_retry(*, order: Order, actor, expected_version: int | None = None) -> Check:
    """Try the payment again as it stands: the same card, or the account's credit.

    Returns the re-run check: passed (the exception resolved, handled by "payment
    retried", and the hold released) or failed (still open).
    """
    ensure_role(actor, Role.PROCESSOR, Role.SUPERVISOR, order=order)
    order = _current(order, expected_version)
    refusal = recovery_refusal(order)
    if refusal:
        raise OrderRuleError(refusal)
    exceptions = open_payment_exceptions(order)
    check = _payment_rerun(order=order, actor=actor, expected_version=order.version)
    _settle(
        order=order,
        exceptions=exceptions,
        check=check,
        handling=H.PAYMENT_RETRIED,
        actor=actor,
    )
    return check


@transaction.atomic
def _payment_method_change(
    *, order: Order, actor, expected_version: int, card_last4: str, reason: str
) -> Order:
    order = order_lock(order, expected_version)
    refusal = recovery_refusal(order)
    if not refusal and not card_last4:
        refusal = account_refusal(order)
    if refusal:
        raise OrderRuleError(refusal)
    before = _method(order)
    order.payment_method = (
        Order.PaymentMethod.CARD if card_last4 else Order.PaymentMethod.ACCOUNT
    )
    order.card_last4 = card_last4
    order_save(order, ["payment_method", "card_last4"])
    event_record(
        order=order,
        kind=OrderEvent.Kind.PAYMENT_METHOD_CHANGED,
        actor=actor,
        data={"before": before, "after": _method(order), "reason": reason},
    )
    # What the old card authorised will never be captured: release it now.
    payment_void_live_authorisations(order=order, actor=actor)
    return order


def payment_change_card(
    *,
    order: Order,
    actor,
    card_number: str,
    reason: str,
    expected_version: int | None = None,
) -> Check:
    """Take another card (only its last four digits are kept) and try it.

    Records the change (PAYMENT_METHOD_CHANGED, before and after), then re-runs the
    payment check: a pass resolves the exception ("another card taken") and
    releases the hold. Returns the re-run check.
    """
    ensure_role(actor, Role.PROCESSOR, Role.SUPERVISOR, order=order)
    digits = card_digits(card_number)
    reason = _reason(reason, "taking another card")
    order = _current(order, expected_version)
    exceptions = open_payment_exceptions(order)
    order = _payment_method_change(
        order=order,
        actor=actor,
        expected_version=order.version,
        card_last4=digits[-4:],
        reason=reason,
    )
    check = _payment_rerun(order=order, actor=actor, expected_version=order.version)
    _settle(
        order=order,
        exceptions=exceptions,
        check=check,
        handling=H.NEW_CARD,
        actor=actor,
        replaced_kind=X.CREDIT_LIMIT,
        reason=reason,
    )
    return check


def payment_move_to_account(
    *, order: Order, actor, reason: str, expected_version: int | None = None
) -> Check:
    """Move the order to the customer's account terms and run the credit check.

    Only for a customer with account terms whose account is not on hold. Card
    details are cleared (and any card authorisation voided). Within the credit
    left, the exception is resolved ("moved to account terms") and the hold
    released; over it, the re-run opens a CREDIT_LIMIT exception for a supervisor.
    Returns the re-run check.
    """
    ensure_role(actor, Role.PROCESSOR, Role.SUPERVISOR, order=order)
    reason = _reason(reason, "moving the order to account terms")
    order = _current(order, expected_version)
    refusal = recovery_refusal(order) or account_refusal(order)
    if refusal:
        raise OrderRuleError(refusal)
    exceptions = open_payment_exceptions(order)
    order = _payment_method_change(
        order=order,
        actor=actor,
        expected_version=order.version,
        card_last4="",
        reason=reason,
    )
    check = _payment_rerun(order=order, actor=actor, expected_version=order.version)
    _settle(
        order=order,
        exceptions=exceptions,
        check=check,
        handling=H.ACCOUNT_TERMS,
        actor=actor,
        replaced_kind=X.PAYMENT_DECLINED,
        reason=reason,
    )
    return check


@transaction.atomic
def credit_limit_approve(
    *,
    exception: OrderException,
    actor,
    note: str,
    expected_version: int | None = None,
) -> OrderException:
    """A supervisor approves an account order going over the customer's credit limit.

    Records the approval on the order (up to its gross total, so the payment check
    passes while the total stays within it), resolves the exception and releases
    the hold.
    """
    ensure_role(actor, Role.SUPERVISOR, order=exception.order)
    note = note.strip()
    if not note:
        raise OrderInputError({"note": ["Write why going over the limit is approved."]})
    order = order_lock(exception.order, expected_version)
    exception = OrderException.objects.select_for_update().get(pk=exception.pk)
    refusal = credit_approval_refusal(order, exception)
    if refusal:
        raise OrderRuleError(refusal)
    headroom = credit_position(order).headroom
    order.credit_approved_for, order.credit_approved_by = order.gross_total, actor
    order_save(order, ["credit_approved_for", "credit_approved_by"])
    event_record(
        order=order,
        kind=OrderEvent.Kind.APPROVED,
        actor=actor,
        data={
            "exception_id": exception.pk,
            "what": "credit",
            "amount": order.gross_total,
            "note": note,
        },
    )
    exception_mark_resolved(
        order=order,
        exception=exception,
        actor=actor,
        resolution=(
            f"{actor} approved £{order.gross_total} on account, £"
            f"{order.gross_total - headroom} over the £{headroom} credit left: {note}"
        ),
        customer_informed=False,
        handling=H.APPROVED,
        approved_by=actor,
    )
    order_release_if_clear(order=order, actor=actor)
    return exception


def _refund_amount(amount) -> Decimal:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        value = Decimal("NaN")
    if not value.is_finite():
        raise OrderInputError({"amount": ["Enter the amount in pounds, like 12.50."]})
    if value <= 0:
        raise OrderInputError({"amount": ["Enter an amount more than £0."]})
    if value != value.quantize(PENNY):
        raise OrderInputError(
            {"amount": ["Enter the amount in pounds and pence (two decimal places)."]}
        )
    return value.quantize(PENNY)


@transaction.atomic
def order_refund(
    *,
    order: Order,
    actor,
    amount: Decimal,
    reason: str,
    expected_version: int | None = None,
) -> Payment:
    """Give money back after dispatch (a return, or goodwill) and tell the customer.

    A card order is refunded through the gateway against its captured payment, an
    account order gets a credit note; never more than was taken less refunds so
    far. The gateway key is this attempt's (the order's version), so a retried
    refund is never paid twice, and a second submit of the page is refused. Returns
    the refund's Payment (declined if the gateway refused it).
    """
    ensure_role(actor, Role.PROCESSOR, Role.SUPERVISOR, order=order)
    amount = _refund_amount(amount)
    reason = _reason(reason, "the refund")
    order = order_lock(order, expected_version)
    if order.status not in REFUND_STATUSES:
        raise OrderRuleError(
            f"Order {order} is {order.get_status_display().lower()}: a refund is made "
            "once the order has been dispatched (before that, cancel lines or the "
            "order instead)."
        )
    taken, refunded = refund_position(order)
    account = order.payment_method == Order.PaymentMethod.ACCOUNT
    if taken <= 0:
        raise OrderRuleError(
            "Nothing was taken for this order, so there is nothing to refund."
        )
    left = taken - refunded
    if left <= 0:
        raise OrderRuleError(f"The £{taken} taken has all been refunded already.")
    if amount > left:
        raise OrderInputError(
            {
                "amount": [
                    f"You can refund at most £{left}: £{taken} was "
                    f"{'invoiced' if account else 'taken'} and £{refunded} refunded "
                    "already."
                ]
            }
        )
    payment = payment_refund(
        order=order,
        amount=amount,
        reason=reason,
        attempt=f"v{order.version}",
        actor=actor,
    )
    order_save(order, [])
    if payment.status == Payment.Status.REFUNDED:
        if account:
            content = (
                f"We have issued a credit note of £{amount} against your account for "
                f"order {order.reference} (reference {payment.gateway_reference}): "
                f"{reason}"
            )
        else:
            content = (
                f"We have refunded £{amount} to your card ending {order.card_last4} "
                f"for order {order.reference}: {reason.rstrip('.')}. It may take a "
                "few days to show on your statement."
            )
        customer_notify(
            order=order,
            actor=actor,
            purpose=Communication.Purpose.REFUND,
            subject=f"Refund for order {order.reference}",
            content=content,
        )
    return payment


def payment_follow_total(*, order: Order, actor) -> Check | None:
    """Authorise a card order's new total after it changed before confirmation.

    A substitute at a different price leaves the card authorised for the old total,
    and a capture for more than was authorised would fail at dispatch. Where the
    payment check can still run, the standing authorisation is voided and the new
    total authorised (a decline puts the order on hold, as at verification).
    Returns the re-run check, or None when nothing needed doing.
    """
    order = Order.objects.select_related("customer").get(pk=order.pk)
    if order.payment_method != Order.PaymentMethod.CARD:
        return None
    if order.status not in (S.VERIFIED, S.ON_HOLD):
        return None
    standing = standing_authorisation(order)
    if standing is None or standing.amount == order.gross_total:
        return None
    with transaction.atomic():
        order = order_lock(order, order.version)
        payment_void_live_authorisations(order=order, actor=actor)
        order_save(order, [])
    return _payment_rerun(order=order, actor=actor, expected_version=order.version)
