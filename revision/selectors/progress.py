"""What a learner has shown so far: per learning objective and marking point, the
misconceptions to revisit, what to revise next, and the reviews ahead.

Figures come from each item's latest answer (any quiz, any mode): an item counts as
known when that answer was right, as a misconception when it was wrong while sure.
Items never answered count as not yet known, so a new learner starts at 0 %. A
marking point also shows the learner's own judgements of their scenario answers
against it (the self-assessment checklist), kept apart from the marked figure.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Prefetch
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..models import (
    Answer,
    ContentItem,
    QuizItem,
    ReviewCard,
    Section,
    SelfAssessment,
)
from ..services.quizzes import due_cards, new_items

PROGRESS_SECTIONS = (Section.LEARNING_OBJECTIVE, Section.MARKING_POINT)


@dataclass
class Area:
    """One learning objective or marking point and the learner's standing on it."""

    content: ContentItem
    items: int = 0
    answered: int = 0
    right: int = 0
    confident_wrong: int = 0
    self_met: int = 0  # scenario answers the learner judged met this point
    self_judged: int = 0  # scenario answers judged against this point
    quiz_ids: set[int] = field(default_factory=set)

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.items) if self.items else 0

    @property
    def sort_key(self) -> tuple:
        return (self.percent, -self.confident_wrong, self.content.position)


@dataclass
class Progress:
    objectives: list[Area]
    marking_points: list[Area]
    misconceptions: list[tuple[ContentItem, list[Answer]]]
    answers: int

    @property
    def revise_next(self) -> list[Area]:
        """Weakest areas first; areas fully known are left out."""
        areas = [
            a
            for a in self.objectives + self.marking_points
            if a.items and a.percent < 100
        ]
        return sorted(areas, key=lambda area: area.sort_key)


def latest_answers(*, learner) -> dict[int, Answer]:
    """Each item's latest answer by the learner, keyed by item id."""
    latest: dict[int, Answer] = {}
    answers = (
        Answer.objects.filter(learner=learner)
        .select_related("item")
        .order_by("item_id", "-answered_at", "-pk")
    )
    for answer in answers:
        latest.setdefault(answer.item_id, answer)
    return latest


def progress_for(*, learner) -> Progress:
    """Progress figures in a fixed number of queries, whatever the history."""
    latest = latest_answers(learner=learner)
    answered_active = 0
    items = QuizItem.objects.filter(active=True).prefetch_related(
        Prefetch(
            "covers",
            queryset=ContentItem.objects.filter(active=True),
            to_attr="covered",
        ),
        "quizzes",
    )
    content = ContentItem.objects.filter(
        active=True,
        section__in=(*PROGRESS_SECTIONS, Section.MISCONCEPTION),
    ).order_by("position")
    areas = {row.pk: Area(content=row) for row in content}
    wrong_by_misconception: dict[int, list[Answer]] = {}
    for item in items:
        answer = latest.get(item.pk)
        answered_active += answer is not None
        for covered in item.covered:
            if covered.section == Section.MISCONCEPTION:
                if answer is not None and answer.confident_wrong:
                    wrong_by_misconception.setdefault(covered.pk, []).append(answer)
                continue
            area = areas.get(covered.pk)
            if area is None:
                continue
            area.items += 1
            area.quiz_ids.update(quiz.pk for quiz in item.quizzes.all())
            if answer is not None:
                area.answered += 1
                area.right += answer.correct
                area.confident_wrong += answer.confident_wrong
    # The latest self-assessment of each scenario item against each marking point.
    judged = set()
    assessments = (
        SelfAssessment.objects.filter(answer__learner=learner)
        .order_by("-recorded_at", "-pk")
        .values_list("answer__item_id", "marking_point_id", "met")
    )
    for item_id, point_id, met in assessments:
        if (item_id, point_id) in judged or point_id not in areas:
            continue
        judged.add((item_id, point_id))
        areas[point_id].self_judged += 1
        areas[point_id].self_met += met
    by_section = {section: [] for section in PROGRESS_SECTIONS}
    misconceptions = []
    for area in areas.values():
        if area.content.section in by_section:
            by_section[area.content.section].append(area)
        elif area.content.pk in wrong_by_misconception:
            misconceptions.append(
                (area.content, wrong_by_misconception[area.content.pk])
            )
    return Progress(
        objectives=by_section[Section.LEARNING_OBJECTIVE],
        marking_points=by_section[Section.MARKING_POINT],
        misconceptions=misconceptions,
        answers=answered_active,
    )


@dataclass
class ReviewOutlook:
    today: date
    due_today: int
    new_today: int
    upcoming: list[tuple[date, int]]  # the next days with reviews, and how many

    @property
    def tomorrow(self) -> int:
        tomorrow = self.today + timedelta(days=1)
        return sum(count for day, count in self.upcoming if day == tomorrow)


def review_outlook(*, learner, now: datetime | None = None, days: int = 14):
    """How many reviews are due today, how many new items wait, and the next
    `days` days' reviews by date."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    upcoming = (
        ReviewCard.objects.filter(
            learner=learner,
            item__active=True,
            due__date__gt=today,
            due__date__lte=today + timedelta(days=days),
        )
        .annotate(day=TruncDate("due"))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by("day")
    )
    return ReviewOutlook(
        today=today,
        due_today=due_cards(learner=learner, now=now).count(),
        new_today=len(new_items(learner=learner, now=now)),
        upcoming=[(row["day"], row["count"]) for row in upcoming],
    )
