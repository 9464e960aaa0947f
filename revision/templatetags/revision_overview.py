"""The learner's panel on the unit overview.

`{% include "revision/_overview_learner.html" %}` works on its own: the partial
computes its figures with `learner_overview`. `{% revision_learner_panel %}` is the
same panel as an inclusion tag.
"""

from django import template

from ..selectors.overview import LearnerOverview, overview_context

register = template.Library()


@register.simple_tag
def learner_overview(learner) -> LearnerOverview:
    """The panel's figures for a learner: `{% learner_overview user as panel %}`."""
    return overview_context(learner=learner)


@register.inclusion_tag("revision/_overview_learner.html", takes_context=True)
def revision_learner_panel(context) -> dict:
    """The learner's overview panel for the signed-in user."""
    user = context["request"].user
    return {
        "request": context["request"],
        "user": user,
        "learner_panel": overview_context(learner=user),
    }
