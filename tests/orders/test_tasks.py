"""Background tasks: thin, safe to run twice, and nothing lost when one stalls."""

from datetime import timedelta

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from django.utils import timezone
from kombu import pools as kombu_pools

from inventory.models import StockMovement
from orders.models import (
    Check,
    Communication,
    Order,
    OrderEvent,
    OrderException,
    Payment,
    SimulatedGatewayTransaction,
)
from orders.services import CHECK_SEQUENCE, order_cancel, verification_run
from orders.tasks import (
    communication_resume_queued_task,
    communication_send_task,
    order_verify_task,
    verification_resume_stalled_task,
)
from tests.conftest import TIMEOUT_CARD


def _run_verify(order: Order, retries: int = 0) -> Order:
    order_verify_task.apply(kwargs={"order_id": order.pk}, retries=retries)
    return Order.objects.get(pk=order.pk)


def test_verify_task_run_twice_leaves_the_same_state(receive, stocked_product):
    # given a received order whose checks were never run
    product = stocked_product(10)
    order = receive([(product.code, 3)])
    # when its task is delivered twice
    first = _run_verify(order)
    events = list(first.events.values_list("pk", flat=True))
    second = _run_verify(order)
    # then it is verified once: one check of each kind, one set of events, one
    # reservation and one authorisation
    assert first.status == second.status == Order.Status.VERIFIED
    assert second.version == first.version
    assert sorted(second.checks.values_list("kind", flat=True)) == sorted(
        CHECK_SEQUENCE
    )
    assert list(second.events.values_list("pk", flat=True)) == events
    assert StockMovement.objects.filter(product=product, kind="reserved").count() == 1
    assert second.payments.count() == 1


def test_verify_task_retries_a_gateway_timeout_and_charges_once(
    receive, stocked_product
):
    # given an order paid by a card whose first answer from the gateway is lost
    product = stocked_product(10)
    order = receive([(product.code, 3)], card=TIMEOUT_CARD)
    # when its task runs, then it asks to be retried, keeping the checks it made
    with pytest.raises(Retry):
        _run_verify(order)
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFYING
    assert order.checks.count() == len(CHECK_SEQUENCE) - 1
    # when the retry runs
    order = _run_verify(order, retries=1)
    # then the order is verified with each check made once and one charge
    assert order.status == Order.Status.VERIFIED
    assert order.checks.count() == len(CHECK_SEQUENCE)
    assert SimulatedGatewayTransaction.objects.count() == 1
    assert order.payments.get().status == Payment.Status.AUTHORISED


def test_verify_task_last_retry_records_the_gateway_as_unavailable(
    receive, stocked_product
):
    # given an order whose gateway has timed out on every earlier try
    product = stocked_product(10)
    order = receive([(product.code, 3)], card=TIMEOUT_CARD)
    # when the task's last retry times out too
    order = _run_verify(order, retries=order_verify_task.max_retries)
    # then the round ends: the payment check failed and a person must act
    assert order.status == Order.Status.ON_HOLD
    payment_check = order.checks.get(kind=Check.Kind.PAYMENT)
    assert payment_check.outcome == Check.Outcome.FAILED
    problem = order.exceptions.get()
    assert problem.kind == OrderException.Kind.PAYMENT_DECLINED
    assert "did not answer" in problem.found
    assert order.checks.count() == len(CHECK_SEQUENCE)


def test_verify_task_for_a_cancelled_order_does_nothing(
    receive, stocked_product, processor
):
    # given an order cancelled before its checks ran
    product = stocked_product(10)
    order = receive([(product.code, 3)])
    order_cancel(order=order, actor=processor, reason="Phoned back to cancel.")
    events = order.events.count()
    # when its task arrives late
    order = _run_verify(order)
    # then nothing is checked, reserved or charged
    assert order.status == Order.Status.CANCELLED
    assert not order.checks.exists()
    assert not order.payments.exists()
    assert order.events.count() == events


def test_send_task_run_twice_sends_one_email(receive, stocked_product):
    # given a queued acknowledgement e-mail
    product = stocked_product(10)
    order = receive([(product.code, 1)], channel="web")
    queued = order.communications.get()
    # when its task is delivered twice
    communication_send_task.apply(kwargs={"communication_id": queued.pk})
    communication_send_task.apply(kwargs={"communication_id": queued.pk})
    # then one e-mail went
    assert len(mail.outbox) == 1
    assert order.events.filter(kind=OrderEvent.Kind.COMMUNICATION_SENT).count() == 1


# --- stalled verification ---------------------------------------------------------


@pytest.fixture
def stalled_seconds(settings):
    return settings.ORDERDESK["STALLED_VERIFICATION_SECONDS"]


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_stalled_received_order_is_checked_after_the_stalled_period(
    clock, receive, stocked_product, stalled_seconds
):
    # given an order received while its task was lost (the broker was down)
    product = stocked_product(10)
    order = receive([(product.code, 3)])
    # when the sweep runs just before the stalled period is up
    clock.shift(timedelta(seconds=stalled_seconds - 1))
    assert verification_resume_stalled_task() == 0
    # then the order is left alone: it may just be slow
    assert Order.objects.get(pk=order.pk).status == Order.Status.RECEIVED
    # when the sweep runs once the period has passed
    clock.shift(timedelta(seconds=2))
    assert verification_resume_stalled_task() == 1
    # then its checks ran and it is verified
    assert Order.objects.get(pk=order.pk).status == Order.Status.VERIFIED


def test_verified_order_is_never_re_enqueued(clock, verified_order, stalled_seconds):
    # given an order verified long ago
    order = verified_order()
    # when the sweep runs much later
    clock.shift(timedelta(seconds=stalled_seconds * 100))
    # then it is not picked up
    assert verification_resume_stalled_task() == 0
    assert Order.objects.get(pk=order.pk).checks.count() == len(CHECK_SEQUENCE)


def test_held_order_is_never_re_enqueued(
    clock, receive, stocked_product, stalled_seconds
):
    # given an order held by its checks for a short line
    product = stocked_product(1)
    order = verification_run(order_id=receive([(product.code, 3)]).pk, worker="w")
    # when the sweep runs much later
    clock.shift(timedelta(seconds=stalled_seconds * 100))
    # then it is left for a person
    assert verification_resume_stalled_task() == 0
    assert Order.objects.get(pk=order.pk).status == Order.Status.ON_HOLD


def test_order_stalled_mid_verification_resumes_without_repeating_checks(
    clock, receive, stocked_product, stalled_seconds
):
    # given an order whose worker died after the gateway timed out
    product = stocked_product(10)
    order = receive([(product.code, 3)], card=TIMEOUT_CARD)
    with pytest.raises(Retry):
        _run_verify(order)
    done = set(Check.objects.filter(order=order).values_list("pk", flat=True))
    # when the sweep finds it after the stalled period
    clock.shift(timedelta(seconds=stalled_seconds + 1))
    assert verification_resume_stalled_task() == 1
    # then only the missing check ran, the card was charged once, and it is verified
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED
    new = set(order.checks.values_list("pk", flat=True)) - done
    assert [Check.objects.get(pk=pk).kind for pk in new] == [Check.Kind.PAYMENT]
    assert SimulatedGatewayTransaction.objects.count() == 1


# --- e-mails whose task was lost ---------------------------------------------------


def test_queued_email_whose_task_was_lost_is_sent_once_after_the_stalled_period(
    clock, receive, stocked_product, stalled_seconds
):
    # given an acknowledgement e-mail queued while its task was lost
    product = stocked_product(10)
    order = receive([(product.code, 1)])
    (queued,) = order.communications.filter(outcome=Communication.Outcome.QUEUED)
    # when the sweep runs before the period is up, nothing is re-sent
    clock.shift(timedelta(seconds=stalled_seconds - 1))
    assert communication_resume_queued_task() == 0
    assert mail.outbox == []
    # when it runs after, the e-mail goes, once, even if the sweep runs again
    clock.shift(timedelta(seconds=2))
    assert communication_resume_queued_task() == 1
    assert communication_resume_queued_task() == 0
    assert len(mail.outbox) == 1
    queued.refresh_from_db()
    assert queued.outcome == Communication.Outcome.SENT


# --- a broker that is down ----------------------------------------------------------


@pytest.fixture
def broker_down():
    """Publish to a port where nothing listens, with no retries (a real refusal)."""
    from config.celery import app

    keys = (
        "broker_url",
        "broker_write_url",  # Celery copies broker_url here when it is configured
        "broker_read_url",
        "task_always_eager",
        "task_publish_retry",
    )
    saved = {key: app.conf[key] for key in keys}
    nowhere = "redis://127.0.0.1:1/0"
    app.conf.update(
        broker_url=nowhere,
        broker_write_url=nowhere,
        broker_read_url=nowhere,
        task_always_eager=False,
        task_publish_retry=False,
    )
    _reset_broker_connections(app)
    yield
    app.conf.update(saved)
    _reset_broker_connections(app)


def _reset_broker_connections(app) -> None:
    """Forget pooled connections so the next publish uses the broker URL now set.

    kombu keeps pools in a global registry (closing one leaves it there, closed),
    and Celery caches the connection and producer pools on the app: clear all three.
    """
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_order_received_while_the_broker_is_down_is_kept(
    broker_down, receive, stocked_product, caplog
):
    # given a broker that refuses connections
    product = stocked_product(10)
    # when an order is received (its checks and e-mail cannot be enqueued)
    order = receive([(product.code, 1)])
    # then the order is committed, waiting for the sweep, and the failure logged
    assert Order.objects.get(pk=order.pk).status == Order.Status.RECEIVED
    assert "enqueue orders.tasks.order_verify_task" in caplog.text
    assert "Connection refused" in caplog.text
