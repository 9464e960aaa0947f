"""Courtesy follow-ups after delivery: scheduling, overdue alerts, recording, and
the customer's private feedback link.

Every change writes an event on the order in the same transaction.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Role, User
from orders.exceptions import OrderRuleError, StaleOrderError
from orders.models import Communication, Order, OrderEvent
from orders.selectors.lists import Target
from orders.services.communications import communication_record, customer_notify
from orders.services.events import event_record
from orders.services.lifecycle import (
    FOLLOW_UP_DONE,
    ensure_role,
    order_lock,
    order_record_follow_up,
)

from .models import FeedbackLink, FollowUp, FollowUpRule

logger = logging.getLogger(__name__)

P, V = Role.PROCESSOR, Role.SUPERVISOR
K = FollowUpRule.Kind
DEFAULT_RULE_DAYS = 2  # the built-in rule: a delivery check 2 working days after
LOW_SATISFACTION = (1, 2)  # these scores open a complaint
NO_CONSENT_REASON = "The customer has not agreed to courtesy contact."


# --- Scheduling ---------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    kind: str
    working_days: int
    rule: FollowUpRule | None


def _specificity(rule: FollowUpRule) -> int:
    return bool(rule.order_channel) + bool(rule.customer_terms)


def rules_for(order: Order, rules: list[FollowUpRule]) -> list[Due]:
    """The follow-ups an order is due: for each kind, the most specific active rule
    matching its channel and its customer's terms (blank fields match anything).

    With no rule matching, the built-in delivery check applies, so no delivered
    order goes without a follow-up.
    """
    matching = [
        rule
        for rule in rules
        if rule.active
        and rule.order_channel in ("", order.channel)
        and rule.customer_terms in ("", order.customer.terms)
    ]
    matching.sort(key=lambda rule: (-_specificity(rule), rule.name, rule.pk))
    chosen: dict[str, Due] = {}
    for rule in matching:
        chosen.setdefault(
            rule.kind, Due(rule.kind, rule.working_days_after_delivery, rule)
        )
    if not chosen:
        return [Due(K.DELIVERY_CHECK, DEFAULT_RULE_DAYS, None)]
    return list(chosen.values())


def delivered_at(order: Order) -> datetime | None:
    """When the order was delivered: its last DELIVERED event that completed it."""
    for event in order.events.filter(kind=OrderEvent.Kind.DELIVERED).order_by(
        "-at", "-pk"
    ):
        if event.data.get("order_delivered"):
            moment = event.data.get("delivered_at")
            parsed = parse_datetime(moment) if isinstance(moment, str) else None
            return parsed or event.at
    return None


def due_after(start: datetime, working_days: int) -> datetime:
    """The same time `working_days` working days (Monday to Friday) later."""
    return Target(amount=working_days, unit="working_days").deadline(start)


@transaction.atomic
def _schedule_one(*, order: Order, due: Due, now: datetime) -> FollowUp | None:
    order = order_lock(order)
    if order.status != Order.Status.DELIVERED:
        return None
    if order.follow_ups.filter(kind=due.kind).exists():
        return None
    start = delivered_at(order)
    if start is None:
        logger.warning("Order %s is delivered but has no delivery event", order)
        start = now
    consent = order.customer.consent_to_contact
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.create(
                order=order,
                rule=due.rule,
                kind=due.kind,
                due_at=due_after(start, due.working_days),
                owner=order.received_by,
                status=FollowUp.Status.DUE if consent else FollowUp.Status.CANCELLED,
            )
    except IntegrityError:  # scheduled by a concurrent run
        return None
    data = {
        "follow_up_id": follow_up.pk,
        "kind": follow_up.kind,
        "due_at": follow_up.due_at,
        "rule": due.rule.name if due.rule else "built-in",
    }
    if not consent:
        data.update(status=FollowUp.Status.CANCELLED, reason=NO_CONSENT_REASON)
    event_record(
        order=order,
        kind=OrderEvent.Kind.FOLLOW_UP_SCHEDULED,
        worker="follow-up scheduler",
        data=data,
    )
    return follow_up


def follow_ups_schedule(now: datetime | None = None) -> int:
    """Create the follow-ups every delivered live order is due; safe to run every
    minute. A practice order gets none: its learner records the follow-up on the
    order page.

    Returns how many were created (cancelled ones, for customers who have not
    agreed to courtesy contact, included).
    """
    now = now or timezone.now()
    rules = list(FollowUpRule.objects.filter(active=True))
    created = 0
    orders = (
        Order.objects.filter(
            status=Order.Status.DELIVERED, practice_learner__isnull=True
        )
        .select_related("customer")
        .prefetch_related("follow_ups")
        .order_by("pk")
    )
    for order in orders:
        have = {follow_up.kind for follow_up in order.follow_ups.all()}
        for due in rules_for(order, rules):
            if due.kind in have:
                continue
            if _schedule_one(order=order, due=due, now=now):
                created += 1
    return created


# --- Overdue alerts -----------------------------------------------------------


def supervisor_after() -> Target:
    value = settings.ORDERDESK.get("FOLLOW_UP_SUPERVISOR_AFTER", {"working_days": 1})
    return Target.from_setting(value)


def _supervisors():
    return User.objects.filter(is_active=True, groups__name=Role.SUPERVISOR).distinct()


def _alert_mail(follow_up: FollowUp, recipients: list[str], who: str) -> None:
    if not recipients:
        return
    order = follow_up.order
    link = site_url(reverse("followup:record", args=[follow_up.pk]))
    send_mail(
        subject=f"Overdue follow-up: order {order.reference}",
        message=(
            f"The {follow_up.get_kind_display().lower()} for order {order.reference} "
            f"({order.customer.name}) was due "
            f"{timezone.localtime(follow_up.due_at):%d %b %Y %H:%M} and is still "
            f"not recorded.\n\n{who}\n\nRecord it: {link}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


@transaction.atomic
def _alert_one(*, follow_up_id: int, now: datetime) -> str | None:
    follow_up = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("order__customer", "owner")
        .get(pk=follow_up_id)
    )
    if follow_up.status != FollowUp.Status.DUE or follow_up.due_at > now:
        return None
    if (
        follow_up.kind == K.DELIVERY_CHECK
        and follow_up.order.status != Order.Status.DELIVERED
    ):
        # Followed up already from the order page (which does not know about
        # this follow-up): nobody needs chasing.
        return None
    if follow_up.owner_alerted_at is None:
        owner = follow_up.owner
        to = [owner.email] if owner and owner.is_active and owner.email else []
        _alert_mail(follow_up, to, "You are its owner: please contact the customer.")
        follow_up.owner_alerted_at = now
        follow_up.save(update_fields=["owner_alerted_at"])
        event_record(
            order=follow_up.order,
            kind=OrderEvent.Kind.FOLLOW_UP_OVERDUE,
            worker="follow-up alerts",
            data={
                "follow_up_id": follow_up.pk,
                "to": "owner",
                "owner": str(owner) if owner else None,
                "emailed": len(to),
            },
        )
        return "owner"
    if follow_up.supervisor_alerted_at is None and now >= supervisor_after().deadline(
        follow_up.owner_alerted_at
    ):
        to = [user.email for user in _supervisors() if user.email]
        owner = follow_up.owner
        _alert_mail(
            follow_up,
            to,
            f"Its owner ({owner or 'nobody'}) was alerted "
            f"{timezone.localtime(follow_up.owner_alerted_at):%d %b %H:%M}.",
        )
        follow_up.supervisor_alerted_at = now
        follow_up.save(update_fields=["supervisor_alerted_at"])
        event_record(
            order=follow_up.order,
            kind=OrderEvent.Kind.FOLLOW_UP_OVERDUE,
            worker="follow-up alerts",
            data={
                "follow_up_id": follow_up.pk,
                "to": "supervisors",
                "emailed": len(to),
            },
        )
        return "supervisors"
    return None


def follow_ups_alert_overdue(now: datetime | None = None) -> int:
    """Alert the owner of each overdue follow-up once, then the supervisors once
    if it is still due FOLLOW_UP_SUPERVISOR_AFTER later. Returns alerts sent."""
    now = now or timezone.now()
    ids = FollowUp.objects.filter(
        status=FollowUp.Status.DUE,
        due_at__lte=now,
        supervisor_alerted_at__isnull=True,
        order__practice_learner__isnull=True,
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(ids) if _alert_one(follow_up_id=pk, now=now))


# --- Recording ----------------------------------------------------------------


def _open_complaint(*, follow_up, actor, words, category):
    # Helper G's module; imported here so followup imports cleanly without it.
    from . import complaints

    return complaints.complaint_open(
        order=follow_up.order,
        actor=actor,
        customer_words=words,
        category=category,
        follow_up=follow_up,
    )


def _lock_due(follow_up: FollowUp) -> FollowUp:
    follow_up = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("order__customer")
        .get(pk=follow_up.pk)
    )
    if follow_up.status == FollowUp.Status.DONE:
        raise OrderRuleError("This follow-up is already recorded.")
    if follow_up.status == FollowUp.Status.CANCELLED:
        raise OrderRuleError(
            "This follow-up is not needed (the customer has not agreed to "
            "courtesy contact)."
        )
    return follow_up


def _record_contact(
    *,
    follow_up: FollowUp,
    actor,
    channel: str,
    outcome: str,
    notes: str,
    satisfaction: int | None,
    direction: str = Communication.Direction.OUTBOUND,
    expected_version: int | None = None,
) -> Communication:
    """Record the contact on the order: while it waits for follow-up, through the
    lifecycle (a completed contact moves it on); after that, as a communication."""
    order = follow_up.order
    if order.status == Order.Status.DELIVERED:
        return order_record_follow_up(
            order=order,
            actor=actor,
            channel=channel,
            outcome=outcome,
            notes=notes,
            satisfaction=satisfaction,
            expected_version=expected_version,
        )
    if expected_version is not None and order.version != expected_version:
        raise StaleOrderError()
    return communication_record(
        order=order,
        actor=actor,
        channel=channel,
        purpose=Communication.Purpose.FOLLOW_UP,
        content=notes,
        outcome=outcome,
        direction=direction,
        expected_version=expected_version,
    )


@transaction.atomic
def follow_up_record(
    *,
    follow_up: FollowUp,
    actor,
    method: str,
    outcome: str,
    satisfaction: int | None,
    comments: str,
    complaint: bool = False,
    complaint_category: str = "",
    expected_version: int | None = None,
) -> FollowUp:
    """Record a follow-up a person made. A contact that reached the customer marks
    it done (and the order followed up); "no answer" or "call back" leaves it due.
    A satisfaction of 1 or 2, or comments marked as a complaint, open a complaint.
    """
    ensure_role(actor, P, V, order=follow_up.order)
    follow_up = _lock_due(follow_up)
    if method not in Communication.Channel.values:
        raise OrderRuleError("Choose how you contacted the customer.")
    if outcome not in Communication.Outcome.values:
        raise OrderRuleError("Choose the outcome of the follow-up.")
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise OrderRuleError("Satisfaction is a score from 1 to 5.")
    if not comments.strip():
        raise OrderRuleError("Write what the customer said, or what you did.")
    completed = outcome in FOLLOW_UP_DONE
    if not completed and (satisfaction is not None or complaint):
        raise OrderRuleError(
            "You did not reach the customer, so leave satisfaction and complaint empty."
        )
    communication = _record_contact(
        follow_up=follow_up,
        actor=actor,
        channel=method,
        outcome=outcome,
        notes=comments.strip(),
        satisfaction=satisfaction,
        expected_version=expected_version,
    )
    follow_up.method = method
    follow_up.outcome = outcome
    follow_up.communication = communication
    fields = ["method", "outcome", "communication"]
    if completed:
        follow_up.status = FollowUp.Status.DONE
        follow_up.satisfaction = satisfaction
        follow_up.comments = comments.strip()
        follow_up.completed_at = timezone.now()
        follow_up.completed_by = actor
        fields += ["status", "satisfaction", "comments", "completed_at", "completed_by"]
    follow_up.save(update_fields=fields)
    if completed and (complaint or satisfaction in LOW_SATISFACTION):
        _open_complaint(
            follow_up=follow_up,
            actor=actor,
            words=comments.strip() or f"Rated {satisfaction} out of 5.",
            category=complaint_category or "other",
        )
    return follow_up


# --- The customer's feedback link ---------------------------------------------


def site_url(path: str) -> str:
    return (
        settings.ORDERDESK.get("SITE_URL", "http://localhost:8000").rstrip("/") + path
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feedback_link_create(*, follow_up: FollowUp, days_valid: int = 14) -> str:
    """A private link token for the customer; only its SHA-256 hash is kept."""
    token = secrets.token_urlsafe(32)
    FeedbackLink.objects.create(
        follow_up=follow_up,
        token_hash=_hash(token),
        expires_at=timezone.now() + timedelta(days=days_valid),
    )
    return token


@transaction.atomic
def feedback_request_send(
    *, follow_up: FollowUp, actor=None, days_valid: int = 14
) -> Communication:
    """E-mail the customer a satisfaction request carrying their private link."""
    follow_up = _lock_due(follow_up)
    order = order_lock(follow_up.order)
    token = feedback_link_create(follow_up=follow_up, days_valid=days_valid)
    link = site_url(reverse("followup:feedback", args=[token]))
    return customer_notify(
        order=order,
        purpose=Communication.Purpose.SATISFACTION_REQUEST,
        subject=f"How was your order {order.reference}?",
        content=(
            f"Dear {order.customer.name},\n\n"
            f"Your order {order.reference} was delivered recently. Please tell us "
            f"how it went, in a minute and without signing in:\n\n{link}\n\n"
            f"The link works once and for {days_valid} days.\n"
        ),
        actor=actor,
    )


def follow_ups_send_requests(now: datetime | None = None) -> int:
    """Send each due satisfaction request once (when it has no link yet)."""
    now = now or timezone.now()
    ids = list(
        FollowUp.objects.filter(
            kind=K.SATISFACTION,
            status=FollowUp.Status.DUE,
            due_at__lte=now,
            feedback_links__isnull=True,
            order__practice_learner__isnull=True,
        ).values_list("pk", flat=True)
    )
    sent = 0
    for pk in ids:
        with transaction.atomic():
            follow_up = FollowUp.objects.select_for_update().get(pk=pk)
            if follow_up.feedback_links.exists():
                continue
            feedback_request_send(follow_up=follow_up)
            sent += 1
    return sent


class FeedbackLinkInvalid(Exception):
    """The link cannot take feedback; `status` is 404 (unknown) or 410 (gone)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def feedback_link_find(token: str, *, lock: bool = False) -> FeedbackLink:
    """The usable link for a token, or FeedbackLinkInvalid saying why not."""
    links = FeedbackLink.objects.select_related("follow_up__order__customer")
    if lock:
        links = links.select_for_update(of=("self",))
    link = links.filter(token_hash=_hash(token or "")).first()
    if link is None:
        raise FeedbackLinkInvalid(
            "This feedback link is not one of ours. Please check that you copied "
            "the whole link from our e-mail.",
            404,
        )
    if link.used_at is not None or link.follow_up.status != FollowUp.Status.DUE:
        raise FeedbackLinkInvalid(
            "Thank you: we already have your feedback on this order.", 410
        )
    if link.expires_at <= timezone.now():
        raise FeedbackLinkInvalid(
            "This feedback link has expired. If you would like to tell us about "
            "your order, please reply to our e-mail or call us.",
            410,
        )
    return link


@transaction.atomic
def feedback_record(*, token: str, satisfaction: int, comments: str) -> FollowUp:
    """The customer's answer through their link: records the follow-up once."""
    link = feedback_link_find(token, lock=True)
    if not 1 <= satisfaction <= 5:
        raise OrderRuleError("Choose a rating from 1 to 5.")
    follow_up = _lock_due(link.follow_up)
    order = follow_up.order
    comments = comments.strip()
    notes = f"Rated {satisfaction} out of 5 by feedback link." + (
        f"\n\n{comments}" if comments else ""
    )
    communication = _record_contact(
        follow_up=follow_up,
        actor=None,
        channel=Communication.Channel.EMAIL,
        outcome=Communication.Outcome.RECEIVED,
        notes=notes,
        satisfaction=satisfaction,
        direction=Communication.Direction.INBOUND,
    )
    now = timezone.now()
    link.used_at = now
    link.save(update_fields=["used_at"])
    follow_up.status = FollowUp.Status.DONE
    follow_up.method = Communication.Channel.EMAIL
    follow_up.outcome = Communication.Outcome.RECEIVED
    follow_up.satisfaction = satisfaction
    follow_up.comments = comments
    follow_up.communication = communication
    follow_up.completed_at = now
    follow_up.completed_by = None
    follow_up.save()
    order.refresh_from_db()
    event_record(
        order=order,
        kind=OrderEvent.Kind.FEEDBACK_RECEIVED,
        data={"follow_up_id": follow_up.pk, "satisfaction": satisfaction},
    )
    if satisfaction in LOW_SATISFACTION:
        _open_complaint(
            follow_up=follow_up,
            actor=None,
            words=comments or f"Rated {satisfaction} out of 5.",
            category="other",
        )
    return follow_up
