"""Payment gateways behind one interface, chosen per order (Order.gateway).

The simulated gateway's answers are fixed by the card's last four digits (or, for
an account, by the customer's terms), so a decline can be planted in demo data,
tests and practice scenarios:

    card ending 4242 (or any other)  approved
    card ending 0002                 declined
    card ending 9995                 declined: insufficient funds
    card ending 0119                 times out once per call, then answers
                                     (the first call went through: a retry with the
                                     same idempotency key must not charge again)

A call whose answer never came back may still have authorised the card: void_by_key
releases whatever was authorised under that call's idempotency key, and does nothing
if nothing was.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.db import IntegrityError, transaction

from .exceptions import GatewayTimeout
from .models import SimulatedGatewayTransaction

DECLINE_CARD = "0002"
INSUFFICIENT_FUNDS_CARD = "9995"
TIMEOUT_CARD = "0119"


@dataclass(frozen=True)
class GatewayResult:
    approved: bool
    reference: str
    message: str = ""


class PaymentGateway(Protocol):
    def authorise(
        self, *, amount: Decimal, card_last4: str, idempotency_key: str
    ) -> GatewayResult: ...

    def capture(
        self, *, authorisation: str, amount: Decimal, idempotency_key: str
    ) -> GatewayResult: ...

    def refund(
        self, *, payment_reference: str, amount: Decimal, idempotency_key: str
    ) -> GatewayResult: ...

    def void(self, *, authorisation: str, idempotency_key: str) -> GatewayResult: ...

    def void_by_key(
        self, *, authorised_under: str, idempotency_key: str
    ) -> GatewayResult | None: ...


class SimulatedGateway:
    """A deterministic stand-in for a card processor, with its own ledger."""

    name = "simulated"

    def _remember(
        self, *, key: str, operation: str, amount: Decimal, approved: bool, message: str
    ) -> tuple[SimulatedGatewayTransaction, bool]:
        """Record the call once per key; return (record, whether it is new)."""
        existing = SimulatedGatewayTransaction.objects.filter(
            idempotency_key=key
        ).first()
        if existing:
            return existing, False
        try:
            with transaction.atomic():
                record = SimulatedGatewayTransaction.objects.create(
                    idempotency_key=key,
                    operation=operation,
                    amount=amount,
                    approved=approved,
                    reference="",
                    message=message,
                )
                record.reference = f"SIM-{operation[:3].upper()}-{record.pk:08d}"
                record.save(update_fields=["reference"])
        except IntegrityError:
            return SimulatedGatewayTransaction.objects.get(idempotency_key=key), False
        return record, True

    def authorise(
        self, *, amount: Decimal, card_last4: str, idempotency_key: str
    ) -> GatewayResult:
        approved, message = {
            DECLINE_CARD: (False, "Card declined by the issuer."),
            INSUFFICIENT_FUNDS_CARD: (False, "Declined: insufficient funds."),
        }.get(card_last4, (True, "Approved."))
        record, new = self._remember(
            key=idempotency_key,
            operation="authorise",
            amount=amount,
            approved=approved,
            message=message,
        )
        if new and card_last4 == TIMEOUT_CARD:
            # The charge went through but the answer was lost on the way back.
            raise GatewayTimeout("The payment gateway did not answer in time.")
        return GatewayResult(record.approved, record.reference, record.message)

    def _follow_on(
        self, operation: str, amount: Decimal, key: str, target: str
    ) -> GatewayResult:
        # The message names the transaction acted on, so the ledger shows which
        # authorisations are still open (see open_authorisations).
        verb = {"capture": "Captured", "refund": "Refunded", "void": "Voided"}
        record, _ = self._remember(
            key=key,
            operation=operation,
            amount=amount,
            approved=True,
            message=f"{verb[operation]} {target}." if target else "OK.",
        )
        return GatewayResult(record.approved, record.reference, record.message)

    def capture(
        self, *, authorisation: str, amount: Decimal, idempotency_key: str
    ) -> GatewayResult:
        return self._follow_on("capture", amount, idempotency_key, authorisation)

    def refund(
        self, *, payment_reference: str, amount: Decimal, idempotency_key: str
    ) -> GatewayResult:
        return self._follow_on("refund", amount, idempotency_key, payment_reference)

    def void(self, *, authorisation: str, idempotency_key: str) -> GatewayResult:
        return self._follow_on("void", Decimal("0"), idempotency_key, authorisation)

    def void_by_key(
        self, *, authorised_under: str, idempotency_key: str
    ) -> GatewayResult | None:
        """Void what an unanswered call authorised, found by that call's key.

        None (and nothing recorded) if nothing was authorised under the key: the
        call never arrived, or the card was declined. Repeating it with the same
        idempotency_key returns the first void.
        """
        authorised = SimulatedGatewayTransaction.objects.filter(
            idempotency_key=authorised_under, operation="authorise", approved=True
        ).first()
        if authorised is None:
            return None
        return self._follow_on(
            "void", authorised.amount, idempotency_key, authorised.reference
        )

    def open_authorisations(self) -> list[SimulatedGatewayTransaction]:
        """Approved authorisations neither captured nor voided: money still held."""
        settled = set()
        for record in SimulatedGatewayTransaction.objects.filter(
            operation__in=("capture", "void"), approved=True
        ):
            settled.add(record.message.removesuffix(".").rpartition(" ")[2])
        return [
            record
            for record in SimulatedGatewayTransaction.objects.filter(
                operation="authorise", approved=True
            )
            if record.reference not in settled
        ]


_GATEWAYS: dict[str, PaymentGateway] = {"simulated": SimulatedGateway()}


def get_gateway(name: str) -> PaymentGateway:
    """The gateway an order uses, by the name stored on the order."""
    try:
        return _GATEWAYS[name]
    except KeyError:
        raise LookupError(
            f"No payment gateway called {name!r} is configured."
        ) from None
