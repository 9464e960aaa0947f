"""Background work for orders. Thin: take ids, call a service; safe to run twice."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.db.models import Max
from django.utils import timezone

from config.celery import RETRY

from .exceptions import GatewayTimeout

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(GatewayTimeout, OperationalError), **RETRY)
def order_verify_task(self, *, order_id: int) -> None:
    """Run an order's verification checks (each is recorded once per round).

    A gateway that never answers, even on the last retry, is recorded as such and
    whatever it may have authorised is voided; so is an earlier try's authorisation
    when the order was cancelled while the retry waited.
    """
    from .models import Order
    from .services import verification_run
    from .services.payments import payment_void_abandoned

    worker = self.request.hostname or ""
    last_try = self.request.retries >= self.max_retries
    try:
        order = verification_run(order_id=order_id, worker=worker)
    except Order.DoesNotExist:
        # A message outliving its database (a reset demo): nothing to check.
        logger.warning("No order with id %s; its checks were dropped", order_id)
    except GatewayTimeout:
        if not last_try:
            raise
        logger.warning(
            "Payment gateway never answered for order id %s; recorded as "
            "unavailable and any authorisation it made voided",
            order_id,
        )
        verification_run(order_id=order_id, worker=worker, gateway_unavailable=True)
    else:
        if self.request.retries and order.status == Order.Status.CANCELLED:
            payment_void_abandoned(order=order, worker=worker)


@shared_task(bind=True, autoretry_for=(OSError, OperationalError), **RETRY)
def communication_send_task(self, *, communication_id: int) -> None:
    """Send a queued e-mail; a second delivery of the task sends nothing."""
    from .services import communication_mark_failed, communication_send

    worker = self.request.hostname or ""
    try:
        communication_send(communication_id=communication_id, worker=worker)
    except OSError:
        if self.request.retries < self.max_retries:
            raise
        communication_mark_failed(communication_id=communication_id, worker=worker)


@shared_task(acks_late=True)
def verification_resume_stalled_task() -> int:
    """Re-enqueue checks for orders that made no progress (a lost task or broker).

    Beat runs this every minute; the checks themselves are idempotent, so an order
    that was merely slow is not checked twice.
    """
    from .models import Order

    cutoff = timezone.now() - timedelta(
        seconds=settings.ORDERDESK["STALLED_VERIFICATION_SECONDS"]
    )
    stalled = (
        Order.objects.filter(
            status__in=(Order.Status.RECEIVED, Order.Status.VERIFYING),
            verification_completed_at__isnull=True,
        )
        .annotate(last_event=Max("events__at"))
        .filter(last_event__lt=cutoff)
        .values_list("pk", flat=True)
    )
    count = 0
    for order_id in stalled:
        order_verify_task.delay(order_id=order_id)
        count += 1
    if count:
        logger.info("Re-enqueued checks for %d stalled orders", count)
    return count


@shared_task(acks_late=True)
def communication_resume_queued_task() -> int:
    """Re-enqueue e-mails still queued after a while (their task was lost).

    Beat runs this every minute; sending is idempotent, so a slow send is not
    repeated.
    """
    from .models import Communication

    cutoff = timezone.now() - timedelta(
        seconds=settings.ORDERDESK["STALLED_VERIFICATION_SECONDS"]
    )
    queued = Communication.objects.filter(
        outcome=Communication.Outcome.QUEUED, at__lt=cutoff
    ).values_list("pk", flat=True)
    count = 0
    for communication_id in queued:
        communication_send_task.delay(communication_id=communication_id)
        count += 1
    if count:
        logger.info("Re-enqueued %d queued e-mails", count)
    return count


@shared_task(bind=True, acks_late=True)
def exception_escalate_overdue_task(self) -> int:
    """Escalate to a supervisor each out-of-stock exception open past its target.

    Beat runs this every minute; each exception is escalated once, however often
    the task runs.
    """
    from .selectors.lists import exceptions_due_escalation
    from .services.stock_exceptions import exception_escalate

    now = timezone.now()
    count = 0
    for exception_id in exceptions_due_escalation(now):
        if exception_escalate(
            exception_id=exception_id,
            now=now,
            worker=self.request.hostname or "escalation",
        ):
            count += 1
    if count:
        logger.info("Escalated %d out-of-stock exceptions to a supervisor", count)
    return count
