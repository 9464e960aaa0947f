"""Service KPIs for the supervisors' dashboard, read from the event trail.

A fixed number of queries whatever the data size: one for the orders (each order's
first receipt, confirmation, dispatch and delivery times, who did each, and whether
an exception was ever opened, all as correlated subqueries in a single SELECT), one
each for exceptions, follow-ups, complaints, targets and the staff named. Medians
cannot be computed portably in SQL (SQLite has no percentile function), so the
per-order figures are fetched once and summarised here; no query runs per order.

Which orders count, per measure (dates are local, the period inclusive):
- hours to confirm / right first time: orders first confirmed in the period;
- hours to dispatch: orders first dispatched in the period;
- on time: orders fully delivered in the period that had a promised date
  (delivered on or before it counts as on time; the delivery date is the last
  shipment's recorded delivery);
- follow-up rate: follow-ups due in the period and already due now (not cancelled);
- satisfaction: follow-ups completed in the period with a score;
- complaint days: complaints resolved in the period (opened counts those opened).
"""

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter

from django.contrib.auth import get_user_model
from django.db.models import (
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from orders.models import Order, OrderEvent, OrderException, Shipment

from .models import Complaint, FollowUp, ServiceTarget

M = ServiceTarget.Measure
E = OrderEvent.Kind

LOWER, HIGHER = "lower", "higher"

# Default targets where no ServiceTarget row exists: (target, which direction is good).
DEFAULT_TARGETS: dict[str, tuple[Decimal, str]] = {
    M.HOURS_TO_CONFIRM: (Decimal("24"), LOWER),
    M.HOURS_TO_DISPATCH: (Decimal("72"), LOWER),
    M.ON_TIME: (Decimal("95"), HIGHER),
    M.RIGHT_FIRST_TIME: (Decimal("80"), HIGHER),
    M.FOLLOW_UP_RATE: (Decimal("90"), HIGHER),
    M.SATISFACTION: (Decimal("4"), HIGHER),
    M.COMPLAINT_DAYS: (Decimal("14"), LOWER),
}
DIRECTION = {key: direction for key, (_, direction) in DEFAULT_TARGETS.items()}

UNITS = {
    M.HOURS_TO_CONFIRM: "hours",
    M.HOURS_TO_DISPATCH: "hours",
    M.ON_TIME: "%",
    M.RIGHT_FIRST_TIME: "%",
    M.FOLLOW_UP_RATE: "%",
    M.SATISFACTION: "out of 5",
    M.COMPLAINT_DAYS: "days",
}

# Whose work each measure is, for the per-person breakdown (None: not per person).
PERSON_ROLE = {
    M.HOURS_TO_CONFIRM: "confirmed by",
    M.HOURS_TO_DISPATCH: "dispatched by",
    M.ON_TIME: "dispatched by",
    M.RIGHT_FIRST_TIME: "received by",
    M.FOLLOW_UP_RATE: "follow-up owner",
    M.SATISFACTION: "follow-up owner",
    M.COMPLAINT_DAYS: "complaint owner",
}

DAY, WEEK = "day", "week"
GROUPS = {DAY: "Day", WEEK: "Week (from Monday)"}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @classmethod
    def last_days(cls, days: int = 30, today: dt.date | None = None) -> "Period":
        today = today or timezone.localdate()
        return cls(today - dt.timedelta(days=days - 1), today)

    @property
    def start_at(self) -> dt.datetime:
        return _local_midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        """The first moment after the period (exclusive bound)."""
        return _local_midnight(self.end + dt.timedelta(days=1))

    def contains(self, moment: dt.datetime | None) -> bool:
        return moment is not None and self.start_at <= moment < self.end_at


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def bucket_of(moment: dt.datetime | dt.date, group: str) -> dt.date:
    day = timezone.localdate(moment) if isinstance(moment, dt.datetime) else moment
    if group == WEEK:
        return day - dt.timedelta(days=day.weekday())
    return day


def buckets(period: Period, group: str) -> list[dt.date]:
    first = bucket_of(period.start, group)
    step = dt.timedelta(days=7 if group == WEEK else 1)
    out, day = [], first
    while day <= period.end:
        out.append(day)
        day += step
    return out


@dataclass
class Target:
    value: Decimal
    direction: str
    is_default: bool

    def met_by(self, figure) -> bool | None:
        if figure is None:
            return None
        if self.direction == LOWER:
            return Decimal(str(figure)) <= self.value
        return Decimal(str(figure)) >= self.value


@dataclass
class Row:
    """One bucket or person: the figure and how many it is over."""

    label: str
    value: float | None
    count: int


@dataclass
class Kpi:
    key: str
    label: str
    unit: str
    target: Target
    value: float | None  # the headline figure compared with the target
    count: int  # how many orders / follow-ups / complaints it is over
    extra: dict[str, float | None] = field(default_factory=dict)  # e.g. mean, median
    series: list[Row] = field(default_factory=list)
    by_person: list[Row] = field(default_factory=list)
    breaches: list = field(default_factory=list)  # OrderFact / FollowUp / Complaint

    @property
    def direction(self) -> str:
        return self.target.direction

    @property
    def met(self) -> bool | None:
        return self.target.met_by(self.value)

    @property
    def person_role(self) -> str:
        return PERSON_ROLE.get(self.key, "")

    @property
    def figure_name(self) -> str:
        return (
            "Median"
            if self.key in (M.HOURS_TO_CONFIRM, M.HOURS_TO_DISPATCH)
            else ("Mean" if self.key in (M.SATISFACTION, M.COMPLAINT_DAYS) else "Rate")
        )


@dataclass
class OrderFact:
    """What the event trail says about one order (from the single orders query)."""

    pk: int
    reference: str
    promised_date: dt.date | None
    received_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    delivered_event_at: dt.datetime | None
    delivered_at: dt.datetime | None
    received_by_id: int | None
    confirmed_by_id: int | None
    dispatched_by_id: int | None
    had_exception: bool

    @property
    def hours_to_confirm(self) -> float | None:
        return _hours(self.received_at, self.confirmed_at)

    @property
    def hours_to_dispatch(self) -> float | None:
        return _hours(self.received_at, self.dispatched_at)

    @property
    def delivered_on(self) -> dt.date | None:
        moment = self.delivered_at or self.delivered_event_at
        return timezone.localdate(moment) if moment else None

    @property
    def on_time(self) -> bool | None:
        if self.promised_date is None or self.delivered_on is None:
            return None
        return self.delivered_on <= self.promised_date


def _hours(start, end) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 3600


def _first_event(kind: str, column: str = "at"):
    return Subquery(
        OrderEvent.objects.filter(order=OuterRef("pk"), kind=kind)
        .order_by("at", "pk")
        .values(column)[:1]
    )


def order_facts(period: Period) -> list[OrderFact]:
    """One query: every order confirmed, dispatched or delivered in the period."""
    delivered_event = Subquery(
        OrderEvent.objects.filter(
            order=OuterRef("pk"), kind=E.DELIVERED, status_after=Order.Status.DELIVERED
        )
        .order_by("at", "pk")
        .values("at")[:1]
    )
    last_delivery = Subquery(
        Shipment.objects.filter(order=OuterRef("pk"), delivered_at__isnull=False)
        .values("order")
        .annotate(last=Max("delivered_at"))
        .values("last")[:1]
    )
    in_period = {"gte": period.start_at, "lt": period.end_at}
    # Only orders with a confirmation, dispatch or delivery event in the period can
    # qualify: a semi-join keeps the per-order subqueries off every other order.
    touched = OrderEvent.objects.filter(
        kind__in=[E.CONFIRMED, E.DISPATCHED, E.DELIVERED],
        at__gte=period.start_at,
        at__lt=period.end_at,
    ).values("order_id")
    rows = (
        Order.objects.filter(pk__in=touched, practice_learner__isnull=True)
        .annotate(
            k_received_at=Coalesce(
                _first_event(E.RECEIVED), F("received_at"), output_field=DateTimeField()
            ),
            k_confirmed_at=_first_event(E.CONFIRMED),
            k_confirmed_by=_first_event(E.CONFIRMED, "actor"),
            k_dispatched_at=_first_event(E.DISPATCHED),
            k_dispatched_by=_first_event(E.DISPATCHED, "actor"),
            k_delivered_event_at=delivered_event,
            k_delivered_at=last_delivery,
            k_had_exception=Exists(
                OrderEvent.objects.filter(order=OuterRef("pk"), kind=E.EXCEPTION_OPENED)
            ),
        )
        .filter(
            Q(k_confirmed_at__gte=in_period["gte"], k_confirmed_at__lt=in_period["lt"])
            | Q(
                k_dispatched_at__gte=in_period["gte"],
                k_dispatched_at__lt=in_period["lt"],
            )
            | Q(
                k_delivered_event_at__gte=in_period["gte"],
                k_delivered_event_at__lt=in_period["lt"],
            )
        )
        .order_by("pk")
        .values_list(
            "pk",
            "reference",
            "promised_date",
            "k_received_at",
            "k_confirmed_at",
            "k_dispatched_at",
            "k_delivered_event_at",
            "k_delivered_at",
            "received_by_id",
            "k_confirmed_by",
            "k_dispatched_by",
            "k_had_exception",
        )
    )
    return [OrderFact(*row) for row in rows]


def targets() -> dict[str, Target]:
    """Every measure's target: the supervisors' row, else the default in code."""
    saved = dict(ServiceTarget.objects.values_list("measure", "target"))
    return {
        key: Target(
            value=saved.get(key, default),
            direction=direction,
            is_default=key not in saved,
        )
        for key, (default, direction) in DEFAULT_TARGETS.items()
    }


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _rate(hits: int, total: int) -> float | None:
    return round(100 * hits / total, 1) if total else None


@dataclass
class Dashboard:
    period: Period
    group: str
    kpis: list[Kpi]
    exceptions_by_kind: list[Row]
    exceptions_series: list[Row]
    complaints_opened: int
    complaints_opened_series: list[Row]
    people: dict[int, str]

    @property
    def exceptions_opened(self) -> int:
        return sum(row.count for row in self.exceptions_by_kind)

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)


def _label(day: dt.date, group: str) -> str:
    if group == WEEK:
        return f"Week of {day:%d %b %Y}"
    return f"{day:%a %d %b %Y}"


def _summarise(
    items: list,
    *,
    period: Period,
    group: str,
    when,
    who,
    figure,
    people: dict,
) -> tuple[list[Row], list[Row]]:
    """Series per bucket and rows per person; `figure` turns a list into a value."""
    by_bucket: dict[dt.date, list] = defaultdict(list)
    by_person: dict[int | None, list] = defaultdict(list)
    for item in items:
        by_bucket[bucket_of(when(item), group)].append(item)
        by_person[who(item)].append(item)
    series = [
        Row(_label(day, group), figure(by_bucket.get(day, [])), len(by_bucket[day]))
        for day in buckets(period, group)
    ]
    persons = sorted(
        (
            Row(
                people.get(pk, "Nobody recorded") if pk else "Nobody recorded",
                figure(group_items),
                len(group_items),
            )
            for pk, group_items in by_person.items()
        ),
        key=lambda row: row.label,
    )
    return series, persons


def dashboard(period: Period, group: str = DAY, *, now=None) -> Dashboard:
    """Every KPI for the period, grouped by day or week and by person."""
    now = now or timezone.now()
    goal = targets()
    facts = order_facts(period)
    follow_ups = list(
        FollowUp.objects.filter(
            Q(due_at__gte=period.start_at, due_at__lt=period.end_at)
            | Q(completed_at__gte=period.start_at, completed_at__lt=period.end_at),
            order__practice_learner__isnull=True,
        )
        .exclude(status=FollowUp.Status.CANCELLED)
        .select_related("order")
        .only(
            "pk",
            "order__id",
            "order__reference",
            "due_at",
            "status",
            "completed_at",
            "satisfaction",
            "owner",
            "kind",
        )
    )
    complaints = list(
        Complaint.objects.filter(
            Q(opened_at__gte=period.start_at, opened_at__lt=period.end_at)
            | Q(resolved_at__gte=period.start_at, resolved_at__lt=period.end_at),
            order__practice_learner__isnull=True,
        )
        .select_related("order")
        .only(
            "pk",
            "order__id",
            "order__reference",
            "category",
            "status",
            "opened_at",
            "resolved_at",
            "owner",
            "target_date",
        )
    )
    exceptions = list(
        OrderException.objects.filter(
            opened_at__gte=period.start_at,
            opened_at__lt=period.end_at,
            order__practice_learner__isnull=True,
        ).values_list("kind", "opened_at")
    )
    ids = {f.received_by_id for f in facts} | {f.confirmed_by_id for f in facts}
    ids |= {f.dispatched_by_id for f in facts}
    ids |= {f.owner_id for f in follow_ups} | {c.owner_id for c in complaints}
    ids.discard(None)
    people = {
        user.pk: (user.get_full_name() or user.get_username())
        for user in get_user_model().objects.filter(pk__in=ids)
    }

    def measure(key, items, *, when, who, figure, missed, extra=None) -> Kpi:
        """One KPI: its figure over the items, by bucket and by person, and the
        items that miss the target."""
        series, persons = _summarise(
            items,
            period=period,
            group=group,
            people=people,
            when=when,
            who=who,
            figure=figure,
        )
        target = goal[key]
        return Kpi(
            key=key,
            label=M(key).label,
            unit=UNITS[key],
            target=target,
            value=figure(items),
            count=len(items),
            extra=extra or {},
            series=series,
            by_person=persons,
            breaches=[item for item in items if missed(target, item)],
        )

    kpis = []

    # Hours from receipt to confirmation / dispatch (median; mean shown too).
    for key, when_attr, who_attr, hours_attr in (
        (M.HOURS_TO_CONFIRM, "confirmed_at", "confirmed_by_id", "hours_to_confirm"),
        (M.HOURS_TO_DISPATCH, "dispatched_at", "dispatched_by_id", "hours_to_dispatch"),
    ):
        items = [f for f in facts if period.contains(getattr(f, when_attr))]
        hours = [getattr(f, hours_attr) for f in items]
        kpis.append(
            measure(
                key,
                items,
                when=attrgetter(when_attr),
                who=attrgetter(who_attr),
                figure=lambda group_items, a=hours_attr: _median(
                    [getattr(f, a) for f in group_items]
                ),
                missed=lambda target, f, a=hours_attr: not target.met_by(getattr(f, a)),
                extra={"mean": _mean(hours), "median": _median(hours)},
            )
        )

    # Delivered on or before the promised date.
    delivered = [
        f
        for f in facts
        if period.contains(f.delivered_event_at) and f.on_time is not None
    ]
    kpis.append(
        measure(
            M.ON_TIME,
            delivered,
            when=attrgetter("delivered_event_at"),
            who=attrgetter("dispatched_by_id"),
            figure=lambda items: _rate(sum(1 for f in items if f.on_time), len(items)),
            missed=lambda target, f: not f.on_time,
        )
    )

    # Right first time: confirmed with no exception ever opened.
    confirmed = [f for f in facts if period.contains(f.confirmed_at)]
    kpis.append(
        measure(
            M.RIGHT_FIRST_TIME,
            confirmed,
            when=attrgetter("confirmed_at"),
            who=attrgetter("received_by_id"),
            figure=lambda items: _rate(
                sum(1 for f in items if not f.had_exception), len(items)
            ),
            missed=lambda target, f: f.had_exception,
        )
    )

    # Follow-ups done out of those due so far in the period.
    due = [f for f in follow_ups if period.contains(f.due_at) and f.due_at <= now]
    kpis.append(
        measure(
            M.FOLLOW_UP_RATE,
            due,
            when=attrgetter("due_at"),
            who=attrgetter("owner_id"),
            figure=lambda items: _rate(
                sum(1 for f in items if f.status == FollowUp.Status.DONE), len(items)
            ),
            missed=lambda target, f: f.status != FollowUp.Status.DONE,
        )
    )

    # Average satisfaction of follow-ups completed in the period.
    scored = [
        f
        for f in follow_ups
        if period.contains(f.completed_at) and f.satisfaction is not None
    ]
    kpis.append(
        measure(
            M.SATISFACTION,
            scored,
            when=attrgetter("completed_at"),
            who=attrgetter("owner_id"),
            figure=lambda items: _mean([f.satisfaction for f in items]),
            missed=lambda target, f: not target.met_by(f.satisfaction),
        )
    )

    # Days to resolve complaints resolved in the period.
    resolved = [c for c in complaints if period.contains(c.resolved_at)]

    def days(complaint) -> float:
        return (complaint.resolved_at - complaint.opened_at).total_seconds() / 86400

    kpis.append(
        measure(
            M.COMPLAINT_DAYS,
            resolved,
            when=attrgetter("resolved_at"),
            who=attrgetter("owner_id"),
            figure=lambda items: _mean([days(c) for c in items]),
            missed=lambda target, c: not target.met_by(days(c)),
            extra={"median": _median([days(c) for c in resolved])},
        )
    )

    # Exceptions by kind, and complaints opened (counts: no target).
    kind_labels = dict(OrderException.Kind.choices)
    by_kind = Counter(kind for kind, _ in exceptions)
    exceptions_by_kind = [
        Row(kind_labels.get(kind, kind), by_kind[kind], by_kind[kind])
        for kind in sorted(by_kind, key=lambda k: (-by_kind[k], k))
    ]
    per_bucket = Counter(bucket_of(at, group) for _, at in exceptions)
    exceptions_series = [
        Row(_label(day, group), per_bucket[day], per_bucket[day])
        for day in buckets(period, group)
    ]
    opened = [c for c in complaints if period.contains(c.opened_at)]
    opened_bucket = Counter(bucket_of(c.opened_at, group) for c in opened)
    opened_series = [
        Row(_label(day, group), opened_bucket[day], opened_bucket[day])
        for day in buckets(period, group)
    ]
    return Dashboard(
        period=period,
        group=group,
        kpis=kpis,
        exceptions_by_kind=exceptions_by_kind,
        exceptions_series=exceptions_series,
        complaints_opened=len(opened),
        complaints_opened_series=opened_series,
        people=people,
    )


def breach_rows(kpi: Kpi) -> list[dict]:
    """The breaches of one KPI as rows: order pk and reference, and why."""
    rows = []
    for item in kpi.breaches:
        if isinstance(item, OrderFact):
            if kpi.key == M.HOURS_TO_CONFIRM:
                why = f"{item.hours_to_confirm:.1f} hours to confirm"
            elif kpi.key == M.HOURS_TO_DISPATCH:
                why = f"{item.hours_to_dispatch:.1f} hours to dispatch"
            elif kpi.key == M.ON_TIME:
                why = (
                    f"Delivered {item.delivered_on:%d %b %Y}, promised "
                    f"{item.promised_date:%d %b %Y}"
                )
            else:
                why = "An exception was opened"
            rows.append({"order_pk": item.pk, "reference": item.reference, "why": why})
        elif isinstance(item, FollowUp):
            if kpi.key == M.SATISFACTION:
                why = f"Satisfaction {item.satisfaction} out of 5"
            else:
                due = timezone.localtime(item.due_at)
                why = f"{item.get_kind_display()} due {due:%d %b %Y %H:%M}, not done"
            rows.append(
                {
                    "order_pk": item.order.pk,
                    "reference": item.order.reference,
                    "why": why,
                }
            )
        else:
            took = (item.resolved_at - item.opened_at).total_seconds() / 86400
            rows.append(
                {
                    "order_pk": item.order.pk,
                    "reference": item.order.reference,
                    "why": f"{item.get_category_display()}: {took:.1f} days to resolve",
                }
            )
    return rows
