"""The fulfilment page: picking list, start picking, dispatch, record delivery."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.selectors import stock_level
from inventory.services import stock_pool_live
from orders.models import Order, OrderLine, Payment, Shipment
from orders.services import (
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
    verification_run,
)
from tests.factories import OrderFactory, OrderLineFactory

S = Order.Status
STALE = "This order changed since you opened it"


# --- fixtures --------------------------------------------------------------------


@pytest.fixture
def confirmed_order(receive, stocked_product, processor, tomorrow):
    """A confirmed order with one line per quantity given (each product in stock)."""

    def make(*quantities: int) -> Order:
        products = [stocked_product(100) for _ in quantities or (4,)]
        order = receive(
            [
                (product.code, quantity)
                for product, quantity in zip(products, quantities or (4,), strict=True)
            ]
        )
        order = verification_run(order_id=order.pk, worker="test-worker")
        assert order.status == S.VERIFIED
        return order_confirm(order=order, actor=processor, promised_date=tomorrow)

    return make


@pytest.fixture
def fulfilling_order(confirmed_order, dispatcher):
    def make(*quantities: int) -> Order:
        order = confirmed_order(*quantities)
        return order_start_fulfilment(order=order, actor=dispatcher)

    return make


@pytest.fixture
def dispatched_order(fulfilling_order, dispatcher):
    """An order of 4 units, all sent in one shipment."""
    order = fulfilling_order(4)
    order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    return Order.objects.get(pk=order.pk)


def _dispatch_data(order: Order, *, carrier="DPD", tracking="TRK123", **quantities):
    """The dispatch form's fields: version, carrier, tracking and per-line quantities.

    quantities: line_<number>=qty; lines not named send everything left to send.
    """
    data = {
        "version": order.version,
        "carrier": carrier,
        "tracking_reference": tracking,
    }
    for line in order.lines.all():
        left = line.quantity_reserved - line.quantity_dispatched
        data[f"quantity_{line.pk}"] = quantities.get(f"line_{line.line_number}", left)
    return data


def _state(order: Order):
    """What a refused action must leave unchanged."""
    order = Order.objects.get(pk=order.pk)
    return (
        order.status,
        order.version,
        Shipment.objects.filter(order=order).count(),
        list(order.lines.values_list("status", "quantity_dispatched")),
    )


# --- the page --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["dispatcher", "supervisor"])
def test_fulfil_page_shows_the_picking_list_and_dispatch_form_to_the_warehouse(
    client, request, role, fulfilling_order
):
    # given an order of two lines being fulfilled
    order = fulfilling_order(3, 2)
    first, second = order.lines.all()
    client.force_login(request.getfixturevalue(role))
    # when a dispatcher (or supervisor) opens the fulfilment page
    response = client.get(reverse("orders:fulfil", args=[order.pk]))
    # then it lists each line with what is left to pick, and offers the dispatch form
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Fulfil order {order.reference}" in page
    for line in (first, second):
        assert line.product_code in page
        assert line.description in page
        assert f'name="quantity_{line.pk}"' in page
    assert f'name="quantity_{first.pk}" id="id_quantity_{first.pk}" value="3"' in page
    assert 'name="carrier"' in page
    assert f'name="version" value="{order.version}"' in page
    assert "5 items to pick" in page
    assert reverse("orders:document", args=[order.pk, "picking-list"]) in page


def test_fulfil_page_shows_a_backordered_line_as_not_pickable_with_its_restock_date(
    client, dispatcher
):
    # given an order being fulfilled with one line reserved and one on backorder
    order = OrderFactory(status=S.FULFILLING)
    reserved = OrderLineFactory(
        order=order, quantity=2, quantity_reserved=2, status=OrderLine.Status.RESERVED
    )
    restock = timezone.localdate() + timedelta(days=10)
    backordered = OrderLineFactory(
        order=order,
        quantity=5,
        status=OrderLine.Status.BACKORDERED,
        restock_date=restock,
    )
    client.force_login(dispatcher)
    # when the page is opened
    page = client.get(reverse("orders:fulfil", args=[order.pk])).content.decode()
    # then the backordered line says so, with its date, and cannot be sent; and as
    # the customer wants the order all together, nothing is offered for dispatch
    assert f"Not pickable: backordered, expected {restock:%d %B %Y}." in page
    assert "Nothing can be dispatched yet." in page
    assert "the customer agreed to receive it all together" in page
    assert f'name="quantity_{reserved.pk}"' not in page
    assert f'name="quantity_{backordered.pk}"' not in page


def test_fulfil_page_offers_the_reserved_part_of_an_agreed_part_shipment(
    client, dispatcher
):
    # given an order being fulfilled: one line reserved, one with 2 of 5 reserved
    # and the customer's agreement to a part shipment
    order = OrderFactory(status=S.FULFILLING)
    reserved = OrderLineFactory(
        order=order, quantity=2, quantity_reserved=2, status=OrderLine.Status.RESERVED
    )
    restock = timezone.localdate() + timedelta(days=10)
    partial = OrderLineFactory(
        order=order,
        quantity=5,
        quantity_reserved=2,
        status=OrderLine.Status.BACKORDERED,
        restock_date=restock,
        ship_partial=True,
    )
    client.force_login(dispatcher)
    # when the page is opened
    page = client.get(reverse("orders:fulfil", args=[order.pk])).content.decode()
    # then both lines can be sent now, the part shipment's 2 with a note of the rest
    assert "Nothing can be dispatched yet." not in page
    assert f'name="quantity_{reserved.pk}"' in page
    assert f'name="quantity_{partial.pk}" id="id_quantity_{partial.pk}" value="2"' in (
        page
    )
    assert (
        "Part shipment agreed: send the 2 reserved now; the other 3 follow when "
        f"stock arrives (expected {restock:%d %B %Y})."
    ) in page


def test_fulfil_page_refuses_a_post(client, dispatcher, fulfilling_order):
    # given an order being fulfilled, and a dispatcher who may act on it
    order = fulfilling_order(2)
    client.force_login(dispatcher)
    # when the page itself is posted to (the actions have their own addresses),
    # then the method is refused and nothing changes
    response = client.post(reverse("orders:fulfil", args=[order.pk]))
    assert response.status_code == 405
    order.refresh_from_db()
    assert order.status == S.FULFILLING


def test_fulfil_page_is_read_only_for_a_processor(client, processor, fulfilling_order):
    # given an order being fulfilled
    order = fulfilling_order(2)
    client.force_login(processor)
    # when a processor opens the page
    response = client.get(reverse("orders:fulfil", args=[order.pk]))
    # then they see the picking list but no form to act with
    assert response.status_code == 200
    page = response.content.decode()
    assert order.lines.get().product_code in page
    assert 'name="carrier"' not in page
    assert reverse("orders:dispatch", args=[order.pk]) not in page
    assert "only a dispatcher or a supervisor can pick" in page
    # nor a link to the picking list, which is the warehouse's document
    assert reverse("orders:document", args=[order.pk, "picking-list"]) not in page


@pytest.mark.parametrize("role", ["learner", "assessor"])
def test_fulfil_page_refuses_learners_and_assessors(
    client, request, role, fulfilling_order
):
    # given an order being fulfilled and someone who sees no live orders
    order = fulfilling_order(2)
    client.force_login(request.getfixturevalue(role))
    # when they open its fulfilment page, then it is refused
    assert client.get(reverse("orders:fulfil", args=[order.pk])).status_code == 403


def test_fulfil_page_sends_an_anonymous_visitor_to_sign_in(client, fulfilling_order):
    # given an order and nobody signed in
    order = fulfilling_order(2)
    # when the page is opened, then the visitor is sent to sign in
    response = client.get(reverse("orders:fulfil", args=[order.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_fulfil_page_of_an_unknown_order_is_not_found(client, dispatcher):
    client.force_login(dispatcher)
    assert client.get(reverse("orders:fulfil", args=[999999])).status_code == 404


def test_fulfil_page_makes_the_same_number_of_queries_for_many_lines_and_shipments(
    client, dispatcher, fulfilling_order, django_assert_num_queries
):
    # given a small order with one part shipment, and a large one with several
    small = fulfilling_order(2)
    order_dispatch(
        order=small,
        actor=dispatcher,
        carrier="DPD",
        quantities={small.lines.get().pk: 1},
    )
    large = fulfilling_order(*([5] * 8))
    for line in list(large.lines.all())[:3]:
        large = Order.objects.get(pk=large.pk)
        order_dispatch(
            order=large, actor=dispatcher, carrier="DPD", quantities={line.pk: 2}
        )
    client.force_login(dispatcher)
    # when each page is opened, then both make the same, fixed number of queries:
    # session, user, whose practice order it is, roles, order with customer, lines,
    # shipments with people, shipment lines with their order lines
    for order in (small, large):
        with django_assert_num_queries(8):
            response = client.get(reverse("orders:fulfil", args=[order.pk]))
        assert response.status_code == 200


# --- start picking ---------------------------------------------------------------


def test_start_picking_moves_a_confirmed_order_to_fulfilling(
    client, dispatcher, confirmed_order
):
    # given a confirmed order, whose page offers "Start picking"
    order = confirmed_order(2)
    client.force_login(dispatcher)
    page = client.get(reverse("orders:fulfil", args=[order.pk])).content.decode()
    assert "Start picking" in page
    # when the dispatcher starts picking
    response = client.post(
        reverse("orders:start_fulfilment", args=[order.pk]),
        {"version": order.version},
    )
    # then the order is being fulfilled and the page shows the dispatch form
    assert response.status_code == 302
    assert response.url == reverse("orders:fulfil", args=[order.pk])
    assert Order.objects.get(pk=order.pk).status == S.FULFILLING
    page = client.get(response.url).content.decode()
    assert 'name="carrier"' in page


def test_start_picking_from_a_stale_page_is_refused(
    client, dispatcher, confirmed_order
):
    # given a confirmed order whose page was opened before it changed
    order = confirmed_order(2)
    client.force_login(dispatcher)
    before = _state(order)
    # when "Start picking" is sent with the old version
    response = client.post(
        reverse("orders:start_fulfilment", args=[order.pk]),
        {"version": order.version - 1},
        follow=True,
    )
    # then it is refused with the stale-page message and nothing changes
    assert STALE in response.content.decode()
    assert _state(order) == before


def test_start_picking_refuses_an_order_not_yet_confirmed(
    client, dispatcher, verified_order
):
    # given a verified order (not yet confirmed to the customer)
    order = verified_order()
    client.force_login(dispatcher)
    # when someone posts "Start picking" for it
    response = client.post(
        reverse("orders:start_fulfilment", args=[order.pk]),
        {"version": order.version},
        follow=True,
    )
    # then the service's message is shown and the order is still verified
    assert "it can be picked only when it is confirmed" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.VERIFIED


@pytest.mark.parametrize("role", ["processor", "learner", "assessor"])
def test_start_picking_refuses_roles_outside_the_warehouse(
    client, request, role, confirmed_order
):
    # given a confirmed order
    order = confirmed_order(2)
    client.force_login(request.getfixturevalue(role))
    # when someone outside dispatch tries to start picking, then it is refused
    response = client.post(
        reverse("orders:start_fulfilment", args=[order.pk]),
        {"version": order.version},
    )
    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == S.CONFIRMED


def test_start_picking_sends_an_anonymous_visitor_to_sign_in(client, confirmed_order):
    order = confirmed_order(2)
    response = client.post(
        reverse("orders:start_fulfilment", args=[order.pk]),
        {"version": order.version},
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert Order.objects.get(pk=order.pk).status == S.CONFIRMED


# --- dispatch --------------------------------------------------------------------


def test_dispatching_everything_dispatches_the_order_captures_payment_and_stock(
    client, dispatcher, fulfilling_order
):
    # given an order of 4 being fulfilled (4 units reserved of 100 on hand)
    order = fulfilling_order(4)
    line = order.lines.get()
    client.force_login(dispatcher)
    # when the dispatch form is sent with its defaults
    response = client.post(
        reverse("orders:dispatch", args=[order.pk]), _dispatch_data(order)
    )
    # then one shipment holds all 4, the order is dispatched and the card is charged
    assert response.status_code == 302
    assert response.url == reverse("orders:fulfil", args=[order.pk])
    order.refresh_from_db()
    assert order.status == S.DISPATCHED
    shipment = Shipment.objects.get(order=order)
    assert (shipment.carrier, shipment.tracking_reference) == ("DPD", "TRK123")
    assert list(shipment.lines.values_list("line", "quantity")) == [(line.pk, 4)]
    capture = order.payments.get(operation=Payment.Operation.CAPTURE)
    assert (capture.status, capture.amount) == ("captured", order.gross_total)
    level = stock_level(pool=stock_pool_live(), product_id=line.product_id)
    assert (level.on_hand, level.reserved) == (96, 0)
    # and the page now offers to record the delivery
    page = client.get(response.url).content.decode()
    assert "Dispatched 4 items with DPD." in page
    assert reverse("orders:record_delivery", args=[shipment.pk]) in page


def test_partial_dispatch_sends_the_chosen_lines_and_keeps_the_order_fulfilling(
    client, dispatcher, fulfilling_order
):
    # given an order of two lines (3 and 2 units) being fulfilled
    order = fulfilling_order(3, 2)
    first, second = order.lines.all()
    client.force_login(dispatcher)
    # when 2 of the first line are sent and the second is left for later
    response = client.post(
        reverse("orders:dispatch", args=[order.pk]),
        _dispatch_data(order, line_1=2, line_2=0),
    )
    # then one shipment holds just those 2, and the order is still being fulfilled
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.FULFILLING
    shipment = Shipment.objects.get(order=order)
    assert list(shipment.lines.values_list("line", "quantity")) == [(first.pk, 2)]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.quantity_dispatched, second.quantity_dispatched) == (2, 0)
    assert not order.payments.filter(operation=Payment.Operation.CAPTURE).exists()
    # and the page offers the rest: 1 of the first line, 2 of the second
    page = client.get(response.url).content.decode()
    assert f'id="id_quantity_{first.pk}" value="1"' in page
    assert f'id="id_quantity_{second.pk}" value="2"' in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"carrier": ""}, "Enter the carrier."),
        ({"carrier": "   "}, "Enter the carrier."),
        ({"line_1": 5}, "Only 4 reserved and not yet sent: send 4 or fewer."),
        ({"line_1": -1}, "Enter 0 or more."),
        ({"line_1": "two"}, "Enter a whole number."),
        ({"line_1": ""}, "Enter a quantity (0 to leave the line for later)."),
        ({"line_1": 0}, "Enter a quantity to send for at least one line."),
    ],
)
def test_dispatch_with_bad_input_shows_a_message_and_changes_nothing(
    client, dispatcher, fulfilling_order, fields, message
):
    # given an order of 4 being fulfilled
    order = fulfilling_order(4)
    client.force_login(dispatcher)
    before = _state(order)
    # when the dispatch form is sent with a bad value
    response = client.post(
        reverse("orders:dispatch", args=[order.pk]), _dispatch_data(order, **fields)
    )
    # then the page comes back with the message by the field, and nothing changed
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state(order) == before


def test_submitting_the_dispatch_form_twice_makes_one_shipment(
    client, dispatcher, fulfilling_order
):
    # given an order of 4 being fulfilled, and its dispatch form filled in for 2
    order = fulfilling_order(4)
    client.force_login(dispatcher)
    data = _dispatch_data(order, line_1=2)
    url = reverse("orders:dispatch", args=[order.pk])
    # when the same form is sent twice (a double click, or the back button)
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    # then only the first made a shipment; the second was refused as stale
    assert first.status_code == 302
    assert STALE in second.content.decode()
    assert Shipment.objects.filter(order=order).count() == 1
    assert order.lines.get().quantity_dispatched == 2


def test_submitting_a_full_dispatch_twice_makes_one_shipment(
    client, dispatcher, fulfilling_order
):
    # given an order whose whole dispatch form is sent, then sent again
    order = fulfilling_order(4)
    client.force_login(dispatcher)
    data = _dispatch_data(order)
    url = reverse("orders:dispatch", args=[order.pk])
    client.post(url, data)
    second = client.post(url, data, follow=True)
    # then the repeat is refused as stale, and there is one shipment
    assert STALE in second.content.decode()
    assert Shipment.objects.filter(order=order).count() == 1


def test_dispatch_refuses_an_order_not_being_fulfilled(
    client, dispatcher, confirmed_order
):
    # given a confirmed order, not yet being picked
    order = confirmed_order(2)
    line = order.lines.get()
    client.force_login(dispatcher)
    # when a dispatch is posted for it
    response = client.post(
        reverse("orders:dispatch", args=[order.pk]),
        {"version": order.version, "carrier": "DPD", f"quantity_{line.pk}": 2},
        follow=True,
    )
    # then the service's message is shown and nothing was sent
    assert "it can be dispatched only when it is being fulfilled" in (
        response.content.decode()
    )
    assert Order.objects.get(pk=order.pk).status == S.CONFIRMED
    assert not Shipment.objects.filter(order=order).exists()


@pytest.mark.parametrize("role", ["processor", "learner", "assessor"])
def test_dispatch_refuses_roles_outside_the_warehouse(
    client, request, role, fulfilling_order
):
    # given an order being fulfilled
    order = fulfilling_order(4)
    client.force_login(request.getfixturevalue(role))
    # when someone outside dispatch posts the dispatch form, then it is refused
    response = client.post(
        reverse("orders:dispatch", args=[order.pk]), _dispatch_data(order)
    )
    assert response.status_code == 403
    assert not Shipment.objects.filter(order=order).exists()


def test_dispatch_sends_an_anonymous_visitor_to_sign_in(client, fulfilling_order):
    order = fulfilling_order(4)
    response = client.post(
        reverse("orders:dispatch", args=[order.pk]), _dispatch_data(order)
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not Shipment.objects.filter(order=order).exists()


def test_dispatch_is_post_only(client, dispatcher, fulfilling_order):
    order = fulfilling_order(4)
    client.force_login(dispatcher)
    assert client.get(reverse("orders:dispatch", args=[order.pk])).status_code == 405


# --- record delivery -------------------------------------------------------------


def test_recording_delivery_of_the_last_shipment_makes_the_order_delivered(
    client, dispatcher, dispatched_order
):
    # given an order whose one shipment is out for delivery
    order = dispatched_order
    shipment = order.shipments.get()
    client.force_login(dispatcher)
    # when its delivery is recorded with proof
    response = client.post(
        reverse("orders:record_delivery", args=[shipment.pk]),
        {"version": order.version, "proof_of_delivery": "Signed for by J. Smith"},
    )
    # then the order is delivered and the person goes to the order page
    assert response.status_code == 302
    assert response.url == reverse("orders:detail", args=[order.pk])
    assert Order.objects.get(pk=order.pk).status == S.DELIVERED
    shipment.refresh_from_db()
    assert shipment.proof_of_delivery == "Signed for by J. Smith"
    assert shipment.delivery_recorded_by == dispatcher
    assert shipment.delivered_at is not None


def test_recording_delivery_of_an_early_part_shipment_keeps_the_order_fulfilling(
    client, dispatcher, fulfilling_order
):
    # given an order with 1 of its 4 units sent
    order = fulfilling_order(4)
    line = order.lines.get()
    shipment = order_dispatch(
        order=order, actor=dispatcher, carrier="DPD", quantities={line.pk: 1}
    )
    # (sent two hours ago, so a time to the minute is after it)
    Shipment.objects.filter(pk=shipment.pk).update(
        dispatched_at=timezone.now() - timedelta(hours=2)
    )
    order.refresh_from_db()
    client.force_login(dispatcher)
    delivered_at = timezone.localtime().replace(second=0, microsecond=0)
    # when that shipment's delivery is recorded with a date and time
    response = client.post(
        reverse("orders:record_delivery", args=[shipment.pk]),
        {
            "version": order.version,
            "proof_of_delivery": "Left with reception",
            "delivered_at": f"{delivered_at:%Y-%m-%dT%H:%M}",
        },
    )
    # then the shipment is delivered at that time and the order still being fulfilled
    assert response.url == reverse("orders:fulfil", args=[order.pk])
    shipment.refresh_from_db()
    assert shipment.delivered_at == delivered_at
    assert Order.objects.get(pk=order.pk).status == S.FULFILLING


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"proof_of_delivery": ""}, "Enter the proof of delivery."),
        ({"delivered_at": "yesterday"}, "Enter a date and time, like"),
        (
            {"delivered_at": f"{timezone.now() + timedelta(days=2):%Y-%m-%dT%H:%M}"},
            "The delivery time cannot be in the future.",
        ),
    ],
)
def test_record_delivery_with_bad_input_shows_a_message_and_changes_nothing(
    client, dispatcher, dispatched_order, fields, message
):
    # given a dispatched order
    order = dispatched_order
    shipment = order.shipments.get()
    client.force_login(dispatcher)
    before = _state(order)
    data = {"version": order.version, "proof_of_delivery": "Signed", **fields}
    # when the delivery form is sent with a bad value
    response = client.post(reverse("orders:record_delivery", args=[shipment.pk]), data)
    # then the message is shown and nothing was recorded
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state(order) == before
    shipment.refresh_from_db()
    assert shipment.delivered_at is None


def test_record_delivery_before_dispatch_time_shows_the_services_message(
    client, dispatcher, dispatched_order
):
    # given a dispatched order
    order = dispatched_order
    shipment = order.shipments.get()
    client.force_login(dispatcher)
    before = timezone.localtime(shipment.dispatched_at) - timedelta(days=1)
    # when a delivery time before the dispatch is given
    response = client.post(
        reverse("orders:record_delivery", args=[shipment.pk]),
        {
            "version": order.version,
            "proof_of_delivery": "Signed",
            "delivered_at": f"{before:%Y-%m-%dT%H:%M}",
        },
        follow=True,
    )
    # then the service refuses it with its own message
    assert "Delivery cannot be before the shipment was dispatched." in (
        response.content.decode()
    )
    assert Order.objects.get(pk=order.pk).status == S.DISPATCHED


def test_record_delivery_from_a_stale_page_is_refused(
    client, dispatcher, dispatched_order
):
    order = dispatched_order
    shipment = order.shipments.get()
    client.force_login(dispatcher)
    response = client.post(
        reverse("orders:record_delivery", args=[shipment.pk]),
        {"version": order.version - 1, "proof_of_delivery": "Signed"},
        follow=True,
    )
    assert STALE in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.DISPATCHED


@pytest.mark.parametrize("role", ["processor", "learner", "assessor"])
def test_record_delivery_refuses_roles_outside_the_warehouse(
    client, request, role, dispatched_order
):
    order = dispatched_order
    shipment = order.shipments.get()
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("orders:record_delivery", args=[shipment.pk]),
        {"version": order.version, "proof_of_delivery": "Signed"},
    )
    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == S.DISPATCHED


def test_record_delivery_sends_an_anonymous_visitor_to_sign_in(
    client, dispatched_order
):
    order = dispatched_order
    shipment = order.shipments.get()
    response = client.post(
        reverse("orders:record_delivery", args=[shipment.pk]),
        {"version": order.version, "proof_of_delivery": "Signed"},
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_record_delivery_of_an_unknown_shipment_is_not_found(client, dispatcher):
    client.force_login(dispatcher)
    response = client.post(
        reverse("orders:record_delivery", args=[999999]),
        {"version": 1, "proof_of_delivery": "Signed"},
    )
    assert response.status_code == 404
