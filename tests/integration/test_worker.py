"""A received order's checks, run by a real Celery worker through Redis.

Also what DESIGN.md §3 promises: a worker killed mid-check, or a task the broker
lost, loses nothing and does nothing twice.
"""

import time
from collections import Counter

import pytest

from inventory.models import StockLevel, StockMovement
from inventory.selectors import stock_ledger_mismatches
from orders.models import (
    Check,
    Communication,
    Order,
    OrderEvent,
    Payment,
    SimulatedGatewayTransaction,
)
from orders.services import CHECK_SEQUENCE, LineInput, order_receive
from orders.tasks import verification_resume_stalled_task
from tests.conftest import APPROVE_CARD

from .conftest import VISIBILITY_TIMEOUT_SECONDS, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

QUANTITY = 3
E = OrderEvent.Kind


def receive(customer, product, by, *, channel: str = "phone") -> Order:
    """Receive an order in its own committed transaction, as the web page does."""
    return order_receive(
        customer=customer,
        lines=[LineInput(product.code, QUANTITY)],
        channel=channel,
        received_by=by,
        payment_method="card",
        card_number=APPROVE_CARD,
    )


def verified(order: Order) -> Order | None:
    return Order.objects.filter(pk=order.pk, status=Order.Status.VERIFIED).first()


def assert_checked_once(order: Order) -> list[Check]:
    """One automatic check per kind in round 1, each with exactly one event."""
    checks = list(order.checks.filter(round=1, rerun=False).order_by("pk"))
    assert Counter(c.kind for c in checks) == Counter(CHECK_SEQUENCE)
    recorded = [e.data["check_id"] for e in order.events.filter(kind=E.CHECK_RECORDED)]
    assert sorted(recorded) == sorted(c.pk for c in checks)
    return checks


def assert_reserved_once(order: Order, product) -> None:
    level = StockLevel.objects.get(pool=order.stock_pool, product=product)
    assert level.reserved == QUANTITY
    line = order.lines.get()
    assert (
        StockMovement.objects.filter(
            kind=StockMovement.Kind.RESERVED, reference=f"order-line:{line.pk}"
        ).count()
        == 1
    )
    assert stock_ledger_mismatches() == []


def test_worker_checks_a_received_order_end_to_end(
    start_worker, customer, processor, stocked_product
):
    # given a worker listening, and an order received by e-mail
    worker = start_worker()
    product = stocked_product(10)
    order = receive(customer, product, processor, channel="email")
    # when the worker has had its tasks
    order = wait_for(
        lambda: verified(order), what="the order to be verified", workers=(worker,)
    )
    # then it ran all eight checks, in order, each recorded once under its name
    checks = assert_checked_once(order)
    assert [c.kind for c in checks] == CHECK_SEQUENCE
    assert {c.outcome for c in checks} == {Check.Outcome.PASSED}
    names = {c.worker for c in checks}
    assert len(names) == 1
    assert names.pop().startswith("itest@")
    assert order.events.filter(kind=E.VERIFIED).count() == 1
    assert_reserved_once(order, product)
    # and it sent the acknowledgement e-mail too
    acknowledgement = order.communications.get(
        purpose=Communication.Purpose.ACKNOWLEDGEMENT
    )
    wait_for(
        lambda: Communication.objects.filter(
            pk=acknowledgement.pk, outcome=Communication.Outcome.SENT
        ).exists(),
        what="the acknowledgement to be sent",
        workers=(worker,),
    )


def _two_checks_recorded(order: Order) -> bool:
    return 2 <= order.checks.count() < len(CHECK_SEQUENCE)


def _card_charged_but_not_recorded(order: Order) -> bool:
    # The payment check asked the gateway, then paused before recording.
    return (
        order.checks.count() == len(CHECK_SEQUENCE) - 1
        and SimulatedGatewayTransaction.objects.exists()
        and not order.payments.exists()
    )


@pytest.mark.parametrize(
    "killed_when",
    [_two_checks_recorded, _card_charged_but_not_recorded],
    ids=["after-two-checks", "card-charged-not-recorded"],
)
def test_worker_killed_mid_check_finishes_exactly_once_after_restart(
    killed_when, start_worker, customer, processor, stocked_product
):
    # given a worker that pauses before recording each check, working on an order
    first = start_worker(check_pause=1)
    product = stocked_product(10)
    order = receive(customer, product, processor)
    wait_for(lambda: order.checks.exists(), what="a first check", workers=(first,))
    # The task was delivered before its first check: it is visible again to a new
    # worker once the visibility timeout has passed since then.
    redeliverable_at = time.monotonic() + VISIBILITY_TIMEOUT_SECONDS + 0.5
    wait_for(lambda: killed_when(order), what="the kill point", workers=(first,))
    # when the worker is killed outright, mid-round
    first.kill()
    assert killed_when(order), "the worker got past the kill point before it died"
    recorded_before = set(order.checks.values_list("pk", flat=True))
    assert 2 <= len(recorded_before) < len(CHECK_SEQUENCE)
    assert Order.objects.get(pk=order.pk).status == Order.Status.VERIFYING
    # and a new worker starts once the unacknowledged task can be handed out again
    time.sleep(max(0.0, redeliverable_at - time.monotonic()))
    second = start_worker()
    order = wait_for(
        lambda: verified(order), what="the order to be verified", workers=(second,)
    )
    # then the round finished: each check once, the earlier ones kept as they were
    checks = assert_checked_once(order)
    assert recorded_before < {c.pk for c in checks}
    for kind in (E.VERIFICATION_STARTED, E.STOCK_RESERVED, E.PAYMENT, E.VERIFIED):
        assert order.events.filter(kind=kind).count() == 1, kind
    # and the card was authorised, and charged, exactly once
    authorisation = order.payments.get(operation=Payment.Operation.AUTHORISE)
    assert authorisation.status == Payment.Status.AUTHORISED
    assert SimulatedGatewayTransaction.objects.count() == 1
    assert (
        SimulatedGatewayTransaction.objects.get().reference
        == authorisation.gateway_reference
    )
    # and the stock was reserved exactly once
    assert_reserved_once(order, product)


def test_stalled_order_sweeper_requeues_a_lost_task_for_the_worker(
    start_worker, live_celery, customer, processor, stocked_product, settings
):
    # given an order whose checks task the broker lost
    product = stocked_product(10)
    order = receive(customer, product, processor)
    assert live_celery.purge() >= 1
    worker = start_worker()
    assert Order.objects.get(pk=order.pk).status == Order.Status.RECEIVED
    # when the sweeper runs before the order counts as stalled, it leaves it alone
    assert verification_resume_stalled_task() == 0
    # but once it counts as stalled, the sweeper enqueues its checks again
    settings.ORDERDESK = {**settings.ORDERDESK, "STALLED_VERIFICATION_SECONDS": 0}
    assert verification_resume_stalled_task() == 1
    # then the worker verifies it
    order = wait_for(
        lambda: verified(order), what="the order to be verified", workers=(worker,)
    )
    assert_checked_once(order)
    assert_reserved_once(order, product)
