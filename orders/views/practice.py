"""What the order pages do differently for a learner's practice order.

A practice order opens on the same pages as a live one, for its learner only (see
orders.access). These helpers cover what the order_role_required decorator cannot:
pages reached through another object's id (a shipment), actions that need a role
the learner does not stand in for, and the banner linking back to the attempt.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from ..access import acts_as, is_practice
from ..models import Order


def ensure_may_open(user, order: Order, *roles: str) -> None:
    """order_role_required's rule for an order already loaded: a practice order is
    its learner's only (anyone else 404, so it is not revealed); a live order
    needs one of `roles` (else 403)."""
    if is_practice(order):
        if order.practice_learner_id != user.pk:
            raise Http404("No such order.")
    elif not user.has_role(*roles):
        raise PermissionDenied("Your role does not include this page.")


def refuse_unless_acts_as(user, order: Order, *roles: str) -> None:
    """403 for a person who may open the order but not act in one of `roles` on
    it: a learner on a supervisor's or a dispatcher's page of their practice order."""
    if not acts_as(user, order, *roles):
        raise PermissionDenied("Your role does not include this page.")


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
