"""Who may act on which order: staff on live orders by role; a learner on their own
practice orders only, standing in as the order processor.

A practice order (Order.practice_learner set) is processed through the same
services and pages as a live one, but only by its learner: staff do not see or
touch it, and the learner sees nothing live. Fulfilment of a practice order is
simulated (revision's practice services call the fulfilment services with no
actor), so a learner never needs a dispatcher's or a supervisor's role.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role

from .exceptions import OrderPermissionError
from .models import Order

# What a learner may do on their own practice order: an order processor's work.
PRACTICE_ROLE = Role.PROCESSOR


def is_practice(order: Order) -> bool:
    return order.practice_learner_id is not None


def acts_as(user, order: Order | None, *roles: str) -> bool:
    """Whether the person may act in one of `roles` on this order."""
    if order is not None and is_practice(order):
        return user.pk == order.practice_learner_id and PRACTICE_ROLE in roles
    return user.has_role(*roles)


def ensure_acts_as(actor, order: Order | None, *roles: str) -> None:
    """Refuse a person who may not act in one of `roles` on this order."""
    if acts_as(actor, order, *roles):
        return
    if order is not None and is_practice(order):
        if actor.pk != order.practice_learner_id:
            raise OrderPermissionError(
                "This is a learner's practice order; only that learner works on it."
            )
        raise OrderPermissionError(
            "In practice you act as the order processor; this step is not yours."
        )
    names = " or ".join(str(Role(r).label).lower() for r in roles)
    raise OrderPermissionError(
        f"Only a {names} can do this." if names else "Only the system does this."
    )


def _ensure_may_open(user, practice_learner_id: int | None, roles) -> None:
    """A practice order is its learner's only (anyone else 404, so it is not
    revealed); a live order needs one of `roles` (else 403)."""
    if practice_learner_id is not None:
        if practice_learner_id != user.pk:
            raise Http404("No such order.")
    elif not user.has_role(*roles):
        raise PermissionDenied("Your role does not include this page.")


def ensure_may_open(user, order: Order, *roles: str) -> None:
    """order_role_required's rule for an order already loaded (a page reached
    through another object's id: a shipment, a complaint, a follow-up)."""
    _ensure_may_open(user, order.practice_learner_id, roles)


def refuse_unless_acts_as(user, order: Order, *roles: str) -> None:
    """403 for a person who may open the order but not act in one of `roles` on
    it: a learner on a supervisor's or a dispatcher's page of their practice order."""
    if not acts_as(user, order, *roles):
        raise PermissionDenied("Your role does not include this page.")


def order_role_required(
    *roles: str, lookup: str = "pk", load: Callable[[], QuerySet] | None = None
) -> Callable:
    """For a view of one order (its pk in the URL): sign-in required; a live order
    needs one of `roles` (else 403); a practice order only its learner (anyone
    else gets 404, so its existence is not revealed). The view decides, with
    acts_as(), which actions to offer.

    With `load` (a queryset factory), the order is read through it once, for the
    check and for the view, which finds it as request.order (None if missing):
    the order page saves a query this way."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if load is not None:
                request.order = load().filter(pk=kwargs[lookup]).first()
                learner = [request.order.practice_learner_id] if request.order else []
            else:
                learner = list(
                    Order.objects.filter(pk=kwargs[lookup]).values_list(
                        "practice_learner_id", flat=True
                    )
                )
            # A missing order is the view's own 404; check it as a live one.
            _ensure_may_open(request.user, learner[0] if learner else None, roles)
            return view(request, *args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator
