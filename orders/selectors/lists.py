"""Reads for the staff queues and the order list.

A queue is a set of order statuses worked by some roles, with a target time. An
order's age in its queue counts from when it entered its current stage: receipt for
an order still being verified, otherwise the latest event that moved it into its
current status (put on hold, verified or released, confirmed, picked, dispatched,
delivered). Every page here makes a fixed number of queries whatever the data size.

Only live orders: a learner's practice order (Order.practice_learner set) is in no
queue, list, count or sweep here.
"""

import operator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import FULFILMENT, PROCESSING

from ..models import Order, OrderEvent, OrderException, OrderLine

S = Order.Status
E = OrderEvent.Kind

# The events that start an order's clock in each status: the latest one counts.
# Received and checks-running orders count from receipt instead. An order being
# picked still counts from its confirmation: "to fulfil" is one stage, picking
# included; a release from hold starts the clock again.
STAGE_ENTRY_EVENTS: dict[str, Q] = {
    S.ON_HOLD: Q(status_after=S.ON_HOLD, kind=E.HELD),
    S.VERIFIED: Q(status_after=S.VERIFIED, kind__in=[E.VERIFIED, E.RELEASED]),
    S.CONFIRMED: Q(status_after=S.CONFIRMED, kind__in=[E.CONFIRMED, E.RELEASED]),
    S.FULFILLING: Q(status_after=S.CONFIRMED, kind__in=[E.CONFIRMED, E.RELEASED])
    | Q(status_after=S.FULFILLING, kind=E.RELEASED),
    S.DISPATCHED: Q(status_after=S.DISPATCHED, kind=E.DISPATCHED),
    S.DELIVERED: Q(status_after=S.DELIVERED, kind=E.DELIVERED),
}
COUNTED_FROM_RECEIPT = (S.RECEIVED, S.VERIFYING)
# Live orders only, everywhere staff look.
LIVE = Q(practice_learner__isnull=True)

DEFAULT_TARGETS = {
    "to-verify": {"hours": 2},
    "to-confirm": {"hours": 4},
    "to-fulfil": {"working_days": 1},
    "out-for-delivery": {"days": 3},
    "to-follow-up": {"days": 2},
    "escalated": {"hours": 1},
}
# An order can have an open exception in any of these statuses.
EXCEPTION_STATUSES = (
    S.RECEIVED,
    S.VERIFYING,
    S.VERIFIED,
    S.ON_HOLD,
    S.CONFIRMED,
    S.FULFILLING,
)
UNIT_WORDS = {
    "minutes": ("minute", "minutes"),
    "hours": ("hour", "hours"),
    "days": ("day", "days"),
    "working_days": ("working day", "working days"),
}


# --- Target times --------------------------------------------------------------


def _is_weekend(moment: datetime) -> bool:
    return moment.weekday() >= 5


@dataclass(frozen=True)
class Target:
    """How long an order may wait in a queue: a number of minutes, hours, days or
    working days (Monday to Friday; an order arriving at a weekend counts from
    Monday morning)."""

    amount: int
    unit: str

    @classmethod
    def from_setting(cls, value: dict) -> "Target":
        ((unit, amount),) = value.items()
        if unit not in UNIT_WORDS or int(amount) < 0:
            raise ValueError(f"Unknown queue target {value!r}.")
        return cls(amount=int(amount), unit=unit)

    def __str__(self) -> str:
        one, many = UNIT_WORDS[self.unit]
        return f"{self.amount} {one if self.amount == 1 else many}"

    def deadline(self, start: datetime) -> datetime:
        """When an order that entered the queue at `start` becomes overdue."""
        if self.unit != "working_days":
            return start + timedelta(**{self.unit: self.amount})
        # Wall-clock arithmetic in local time: the same time on a later working day.
        moment = timezone.localtime(start)
        if _is_weekend(moment):
            moment = datetime.combine(
                moment.date() + timedelta(days=7 - moment.weekday()),
                time.min,
                tzinfo=moment.tzinfo,
            )
        for _ in range(self.amount):
            moment += timedelta(days=1)
            while _is_weekend(moment):
                moment += timedelta(days=1)
        return moment.astimezone(UTC)

    def cutoff(self, now: datetime) -> datetime:
        """Orders that entered the queue before this moment are overdue at `now`.

        The inverse of deadline(), so the list's overdue filter (in SQL) and the
        words on each row (in Python) agree.
        """
        if self.unit != "working_days":
            return now - timedelta(**{self.unit: self.amount})
        moment = timezone.localtime(now)
        if _is_weekend(moment):  # from the start of the weekend
            moment = datetime.combine(
                moment.date() - timedelta(days=moment.weekday() - 5),
                time.min,
                tzinfo=moment.tzinfo,
            )
        for _ in range(self.amount):
            moment -= timedelta(days=1)
            while _is_weekend(moment):
                moment -= timedelta(days=1)
        return moment.astimezone(UTC)


def duration_words(span: timedelta) -> str:
    """A duration as a person says it: "45 min", "2 h 10 min", "3 days 4 h"."""
    minutes = int(abs(span).total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        parts = [f"{days} day" if days == 1 else f"{days} days"]
        if hours:
            parts.append(f"{hours} h")
        return " ".join(parts)
    return " ".join(
        part
        for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "")
        if part
    )


@dataclass(frozen=True)
class Timing:
    """Where an order stands against its queue's target at a moment."""

    since: datetime
    due: datetime
    now: datetime

    @property
    def age(self) -> timedelta:
        return self.now - self.since

    @property
    def overdue(self) -> bool:
        return self.now > self.due

    @property
    def age_words(self) -> str:
        return duration_words(self.age)

    @property
    def against_target(self) -> str:
        """ "2 h 10 min over target" or "1 h 50 min left"."""
        if self.overdue:
            return f"{duration_words(self.now - self.due)} over target"
        return f"{duration_words(self.due - self.now)} left"


# --- Queues --------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    slug: str
    title: str
    statuses: tuple[str, ...]
    roles: tuple[str, ...]
    summary: str
    counted_from: str
    # Not a stage of the lifecycle: the orders with an exception escalated to a
    # supervisor, counted from the (earliest) escalation.
    escalation: bool = False

    @property
    def target(self) -> Target:
        targets = {**DEFAULT_TARGETS, **settings.ORDERDESK.get("QUEUE_TARGETS", {})}
        return Target.from_setting(targets[self.slug])

    def membership(self) -> Q:
        """The (live) orders in this queue."""
        if self.escalation:
            return LIVE & Q(Exists(_escalated_exceptions()))
        if self.slug == "to-verify":
            return LIVE & (
                Q(status__in=COUNTED_FROM_RECEIPT)
                | (Q(status=S.ON_HOLD) & Q(Exists(_open_exceptions())))
            )
        return LIVE & Q(status__in=self.statuses)

    def overdue(self, now: datetime) -> Q:
        """The orders in this queue past its target at `now`.

        Per status, without computing each order's stage start: received before
        the cutoff, and no event starting its clock since the cutoff. An
        order's status decides which branch applies, so the database checks at
        most one event subquery per order (and none for a recent one).
        """
        cutoff = self.target.cutoff(now)
        if self.escalation:
            return LIVE & Q(
                Exists(_escalated_exceptions().filter(escalated_at__lt=cutoff))
            )
        branches = []
        for status in self.statuses:
            branch = Q(status=status, received_at__lt=cutoff)
            if status in STAGE_ENTRY_EVENTS:
                entered_since = OrderEvent.objects.filter(
                    STAGE_ENTRY_EVENTS[status], order=OuterRef("pk"), at__gte=cutoff
                )
                branch &= ~Q(Exists(entered_since))
            if status == S.ON_HOLD:
                branch &= Q(Exists(_open_exceptions()))
            branches.append(branch)
        return LIVE & reduce(operator.or_, branches)

    def timing(self, order: Order, now: datetime) -> Timing:
        since = order.escalated_since if self.escalation else order.entered_stage_at
        return Timing(since=since, due=self.target.deadline(since), now=now)


QUEUES: dict[str, Queue] = {
    queue.slug: queue
    for queue in (
        Queue(
            "to-verify",
            "To verify",
            (S.RECEIVED, S.VERIFYING, S.ON_HOLD),
            PROCESSING,
            "Received orders, orders whose checks are running, and orders on hold "
            "with an open exception.",
            "receipt, or from being put on hold",
        ),
        Queue(
            "to-confirm",
            "To confirm",
            (S.VERIFIED,),
            PROCESSING,
            "Verified orders waiting to be confirmed to the customer.",
            "verification",
        ),
        Queue(
            "to-fulfil",
            "To fulfil",
            (S.CONFIRMED, S.FULFILLING),
            FULFILMENT,
            "Confirmed orders to pick, pack and dispatch.",
            "confirmation",
        ),
        Queue(
            "out-for-delivery",
            "Out for delivery",
            (S.DISPATCHED,),
            FULFILMENT,
            "Dispatched orders waiting for delivery to be recorded.",
            "dispatch",
        ),
        Queue(
            "to-follow-up",
            "To follow up",
            (S.DELIVERED,),
            PROCESSING,
            "Delivered orders due a courtesy follow-up with the customer.",
            "delivery",
        ),
        Queue(
            "escalated",
            "Escalated",
            EXCEPTION_STATUSES,
            (Role.SUPERVISOR,),
            "Orders with an out-of-stock exception left open past its target time, "
            "passed to a supervisor.",
            "escalation",
            escalation=True,
        ),
    )
}


def queues_for(user) -> list[Queue]:
    """The queues this person works, in lifecycle order."""
    return [queue for queue in QUEUES.values() if user.has_role(*queue.roles)]


# --- Shaping querysets ---------------------------------------------------------

# What the queue and list pages show of an order: nothing else is fetched.
LIST_FIELDS = (
    "pk",
    "reference",
    "status",
    "held_from",
    "channel",
    "received_at",
    "gross_total",
    "customer__name",
    "customer__company",
)


def _open_exceptions():
    return OrderException.objects.filter(
        order=OuterRef("pk"), status=OrderException.Status.OPEN
    )


def _escalated_exceptions():
    return _open_exceptions().filter(escalated_at__isnull=False)


def escalated_since() -> Subquery:
    """When each order's earliest still-open escalated exception was escalated."""
    return Subquery(
        _escalated_exceptions().order_by("escalated_at").values("escalated_at")[:1]
    )


def exceptions_due_escalation(now: datetime) -> list[int]:
    """Open out-of-stock exceptions on live orders, not yet escalated, open past
    their target (a practice order's learner is not escalated to a supervisor)."""
    target = Target.from_setting(settings.ORDERDESK["OUT_OF_STOCK_ESCALATION"])
    return list(
        OrderException.objects.filter(
            order__practice_learner__isnull=True,
            kind=OrderException.Kind.OUT_OF_STOCK,
            status=OrderException.Status.OPEN,
            escalated_at__isnull=True,
            opened_at__lt=target.cutoff(now),
        )
        .order_by("opened_at", "pk")
        .values_list("pk", flat=True)
    )


def entered_stage_at() -> Case:
    """When each order entered its current stage (None for closed/cancelled)."""

    def latest(entry: Q) -> Subquery:
        events = OrderEvent.objects.filter(entry, order=OuterRef("pk"))
        return Subquery(events.order_by("-at", "-pk").values("at")[:1])

    # One branch per status, so the database runs one event subquery per order.
    return Case(
        When(status__in=COUNTED_FROM_RECEIPT, then=F("received_at")),
        *(
            When(status=status, then=Coalesce(latest(entry), F("received_at")))
            for status, entry in STAGE_ENTRY_EVENTS.items()
        ),
        default=None,
        output_field=DateTimeField(),
    )


def _with_stage(orders: QuerySet) -> QuerySet:
    return orders.annotate(
        has_open_exception=Exists(_open_exceptions()),
        entered_stage_at=entered_stage_at(),
    )


def overdue_condition(now: datetime) -> Q:
    """Orders in any stage's queue that are past its target at `now`."""
    return reduce(
        operator.or_,
        (queue.overdue(now) for queue in QUEUES.values() if not queue.escalation),
    )


def stage_details(orders: list[Order]) -> None:
    """Set has_open_exception and entered_stage_at on a page of orders: one query.

    Kept out of the list's main query so the database computes them for the 50
    orders shown, not for every order it sorts or skips past.
    """
    details = {
        row["pk"]: row
        for row in _with_stage(Order.objects.filter(pk__in=[o.pk for o in orders]))
        .order_by()
        .values("pk", "has_open_exception", "entered_stage_at")
    }
    for order in orders:
        row = details.get(order.pk, {})
        order.has_open_exception = row.get("has_open_exception", False)
        order.entered_stage_at = row.get("entered_stage_at")


def queue_for_order(order: Order) -> Queue | None:
    """The queue an order annotated by this module is in, if any."""
    for queue in QUEUES.values():
        if queue.escalation:
            continue
        if order.status in queue.statuses:
            if order.status == S.ON_HOLD and not order.has_open_exception:
                return None
            return queue
    return None


def queue_orders(queue: Queue) -> QuerySet:
    """One queue's orders, oldest in their stage first, shaped for the queue page."""
    orders = (
        _with_stage(Order.objects.select_related("customer").only(*LIST_FIELDS))
        .filter(queue.membership())
        .order_by("entered_stage_at", "pk")
    )
    if queue.escalation:
        orders = orders.annotate(escalated_since=escalated_since()).order_by(
            "escalated_since", "pk"
        )
    if queue.slug == "to-verify" or queue.escalation:
        orders = orders.prefetch_related(
            Prefetch(
                "exceptions",
                queryset=OrderException.objects.filter(
                    status=OrderException.Status.OPEN
                )
                .only("pk", "order_id", "kind", "escalated_at")
                .order_by("opened_at", "pk"),
                to_attr="open_exceptions",
            )
        )
    return orders


@dataclass(frozen=True)
class QueueSummary:
    queue: Queue
    count: int
    overdue: int
    oldest: Timing | None


def queue_summaries(queues: list[Queue], now: datetime) -> list[QueueSummary]:
    """Each queue's size, how many are overdue and its oldest order: one query."""
    if not queues:
        return []
    aggregates = {}
    for index, queue in enumerate(queues):
        member = queue.membership()
        late = queue.overdue(now)
        aggregates[f"count_{index}"] = Count("pk", filter=member)
        aggregates[f"overdue_{index}"] = Count("pk", filter=late)
        # The escalation time inline, not as an annotation: an aggregate over an
        # annotated subquery is computed in a wrapping query, where the other
        # aggregates' filters cannot see the order row.
        aggregates[f"oldest_{index}"] = Min(
            escalated_since() if queue.escalation else "entered_stage_at",
            filter=member,
        )
    statuses = {status for queue in queues for status in queue.statuses}
    totals = _with_stage(Order.objects.filter(LIVE, status__in=statuses)).aggregate(
        **aggregates
    )
    summaries = []
    for index, queue in enumerate(queues):
        oldest = totals[f"oldest_{index}"]
        summaries.append(
            QueueSummary(
                queue=queue,
                count=totals[f"count_{index}"],
                overdue=totals[f"overdue_{index}"],
                oldest=(
                    Timing(since=oldest, due=queue.target.deadline(oldest), now=now)
                    if oldest
                    else None
                ),
            )
        )
    return summaries


# --- The order list ------------------------------------------------------------

SORTS: dict[str, tuple[str, ...]] = {
    "received": ("received_at", "pk"),
    "-received": ("-received_at", "-pk"),
    "reference": ("reference", "pk"),
    "-reference": ("-reference", "-pk"),
    "customer": ("customer__name", "customer__company", "pk"),
    "-customer": ("-customer__name", "-customer__company", "-pk"),
    "total": ("gross_total", "pk"),
    "-total": ("-gross_total", "-pk"),
}
DEFAULT_SORT = "-received"


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def order_list(
    *,
    now: datetime,
    search: str = "",
    status: str = "",
    channel: str = "",
    received_from: date | None = None,
    received_to: date | None = None,
    open_exception: bool | None = None,
    overdue: bool = False,
    sort: str = DEFAULT_SORT,
) -> QuerySet:
    """Orders matching the list's search and filters, sorted, shaped for the list
    (add stage_details() to the page's orders before showing them).

    The search matches a reference or customer name/company containing the text, or
    a line whose product code is exactly the text (ignoring case).
    """
    orders = Order.objects.filter(LIVE).select_related("customer").only(*LIST_FIELDS)
    search = search.strip()
    if search:
        orders = orders.filter(
            Q(reference__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(customer__company__icontains=search)
            # One pass over the lines (a hashed subplan), not a lookup per order.
            | Q(
                pk__in=OrderLine.objects.filter(product_code__iexact=search).values(
                    "order_id"
                )
            )
        )
    if status:
        orders = orders.filter(status=status)
    if channel:
        orders = orders.filter(channel=channel)
    # Day boundaries in local time, so the received_at index can be used.
    if received_from:
        orders = orders.filter(received_at__gte=_day_start(received_from))
    if received_to:
        orders = orders.filter(
            received_at__lt=_day_start(received_to + timedelta(days=1))
        )
    if open_exception is True:
        orders = orders.filter(Exists(_open_exceptions()))
    elif open_exception is False:
        orders = orders.filter(~Exists(_open_exceptions()))
    if overdue:
        orders = orders.filter(overdue_condition(now))
    return orders.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def line_summaries(order_ids: list[int]) -> dict[int, str]:
    """Each order's lines as "CODE × quantity, …": one query for a page of orders."""
    summaries: dict[int, list[str]] = {}
    lines = (
        OrderLine.objects.filter(order_id__in=order_ids)
        .order_by("order_id", "line_number")
        .values_list("order_id", "product_code", "quantity")
    )
    for order_id, code, quantity in lines:
        summaries.setdefault(order_id, []).append(f"{code} × {quantity}")
    return {order_id: ", ".join(parts) for order_id, parts in summaries.items()}
