"""The unit's content as its pages show it: active items only, in the file's order."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from ..models import ContentItem, Section


@dataclass(frozen=True)
class SectionSummary:
    section: str
    label: str
    count: int


@dataclass(frozen=True)
class CriteriaGroup:
    section: str
    label: str
    items: list[ContentItem]


CRITERIA_SECTIONS = (Section.MARKING_POINT, Section.ASSESSMENT_CRITERION)


def active_items() -> QuerySet[ContentItem]:
    return ContentItem.objects.filter(active=True).order_by("section", "position")


def section_summaries() -> list[SectionSummary]:
    """Every section holding active items, in the unit's order, with its count."""
    counts = dict(
        active_items()
        .order_by()
        .values_list("section")
        .annotate(count=Count("pk"))
        .values_list("section", "count")
    )
    return [
        SectionSummary(section=value, label=label, count=counts[value])
        for value, label in Section.choices
        if counts.get(value)
    ]


def section_items(*, section: str) -> list[ContentItem]:
    """The active items of one section, in the file's order."""
    return list(active_items().filter(section=section))


def criteria_groups() -> list[CriteriaGroup]:
    """The examiner marking points and the assessment criteria, each in order."""
    items = active_items().filter(section__in=CRITERIA_SECTIONS)
    grouped: dict[str, list[ContentItem]] = {
        section: [] for section in CRITERIA_SECTIONS
    }
    for item in items:
        grouped[item.section].append(item)
    return [
        CriteriaGroup(section=section, label=Section(section).label, items=rows)
        for section, rows in grouped.items()
    ]
