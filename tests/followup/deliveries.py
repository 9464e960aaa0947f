"""Delivered orders for the follow-up tests, delivered at a moment the test chooses."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from orders.models import Order
from orders.services import (
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    shipment_record_delivery,
)

LONDON = ZoneInfo("Europe/London")


def at(year, month, day, hour=10, minute=0) -> datetime:
    """A moment in local (London) time."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def deliver(make, *, processor, dispatcher, when: datetime) -> Order:
    """Make a verified order (make()), confirm and dispatch it two hours before
    `when`, and deliver it `when`."""
    with time_machine.travel(when - timedelta(hours=2), tick=False):
        order = make()
        order = order_confirm(
            order=order,
            actor=processor,
            promised_date=(when + timedelta(days=1)).date(),
        )
        order = order_start_fulfilment(order=order, actor=dispatcher)
        shipment = order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    with time_machine.travel(when, tick=False):
        shipment_record_delivery(shipment=shipment, actor=dispatcher)
    return Order.objects.get(pk=order.pk)
