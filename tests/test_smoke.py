from orders.models import Order
from orders.services import order_confirm


def test_verified_order_can_be_confirmed(verified_order, processor, tomorrow):
    order = verified_order()
    assert order.status == Order.Status.VERIFIED
    order = order_confirm(order=order, actor=processor, promised_date=tomorrow)
    assert order.status == Order.Status.CONFIRMED
