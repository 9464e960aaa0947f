"""A learner's revision plan laid out day by day, with each day's quizzes."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Prefetch

from ..models import ContentItem, PlanDay, Quiz, RevisionPlan, Section


@dataclass
class PlanDayView:
    day: int
    date: date
    step: ContentItem | None
    quizzes: list[Quiz]
    done: bool
    is_today: bool
    upcoming: bool  # its date has not come yet: it cannot be ticked off


def plan_for(*, learner, today: date) -> tuple[RevisionPlan | None, list[PlanDayView]]:
    """The learner's plan (or None) and its fourteen days, in order."""
    plan = RevisionPlan.objects.filter(learner=learner).first()
    if plan is None:
        return None, []
    steps = list(
        ContentItem.objects.filter(
            active=True, section=Section.REVISION_PLAN
        ).prefetch_related(
            Prefetch(
                "plan_quizzes",
                queryset=Quiz.objects.filter(active=True).order_by("position"),
            )
        )
    )
    done = {row.day: row.done_at for row in PlanDay.objects.filter(plan=plan)}
    days = []
    for day in sorted(done):
        step = next(
            (
                s
                for s in steps
                if s.plan_first_day and s.plan_first_day <= day <= s.plan_last_day
            ),
            None,
        )
        on = plan.starts_on + timedelta(days=day - 1)
        days.append(
            PlanDayView(
                day=day,
                date=on,
                step=step,
                quizzes=list(step.plan_quizzes.all()) if step else [],
                done=done[day] is not None,
                is_today=on == today,
                upcoming=on > today,
            )
        )
    return plan, days
