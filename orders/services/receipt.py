"""Stage 1, receipt: capture an order from any channel and start its checks."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from inventory.models import Product, StockPool
from inventory.services import stock_pool_live

from ..exceptions import OrderInputError, OrderRuleError, OrderTooLargeError
from ..models import (
    MONEY,
    Communication,
    Order,
    OrderEvent,
    OrderLine,
    ReceiptSubmission,
)
from .communications import communication_record, customer_notify
from .dates import TOO_FAR_AHEAD, is_too_far_ahead
from .events import event_record
from .lifecycle import schedule_verification

PENNY = Decimal("0.01")
# The most an order's totals hold (their columns): £9,999,999,999.99.
LARGEST_TOTAL = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - PENNY
DEFAULT_VAT_RATE = Decimal("0.200")
MAX_LINES = 200


@dataclass(frozen=True)
class LineInput:
    """One line as the customer gave it; agreed_price only if a price was agreed."""

    product_code: str
    quantity: int
    agreed_price: Decimal | None = None


def card_number_problem(card_number: str) -> str | None:
    """What is wrong with a card number as typed (never repeating it), or None.

    Spaces and hyphens are allowed between the digits.
    """
    digits = card_number_digits(card_number)
    if not digits:
        return "Enter the card number."
    # isascii: "²" is a digit to str.isdigit, but not to int().
    if not (digits.isascii() and digits.isdigit()):
        return "A card number has only digits (spaces and hyphens are fine)."
    if not 12 <= len(digits) <= 19:
        return f"A card number has 12 to 19 digits; this one has {len(digits)}."
    if not luhn_valid(digits):
        return "This is not a valid card number: check each digit with the customer."
    return None


def card_number_digits(card_number: str) -> str:
    return "".join(card_number.split()).replace("-", "")


def luhn_valid(number: str) -> bool:
    digits = [int(ch) for ch in number]
    checksum = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        checksum += digit
    return checksum % 10 == 0


def _vat(net: Decimal, rate: Decimal) -> Decimal:
    return (net * rate).quantize(PENNY, rounding=ROUND_HALF_UP)


def order_totals(lines: Sequence[OrderLine]) -> tuple[Decimal, Decimal, Decimal]:
    """Net, VAT and gross of the active lines; VAT rounded per line, half up.

    Raises OrderTooLargeError (an OrderInputError on "lines") when the gross is
    more than an order's totals can hold, so whoever changes the lines checks them.
    """
    active = [line for line in lines if line.is_active]
    net = sum((line.net for line in active), Decimal("0.00"))
    vat = sum((_vat(line.net, line.vat_rate) for line in active), Decimal("0.00"))
    if net + vat > LARGEST_TOTAL:
        raise OrderTooLargeError(
            f"The order would come to £{net + vat:,.2f}, more than an order can hold "
            f"(£{LARGEST_TOTAL:,}): check the quantities and prices."
        )
    return net, vat, net + vat


def product_code_problem(code: str | None) -> str | None:
    """What is wrong with a product code as typed ("enter ..."), or None."""
    code = (code or "").strip()
    if not code:
        return "enter the product code."
    if len(code) > 20:
        return "a product code is at most 20 characters."
    return None


def quantity_problem(quantity, *, minimum: int = 1) -> str | None:
    """What is wrong with a line quantity, or None."""
    if not isinstance(quantity, int) or quantity < minimum:
        return f"the quantity must be a whole number of {minimum} or more."
    if quantity > 1_000_000:
        return "the quantity is too large to take."
    return None


def price_problem(price: Decimal | None, *, name: str = "agreed price") -> str | None:
    """What is wrong with a price in pounds (None: no price given), or None."""
    if price is not None and price < 0:
        return f"the {name} must be £0 or more."
    if price is not None and price >= Decimal("1e9"):
        return f"the {name} is too large."
    return None


def line_input_problems(line: LineInput, label: str) -> list[str]:
    """Messages about one line as given, each starting with its label ("Line 2")."""
    problems = [
        product_code_problem(line.product_code),
        quantity_problem(line.quantity),
        price_problem(line.agreed_price),
    ]
    return [f"{label}: {problem}" for problem in problems if problem]


def delivery_problems(
    *, delivery_address: str, delivery_postcode: str, requested_date: date | None
) -> dict[str, list[str]]:
    """Problems with where and when to deliver, keyed by field."""
    errors: dict[str, list[str]] = {}
    if not delivery_address.strip():
        errors["delivery_address"] = ["Enter the delivery address."]
    if not delivery_postcode.strip():
        errors["delivery_postcode"] = ["Enter the delivery postcode."]
    elif len(delivery_postcode.strip()) > 10:
        errors["delivery_postcode"] = ["A postcode is at most 10 characters."]
    if requested_date is not None and requested_date < timezone.localdate():
        errors["requested_date"] = ["The requested delivery date is in the past."]
    elif requested_date is not None and is_too_far_ahead(requested_date):
        errors["requested_date"] = [TOO_FAR_AHEAD]
    return errors


def _validate(
    *,
    lines: Sequence[LineInput],
    channel: str,
    delivery_address: str,
    delivery_postcode: str,
    requested_date: date | None,
    payment_method: str,
    card_number: str,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if channel not in Order.Channel.values:
        add("channel", "Choose how the order came in.")
    if not lines:
        add("lines", "Add at least one line.")
    if len(lines) > MAX_LINES:
        add("lines", f"An order can have at most {MAX_LINES} lines.")
    for number, line in enumerate(lines, start=1):
        for message in line_input_problems(line, f"Line {number}"):
            add("lines", message)
    for field, messages in delivery_problems(
        delivery_address=delivery_address,
        delivery_postcode=delivery_postcode,
        requested_date=requested_date,
    ).items():
        for message in messages:
            add(field, message)
    if payment_method not in Order.PaymentMethod.values:
        add("payment_method", "Choose how the customer is paying.")
    if payment_method == Order.PaymentMethod.CARD and card_number_problem(card_number):
        add("card_number", "Enter a valid card number (12 to 19 digits).")
    return errors


def line_from_input(
    order: Order, number: int, given: LineInput, products: dict[str, Product]
) -> OrderLine:
    """An unsaved line as the customer gave it: a wrong or unknown code is kept (the
    checks flag it), the agreed price or else the list price, the list's VAT rate."""
    code = given.product_code.strip().upper()
    product = products.get(code)
    price = given.agreed_price
    if price is None:
        price = product.unit_price if product else Decimal("0.00")
    return OrderLine(
        order=order,
        line_number=number,
        product_code=code,
        product=product,
        description=product.name if product else "Unknown product code",
        quantity=given.quantity,
        unit_price=price,
        list_price=product.unit_price if product else None,
        vat_rate=product.vat_rate if product else DEFAULT_VAT_RATE,
    )


def catalogue_for(order: Order):
    """The products an order may name: the live catalogue for a live order, the
    practice catalogue for a practice one (a code from the other is unknown)."""
    return Product.objects.filter(practice=order.practice_learner_id is not None)


def _ensure_same_world(*, customer: Customer, stock_pool: StockPool, practice_learner):
    """A practice order runs entirely on practice data, a live one on live data."""
    practice = practice_learner is not None
    if customer.practice != practice or stock_pool.is_live == practice:
        world = "practice" if practice else "live"
        raise OrderRuleError(
            f"A {world} order needs a {world} customer and a {world} stock pool."
        )


@transaction.atomic
def order_receive(
    *,
    customer: Customer,
    lines: Sequence[LineInput],
    channel: str,
    received_by,
    payment_method: str,
    delivery_address: str = "",
    delivery_postcode: str = "",
    requested_date: date | None = None,
    card_number: str = "",
    customer_po_ref: str = "",
    stock_pool: StockPool | None = None,
    gateway: str | None = None,
    received_at: datetime | None = None,
    submission_token: uuid.UUID | None = None,
    practice_learner=None,
) -> Order:
    """Capture an order as the customer gave it and queue its checks.

    Wrong codes, prices and quantities are kept as given: the checks find and
    flag them, so nothing is corrected silently. Missing mandatory data is refused
    with OrderInputError, field by field, and nothing is saved.

    With a submission_token (the receipt form's one-time token), the same person's
    second submit of the same form fails with IntegrityError and leaves nothing: see
    orders.selectors.receipt.order_for_receipt_token for the order it made.
    """
    delivery_address = delivery_address or customer.postal_address
    delivery_postcode = (delivery_postcode or customer.postcode).strip().upper()
    errors = _validate(
        lines=lines,
        channel=channel,
        delivery_address=delivery_address,
        delivery_postcode=delivery_postcode,
        requested_date=requested_date,
        payment_method=payment_method,
        card_number=card_number,
    )
    if errors:
        raise OrderInputError(errors)
    stock_pool = stock_pool or stock_pool_live()
    _ensure_same_world(
        customer=customer, stock_pool=stock_pool, practice_learner=practice_learner
    )
    card_digits = card_number_digits(card_number)
    order = Order.objects.create(
        customer=customer,
        channel=channel,
        received_by=received_by,
        received_at=received_at or timezone.now(),
        customer_po_ref=customer_po_ref.strip(),
        delivery_address=delivery_address.strip(),
        delivery_postcode=delivery_postcode,
        requested_date=requested_date,
        payment_method=payment_method,
        card_last4=card_digits[-4:]
        if payment_method == Order.PaymentMethod.CARD
        else "",
        stock_pool=stock_pool,
        gateway=gateway or settings.ORDERDESK["PAYMENT_GATEWAY"],
        practice_learner=practice_learner,
    )
    order.reference = f"SO-{order.pk:06d}"
    if submission_token is not None:
        # A concurrent second submit waits on the unique constraint, then fails.
        ReceiptSubmission.objects.create(
            user=received_by, token=submission_token, order=order
        )
    codes = {line.product_code.strip().upper() for line in lines}
    products = {p.code: p for p in catalogue_for(order).filter(code__in=codes)}
    order_lines = [
        line_from_input(order, number, given, products)
        for number, given in enumerate(lines, start=1)
    ]
    OrderLine.objects.bulk_create(order_lines)
    order.net_total, order.vat_total, order.gross_total = order_totals(order_lines)
    order.save(update_fields=["reference", "net_total", "vat_total", "gross_total"])
    event_record(
        order=order,
        kind=OrderEvent.Kind.RECEIVED,
        actor=received_by,
        data={
            "channel": channel,
            "lines": [
                {
                    "line": line.line_number,
                    "product_code": line.product_code,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                }
                for line in order_lines
            ],
            "gross_total": order.gross_total,
            "requested_date": requested_date,
            "payment_method": payment_method,
        },
    )
    _acknowledge(order=order, actor=received_by)
    schedule_verification(order)
    return order


def _acknowledge(*, order: Order, actor) -> Communication:
    """Acknowledge receipt: in the call or visit itself, else by preference."""
    content = (
        f"Thank you for your order {order.reference}. We are checking it now and "
        "will confirm the delivery date once stock and payment are confirmed."
    )
    if order.channel in (Order.Channel.PHONE, Order.Channel.WALK_IN):
        return communication_record(
            order=order,
            actor=actor,
            channel=(
                Communication.Channel.PHONE
                if order.channel == Order.Channel.PHONE
                else Communication.Channel.IN_PERSON
            ),
            purpose=Communication.Purpose.ACKNOWLEDGEMENT,
            content=content,
            outcome=Communication.Outcome.REACHED,
        )
    return customer_notify(
        order=order,
        actor=actor,
        purpose=Communication.Purpose.ACKNOWLEDGEMENT,
        subject=f"We have received your order {order.reference}",
        content=content,
    )
