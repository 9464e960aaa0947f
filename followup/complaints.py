"""Complaints: opened from the customer's words, handled with the HEAT steps (heard,
empathised, apologised, took ownership), given a remedy under the Consumer Rights
Act 2015, and resolved.

Each service locks the complaint's order, writes its event on the order in the same
transaction and bumps the order's version, so a page opened before the change is
refused rather than acting on what it no longer shows.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Role
from orders.exceptions import OrderRuleError
from orders.models import Communication, Order, OrderEvent
from orders.services import messages as order_messages
from orders.services.communications import customer_notify
from orders.services.events import event_record
from orders.services.lifecycle import ensure_role, order_lock, order_save

from .models import Complaint, FollowUp

STAFF_ROLES = (Role.PROCESSOR, Role.DISPATCHER, Role.SUPERVISOR)
# Consumer Rights Act 2015, s.22: the short-term right to reject lasts 30 days
# from the day after delivery (ownership and possession passing to the customer).
SHORT_TERM_REJECT_DAYS = 30
DEFAULT_TARGET_WORKING_DAYS = 5
HEAT_STEPS = (
    ("heard", "heard_at", "Heard the customer out"),
    ("empathised", "empathised_at", "Empathised"),
    ("apologised", "apologised_at", "Apologised"),
    ("ownership", "ownership_at", "Took ownership"),
)
STEP_WORDS = {name: words for name, _, words in HEAT_STEPS}


# --- Derived values ---------------------------------------------------------------


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`.

    A complaint raised at a weekend counts from the Monday, so five working days
    from a Saturday is the Friday after.
    """
    moment = start
    for _ in range(days):
        moment += timedelta(days=1)
        while moment.weekday() >= 5:
            moment += timedelta(days=1)
    return moment


def target_working_days() -> int:
    return int(
        getattr(settings, "ORDERDESK", {}).get(
            "COMPLAINT_TARGET_WORKING_DAYS", DEFAULT_TARGET_WORKING_DAYS
        )
    )


def order_delivered_at(order: Order) -> datetime | None:
    """When the whole order was delivered (from its event trail), or None."""
    for event in order.events.filter(kind=OrderEvent.Kind.DELIVERED).order_by(
        "at", "pk"
    ):
        data = event.data or {}
        if not data.get("order_delivered"):
            continue
        recorded = data.get("delivered_at")
        moment = parse_datetime(recorded) if isinstance(recorded, str) else None
        return moment or event.at
    return None


@dataclass(frozen=True)
class RejectRight:
    """Whether the 30-day short-term right to reject applies, and until when."""

    delivered_on: date | None
    until: date | None
    applies: bool | None

    @classmethod
    def for_order(cls, order: Order, raised_on: date) -> "RejectRight":
        delivered = order_delivered_at(order)
        if delivered is None:
            return cls(delivered_on=None, until=None, applies=None)
        delivered_on = timezone.localdate(delivered)
        until = delivered_on + timedelta(days=SHORT_TERM_REJECT_DAYS)
        return cls(delivered_on=delivered_on, until=until, applies=raised_on <= until)

    @classmethod
    def for_complaint(cls, complaint: Complaint) -> "RejectRight":
        """As recorded when the complaint was raised (a delivery recorded later
        does not change it), with the dates it was worked out from."""
        if complaint.short_term_right_to_reject is None:
            return cls(delivered_on=None, until=None, applies=None)
        right = cls.for_order(complaint.order, timezone.localdate(complaint.opened_at))
        return cls(
            delivered_on=right.delivered_on,
            until=right.until,
            applies=complaint.short_term_right_to_reject,
        )


def heat_done(complaint: Complaint) -> list[str]:
    """The HEAT steps recorded on the complaint, in order."""
    return [name for name, field, _ in HEAT_STEPS if getattr(complaint, field)]


def heat_complete(complaint: Complaint) -> bool:
    return len(heat_done(complaint)) == len(HEAT_STEPS)


# --- Services ---------------------------------------------------------------------


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _wording(
    *, order: Order, purpose: str, complaint: Complaint, actor, fallback: tuple
) -> tuple[str, str]:
    """The message's subject and body from the supervisors' templates for the
    purpose, or the plain wording given here if those cannot be used."""
    extra = {
        "complaint": {
            "summary": complaint.customer_words,
            "category": complaint.get_category_display(),
            "target_date": complaint.target_date,
            "resolution": complaint.resolution,
            "remedy": complaint.get_remedy_display() if complaint.remedy else "",
        }
    }
    try:
        return order_messages.message_render(
            order=order, purpose=purpose, extra=extra, sender=actor
        )
    except OrderRuleError:
        # A saved wording that cannot be rendered must not stop the complaint.
        return fallback


def complaint_refusal(order: Order) -> str:
    """Why no complaint can be recorded about the order ("" if one can).

    Complaints are recorded in follow-up, once the goods have gone out (the order
    page offers it from dispatch on); before that, what the customer says is a
    call or message on the order, or an exception to resolve.
    """
    if order.has_been_dispatched:
        return ""
    if order.status == Order.Status.CANCELLED:
        return (
            f"Order {order} was cancelled before it was dispatched, so no complaint "
            "can be recorded about it. Record what the customer said as a call or "
            "a message on the order."
        )
    return (
        f"Order {order} has not been dispatched yet, so a complaint cannot be "
        "recorded about it. Record what the customer said as a call or a message "
        "on the order; a complaint can be recorded once it has been dispatched."
    )


def _lock(complaint: Complaint, expected_version: int | None) -> tuple:
    order = order_lock(complaint.order, expected_version)
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.status != Complaint.Status.OPEN:
        raise OrderRuleError(
            "This complaint is resolved already; open a new complaint if the "
            "customer raises something further."
        )
    return order, complaint


@transaction.atomic
def complaint_open(
    *,
    order: Order,
    actor=None,
    customer_words: str,
    category: str,
    follow_up: FollowUp | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Record a customer's complaint in their own words and acknowledge it.

    Opened by a member of staff (actor), or by the customer's own negative
    feedback (actor None), once the order has been dispatched (complaint_refusal
    says why not before). Works out whether the 30-day short-term right to reject
    applies and the target date for resolving it.
    """
    if actor is not None:
        ensure_role(actor, *STAFF_ROLES, order=order)
    errors = []
    words = (customer_words or "").strip()
    if not words:
        errors.append("Write down what the customer said, in their words.")
    if category not in Complaint.Category.values:
        errors.append("Choose what the complaint is about.")
    if errors:
        raise OrderRuleError(" ".join(errors))
    if follow_up is not None and follow_up.order_id != order.pk:
        raise OrderRuleError("That follow-up belongs to a different order.")
    order = order_lock(order, expected_version)
    refusal = complaint_refusal(order)
    if refusal:
        raise OrderRuleError(refusal)
    opened_at = timezone.now()
    opened_on = timezone.localdate(opened_at)
    right = RejectRight.for_order(order, opened_on)
    complaint = Complaint.objects.create(
        order=order,
        follow_up=follow_up,
        customer_words=words,
        category=category,
        opened_by=actor,
        opened_at=opened_at,
        short_term_right_to_reject=right.applies,
        target_date=add_working_days(opened_on, target_working_days()),
    )
    order_save(order, [])
    event_record(
        order=order,
        kind=OrderEvent.Kind.COMPLAINT_OPENED,
        actor=actor,
        data={
            "complaint_id": complaint.pk,
            "category": complaint.category,
            "short_term_right_to_reject": complaint.short_term_right_to_reject,
            "target_date": complaint.target_date,
        },
    )
    subject, content = _wording(
        order=order,
        purpose=Communication.Purpose.COMPLAINT_ACK,
        complaint=complaint,
        actor=actor,
        fallback=(
            f"We have received your complaint about order {order.reference}",
            f"Dear {order.customer},\n\n"
            f"Thank you for telling us about a problem with order {order.reference} "
            f"({complaint.get_category_display().lower()}). We are sorry. We have "
            "recorded what you told us and a named member of our team will take "
            "ownership of putting it right. We aim to resolve it by "
            f"{_long_date(complaint.target_date)}.",
        ),
    )
    customer_notify(
        order=order,
        purpose=Communication.Purpose.COMPLAINT_ACK,
        subject=subject,
        content=content,
        actor=actor,
    )
    return complaint


@transaction.atomic
def complaint_record_heat(
    *,
    complaint: Complaint,
    actor,
    heard: bool,
    empathised: bool,
    apologised: bool,
    owner=None,
    action_plan: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Record the HEAT steps taken with the customer, in order, with who and when.

    Steps already recorded stay as they were (ticking one again changes nothing);
    a step cannot be recorded before the ones that come before it; ownership needs
    the person taking it and their action plan.
    """
    ensure_role(actor, *STAFF_ROLES, order=complaint.order)
    plan = (action_plan or "").strip()
    if bool(owner) != bool(plan):
        raise OrderRuleError(
            "Taking ownership needs both who owns the complaint and their action plan."
            if owner
            else "Taking ownership needs both who owns the complaint and their "
            "action plan: choose the owner."
        )
    if owner is not None and not owner.has_role(*STAFF_ROLES):
        raise OrderRuleError(
            "The owner must be a member of staff (processor, dispatcher or supervisor)."
        )
    order, complaint = _lock(complaint, expected_version)
    wanted = {
        "heard": heard,
        "empathised": empathised,
        "apologised": apologised,
        "ownership": owner is not None,
    }
    if (
        complaint.ownership_at
        and owner is not None
        and (owner.pk != complaint.owner_id or plan != complaint.action_plan)
    ):
        raise OrderRuleError(
            f"{complaint.owner} took ownership on "
            f"{timezone.localtime(complaint.ownership_at):%d/%m/%Y at %H:%M}; "
            "recorded steps are not changed."
        )
    new: list[str] = []
    for index, (name, field, words) in enumerate(HEAT_STEPS):
        if getattr(complaint, field) or not wanted[name]:
            continue
        missing = [
            STEP_WORDS[before].lower()
            for before, before_field, _ in HEAT_STEPS[:index]
            if not getattr(complaint, before_field) and not wanted[before]
        ]
        if missing:
            raise OrderRuleError(
                f"HEAT steps are taken in order: record {', '.join(missing)} before "
                f"“{words.lower()}”."
            )
        new.append(name)
    if not new:
        raise OrderRuleError(
            "Tick the HEAT steps you have taken (or take ownership): nothing new "
            "was recorded."
        )
    now = timezone.now()
    fields = []
    for name, field, _ in HEAT_STEPS:
        if name in new:
            setattr(complaint, field, now)
            fields.append(field)
    if "ownership" in new:
        complaint.owner, complaint.action_plan = owner, plan
        fields += ["owner", "action_plan"]
    if complaint.heat_recorded_by_id is None:
        complaint.heat_recorded_by = actor
        fields.append("heat_recorded_by")
    complaint.save(update_fields=fields)
    order_save(order, [])
    for name in new:
        data = {"complaint_id": complaint.pk, "step": name}
        if name == "ownership":
            data |= {
                "owner": str(owner),
                "owner_id": owner.pk,
                "action_plan": plan,
            }
        event_record(
            order=order, kind=OrderEvent.Kind.COMPLAINT_STEP, actor=actor, data=data
        )
    return complaint


@transaction.atomic
def complaint_set_remedy(
    *,
    complaint: Complaint,
    actor,
    remedy: str,
    note: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Record the remedy offered under the Consumer Rights Act 2015.

    A change of remedy is recorded as a new step with what it replaced; "no remedy
    due" needs the explanation given to the customer.
    """
    ensure_role(actor, *STAFF_ROLES, order=complaint.order)
    if remedy not in Complaint.Remedy.values:
        raise OrderRuleError(
            "Choose the remedy: repair, replacement, refund, price reduction or none."
        )
    note = (note or "").strip()
    if remedy == Complaint.Remedy.NONE and not note:
        raise OrderRuleError(
            "Say why no remedy is due, as you explained it to the customer."
        )
    order, complaint = _lock(complaint, expected_version)
    before = complaint.remedy
    if before == remedy and not note:
        raise OrderRuleError(
            f"The remedy is already {complaint.get_remedy_display().lower()}."
        )
    complaint.remedy = remedy
    complaint.save(update_fields=["remedy"])
    order_save(order, [])
    event_record(
        order=order,
        kind=OrderEvent.Kind.COMPLAINT_STEP,
        actor=actor,
        data={
            "complaint_id": complaint.pk,
            "step": "remedy",
            "remedy": remedy,
            "before": before,
            "note": note,
            "short_term_right_to_reject": complaint.short_term_right_to_reject,
        },
    )
    return complaint


@transaction.atomic
def complaint_resolve(
    *,
    complaint: Complaint,
    actor,
    resolution: str,
    customer_satisfied: bool,
    expected_version: int | None = None,
) -> Complaint:
    """Resolve a complaint whose HEAT steps and remedy are recorded, and tell the
    customer how it was resolved."""
    ensure_role(actor, *STAFF_ROLES, order=complaint.order)
    resolution = (resolution or "").strip()
    if not resolution:
        raise OrderRuleError("Write how the complaint was resolved.")
    if customer_satisfied not in (True, False):
        raise OrderRuleError("Say whether the customer was satisfied.")
    order, complaint = _lock(complaint, expected_version)
    missing = [
        STEP_WORDS[name].lower()
        for name, field, _ in HEAT_STEPS
        if not getattr(complaint, field)
    ]
    if missing:
        raise OrderRuleError(
            f"Record every HEAT step before resolving; still to do: "
            f"{', '.join(missing)}."
        )
    if not complaint.remedy:
        raise OrderRuleError("Record the remedy before resolving the complaint.")
    now = timezone.now()
    complaint.status = Complaint.Status.RESOLVED
    complaint.resolution = resolution
    complaint.resolved_at, complaint.resolved_by = now, actor
    complaint.customer_satisfied = customer_satisfied
    complaint.save(
        update_fields=[
            "status",
            "resolution",
            "resolved_at",
            "resolved_by",
            "customer_satisfied",
        ]
    )
    order_save(order, [])
    days = (timezone.localdate(now) - timezone.localdate(complaint.opened_at)).days
    event_record(
        order=order,
        kind=OrderEvent.Kind.COMPLAINT_RESOLVED,
        actor=actor,
        data={
            "complaint_id": complaint.pk,
            "days_to_resolve": days,
            "customer_satisfied": customer_satisfied,
        },
    )
    subject, content = _wording(
        order=order,
        purpose=Communication.Purpose.COMPLAINT_RESOLUTION,
        complaint=complaint,
        actor=actor,
        fallback=(
            f"Your complaint about order {order.reference}",
            f"Dear {order.customer},\n\n"
            f"Thank you for your patience. About your complaint on order "
            f"{order.reference}: {resolution}\n\n"
            f"Remedy: {complaint.get_remedy_display()}.",
        ),
    )
    customer_notify(
        order=order,
        purpose=Communication.Purpose.COMPLAINT_RESOLUTION,
        subject=subject,
        content=content,
        actor=actor,
    )
    return complaint
