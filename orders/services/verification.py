"""Stage 2, verification: the checks, run in the background by a worker.

Each check runs in its own transaction and records a Check row and an event; a
failure opens an exception. A verification round makes each check once, however
often its task is delivered, so a worker killed mid-way resumes where it stopped.
The stock and payment a check consults come from the order itself (its stock pool
and gateway), so practice orders run the same checks against their own context.
"""

import difflib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from accounts.models import Role
from customers.validators import is_uk_phone, is_uk_postcode
from inventory.models import StockLevel
from inventory.services import ReservationRequest, stock_reserve

from ..exceptions import OrderRuleError, StaleOrderError
from ..gateways import GatewayResult, get_gateway
from ..models import Check, Order, OrderEvent, OrderException, OrderLine, Payment
from .events import event_record
from .lifecycle import (
    ensure_role,
    ensure_transition,
    exception_mark_resolved,
    order_hold,
    order_lock,
    order_release_if_clear,
    order_save,
    stock_reference,
)
from .payments import authorisation_key, payment_record, payment_void_unanswered
from .receipt import catalogue_for

K = Check.Kind
X = OrderException.Kind
CHECK_SEQUENCE = [
    K.CUSTOMER,
    K.PRODUCTS,
    K.QUANTITIES,
    K.PRICES,
    K.DUPLICATE,
    K.STOCK,
    K.DATE,
    K.PAYMENT,
]
# A quantity this many times the customer's usual for the product is queried.
UNUSUAL_QUANTITY_FACTOR = 10
UNUSUAL_QUANTITY_MIN_HISTORY = 3
ABSURD_QUANTITY = 10_000


@dataclass
class Problem:
    kind: str
    found: str
    line: OrderLine | None = None


@dataclass
class Finding:
    detail: str
    problems: list[Problem] = field(default_factory=list)
    data: dict = field(default_factory=dict)


def _active_lines(order: Order) -> list[OrderLine]:
    return [line for line in order.lines.select_for_update() if line.is_active]


def _contact_detail_problems(customer) -> list[str]:
    """What is missing from, or wrong with, the details for reaching the customer.

    One sentence per problem, so a person can ask the customer for all of them at
    once. Details saved before the customer record checked them are caught here.
    """
    found = [
        f"The customer's {item} is missing."
        for item in customer.missing_contact_details()
    ]
    if customer.email:
        try:
            validate_email(customer.email)
        except ValidationError:
            found.append(
                f"The customer's e-mail address {customer.email!r} is not a valid "
                "e-mail address."
            )
    if customer.phone and not is_uk_phone(customer.phone):
        found.append(
            f"The customer's phone number {customer.phone!r} is not a valid UK phone "
            "number."
        )
    if customer.postcode and not is_uk_postcode(customer.postcode):
        found.append(
            f"The customer's postcode {customer.postcode!r} is not a valid UK postcode."
        )
    return found


def _delivery_address_problems(order: Order) -> list[str]:
    found = []
    if not order.delivery_address.strip():
        found.append("The delivery address is missing.")
    if not order.delivery_postcode.strip():
        found.append("The delivery postcode is missing.")
    elif not is_uk_postcode(order.delivery_postcode):
        found.append(
            f"The delivery postcode {order.delivery_postcode!r} is not a valid UK "
            "postcode."
        )
    return found


def _check_customer(order: Order, lines, **_) -> Finding:
    # One exception per kind: a person corrects the customer's record in one go,
    # and the order's delivery address in another.
    problems = []
    contact = _contact_detail_problems(order.customer)
    if contact:
        problems.append(Problem(X.MISSING_CONTACT, " ".join(contact)))
    address = _delivery_address_problems(order)
    if address:
        problems.append(Problem(X.INVALID_ADDRESS, " ".join(address)))
    detail = (
        "Name, address and contact details complete and valid (UK phone number "
        "and postcode); delivery postcode valid."
        if not problems
        else " ".join(p.found for p in problems)
    )
    return Finding(detail, problems)


# A product code this many typing slips from the one given is suggested: one
# character wrong, missing, extra, or two side by side swapped ("ABC-1243").
CODE_MAX_SLIPS = 1
# A name this like an inactive product's is suggested as its replacement.
NAME_MATCH_CUTOFF = 0.6
MAX_SUGGESTIONS = 3


def _typing_slips(given: str, code: str, limit: int) -> int:
    """Edits from one code to the other (Damerau's optimal string alignment),
    or limit + 1 as soon as it is clearly more than limit."""
    if abs(len(given) - len(code)) > limit:
        return limit + 1
    before, row = None, list(range(len(code) + 1))
    for i, a in enumerate(given, start=1):
        current = [i] + [0] * len(code)
        for j, b in enumerate(code, start=1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (a != b))
            if i > 1 and j > 1 and a == code[j - 2] and given[i - 2] == b:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


def _name_likeness(name: str, other: str) -> float:
    """How alike two product names are: spelling, or the share of words in common."""
    name, other = name.lower(), other.lower()
    words = set(re.findall(r"\w+", name))
    shared = len(words & set(re.findall(r"\w+", other))) / len(words) if words else 0
    return max(difflib.SequenceMatcher(None, name, other).ratio(), shared)


def _close_matches(line: OrderLine, candidates: list[tuple[str, str]]) -> list[dict]:
    """Active products the line probably meant, best first: by code for an unknown
    code, by name for a product no longer sold."""
    ranked = []
    for code, name in candidates:
        if line.product is None:
            slips = _typing_slips(line.product_code.upper(), code, CODE_MAX_SLIPS)
            if slips <= CODE_MAX_SLIPS:
                ranked.append((slips, code, name))
        else:
            likeness = _name_likeness(line.product.name, name)
            if likeness >= NAME_MATCH_CUTOFF:
                ranked.append((-likeness, code, name))
    return [{"code": code, "name": name} for _, code, name in sorted(ranked)][
        :MAX_SUGGESTIONS
    ]


def _did_you_mean(matches: list[dict], by: str) -> str:
    if not matches:
        return f" No active product has a similar {by}."
    named = [f"{m['code']} ({m['name']})" for m in matches]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]
    return f" Did you mean {listed}?"


def _check_products(order: Order, lines, **_) -> Finding:
    wrong = [line for line in lines if line.product is None or not line.product.active]
    # One query for the candidates, however many lines need suggestions.
    candidates = (
        list(catalogue_for(order).filter(active=True).values_list("code", "name"))
        if wrong
        else []
    )
    problems, suggestions = [], []
    for line in wrong:
        matches = _close_matches(line, candidates)
        suggestions.append(
            {"line": line.line_number, "code": line.product_code, "matches": matches}
        )
        if line.product is None:
            found = (
                f"Line {line.line_number}: no product has the code "
                f"{line.product_code!r}." + _did_you_mean(matches, "code")
            )
        else:
            found = (
                f"Line {line.line_number}: {line.product_code} "
                f"({line.product.name}) is no longer sold."
                + _did_you_mean(matches, "name")
            )
        problems.append(Problem(X.UNKNOWN_PRODUCT, found, line))
    detail = (
        f"All {len(lines)} product codes exist and are active."
        if not problems
        else " ".join(p.found for p in problems)
    )
    return Finding(detail, problems, {"suggestions": suggestions} if wrong else {})


def _usual_quantities(order: Order, lines) -> dict[int, tuple[float, int]]:
    """The customer's earlier average quantity and order count, per product."""
    product_ids = [line.product_id for line in lines if line.product_id]
    rows = (
        OrderLine.objects.filter(
            order__customer_id=order.customer_id,
            product_id__in=product_ids,
            order__received_at__lt=order.received_at,
        )
        .exclude(order=order)
        .exclude(order__status=Order.Status.CANCELLED)
        .values("product_id")
        .annotate(average=Avg("quantity"), count=Count("order", distinct=True))
    )
    return {row["product_id"]: (float(row["average"]), row["count"]) for row in rows}


def _check_quantities(order: Order, lines, **_) -> Finding:
    usual = _usual_quantities(order, lines)
    problems = []
    for line in lines:
        where = f"Line {line.line_number} ({line.product_code})"
        if line.quantity >= ABSURD_QUANTITY:
            problems.append(
                Problem(
                    X.QUANTITY, f"{where}: {line.quantity} is implausibly large.", line
                )
            )
            continue
        if line.product is None:
            continue
        if line.quantity % line.product.pack_size:
            problems.append(
                Problem(
                    X.QUANTITY,
                    f"{where}: {line.quantity} is not a multiple of the pack size "
                    f"({line.product.pack_size}).",
                    line,
                )
            )
        average, count = usual.get(line.product_id, (0.0, 0))
        if (
            count >= UNUSUAL_QUANTITY_MIN_HISTORY
            and line.quantity > UNUSUAL_QUANTITY_FACTOR * average
        ):
            problems.append(
                Problem(
                    X.QUANTITY,
                    f"{where}: {line.quantity} is far above this customer's usual "
                    f"{average:.0f}.",
                    line,
                )
            )
    detail = (
        "Quantities are whole packs and in line with the customer's history."
        if not problems
        else " ".join(p.found for p in problems)
    )
    return Finding(detail, problems)


def _check_prices(order: Order, lines, **_) -> Finding:
    differing = [
        line
        for line in lines
        if line.list_price is not None and line.unit_price != line.list_price
    ]
    problems = [
        Problem(
            X.PRICE_MISMATCH,
            f"Line {line.line_number} ({line.product_code}): order price "
            f"£{line.unit_price} differs from the price list's £{line.list_price}.",
            line,
        )
        for line in differing
        if line.price_approved_by_id is None
    ]
    approved = [
        f"Line {line.line_number} ({line.product_code}): £{line.unit_price} kept "
        f"(list £{line.list_price}) with {line.price_approved_by}'s approval."
        for line in differing
        if line.price_approved_by_id is not None
    ]
    detail = " ".join([p.found for p in problems] + approved) or (
        "Every price matches the price list."
    )
    return Finding(detail, problems)


def _line_signature(lines) -> list[tuple[str, int]]:
    return sorted((line.product_code, line.quantity) for line in lines)


def _check_duplicate(order: Order, lines, **_) -> Finding:
    window = timedelta(days=settings.ORDERDESK["DUPLICATE_WINDOW_DAYS"])
    recent = (
        Order.objects.filter(
            customer_id=order.customer_id,
            received_at__gte=order.received_at - window,
        )
        # Only earlier orders: the first of two is the original, not a duplicate.
        .filter(
            Q(received_at__lt=order.received_at)
            | Q(received_at=order.received_at, pk__lt=order.pk)
        )
        .exclude(pk=order.pk)
        .exclude(status=Order.Status.CANCELLED)
        .prefetch_related("lines")
    )
    signature = _line_signature(lines)
    for other in recent:
        same_po = (
            order.customer_po_ref and other.customer_po_ref == order.customer_po_ref
        )
        same_lines = _line_signature(x for x in other.lines.all() if x.is_active) == (
            signature
        )
        if same_po or same_lines:
            reason = "the same PO reference" if same_po else "the same lines"
            found = (
                f"Order {other.reference}, received "
                f"{timezone.localtime(other.received_at):%d %b %Y %H:%M}, has {reason}."
            )
            return Finding(found, [Problem(X.DUPLICATE, found)], {"other": other.pk})
    return Finding("No recent order from this customer matches this one.")


def _check_stock(order: Order, lines, actor=None, worker="", **_) -> Finding:
    waiting = [
        line
        for line in lines
        if line.product_id
        and line.status in (OrderLine.Status.PENDING, OrderLine.Status.SHORT)
    ]
    changed = []
    for line in waiting:
        if not line.quantity_outstanding:  # amended down to what is already held
            line.status = OrderLine.Status.RESERVED
            changed.append(line)
    waiting = [line for line in waiting if line.quantity_outstanding]
    # A line part-reserved already (an amendment raised its quantity) asks only for
    # the rest.
    results = stock_reserve(
        pool=order.stock_pool,
        requests=[
            ReservationRequest(
                line.product_id, line.quantity_outstanding, stock_reference(line)
            )
            for line in waiting
        ],
        actor=actor,
    )
    problems, reserved = [], []
    for line, result in zip(waiting, results, strict=True):
        if result.reserved:
            reserved.append(
                {"line": line.line_number, "quantity": line.quantity_outstanding}
            )
            line.status = OrderLine.Status.RESERVED
            line.quantity_reserved = line.quantity
        else:
            line.status = OrderLine.Status.SHORT
            restock = (
                f"restock expected {result.restock_date:%d %b %Y}"
                if result.restock_date
                else "no restock date known"
            )
            problems.append(
                Problem(
                    X.OUT_OF_STOCK,
                    f"Line {line.line_number} ({line.product_code}): {line.quantity} "
                    "ordered, "
                    + (
                        f"{line.quantity_reserved} held, "
                        f"{line.quantity_outstanding} more needed, "
                        if line.quantity_reserved
                        else ""
                    )
                    + f"{max(result.available, 0)} available; {restock}.",
                    line,
                )
            )
        changed.append(line)
    if changed:
        OrderLine.objects.bulk_update(changed, ["status", "quantity_reserved"])
    if reserved:
        event_record(
            order=order,
            kind=OrderEvent.Kind.STOCK_RESERVED,
            actor=actor,
            worker=worker,
            data={"lines": reserved},
        )
    unchecked = [line for line in lines if not line.product_id]
    detail = (
        " ".join(p.found for p in problems)
        if problems
        else "Stock reserved for every line."
    )
    if unchecked:
        detail += " Not checked (unknown code): " + ", ".join(
            f"line {line.line_number}" for line in unchecked
        )
    return Finding(detail, problems, {"reserved": reserved})


def earliest_delivery(order: Order, lines, today: date) -> tuple[date, str]:
    """The earliest date the order can be delivered, and what sets it.

    Today, unless a line still waiting for stock has a known restock date later.
    """
    earliest, reason = today, "every line's stock is reserved"
    waiting = [line for line in lines if line.product_id and line.quantity_outstanding]
    levels = {
        level.product_id: level
        for level in StockLevel.objects.filter(
            pool_id=order.stock_pool_id, product_id__in=[x.product_id for x in waiting]
        )
    }
    for line in waiting:
        level = levels.get(line.product_id)
        restock = line.restock_date or (level.restock_date if level else None)
        if restock is not None and restock > earliest:
            earliest = restock
            reason = f"line {line.line_number} ({line.product_code}) restocks then"
    return earliest, reason


def _check_date(order: Order, lines, **_) -> Finding:
    if order.requested_date is None:
        return Finding("No delivery date was requested.")
    earliest, reason = earliest_delivery(order, lines, timezone.localdate())
    if order.requested_date >= earliest:
        return Finding(
            f"Delivery by {order.requested_date:%d %b %Y} can be met ({reason})."
        )
    found = (
        f"The customer asked for delivery by {order.requested_date:%d %b %Y}; the "
        f"earliest possible is {earliest:%d %b %Y} ({reason})."
    )
    return Finding(found, [Problem(X.DELIVERY_DATE, found)])


def outstanding_on_account(order: Order) -> Decimal:
    total = (
        Order.objects.filter(
            customer_id=order.customer_id, payment_method=Order.PaymentMethod.ACCOUNT
        )
        .exclude(pk=order.pk)
        .exclude(status__in=(Order.Status.CLOSED, Order.Status.CANCELLED))
        .aggregate(total=Sum("gross_total"))["total"]
    )
    # SQLite sums decimals without their places ("£90"); show money in pence.
    return (total or Decimal("0")).quantize(Decimal("0.01"))


def _check_payment(
    order: Order, lines, gateway_result: GatewayResult | None = None, **kwargs
) -> Finding:
    if order.payment_method == Order.PaymentMethod.ACCOUNT:
        customer = order.customer
        if not customer.on_account:
            found = "The customer has no account terms; take payment by card instead."
            return Finding(found, [Problem(X.CREDIT_LIMIT, found)])
        if customer.on_hold:
            found = "The customer's account is on hold."
            return Finding(found, [Problem(X.CREDIT_LIMIT, found)])
        outstanding = outstanding_on_account(order)
        headroom = customer.credit_limit - outstanding
        approved = order.credit_approved_for
        if headroom < order.gross_total <= (approved or Decimal("-1")):
            return Finding(
                f"£{order.gross_total} is over the £{headroom} credit left, "
                f"approved by {order.credit_approved_by} up to £{approved}."
            )
        if order.gross_total > headroom:
            found = (
                f"£{order.gross_total} would exceed the credit limit: £{outstanding} "
                f"is already outstanding of £{customer.credit_limit}."
            )
            return Finding(found, [Problem(X.CREDIT_LIMIT, found)])
        return Finding(
            f"On account: £{order.gross_total} is within the £{headroom} credit left."
        )
    assert gateway_result is not None
    payment = payment_record(
        order=order,
        operation=Payment.Operation.AUTHORISE,
        result=gateway_result,
        amount=order.gross_total,
        idempotency_key=kwargs["idempotency_key"],
        actor=kwargs.get("actor"),
        worker=kwargs.get("worker", ""),
    )
    if payment.status == Payment.Status.AUTHORISED:
        return Finding(
            f"£{order.gross_total} authorised on the card ending "
            f"{order.card_last4} ({payment.gateway_reference}).",
            data={"payment_id": payment.pk},
        )
    found = f"Card ending {order.card_last4}: {payment.message}"
    return Finding(
        found, [Problem(X.PAYMENT_DECLINED, found)], {"payment_id": payment.pk}
    )


CHECKS: dict[str, Callable[..., Finding]] = {
    K.CUSTOMER: _check_customer,
    K.PRODUCTS: _check_products,
    K.QUANTITIES: _check_quantities,
    K.PRICES: _check_prices,
    K.DUPLICATE: _check_duplicate,
    K.STOCK: _check_stock,
    K.DATE: _check_date,
    K.PAYMENT: _check_payment,
}


def round_kinds(order: Order) -> list[str]:
    """The checks the order's current round runs, in sequence order."""
    wanted = set(order.verification_kinds or CHECK_SEQUENCE)
    return [kind for kind in CHECK_SEQUENCE if kind in wanted]


@transaction.atomic
def verification_start(*, order_id: int, worker: str = "") -> bool:
    """Begin or resume the order's verification round; False if none is due."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status == Order.Status.RECEIVED:
        ensure_transition(order, "start_verification")
        order.status = Order.Status.VERIFYING
        order.verification_round += 1
        order.verification_completed_at = None
        order_save(order, ["status", "verification_round", "verification_completed_at"])
        event_record(
            order=order,
            kind=OrderEvent.Kind.VERIFICATION_STARTED,
            worker=worker,
            data={"round": order.verification_round},
        )
        return True
    return (
        order.status == Order.Status.VERIFYING
        and order.verification_completed_at is None
    )


def _gateway_call(order: Order, key: str) -> GatewayResult | None:
    """Ask the gateway for an authorisation outside any transaction (a network call).

    Returns None where no call is needed: an account order, or a key already answered.
    Raises GatewayTimeout for the task to retry with the same key.
    """
    if order.payment_method != Order.PaymentMethod.CARD:
        return None
    existing = Payment.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return GatewayResult(
            existing.status == Payment.Status.AUTHORISED,
            existing.gateway_reference,
            existing.message,
        )
    return get_gateway(order.gateway).authorise(
        amount=order.gross_total, card_last4=order.card_last4, idempotency_key=key
    )


def check_run(
    *,
    order_id: int,
    kind: str,
    worker: str = "",
    actor=None,
    rerun: bool = False,
    gateway_unavailable: bool = False,
    expected_version: int | None = None,
) -> Check | None:
    """Run one check and record it, opening an exception for each problem found.

    Automatic checks (rerun=False) run once per round; None if already recorded or
    the order is no longer being verified. gateway_unavailable records the payment
    check as failed because the gateway never answered (the task's last retry).
    """
    gateway_result, key = None, None
    if kind == K.PAYMENT:
        # The gateway is called outside any transaction, so the order is read first.
        order = Order.objects.get(pk=order_id)
        if expected_version is not None and order.version != expected_version:
            # Before any gateway call: a second submit of a re-run must not charge.
            raise StaleOrderError()
        key = _payment_key(order, rerun)
        if gateway_unavailable:
            # The call may have gone through with only its answer lost: void what
            # the gateway authorised under the key (if anything), so no customer
            # is left with money held for an order on hold.
            voided = payment_void_unanswered(
                order=order, idempotency_key=key, actor=actor, worker=worker
            )
            gateway_result = GatewayResult(
                False,
                "",
                "The payment gateway did not answer"
                + ("; what it had authorised is voided." if voided else "."),
            )
        else:
            gateway_result = _gateway_call(order, key)  # may raise GatewayTimeout
    pause = settings.ORDERDESK.get("CHECK_PAUSE_SECONDS", 0)
    if pause:
        # Fault injection (tests only): hold no lock or transaction while waiting, so
        # a worker killed here leaves the round exactly as a real crash would.
        time.sleep(pause)
    with transaction.atomic():
        order = order_lock(Order(pk=order_id), expected_version)
        version_at_lock = order.version
        if rerun:
            if order.status not in (
                Order.Status.VERIFYING,
                Order.Status.VERIFIED,
                Order.Status.ON_HOLD,
            ):
                raise OrderRuleError(
                    "Checks can be re-run only before the order is confirmed."
                )
        else:
            in_progress = (
                order.status == Order.Status.VERIFYING
                and order.verification_completed_at is None
            )
            already = order.checks.filter(
                round=order.verification_round, kind=kind, rerun=False
            ).exists()
            if not in_progress or already:
                return None
        finding = CHECKS[kind](
            order,
            _active_lines(order),
            actor=actor,
            worker=worker,
            gateway_result=gateway_result,
            idempotency_key=key,
        )
        check = Check.objects.create(
            order=order,
            kind=kind,
            outcome=Check.Outcome.FAILED if finding.problems else Check.Outcome.PASSED,
            detail=finding.detail,
            round=order.verification_round,
            rerun=rerun,
            run_by=actor,
            worker=worker,
        )
        event_record(
            order=order,
            kind=OrderEvent.Kind.CHECK_RECORDED,
            actor=actor,
            worker=worker,
            data={
                "check_id": check.pk,
                "kind": kind,
                "outcome": check.outcome,
                "detail": check.detail,
                "round": check.round,
                "rerun": rerun,
                **finding.data,
            },
        )
        for problem in finding.problems:
            if _already_open(order, problem):
                continue  # a person is already working on this very problem
            _exception_open_for_check(order, check, problem, actor, worker)
        if rerun and finding.problems and order.status == Order.Status.VERIFIED:
            # An open exception blocks progress, as one raised by hand does.
            order_hold(order=order, actor=actor, data={"check_id": check.pk})
        if not finding.problems:
            # A re-run, or an amendment's round, that passes settles what the same
            # check found before.
            _resolve_after_passing_rerun(order, check, actor, worker)
        if rerun and order.version == version_at_lock:
            order_save(order, [])  # a person's re-run changes what the page shows
        return check


def _payment_key(order: Order, rerun: bool) -> str:
    """The gateway's idempotency key for this run of the order's payment check."""
    key = authorisation_key(order)
    if rerun:
        reruns = order.checks.filter(kind=K.PAYMENT, rerun=True).count()
        key = f"{key}-rerun{reruns + 1}"
    return key


def _already_open(order: Order, problem: Problem) -> bool:
    return order.exceptions.filter(
        status=OrderException.Status.OPEN, kind=problem.kind, line=problem.line
    ).exists()


def _exception_open_for_check(order, check, problem: Problem, actor, worker) -> None:
    exception = OrderException.objects.create(
        order=order,
        kind=problem.kind,
        found=problem.found,
        check_record=check,
        line=problem.line,
        opened_by=actor,
    )
    event_record(
        order=order,
        kind=OrderEvent.Kind.EXCEPTION_OPENED,
        actor=actor,
        worker=worker,
        data={
            "exception_id": exception.pk,
            "kind": exception.kind,
            "found": exception.found,
            "check_id": check.pk,
            "line": problem.line.line_number if problem.line else None,
        },
    )


def _resolve_after_passing_rerun(order: Order, check: Check, actor, worker) -> None:
    """A check that passes resolves the open exceptions its kind had raised before."""
    open_for_kind = list(
        order.exceptions.filter(
            status=OrderException.Status.OPEN, check_record__kind=check.kind
        )
    )
    how = "re-run" if check.rerun else f"round {check.round}"
    # A round started by an amendment: the amendment corrected it, and said whether
    # (and how) the customer was told.
    amended = (
        None
        if check.rerun or not open_for_kind
        else order.events.filter(
            kind=OrderEvent.Kind.AMENDED, data__revision=order.revision
        ).first()
    )
    told = bool(amended and amended.data.get("customer_told"))
    communication = (
        order.communications.filter(pk=amended.data.get("communication_id")).first()
        if amended and amended.data.get("communication_id")
        else None
    )
    for exception in open_for_kind:
        exception_mark_resolved(
            order=order,
            exception=exception,
            actor=actor,
            resolution=(
                f"Corrected by amendment (revision {order.revision}): "
                f"{amended.data.get('reason', '')}"
                if amended
                else f"{check.get_kind_display()}: {how} passed."
            ),
            customer_informed=told,
            communication=communication,
            worker=worker,
            handling=OrderException.Handling.CORRECTED if amended else "",
        )
    order_release_if_clear(order=order, actor=actor)


@transaction.atomic
def verification_complete(*, order_id: int, worker: str = "") -> Order:
    """End the round: verified if nothing is open, else on hold for a person."""
    order = order_lock(Order(pk=order_id))
    if order.status != Order.Status.VERIFYING or order.verification_completed_at:
        return order
    done = set(
        order.checks.filter(round=order.verification_round, rerun=False).values_list(
            "kind", flat=True
        )
    )
    missing = [kind for kind in round_kinds(order) if kind not in done]
    if missing:
        raise OrderRuleError(f"Checks still to run: {', '.join(missing)}.")
    open_count = order.exceptions.filter(status=OrderException.Status.OPEN).count()
    order.verification_completed_at = timezone.now()
    if open_count:
        order.status, order.held_from = Order.Status.ON_HOLD, Order.Status.VERIFYING
        order_save(order, ["status", "held_from", "verification_completed_at"])
    else:
        ensure_transition(order, "complete_verification")
        order.status = Order.Status.VERIFIED
        order_save(order, ["status", "verification_completed_at"])
    event_record(
        order=order,
        kind=OrderEvent.Kind.VERIFIED if not open_count else OrderEvent.Kind.HELD,
        worker=worker,
        data={"round": order.verification_round, "open_exceptions": open_count},
    )
    return order


def verification_run(
    *, order_id: int, worker: str = "", gateway_unavailable: bool = False
) -> Order:
    """Run every check the order's current round still needs, then complete it."""
    if verification_start(order_id=order_id, worker=worker):
        kinds = round_kinds(Order.objects.only("verification_kinds").get(pk=order_id))
        for kind in kinds:
            check_run(
                order_id=order_id,
                kind=kind,
                worker=worker,
                gateway_unavailable=gateway_unavailable,
            )
        verification_complete(order_id=order_id, worker=worker)
    return Order.objects.get(pk=order_id)


def check_rerun(
    *, order: Order, kind: str, actor, expected_version: int | None = None
) -> Check:
    """A person runs a check again (after a restock, a corrected record, ...).

    With expected_version, a page opened before the order changed is refused; the
    re-run then bumps the version, so a double submit is refused too.
    """
    if kind not in CHECKS:
        raise OrderRuleError("Choose a check to run.")
    ensure_role(actor, Role.PROCESSOR, Role.SUPERVISOR, order=order)
    check = check_run(
        order_id=order.pk,
        kind=kind,
        actor=actor,
        rerun=True,
        expected_version=expected_version,
    )
    assert check is not None
    return check
