"""A learner's personal revision plan: the seeds' two-week plan on their own dates."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ..exceptions import PlanDayNotYetError, RevisionError
from ..models import PlanDay, RevisionPlan

PLAN_DAYS = 14


@transaction.atomic
def plan_start(*, learner, starts_on: date) -> RevisionPlan:
    """Lay the plan out from `starts_on` (again: moves the dates, keeps the ticks)."""
    plan, created = RevisionPlan.objects.select_for_update().get_or_create(
        learner=learner, defaults={"starts_on": starts_on}
    )
    if created:
        PlanDay.objects.bulk_create(
            PlanDay(plan=plan, day=day) for day in range(1, PLAN_DAYS + 1)
        )
    elif plan.starts_on != starts_on:
        plan.starts_on = starts_on
        plan.save(update_fields=["starts_on", "updated_at"])
    return plan


@transaction.atomic
def plan_day_tick(
    *, learner, day: int, done: bool, now: datetime | None = None
) -> PlanDay:
    """Tick a day off (or untick it). A day cannot be ticked off before its date:
    the count of days done would claim revision not yet done."""
    if not 1 <= day <= PLAN_DAYS:
        raise RevisionError(f"A plan has days 1 to {PLAN_DAYS}.")
    try:
        row = (
            PlanDay.objects.select_for_update(of=("self",))
            .select_related("plan")
            .get(plan__learner=learner, day=day)
        )
    except PlanDay.DoesNotExist as error:
        raise RevisionError("Set your plan's start date first.") from error
    now = now or timezone.now()
    on = row.plan.starts_on + timedelta(days=day - 1)
    if done and row.done_at is None and on > timezone.localdate(now):
        raise PlanDayNotYetError(
            f"Day {day} is not until {on:%a} {on.day} {on:%b}. Tick it off on that "
            "day or later, once you have done it.",
            day=day,
        )
    row.done_at = (row.done_at or now) if done else None
    row.save(update_fields=["done_at"])
    return row
