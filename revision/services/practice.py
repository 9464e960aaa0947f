"""Practice on simulated orders: start a scenario, let the simulated customer
answer, simulate the warehouse, and finish (or abandon) with a score.

A practice attempt runs entirely on its own data: a practice customer made for it,
a stock pool of its own stocked from the scenario, products from the practice
catalogue, and a practice order owned by the learner. The order goes through the
same order services (and pages) as a live one; nothing here reads or writes live
stock, payments, customers or queues.
"""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from customers.services import customer_create
from inventory.models import Product, StockPool
from inventory.services import stock_receive, stock_set_restock_date
from orders.exceptions import OrderRuleError
from orders.models import Communication, Order, OrderEvent, OrderLine
from orders.services import (
    LineInput,
    communication_record,
    order_dispatch,
    order_receive,
    order_start_fulfilment,
    restock_receive,
    shipment_record_delivery,
)

from ..exceptions import RevisionError
from ..models import ContentItem, PracticeAttempt, PracticeResult, Scenario, Section
from ..scoring import MET, NOT_MET, PARTLY, score
from .scheduling import misconception_revisit

SIMULATED_CARRIER = "Practice Parcels"
# What a scenario may say of its customer: the customer record's own fields, but
# not the practice flag, which the run sets itself.
CUSTOMER_FIELDS = frozenset(
    field.name
    for field in Customer._meta.concrete_fields
    if field.editable and not field.primary_key and field.name != "practice"
)


def _practice_products(codes: set[str]) -> dict[str, Product]:
    products = Product.objects.filter(practice=True, code__in=codes)
    return {product.code: product for product in products}


def _line_inputs(lines: list[dict]) -> list[LineInput]:
    return [
        LineInput(
            line["code"],
            int(line["quantity"]),
            Decimal(str(line["price"])) if line.get("price") is not None else None,
        )
        for line in lines
    ]


def _receive(
    *, scenario: Scenario, learner, customer, pool, spec: dict, received_at
) -> Order:
    """One practice order as the scenario says it was captured."""
    today = timezone.localdate(received_at)
    requested = spec.get("requested_in_days")
    return order_receive(
        customer=customer,
        lines=_line_inputs(spec["lines"]),
        channel=spec.get("channel", scenario.channel),
        received_by=None,
        payment_method=spec.get("payment_method", "card"),
        card_number=spec.get("card_number", ""),
        customer_po_ref=spec.get("customer_po_ref", ""),
        requested_date=today + timedelta(days=requested) if requested else None,
        stock_pool=pool,
        received_at=received_at,
        practice_learner=learner,
    )


@transaction.atomic
def practice_start(
    *, learner, scenario: Scenario, now: datetime | None = None
) -> PracticeAttempt:
    """Set up the scenario's own world and its incoming order, in the learner's
    practice queue; the checks then run in the background as for any order."""
    now = now or timezone.now()
    if not scenario.active:
        raise RevisionError("This scenario is not available.")
    ongoing = PracticeAttempt.objects.filter(
        learner=learner, scenario=scenario, status=PracticeAttempt.Status.IN_PROGRESS
    ).first()
    if ongoing is not None:
        raise RevisionError(
            "You are already working on this scenario: finish or abandon it first."
        )
    data = scenario.data
    stock = data.get("stock", [])
    codes = {item["code"] for item in stock}
    for spec in [data["order"], *data.get("prior_orders", [])]:
        codes |= {line["code"] for line in spec["lines"]}
    products = _practice_products(codes)
    pool = StockPool.objects.create(
        code=f"practice-{uuid.uuid4().hex[:12]}",
        name=f"Practice {scenario.identifier} for {learner.get_username()}",
        is_live=False,
    )
    today = timezone.localdate(now)
    for item in stock:
        product = products.get(item["code"])
        if product is None:
            raise RevisionError(f"The practice catalogue has no {item['code']}.")
        if item.get("on_hand", 0) > 0:
            stock_receive(
                pool=pool,
                product=product,
                quantity=item["on_hand"],
                reference=f"Practice {scenario.identifier}",
            )
        if item.get("restock_in_days") is not None:
            stock_set_restock_date(
                pool=pool,
                product=product,
                restock_date=today + timedelta(days=item["restock_in_days"]),
            )
    customer = customer_create(
        practice=True,
        **{k: v for k, v in data["customer"].items() if k in CUSTOMER_FIELDS},
    )
    for prior in data.get("prior_orders", []):
        _receive(
            scenario=scenario,
            learner=learner,
            customer=customer,
            pool=pool,
            spec=prior,
            received_at=now - timedelta(hours=prior.get("hours_ago", 24)),
        )
    order = _receive(
        scenario=scenario,
        learner=learner,
        customer=customer,
        pool=pool,
        spec=data["order"],
        received_at=now,
    )
    return PracticeAttempt.objects.create(
        learner=learner, scenario=scenario, order=order, started_at=now
    )


def _ensure_open(attempt: PracticeAttempt, learner) -> PracticeAttempt:
    attempt = PracticeAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.learner_id != learner.pk:
        raise RevisionError("This practice attempt is someone else's.")
    if attempt.status != PracticeAttempt.Status.IN_PROGRESS:
        raise RevisionError("This practice attempt has ended.")
    return attempt


@transaction.atomic
def practice_customer_replies(
    *, attempt: PracticeAttempt, learner
) -> list[Communication]:
    """The simulated customer answers each message the learner sent that the
    scenario has an answer for (once per message), on the same channel."""
    attempt = _ensure_open(attempt, learner)
    order = attempt.order
    replies = attempt.scenario.data.get("replies", {})
    messages = list(order.communications.order_by("at", "pk"))
    made = []
    for purpose, reply in replies.items():
        asked = [
            m
            for m in messages
            if m.direction == Communication.Direction.OUTBOUND
            and m.actor_id == learner.pk
            and m.purpose == purpose
        ]
        answered = sum(
            1
            for m in messages
            if m.direction == Communication.Direction.INBOUND and m.purpose == purpose
        )
        for message in asked[answered:]:
            made.append(
                communication_record(
                    order=order,
                    actor=None,
                    channel=message.channel,
                    purpose=purpose,
                    content=reply,
                    outcome=Communication.Outcome.RECEIVED,
                    direction=Communication.Direction.INBOUND,
                )
            )
    return made


@transaction.atomic
def practice_fulfil(*, attempt: PracticeAttempt, learner) -> Order:
    """The simulated warehouse: any backordered goods arrive, the order is picked,
    dispatched and delivered (fulfilment is not the learner's work)."""
    attempt = _ensure_open(attempt, learner)
    order = Order.objects.get(pk=attempt.order_id)
    if order.status != Order.Status.CONFIRMED:
        raise RevisionError("Confirm the order first: the warehouse works on it then.")
    waiting = order.lines.filter(
        status__in=[OrderLine.Status.BACKORDERED, OrderLine.Status.SHORT]
    ).select_related("product")
    for line in waiting:
        restock_receive(
            pool=order.stock_pool,
            product=line.product,
            quantity=line.quantity_outstanding,
            actor=None,
            reference="Practice delivery",
        )
    try:
        order = order_start_fulfilment(order=order, actor=None)
        shipment = order_dispatch(
            order=order,
            actor=None,
            carrier=SIMULATED_CARRIER,
            tracking_reference=f"PP{order.pk:08d}",
        )
        shipment_record_delivery(
            shipment=shipment, actor=None, proof_of_delivery="Signed for (simulated)"
        )
    except OrderRuleError as error:
        raise RevisionError(str(error)) from error
    return Order.objects.get(pk=order.pk)


def trail_for(attempt: PracticeAttempt) -> list[dict]:
    """The practice order's events as scoring reads them."""
    learner_id = attempt.learner_id
    return [
        {
            "id": event.pk,
            "kind": event.kind,
            "label": event.get_kind_display(),
            "at": event.at.isoformat(),
            "by": event.by,
            "by_learner": event.actor_id == learner_id,
            "data": event.data,
        }
        for event in OrderEvent.objects.filter(order_id=attempt.order_id).order_by(
            "at", "pk"
        )
    ]


def scenario_spec(scenario: Scenario) -> dict:
    return {
        "problems": scenario.problems,
        "data": scenario.data,
        "expected": scenario.expected,
    }


@transaction.atomic
def practice_finish(
    *,
    attempt: PracticeAttempt,
    learner,
    abandon: bool = False,
    now: datetime | None = None,
) -> PracticeResult:
    """End the attempt and score it from the order's event trail; each missed
    marking point that matches a known misconception puts that misconception's
    quiz items into the learner's reviews."""
    now = now or timezone.now()
    attempt = _ensure_open(attempt, learner)
    attempt.status = (
        PracticeAttempt.Status.ABANDONED if abandon else PracticeAttempt.Status.FINISHED
    )
    attempt.ended_at = now
    attempt.save(update_fields=["status", "ended_at"])
    events = trail_for(attempt)
    judgements = score(scenario_spec(attempt.scenario), events)
    advice = dict(
        ContentItem.objects.filter(section=Section.MARKING_POINT).values_list(
            "identifier", "advice"
        )
    )
    points = []
    for judgement in judgements:
        point = judgement.as_dict()
        point["advice"] = advice.get(judgement.marking_point, "")
        points.append(point)
    verdicts = [j.verdict for j in judgements]
    result = PracticeResult.objects.create(
        attempt=attempt,
        points=points,
        met=verdicts.count(MET),
        partly=verdicts.count(PARTLY),
        not_met=verdicts.count(NOT_MET),
        events=events,
        scored_at=now,
    )
    missed = {mc for j in judgements for mc in j.misconceptions}
    for misconception in ContentItem.objects.filter(
        identifier__in=missed, section=Section.MISCONCEPTION, active=True
    ):
        misconception_revisit(
            learner=learner,
            misconception=misconception,
            now=now,
            note=f"Practice {attempt.scenario.identifier}: missed a marking point",
        )
    return result
