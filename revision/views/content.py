"""The unit's pages: the overview, one page per section, and the marking points and
assessment criteria beside what a learner must show. Readable and printable by
learners, assessors and supervisors."""

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.permissions import role_required

from ..models import Section
from ..selectors.content import criteria_groups, section_items, section_summaries

READERS = (Role.LEARNER, Role.ASSESSOR, Role.SUPERVISOR)
UNIT_TITLE = "Processing sales orders"


@require_GET
@role_required(*READERS)
def overview(request):
    """The unit's title, both synopses and its sections; the learner's progress."""
    return render(
        request,
        "revision/content_overview.html",
        {
            "unit_title": UNIT_TITLE,
            "synopses": section_items(section=Section.SYNOPSIS),
            "sections": section_summaries(),
            # The progress partial is the learner's own; assessors and supervisors
            # have no progress to show.
            "is_learner": Role.LEARNER in request.user.role_names,
        },
    )


@require_GET
@role_required(*READERS)
def section_page(request, section: str):
    """Every active item of one section, in order, each with its identifier."""
    if section not in Section.values:
        raise Http404("No such section of the unit.")
    return render(
        request,
        "revision/content_section.html",
        {
            "unit_title": UNIT_TITLE,
            "section": section,
            "label": Section(section).label,
            "items": section_items(section=section),
        },
    )


@require_GET
@role_required(*READERS)
def criteria(request):
    """Marking points and criteria beside what to show and the advice if missed."""
    return render(
        request,
        "revision/content_criteria.html",
        {"unit_title": UNIT_TITLE, "groups": criteria_groups()},
    )


urlpatterns = [
    path("", overview, name="overview"),
    path("section/<str:section>/", section_page, name="section"),
    path("criteria/", criteria, name="criteria"),
]
