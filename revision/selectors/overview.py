"""The learner's panel on the unit overview: reviews due, what to revise next,
today's plan step and how far they have got."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from ..models import QuizItem
from .plan import PlanDayView, plan_for
from .progress import Area, ReviewOutlook, progress_for, review_outlook

REVISE_NEXT_ON_OVERVIEW = 3


@dataclass
class LearnerOverview:
    outlook: ReviewOutlook
    revise_next: list[Area]
    has_plan: bool
    plan_today: PlanDayView | None  # None: no plan, or today is outside it
    plan_days_done: int
    plan_days: int
    items_answered: int
    items_total: int
    today: date


def overview_context(*, learner, now: datetime | None = None) -> LearnerOverview:
    """Everything the learner's overview panel shows, in a fixed number of queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    progress = progress_for(learner=learner)
    plan, days = plan_for(learner=learner, today=today)
    return LearnerOverview(
        outlook=review_outlook(learner=learner, now=now),
        revise_next=progress.revise_next[:REVISE_NEXT_ON_OVERVIEW],
        has_plan=plan is not None,
        plan_today=next((day for day in days if day.is_today), None),
        plan_days_done=sum(day.done for day in days),
        plan_days=len(days),
        items_answered=progress.answers,
        items_total=QuizItem.objects.filter(active=True).count(),
        today=today,
    )
