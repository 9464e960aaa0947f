"""Reads for the amend page and the revisions page, each in a fixed number of
queries however many lines, revisions and amendments an order has."""

from django.db.models import Prefetch, QuerySet

from ..models import (
    Communication,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
    OrderRevision,
)


def order_amend_queryset() -> QuerySet[Order]:
    """Orders shaped for the amend page: lines, communications, exceptions."""
    return Order.objects.select_related("customer").prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.select_related("product").order_by(
                "line_number"
            ),
        ),
        Prefetch(
            "communications",
            queryset=Communication.objects.order_by("at", "pk"),
        ),
        Prefetch(
            "exceptions",
            queryset=OrderException.objects.select_related("line").order_by(
                "opened_at", "pk"
            ),
        ),
    )


def order_revisions_queryset() -> QuerySet[Order]:
    """Orders shaped for the revisions page: kept revisions newest first, the
    amendments that replaced them, and the communications those name."""
    return Order.objects.select_related("customer").prefetch_related(
        Prefetch(
            "revisions",
            queryset=OrderRevision.objects.select_related("replaced_by").order_by(
                "-number"
            ),
        ),
        Prefetch(
            "events",
            queryset=OrderEvent.objects.filter(kind=OrderEvent.Kind.AMENDED)
            .select_related("actor")
            .order_by("at", "pk"),
            to_attr="amendments",
        ),
        Prefetch(
            "communications",
            queryset=Communication.objects.order_by("at", "pk"),
        ),
    )
