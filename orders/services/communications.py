"""Communications with the customer: recorded always, e-mailed in the background."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from customers.models import ContactChannel

from .. import tasks as order_tasks
from ..exceptions import OrderRuleError, StaleOrderError
from ..models import DONE_BY_HAND, Communication, Order, OrderEvent
from .background import enqueue_after_commit
from .channels import channel_for
from .events import event_record

logger = logging.getLogger(__name__)


def _event(communication: Communication, actor=None) -> None:
    event_record(
        order=communication.order,
        kind=OrderEvent.Kind.COMMUNICATION,
        actor=actor,
        data={
            "communication_id": communication.pk,
            "channel": communication.channel,
            "direction": communication.direction,
            "purpose": communication.purpose,
            "outcome": communication.outcome,
            # What was said, in the trail itself: timelines and portfolio evidence
            # show it without reading (or trusting) the communication row later.
            "subject": communication.subject,
            "content": communication.content,
        },
    )


def _lock_at_version(order: Order, expected_version: int) -> Order:
    """Lock the order, refuse a stale page, and bump the version (refusing repeats).

    For a person acting from the order page; the lifecycle services lock and save
    the order themselves (they call customer_notify without a version).
    """
    locked = (
        Order.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=order.pk)
    )
    if locked.version != expected_version:
        raise StaleOrderError()
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    return locked


def customer_notify(
    *,
    order: Order,
    purpose: str,
    subject: str,
    content: str,
    actor=None,
    expected_version: int | None = None,
) -> Communication:
    """Tell the customer something on the channel that suits them (channel_for).

    E-mail is queued and sent by a task after commit; a phone call, letter or text
    is left for a person to make (outcome "to do"), so nothing is claimed as sent
    that was not. With expected_version (a person sending from the order page), a
    stale page or a second submit is refused.
    """
    if expected_version is not None:
        if not content.strip():
            raise OrderRuleError("Write the message.")
        with transaction.atomic():
            order = _lock_at_version(order, expected_version)
            return customer_notify(
                order=order,
                purpose=purpose,
                subject=subject,
                content=content.strip(),
                actor=actor,
            )
    # The same choice a person sending a message gets: accessibility needs first.
    channel, large_print, _why = channel_for(order.customer)
    outcome = (
        Communication.Outcome.QUEUED
        if channel == ContactChannel.EMAIL
        else Communication.Outcome.PENDING
    )
    communication = Communication.objects.create(
        order=order,
        channel=channel,
        purpose=purpose,
        subject=subject,
        content=content,
        outcome=outcome,
        actor=actor,
        large_print=large_print,
    )
    _event(communication, actor)
    if outcome == Communication.Outcome.QUEUED:
        enqueue_after_commit(
            order_tasks.communication_send_task, communication_id=communication.pk
        )
    return communication


@transaction.atomic
def communication_record(
    *,
    order: Order,
    actor,
    channel: str,
    purpose: str,
    content: str,
    outcome: str,
    direction: str = Communication.Direction.OUTBOUND,
    subject: str = "",
    expected_version: int | None = None,
) -> Communication:
    """Log a contact a person made or received (a phone call, a letter, a visit).

    With expected_version, a stale page or a second submit is refused.
    """
    errors = []
    if channel not in Communication.Channel.values:
        errors.append("Choose the channel.")
    if purpose not in Communication.Purpose.values:
        errors.append("Choose the purpose.")
    if outcome not in Communication.Outcome.values:
        errors.append("Choose the outcome.")
    if not content.strip():
        errors.append("Write what was said.")
    if errors:
        raise OrderRuleError(" ".join(errors))
    if direction not in Communication.Direction.values:
        raise OrderRuleError("Choose who contacted whom.")
    # Lock and re-read: the event records the order's status now, not as the caller
    # last saw it (a page opened earlier, an instance held across a hold).
    if expected_version is not None:
        order = _lock_at_version(order, expected_version)
    else:
        order = Order.objects.select_for_update().get(pk=order.pk)
    communication = Communication.objects.create(
        order=order,
        channel=channel,
        direction=direction,
        purpose=purpose,
        subject=subject,
        content=content.strip(),
        outcome=outcome,
        actor=actor,
    )
    _event(communication, actor)
    return communication


@transaction.atomic
def communication_mark_sent(
    *, order: Order, communication_id: int, actor, expected_version: int
) -> Communication:
    """Record that a letter left "to do" was posted, or a text was sent, by a person.

    Only once: a second submit is refused (the order's version moved on), and so
    is a message that is not a letter or text still to do on this order.
    """
    order = _lock_at_version(order, expected_version)
    communication = (
        Communication.objects.select_for_update()
        .filter(pk=communication_id, order=order)
        .first()
    )
    if communication is None:
        raise OrderRuleError("That message is not on this order.")
    done = DONE_BY_HAND.get(communication.channel)
    if done is None:
        raise OrderRuleError(
            "Only a letter or a text message is marked as sent by hand: log a phone "
            "call with the call form; OrderDesk sends e-mails itself."
        )
    if communication.outcome != Communication.Outcome.PENDING:
        raise OrderRuleError(
            f"This {communication.get_channel_display().lower()} is already "
            f"recorded as {communication.get_outcome_display().lower()}."
        )
    communication.outcome = Communication.Outcome.SENT
    communication.sent_at = timezone.now()
    communication.save(update_fields=["outcome", "sent_at"])
    event_record(
        order=order,
        kind=OrderEvent.Kind.COMMUNICATION_SENT,
        actor=actor,
        data={
            "communication_id": communication.pk,
            "purpose": communication.purpose,
            "channel": communication.channel,
            "outcome": Communication.Outcome.SENT,
            "by_hand": done,
        },
    )
    return communication


@transaction.atomic
def communication_send(*, communication_id: int, worker: str = "") -> Communication:
    """Send a queued e-mail once; a second call finds it sent and does nothing.

    A practice order's e-mail is not sent at all: its customer is a scenario's, so
    it is marked sent (the event says "simulated") and nobody is e-mailed.
    """
    communication = (
        Communication.objects.select_for_update()
        .select_related("order__customer")
        .get(pk=communication_id)
    )
    if communication.outcome != Communication.Outcome.QUEUED:
        return communication
    order = communication.order
    simulated = order.practice_learner_id is not None
    if not simulated:
        send_mail(
            subject=communication.subject or f"Your order {order.reference}",
            message=communication.content,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[order.customer.email],
        )
    communication.outcome = Communication.Outcome.SENT
    communication.sent_at = timezone.now()
    communication.save(update_fields=["outcome", "sent_at"])
    data = {"communication_id": communication.pk, "purpose": communication.purpose}
    if simulated:
        data["simulated"] = True
    event_record(
        order=order,
        kind=OrderEvent.Kind.COMMUNICATION_SENT,
        worker=worker,
        data=data,
    )
    logger.info(
        "%s %s e-mail for order %s",
        "Simulated" if simulated else "Sent",
        communication.purpose,
        order.reference,
    )
    return communication


@transaction.atomic
def communication_mark_failed(*, communication_id: int, worker: str = "") -> None:
    """Record that an e-mail could not be sent after every retry."""
    communication = Communication.objects.select_for_update().get(pk=communication_id)
    if communication.outcome != Communication.Outcome.QUEUED:
        return
    communication.outcome = Communication.Outcome.FAILED
    communication.save(update_fields=["outcome"])
    event_record(
        order=communication.order,
        kind=OrderEvent.Kind.COMMUNICATION_SENT,
        worker=worker,
        data={"communication_id": communication.pk, "outcome": "failed"},
    )
