"""Reads for the fulfilment page and the printed documents."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from ..models import Order, OrderLine, Shipment, ShipmentLine

L = OrderLine.Status


def orders_for_fulfilment() -> QuerySet[Order]:
    """Orders with their customer, lines and shipments (and what each shipment held).

    One query per relation, whatever the number of lines or shipments.
    """
    return Order.objects.select_related("customer").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("line_number")),
        Prefetch(
            "shipments",
            queryset=Shipment.objects.select_related(
                "dispatched_by", "delivery_recorded_by"
            ).prefetch_related(
                Prefetch(
                    "lines",
                    queryset=ShipmentLine.objects.select_related("line").order_by(
                        "line__line_number"
                    ),
                )
            ),
        ),
    )


def order_for_fulfilment(*, pk: int) -> Order:
    """The order for the fulfilment page or a document, or 404."""
    return get_object_or_404(orders_for_fulfilment(), pk=pk)


def shipment_for_document(*, pk: int) -> Shipment:
    """A shipment with its lines and its order (lines and shipments loaded), or 404."""
    order_id = Shipment.objects.filter(pk=pk).values_list("order_id", flat=True).first()
    if order_id is None:
        raise Http404("No such shipment.")
    order = order_for_fulfilment(pk=order_id)
    return next(shipment for shipment in order.shipments.all() if shipment.pk == pk)


@dataclass(frozen=True)
class PickingLine:
    """One order line as the warehouse sees it."""

    line: OrderLine
    to_pick: int
    pickable: bool
    note: str

    @property
    def restock_date(self) -> date | None:
        return self.line.restock_date


def ships_now(line: OrderLine) -> bool:
    """Whether the line's reserved, unsent units may go: a reserved line, or a part
    shipment the customer agreed to (the rest follows when stock arrives)."""
    return line.status == L.RESERVED or (
        line.status == L.BACKORDERED and line.ship_partial
    )


def dispatch_blockers(lines) -> list[str]:
    """Why nothing can be dispatched yet: lines still waiting for stock that the
    customer agreed to receive together with the rest of the order."""
    blockers = []
    for line in lines:
        if not line.is_active or line.ship_partial or not line.quantity_outstanding:
            continue
        if line.status in (L.BACKORDERED, L.SHORT, L.PENDING):
            when = (
                f"expected {line.restock_date:%d %B %Y}"
                if line.restock_date
                else "restock date not known"
            )
            blockers.append(
                f"line {line.line_number} ({line.product_code}) is still waiting for "
                f"stock ({when}) and the customer agreed to receive it all together"
            )
    return blockers


def picking_list(order: Order) -> list[PickingLine]:
    """The order's lines with what is left to pick; uses the prefetched lines."""
    rows = []
    for line in order.lines.all():
        to_pick = max(line.quantity_reserved - line.quantity_dispatched, 0)
        pickable = ships_now(line) and to_pick > 0
        when = (
            f"expected {line.restock_date:%d %B %Y}"
            if line.restock_date
            else "restock date not known"
        )
        if line.status == L.BACKORDERED and line.ship_partial:
            waiting = line.quantity - line.quantity_reserved
            note = (
                f"Part shipment agreed: send the {to_pick} reserved now; the other "
                f"{waiting} follow when stock arrives ({when})."
                if pickable
                else f"Part shipment agreed: the other {waiting} follow when stock "
                f"arrives ({when})."
            )
        elif pickable:
            note = ""
        elif line.status in (L.BACKORDERED, L.SHORT):
            note = f"Not pickable: {line.get_status_display().lower()}, {when}."
            if not line.ship_partial:
                note += " The customer wants the order all together: hold it back."
        elif line.status in (L.DISPATCHED, L.DELIVERED):
            note = "All sent."
        elif line.status == L.CANCELLED:
            note = "Cancelled: do not pick."
        elif line.status == L.SUBSTITUTED:
            note = "Replaced by a substitute: do not pick."
        else:
            note = f"Not pickable: {line.get_status_display().lower()}."
        rows.append(
            PickingLine(line=line, to_pick=to_pick, pickable=pickable, note=note)
        )
    return rows


def shipment_number(shipment: Shipment) -> int:
    """The shipment's place among its order's shipments (1 for the first)."""
    for number, candidate in enumerate(shipment.order.shipments.all(), start=1):
        if candidate.pk == shipment.pk:
            return number
    return 1  # pragma: no cover
