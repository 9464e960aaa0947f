"""A batch of practice attempts leaves the live world exactly as it was: live
stock and its ledger, live orders' payments, every real customer, the queues,
the order list, follow-ups and the mail outbox (on SQLite and PostgreSQL alike)."""

import pytest
from django.core import mail
from django.forms.models import model_to_dict
from django.utils import timezone

from customers.models import Customer
from followup.models import FollowUp
from inventory.models import StockLevel, StockMovement
from orders.models import Order, Payment, SimulatedGatewayTransaction
from orders.selectors.lists import QUEUES, order_list, queue_orders
from orders.services import verification_run
from revision.services.content import content_load

from ..conftest import DECLINE_CARD
from .practice_runs import Run


@pytest.fixture
def loaded(db):
    content_load()


def live_world(live_pool) -> dict:
    live_orders = Order.objects.filter(practice_learner__isnull=True)
    return {
        "stock": sorted(
            StockLevel.objects.filter(pool=live_pool).values_list(
                "product_id", "on_hand", "reserved", "restock_date"
            )
        ),
        "movements": StockMovement.objects.filter(pool=live_pool).count(),
        "payments": sorted(
            Payment.objects.filter(order__in=live_orders).values_list(
                "pk", "status", "amount", "operation"
            )
        ),
        "gateway": sorted(
            SimulatedGatewayTransaction.objects.filter(
                idempotency_key__in=Payment.objects.filter(
                    order__in=live_orders
                ).values("idempotency_key")
            ).values_list("pk", "idempotency_key", "operation", "amount", "approved")
        ),
        "customers": sorted(
            (c.pk, tuple(sorted(model_to_dict(c).items())))
            for c in Customer.objects.filter(practice=False)
        ),
        "queues": {
            slug: list(queue_orders(queue).values_list("pk", flat=True))
            for slug, queue in QUEUES.items()
        },
        "order_list": list(order_list(now=timezone.now()).values_list("pk", flat=True)),
        "orders": sorted(live_orders.values_list("pk", "status", "version")),
        "follow_ups": sorted(FollowUp.objects.values_list("pk", "status", "due_at")),
        "outbox": [(m.subject, tuple(m.to)) for m in mail.outbox],
    }


def test_a_batch_of_practice_attempts_leaves_the_live_world_untouched(
    loaded,
    learner,
    live_pool,
    verified_order,
    delivered_order,
    receive,
    stocked_product,
    django_capture_on_commit_callbacks,
):
    # given a live world: stock, orders in several stages, a declined card
    with django_capture_on_commit_callbacks(execute=True):
        verified_order(quantity=3)
        delivered_order()
        product = stocked_product(5)
        held = receive([(product.code, 1)], card=DECLINE_CARD)
    with django_capture_on_commit_callbacks(execute=True):
        verification_run(order_id=held.pk, worker="test-worker")
    before = live_world(live_pool)
    assert before["payments"]
    assert before["stock"]
    assert before["customers"]

    # when a learner works several scenarios: model, careless, finished, abandoned
    capture = django_capture_on_commit_callbacks
    run = Run.start(learner, "PS-01", capture)
    message, reply = run.ask("backorder_notice", "Out of stock until Thursday.")
    run.backorder(reply.content, communication=reply)
    run.confirm()
    run.fulfil()
    run.follow_up()
    run.finish()

    run = Run.start(learner, "PS-08", capture)
    run.ask("payment_problem", "Your card was declined.")
    run.change_card("4242424242424242", "Another card, given by phone.")
    run.confirm()
    run.fulfil()
    run.finish()

    run = Run.start(learner, "PS-10", capture)
    run.resolve("duplicate", "Probably a second order.", told=False)
    run.confirm()
    run.finish(abandon=True)

    run = Run.start(learner, "PS-07", capture)
    message, reply = run.ask("query", "Could I take your e-mail address?")
    run.correct_contact(
        {"email": "dan.fraser@mailbox.example"},
        "Given by phone.",
        communication=message,
    )
    run.finish(abandon=True)

    Run.start(learner, "PS-02", capture).finish(abandon=True)

    # then the live world is exactly as it was
    assert live_world(live_pool) == before
