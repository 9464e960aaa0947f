"""Payments through the order's gateway, each call a Payment row and an event."""

from dataclasses import replace
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from ..gateways import GatewayResult, get_gateway
from ..models import Order, OrderEvent, Payment
from .events import event_record


def authorisation_key(order: Order) -> str:
    """One key per verification round: a retried call for the round is the same call."""
    return f"order-{order.pk}-authorise-r{order.verification_round}"


def payment_record(
    *,
    order: Order,
    operation: str,
    result: GatewayResult,
    amount: Decimal,
    idempotency_key: str,
    actor=None,
    worker: str = "",
    gateway: str | None = None,
    data: dict | None = None,
) -> Payment:
    """Keep the gateway's answer (once per key) and write its event.

    `gateway` names where the money moved when it is not the order's gateway (a
    credit note on account); `data` adds to the event (a refund's reason).
    """
    status = {
        Payment.Operation.AUTHORISE: Payment.Status.AUTHORISED,
        Payment.Operation.CAPTURE: Payment.Status.CAPTURED,
        Payment.Operation.REFUND: Payment.Status.REFUNDED,
        Payment.Operation.VOID: Payment.Status.VOIDED,
    }[operation]
    payment, created = Payment.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "order": order,
            "operation": operation,
            "status": status if result.approved else Payment.Status.DECLINED,
            "amount": amount,
            "gateway": gateway or order.gateway,
            "gateway_reference": result.reference,
            "message": result.message,
            "actor": actor,
        },
    )
    if created:
        event_record(
            order=order,
            kind=OrderEvent.Kind.PAYMENT,
            actor=actor,
            worker=worker,
            data={
                "payment_id": payment.pk,
                "operation": operation,
                "status": payment.status,
                "amount": amount,
                "gateway_reference": result.reference,
                **(data or {}),
            },
        )
    return payment


def standing_authorisation(order: Order) -> Payment | None:
    """The latest authorisation still standing (one voided since is passed over)."""
    voided = set(
        order.payments.filter(operation=Payment.Operation.VOID).values_list(
            "idempotency_key", flat=True
        )
    )
    authorisations = order.payments.filter(
        operation=Payment.Operation.AUTHORISE, status=Payment.Status.AUTHORISED
    ).order_by("-at", "-pk")
    return next((a for a in authorisations if _void_key(a) not in voided), None)


def payment_capture_for_order(*, order: Order, actor=None) -> Payment | None:
    """Take the authorised card payment (at dispatch). Account orders are invoiced."""
    authorisation = standing_authorisation(order)
    if order.payment_method != Order.PaymentMethod.CARD or authorisation is None:
        return None
    key = f"order-{order.pk}-capture-{authorisation.pk}"
    result = get_gateway(order.gateway).capture(
        authorisation=authorisation.gateway_reference,
        amount=order.gross_total,
        idempotency_key=key,
    )
    return payment_record(
        order=order,
        operation=Payment.Operation.CAPTURE,
        result=result,
        amount=order.gross_total,
        idempotency_key=key,
        actor=actor,
    )


def payment_release_for_order(*, order: Order, actor=None) -> Payment | None:
    """On cancellation: refund a captured payment, or void what is authorised."""
    captured = order.payments.filter(status=Payment.Status.CAPTURED).first()
    if captured is not None:
        gateway = get_gateway(order.gateway)
        key = f"order-{order.pk}-refund-{captured.pk}"
        result = gateway.refund(
            payment_reference=captured.gateway_reference,
            amount=captured.amount,
            idempotency_key=key,
        )
        return payment_record(
            order=order,
            operation=Payment.Operation.REFUND,
            result=result,
            amount=captured.amount,
            idempotency_key=key,
            actor=actor,
        )
    voids = payment_void_live_authorisations(order=order, actor=actor)
    return voids[-1] if voids else None


def _void_key(authorisation: Payment) -> str:
    # The same key order cancellation uses, so an authorisation is voided once.
    return f"order-{authorisation.order_id}-void-{authorisation.pk}"


def payment_void_unanswered(
    *, order: Order, idempotency_key: str, actor=None, worker: str = ""
) -> Payment | None:
    """Void what the gateway may hold from an authorisation whose answer never came.

    A call that timed out may still have gone through: the card would stay
    authorised with no record of it here. Asks the gateway to void whatever was
    authorised under the call's key and records the void (its own small
    transaction). None, with nothing recorded, if the answer was recorded after
    all, or the gateway authorised nothing. Call it outside a transaction (it is
    a network call), before the key's answer is recorded as "no answer".
    """
    if order.payment_method != Order.PaymentMethod.CARD:
        return None
    if Payment.objects.filter(idempotency_key=idempotency_key).exists():
        return None  # answered and recorded: a real authorisation, voided by others
    void_key = f"{idempotency_key}-void"
    done = Payment.objects.filter(idempotency_key=void_key).first()
    if done is not None:
        return done
    result = get_gateway(order.gateway).void_by_key(
        authorised_under=idempotency_key, idempotency_key=void_key
    )
    if result is None:
        return None
    with transaction.atomic():
        # Lock and re-read, so the event records the order's status as it is now.
        order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        return payment_record(
            order=order,
            operation=Payment.Operation.VOID,
            result=replace(
                result,
                message=f"The gateway did not answer an authorisation: "
                f"{result.message}",
            ),
            amount=order.gross_total,
            idempotency_key=void_key,
            actor=actor,
            worker=worker,
            data={"unanswered_key": idempotency_key},
        )


def payment_void_live_authorisations(
    *, order: Order, actor=None, keep: Payment | None = None
) -> list[Payment]:
    """Void card authorisations still holding money (not captured, not voided).

    For a locked order whose card changed or which moved to account terms: the
    customer should not have money held on a card that will not be charged.
    `keep` is the authorisation that will be captured.
    """
    settled_keys = set(order.payments.values_list("idempotency_key", flat=True))
    voids = []
    authorisations = order.payments.filter(
        operation=Payment.Operation.AUTHORISE, status=Payment.Status.AUTHORISED
    ).order_by("pk")
    for authorisation in authorisations:
        key = _void_key(authorisation)
        captured = f"order-{order.pk}-capture-{authorisation.pk}" in settled_keys
        if authorisation == keep or captured or key in settled_keys:
            continue
        result = get_gateway(authorisation.gateway).void(
            authorisation=authorisation.gateway_reference, idempotency_key=key
        )
        voids.append(
            payment_record(
                order=order,
                operation=Payment.Operation.VOID,
                result=result,
                amount=authorisation.amount,
                idempotency_key=key,
                actor=actor,
            )
        )
    return voids


def _total(order: Order, operation: str, status: str) -> Decimal:
    total = order.payments.filter(operation=operation, status=status).aggregate(
        total=Sum("amount")
    )["total"]
    # SQLite sums decimals without their places; money is in pence.
    return (total or Decimal("0")).quantize(Decimal("0.01"))


def refund_position(order: Order) -> tuple[Decimal, Decimal]:
    """(taken, refunded so far): what a refund may not exceed, less what it has.

    A card order has taken what was captured; an account order, its invoiced
    total (credit notes are refunds against it).
    """
    if order.payment_method == Order.PaymentMethod.ACCOUNT:
        taken = order.gross_total
    else:
        taken = _total(order, Payment.Operation.CAPTURE, Payment.Status.CAPTURED)
    return taken, _total(order, Payment.Operation.REFUND, Payment.Status.REFUNDED)


CREDIT_NOTE_GATEWAY = "account"


def payment_refund(
    *, order: Order, amount: Decimal, reason: str, attempt: str, actor=None
) -> Payment:
    """Give money back on a locked order (the caller checks the amount first).

    A card order is refunded through its gateway against the captured payment; an
    account order gets a credit note, recorded as a refund on "account". The key
    is the attempt's (one per page version), so a retried refund is never paid
    twice.
    """
    if order.payment_method == Order.PaymentMethod.ACCOUNT:
        key = f"order-{order.pk}-credit-note-{attempt}"
        number = order.payments.filter(gateway=CREDIT_NOTE_GATEWAY).count() + 1
        result = GatewayResult(True, f"CN-{order.reference}-{number}", reason[:200])
        gateway = CREDIT_NOTE_GATEWAY
    else:
        captured = (
            order.payments.filter(
                operation=Payment.Operation.CAPTURE, status=Payment.Status.CAPTURED
            )
            .order_by("-at", "-pk")
            .first()
        )
        assert captured is not None, "refund_position said something was taken"
        key = f"order-{order.pk}-refund-{attempt}"
        result = get_gateway(order.gateway).refund(
            payment_reference=captured.gateway_reference,
            amount=amount,
            idempotency_key=key,
        )
        if result.approved:
            result = replace(result, message=reason[:200])
        gateway = None
    return payment_record(
        order=order,
        operation=Payment.Operation.REFUND,
        result=result,
        amount=amount,
        idempotency_key=key,
        actor=actor,
        gateway=gateway,
        data={"reason": reason},
    )


def payment_void_abandoned(*, order: Order, worker: str = "") -> Payment | None:
    """Void what a timed-out authorisation may hold on an order since cancelled.

    The checks' task timed out at the gateway and the order was cancelled before
    its retry: cancellation voids only recorded authorisations, and the retry no
    longer asks, so the unanswered call is voided here (a no-op if it authorised
    nothing).
    """
    return payment_void_unanswered(
        order=order, idempotency_key=authorisation_key(order), worker=worker
    )
