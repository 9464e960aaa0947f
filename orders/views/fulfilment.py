"""Fulfilment: the picking list, start picking, dispatch (whole or part), delivery.

Dispatchers and supervisors act; a processor may look at the page but not act, and
so may a learner on their practice order (its fulfilment is simulated).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import FULFILMENT, STAFF, role_required
from inventory.exceptions import InventoryError

from ..access import (
    acts_as,
    ensure_may_open,
    order_role_required,
    refuse_unless_acts_as,
)
from ..exceptions import OrderRuleError, StaleOrderError
from ..forms.fulfilment import DeliveryForm, DispatchForm, StartFulfilmentForm
from ..models import Order, Shipment
from ..selectors.fulfilment import (
    dispatch_blockers,
    order_for_fulfilment,
    picking_list,
)
from ..services import (
    order_dispatch,
    order_start_fulfilment,
    shipment_record_delivery,
)
from ..services.lifecycle import PICKING_STATUSES
from .practice import staff_url

S = Order.Status


def _fulfil_page(
    request: HttpRequest,
    order: Order,
    *,
    dispatch_form: DispatchForm | None = None,
    delivery_forms: dict[int, DeliveryForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    can_act = acts_as(request.user, order, *FULFILMENT)
    picking = picking_list(order)
    shipments = list(order.shipments.all())
    # A line the customer wants with the rest still waits for stock: nothing goes.
    blockers = (
        dispatch_blockers(order.lines.all())
        if order.status in (S.CONFIRMED, S.FULFILLING)
        else []
    )
    if blockers:
        dispatch_form = None
    elif can_act and order.status == S.FULFILLING and dispatch_form is None:
        dispatch_form = DispatchForm(order=order, picking=picking)
    delivery_forms = delivery_forms or {}
    if can_act and order.status in (S.FULFILLING, S.DISPATCHED):
        for shipment in shipments:
            if shipment.delivered_at is None and shipment.pk not in delivery_forms:
                delivery_forms[shipment.pk] = DeliveryForm(
                    shipment_id=shipment.pk, initial={"version": order.version}
                )
    for number, shipment in enumerate(shipments, start=1):
        shipment.number = number
        shipment.delivery_form = delivery_forms.get(shipment.pk) if can_act else None
    context = {
        "order": order,
        "can_act": can_act,
        "picking_list_printable": can_act and order.status in PICKING_STATUSES,
        "picking": [
            {
                "row": row,
                "field": dispatch_form.line_field(row.line.pk)
                if dispatch_form
                else None,
            }
            for row in picking
        ],
        "to_pick_total": sum(row.to_pick for row in picking if row.pickable),
        "shipments": shipments,
        "start_form": StartFulfilmentForm(initial={"version": order.version})
        if can_act and order.status == S.CONFIRMED
        else None,
        "dispatch_form": dispatch_form if can_act else None,
        "dispatch_blockers": blockers,
        "queue_url": staff_url(order, _queue_url()),
    }
    return render(request, "orders/order_fulfil.html", context, status=status)


def _queue_url() -> str | None:
    try:
        return reverse("orders:queue", args=["to-fulfil"])
    except NoReverseMatch:
        return None


def _posted_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _refuse_if_stale(request: HttpRequest, order: Order) -> bool:
    """Refuse a form from a page opened before the order last changed.

    The service checks again under its row lock (a race); checking here first
    means a repeated submit is told so, rather than told its quantities no
    longer fit.
    """
    if _posted_version(request) == order.version:
        return False
    messages.error(request, str(StaleOrderError()))
    return True


@require_GET
@order_role_required(*STAFF)
def order_fulfil(request: HttpRequest, pk: int) -> HttpResponse:
    """The picking list, the dispatch form and the shipments so far."""
    return _fulfil_page(request, order_for_fulfilment(pk=pk))


@require_POST
@order_role_required(*FULFILMENT)
def order_start_fulfilment_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand a confirmed order to the warehouse: picking starts."""
    order = get_object_or_404(Order, pk=pk)
    refuse_unless_acts_as(request.user, order, *FULFILMENT)
    form = StartFulfilmentForm(request.POST)
    if _refuse_if_stale(request, order) or not form.is_valid():
        return redirect("orders:fulfil", pk=pk)
    try:
        order_start_fulfilment(
            order=order,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except OrderRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Picking started for {order}.")
    return redirect("orders:fulfil", pk=pk)


@require_POST
@order_role_required(*FULFILMENT)
def order_dispatch_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Send some or all of the reserved goods with a carrier (one shipment)."""
    order = order_for_fulfilment(pk=pk)
    refuse_unless_acts_as(request.user, order, *FULFILMENT)
    if _refuse_if_stale(request, order):
        return redirect("orders:fulfil", pk=pk)
    form = DispatchForm(request.POST, order=order, picking=picking_list(order))
    if not form.is_valid():
        return _fulfil_page(request, order, dispatch_form=form, status=400)
    try:
        shipment = order_dispatch(
            order=order,
            actor=request.user,
            carrier=form.cleaned_data["carrier"],
            tracking_reference=form.cleaned_data["tracking_reference"],
            quantities=form.quantities(),
            expected_version=form.cleaned_data["version"],
        )
    except (OrderRuleError, InventoryError) as error:
        messages.error(request, str(error))
    else:
        units = sum(line.quantity for line in shipment.lines.all())
        messages.success(
            request,
            f"Dispatched {units} item{'s' if units != 1 else ''} with "
            f"{shipment.carrier}.",
        )
    return redirect("orders:fulfil", pk=pk)


@require_POST
@role_required(*FULFILMENT)
def shipment_record_delivery_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that a shipment arrived, with proof of delivery."""
    shipment = get_object_or_404(Shipment.objects.select_related("order"), pk=pk)
    order = shipment.order
    ensure_may_open(request.user, order, *FULFILMENT)
    refuse_unless_acts_as(request.user, order, *FULFILMENT)
    if _refuse_if_stale(request, order):
        return redirect("orders:fulfil", pk=order.pk)
    form = DeliveryForm(request.POST, shipment_id=shipment.pk)
    if not form.is_valid():
        return _fulfil_page(
            request,
            order_for_fulfilment(pk=order.pk),
            delivery_forms={shipment.pk: form},
            status=400,
        )
    try:
        shipment_record_delivery(
            shipment=shipment,
            actor=request.user,
            proof_of_delivery=form.cleaned_data["proof_of_delivery"],
            delivered_at=form.cleaned_data["delivered_at"],
            expected_version=form.cleaned_data["version"],
        )
    except OrderRuleError as error:
        messages.error(request, str(error))
        return redirect("orders:fulfil", pk=order.pk)
    order.refresh_from_db(fields=["status"])
    if order.status == S.DELIVERED:
        messages.success(request, f"{order} is delivered: every shipment arrived.")
        return redirect("orders:detail", pk=order.pk)
    messages.success(request, "Delivery recorded.")
    return redirect("orders:fulfil", pk=order.pk)


urlpatterns = [
    path("<int:pk>/fulfil/", order_fulfil, name="fulfil"),
    path(
        "<int:pk>/fulfil/start/",
        order_start_fulfilment_view,
        name="start_fulfilment",
    ),
    path("<int:pk>/fulfil/dispatch/", order_dispatch_view, name="dispatch"),
    path(
        "shipments/<int:pk>/delivery/",
        shipment_record_delivery_view,
        name="record_delivery",
    ),
]
