"""What the order pages show differently for a learner's practice order: the
banner linking back to the attempt, and no links to staff-only pages. Who may open
or act on which page is orders.access."""

from django.urls import NoReverseMatch, reverse

from ..access import is_practice
from ..models import Order


def practice_banner(order: Order) -> dict | None:
    """For a practice order, what its pages say it is: the scenario, and the link
    back to the learner's attempt (None while the practice pages do not exist)."""
    if not is_practice(order):
        return None
    # Read through the reverse relation: orders does not import revision.
    attempt = getattr(order, "practice_attempt", None)
    scenario = getattr(attempt, "scenario", None)
    try:
        url = reverse("revision:practice_order", args=[order.pk])
    except NoReverseMatch:
        url = None
    return {"scenario": str(scenario) if scenario else "", "url": url}


def staff_url(order: Order, url: str | None) -> str | None:
    """A link to a staff-only page (a queue, the order list): not on a practice
    order's pages, whose learner works outside the live queues."""
    return None if is_practice(order) else url
