"""A practice scenario played the way its model handling goes: for the demo data
(seed_demo_portfolio) and the export benchmark, which need real evidence."""

from django.utils import timezone

from orders.models import Communication, Order, OrderException
from orders.selectors.detail import earliest_promise_date
from orders.services import (
    order_confirm,
    order_record_follow_up,
    out_of_stock_handle,
    verification_run,
)
from orders.services.messages import message_send
from revision.models import Scenario
from revision.services.practice import (
    practice_customer_replies,
    practice_finish,
    practice_fulfil,
    practice_start,
)


def ps01_model_run(learner, scenario: Scenario) -> Order:
    """PS-01 (paper out of stock) handled as its model handling says, through the
    services the pages call; the checks run here rather than waiting for a worker."""
    attempt = practice_start(learner=learner, scenario=scenario)
    order = verification_run(order_id=attempt.order_id, worker="seed")
    message_send(
        order=order,
        actor=learner,
        purpose=Communication.Purpose.BACKORDER_NOTICE,
        channel="email",
        subject=f"Your order {order.reference}: paper out of stock",
        body=(
            "Dear Mrs Patel,\n\nThank you for your order. The A4 80 gsm paper is out "
            "of stock; more arrives in four days. May we send your 10 boxes then?"
            "\n\nKind regards"
        ),
    )
    (reply,) = practice_customer_replies(attempt=attempt, learner=learner)
    out_of_stock_handle(
        exception=order.exceptions.get(kind=OrderException.Kind.OUT_OF_STOCK),
        actor=learner,
        option=OrderException.Handling.BACKORDER,
        agreement=reply.content,
        agreement_channel="email",
    )
    order = Order.objects.get(pk=order.pk)
    order_confirm(
        order=order,
        actor=learner,
        promised_date=earliest_promise_date(order, timezone.localdate()),
    )
    practice_fulfil(attempt=attempt, learner=learner)
    order_record_follow_up(
        order=Order.objects.get(pk=order.pk),
        actor=learner,
        channel="email",
        outcome=Communication.Outcome.REACHED,
        notes="Mrs Patel says the paper arrived on the promised day; very happy.",
        satisfaction=5,
    )
    practice_finish(attempt=attempt, learner=learner)
    return order
