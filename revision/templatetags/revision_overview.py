"""The learner's panel on the unit overview.

`{% include "revision/_overview_learner.html" %}` works on its own: the partial
computes its figures with `learner_overview`.
"""

from django import template

from ..selectors.overview import LearnerOverview, overview_context

register = template.Library()


@register.simple_tag
def learner_overview(learner) -> LearnerOverview:
    """The panel's figures for a learner: `{% learner_overview user as panel %}`."""
    return overview_context(learner=learner)
