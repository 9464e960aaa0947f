"""Payments through the order's gateway, each call a Payment row and an event."""

from decimal import Decimal

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
) -> Payment:
    """Keep the gateway's answer (once per key) and write its event."""
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
            "gateway": order.gateway,
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
            },
        )
    return payment


def _authorisation(order: Order) -> Payment | None:
    return (
        order.payments.filter(
            operation=Payment.Operation.AUTHORISE, status=Payment.Status.AUTHORISED
        )
        .order_by("-at", "-pk")
        .first()
    )


def payment_capture_for_order(*, order: Order, actor=None) -> Payment | None:
    """Take the authorised card payment (at dispatch). Account orders are invoiced."""
    authorisation = _authorisation(order)
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
    """On cancellation: refund a captured payment, or void an authorisation."""
    captured = order.payments.filter(status=Payment.Status.CAPTURED).first()
    gateway = get_gateway(order.gateway)
    if captured is not None:
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
    authorisation = _authorisation(order)
    if authorisation is not None:
        key = f"order-{order.pk}-void-{authorisation.pk}"
        result = gateway.void(
            authorisation=authorisation.gateway_reference, idempotency_key=key
        )
        return payment_record(
            order=order,
            operation=Payment.Operation.VOID,
            result=result,
            amount=authorisation.amount,
            idempotency_key=key,
            actor=actor,
        )
    return None
