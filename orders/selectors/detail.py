"""Reads for the order page: one order with everything the page shows, in a fixed
number of queries however many lines, checks, exceptions, messages and events it has.
"""

from django.db.models import Prefetch, QuerySet

from ..models import (
    Check,
    Communication,
    ExceptionStep,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
    Shipment,
    ShipmentLine,
)

EARLY_STATUSES = (Order.Status.RECEIVED, Order.Status.VERIFYING)


def order_detail_queryset() -> QuerySet[Order]:
    """Orders shaped for the order page (9 queries for one order, whatever its size)."""
    return Order.objects.select_related("customer", "received_by").prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.select_related("product").order_by(
                "line_number"
            ),
        ),
        Prefetch(
            "checks",
            queryset=Check.objects.select_related("run_by").order_by("at", "pk"),
        ),
        Prefetch(
            "exceptions",
            queryset=OrderException.objects.select_related(
                "opened_by",
                "resolved_by",
                "approved_by",
                "line",
                "communication",
                "check_record__run_by",
            ).order_by("opened_at", "pk"),
        ),
        Prefetch(
            "exceptions__steps",
            queryset=ExceptionStep.objects.select_related("actor").order_by("at", "pk"),
        ),
        Prefetch(
            "communications",
            queryset=Communication.objects.select_related("actor").order_by("at", "pk"),
        ),
        Prefetch(
            "events",
            queryset=OrderEvent.objects.select_related("actor").order_by("at", "pk"),
        ),
        Prefetch(
            "shipments",
            queryset=Shipment.objects.select_related(
                "dispatched_by", "delivery_recorded_by"
            ).order_by("dispatched_at", "pk"),
        ),
        Prefetch(
            "shipments__lines",
            queryset=ShipmentLine.objects.select_related("line").order_by("line_id"),
        ),
    )


def order_checks_queryset() -> QuerySet[Order]:
    """Orders shaped for the verification panel alone (2 queries)."""
    return Order.objects.prefetch_related(
        Prefetch(
            "checks",
            queryset=Check.objects.select_related("run_by").order_by("at", "pk"),
        ),
    )


def checks_still_running(order: Order) -> bool:
    """True while the background checks have not finished (the panel keeps polling)."""
    return order.status in EARLY_STATUSES and order.verification_completed_at is None


def earliest_promise_date(order: Order, today):
    """The earliest delivery date the order can be confirmed with (from its lines)."""
    dates = [
        line.restock_date
        for line in order.lines.all()
        if line.is_active and line.restock_date is not None
    ]
    return max([today, *dates])
