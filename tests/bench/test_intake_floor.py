"""bench/intake.py's floor writes, in plain SQL, the rows the service path writes.

The benchmark's ratio means something only while its floor does the service's
work: the same orders, lines, movements, acknowledgement, check and events. A
column or event added to the service and not to the floor fails here, as does a
floor broken by a schema change (as a NOT NULL column once broke it unnoticed).
"""

import random

import pytest
from django.db import connection

from bench.intake import APPROVE_CARD, FloorPath
from inventory.models import StockMovement
from inventory.services import stock_receive
from orders.models import Order
from orders.services import LineInput, check_run, order_receive, verification_start
from tests.factories import CustomerFactory, ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def shape(order: Order) -> dict:
    """What the order's rows are, without their ids, times or quantities."""
    lines = list(order.lines.order_by("line_number"))
    references = [f"order-line:{line.pk}" for line in lines]
    return {
        "order": (
            order.status,
            order.version,
            order.verification_round,
            order.channel,
            order.payment_method,
            order.card_last4,
        ),
        "lines": [
            (line.status, line.quantity_reserved == line.quantity) for line in lines
        ],
        "movements": sorted(
            StockMovement.objects.filter(reference__in=references).values_list(
                "kind", flat=True
            )
        ),
        "communications": list(
            order.communications.values_list("channel", "direction", "purpose")
        ),
        "checks": list(order.checks.values_list("kind", "outcome", "round", "rerun")),
        "events": [
            (event.kind, event.status_after, sorted(event.data))
            for event in order.events.order_by("pk")
        ],
    }


def test_the_floor_writes_the_rows_the_service_writes(processor, live_pool):
    # given a catalogue of three stocked products and an e-mail customer
    customer = CustomerFactory(preferred_channel="email")
    products = [ProductFactory(code=f"BEN-{n:04d}") for n in (1, 2, 3)]
    for product in products:
        stock_receive(pool=live_pool, product=product, quantity=100)
    # when one order of the three goes through the service path the bench times
    order = order_receive(
        customer=customer,
        lines=[LineInput(product_code=p.code, quantity=2) for p in products],
        channel=Order.Channel.WEB,
        received_by=processor,
        payment_method=Order.PaymentMethod.CARD,
        card_number=APPROVE_CARD,
    )
    verification_start(order_id=order.pk, worker="bench")
    check_run(order_id=order.pk, kind="stock", worker="bench")
    order.refresh_from_db()
    # and one through the floor, on this test's connection and transaction
    floor = FloorPath(
        prefix="BEN-",
        user_id=processor.pk,
        pool_id=live_pool.pk,
        max_quantity=3,
        conn=connection.connection,
    )
    floor.run_one(random.Random(1), 1)
    # then the floor's order has the same rows as the service's
    floor_order = Order.objects.exclude(pk=order.pk).get()
    assert shape(floor_order) == shape(order)
    assert shape(order)["movements"] == ["reserved"] * 3
