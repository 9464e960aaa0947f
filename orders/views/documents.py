"""Printable documents: HTML laid out for print, or `?format=pdf` for a PDF download.

Confirmation slip (an acknowledgement until the order is confirmed): any staff
role. Picking list and delivery note: dispatch roles (dispatcher, supervisor).
"""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import STAFF, role_required

from ..access import acts_as, ensure_may_open, order_role_required
from ..documents import (
    DELIVERY_NOTE,
    LETTERHEAD,
    ORDER_DOCUMENTS,
    DocumentKind,
    PdfUnavailable,
    pdf_response,
    render_pdf,
)
from ..models import Order, OrderLine
from ..selectors.fulfilment import (
    order_for_fulfilment,
    picking_list,
    shipment_for_document,
    shipment_number,
)
from ..services.lifecycle import PICKING_STATUSES

logger = logging.getLogger(__name__)


def _refuse_unless_allowed(
    request: HttpRequest, kind: DocumentKind, order: Order
) -> None:
    if not acts_as(request.user, order, *kind.roles):
        raise PermissionDenied("Your role does not include this document.")


def picking_refusal(order: Order) -> str:
    """Why the order has no picking list to print ("" when it has one)."""
    S = Order.Status
    if order.status in PICKING_STATUSES:
        return ""
    if order.status == S.CANCELLED:
        return f"Order {order} is cancelled: there is nothing to pick."
    if order.has_been_dispatched:
        return f"Order {order} has been dispatched: everything on it has been picked."
    return (
        f"Order {order} is not ready to pick (its status is "
        f"{order.get_status_display().lower()}). Its picking list can be printed "
        "once the order has been confirmed to the customer."
    )


def _respond(
    request: HttpRequest, kind: DocumentKind, context: dict, filename: str
) -> HttpResponse:
    context = {
        **context,
        "letterhead": LETTERHEAD,
        "printed_on": timezone.localdate(),
        "html_url": request.path,
        "pdf_url": f"{request.path}?format=pdf",
        "pdf": request.GET.get("format") == "pdf",
    }
    html = render_to_string(kind.template, context, request=request)
    if not context["pdf"]:
        return HttpResponse(html)
    try:
        pdf = render_pdf(html, base_url=request.build_absolute_uri())
    except PdfUnavailable as error:
        logger.error("PDF download refused: %s", error)
        messages.error(
            request,
            "PDF download is not available on this server at the moment. "
            "Use your browser's Print command on this page instead.",
        )
        return redirect(request.path)
    return pdf_response(pdf, filename=filename)


@require_GET
@order_role_required(*STAFF)
def order_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The confirmation slip (or acknowledgement) or the picking list of an order."""
    document = ORDER_DOCUMENTS.get(kind)
    if document is None:
        raise Http404("No such document.")
    order = order_for_fulfilment(pk=pk)
    _refuse_unless_allowed(request, document, order)
    refusal = picking_refusal(order) if document.slug == "picking-list" else ""
    if refusal:
        # A page saying why, not a list to pick from (nor its PDF).
        context = {"order": order, "refusal": refusal}
        return render(
            request, "orders/order_picking_list_refused.html", context, status=409
        )
    lines = list(order.lines.all())
    context = {
        "order": order,
        "customer": order.customer,
        # Confirmed: the promised date is set by the confirmation, and only then.
        "confirmed": order.promised_date is not None,
        "cancelled": order.status == Order.Status.CANCELLED,
        "lines": [line for line in lines if line.status != OrderLine.Status.CANCELLED],
        "backordered": [
            line for line in lines if line.status == OrderLine.Status.BACKORDERED
        ],
    }
    if document.slug == "picking-list":
        picking = picking_list(order)
        context["picking"] = picking
        context["to_pick_total"] = sum(row.to_pick for row in picking if row.pickable)
    return _respond(
        request, document, context, filename=f"{order.reference}-{document.slug}.pdf"
    )


@require_GET
@role_required(*STAFF)
def shipment_delivery_note(request: HttpRequest, pk: int) -> HttpResponse:
    """The delivery note for one shipment: what it contained, and a signature line."""
    shipment = shipment_for_document(pk=pk)
    order = shipment.order
    ensure_may_open(request.user, order, *STAFF)
    _refuse_unless_allowed(request, DELIVERY_NOTE, order)
    number = shipment_number(shipment)
    shipped = list(shipment.lines.all())
    ordered_units = sum(line.quantity for line in order.lines.all() if line.is_active)
    context = {
        "order": order,
        "customer": order.customer,
        "shipment": shipment,
        "number": number,
        "shipped": shipped,
        "units": sum(item.quantity for item in shipped),
        "part_delivery": sum(item.quantity for item in shipped) < ordered_units,
    }
    return _respond(
        request,
        DELIVERY_NOTE,
        context,
        filename=f"{order.reference}-delivery-note-{number}.pdf",
    )


urlpatterns = [
    path("<int:pk>/documents/<slug:kind>/", order_document, name="document"),
    path(
        "shipments/<int:pk>/delivery-note/",
        shipment_delivery_note,
        name="delivery_note",
    ),
]
