"""A fixture of known orders for the dashboard's KPIs, with events at fixed times.

The period is Monday 2 to Sunday 8 November 2026 (GMT, so local time is UTC).

Order A: received Mon 2 09:00 (processor), confirmed Mon 2 13:00 (processor),
         dispatched Tue 3 09:00 (dispatcher), delivered Wed 4 10:00, promised Thu 5.
Order B: received Mon 2 10:00 (processor), out-of-stock exception Mon 2 11:00,
         confirmed Tue 3 10:00 (supervisor), dispatched Thu 5 10:00 (dispatcher),
         delivered Sat 7 10:00, promised Fri 6 (late).
Order C: received Sun 8 08:00 (supervisor), price exception Sun 8 09:00, confirmed
         Sun 8 18:00 (processor); not dispatched.
Order D: received Fri 30 Oct 12:00, exception Fri 30 Oct (before the period),
         confirmed Sat 31 Oct; dispatched Mon 2 Nov 12:00 (dispatcher); not delivered.
Follow-ups: on A due Fri 6 10:00, done Fri 6 11:00, satisfaction 5 (processor);
            on B due Sun 8 09:00, done Sun 8 10:00, satisfaction 2 (processor);
            on D due Sat 7 09:00, still due (supervisor);
            on C due Fri 20 Nov (after the period); on A a cancelled one due Thu 5.
Complaints: on B opened Sat 7 12:00, resolved Sun 8 12:00 (1 day, owner supervisor);
            on A opened Mon 26 Oct 12:00, resolved Thu 5 Nov 12:00 (10 days);
            on D opened Tue 3 Nov 12:00, still open.
"""

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from followup.kpis import Period
from followup.models import Complaint, FollowUp
from orders.models import Order, OrderEvent, OrderException, Shipment
from tests.factories import OrderFactory

PERIOD = Period(dt.date(2026, 11, 2), dt.date(2026, 11, 8))
E = OrderEvent.Kind
S = Order.Status


def at(month: int, day: int, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour))


def event(order, kind, when, actor=None, status_after=None):
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        at=when,
        actor=actor,
        status_after=status_after or order.status,
    )


def shipped(order, dispatcher, dispatched, delivered=None):
    Shipment.objects.create(
        order=order,
        carrier="Parcelforce",
        dispatched_by=dispatcher,
        dispatched_at=dispatched,
        delivered_at=delivered,
    )
    event(order, E.DISPATCHED, dispatched, dispatcher, S.DISPATCHED)
    if delivered:
        event(order, E.DELIVERED, delivered, dispatcher, S.DELIVERED)


def build(processor, dispatcher, supervisor) -> SimpleNamespace:
    a = OrderFactory(
        received_by=processor,
        received_at=at(11, 2, 9),
        promised_date=dt.date(2026, 11, 5),
        status=S.DELIVERED,
    )
    event(a, E.RECEIVED, at(11, 2, 9), processor, S.RECEIVED)
    event(a, E.CONFIRMED, at(11, 2, 13), processor, S.CONFIRMED)
    shipped(a, dispatcher, at(11, 3, 9), at(11, 4, 10))

    b = OrderFactory(
        received_by=processor,
        received_at=at(11, 2, 10),
        promised_date=dt.date(2026, 11, 6),
        status=S.DELIVERED,
    )
    event(b, E.RECEIVED, at(11, 2, 10), processor, S.RECEIVED)
    OrderException.objects.create(
        order=b,
        kind=OrderException.Kind.OUT_OF_STOCK,
        found="None left",
        opened_at=at(11, 2, 11),
    )
    event(b, E.EXCEPTION_OPENED, at(11, 2, 11), processor, S.ON_HOLD)
    event(b, E.CONFIRMED, at(11, 3, 10), supervisor, S.CONFIRMED)
    shipped(b, dispatcher, at(11, 5, 10), at(11, 7, 10))

    c = OrderFactory(
        received_by=supervisor,
        received_at=at(11, 8, 8),
        promised_date=dt.date(2026, 11, 12),
        status=S.CONFIRMED,
    )
    event(c, E.RECEIVED, at(11, 8, 8), supervisor, S.RECEIVED)
    OrderException.objects.create(
        order=c,
        kind=OrderException.Kind.PRICE_MISMATCH,
        found="Price differs",
        opened_at=at(11, 8, 9),
    )
    event(c, E.EXCEPTION_OPENED, at(11, 8, 9), supervisor, S.ON_HOLD)
    event(c, E.CONFIRMED, at(11, 8, 18), processor, S.CONFIRMED)

    d = OrderFactory(
        received_by=processor,
        received_at=at(10, 30, 12),
        promised_date=dt.date(2026, 11, 10),
        status=S.DISPATCHED,
    )
    event(d, E.RECEIVED, at(10, 30, 12), processor, S.RECEIVED)
    OrderException.objects.create(
        order=d,
        kind=OrderException.Kind.QUANTITY,
        found="Odd quantity",
        opened_at=at(10, 30, 13),
    )
    event(d, E.EXCEPTION_OPENED, at(10, 30, 13), processor, S.ON_HOLD)
    event(d, E.CONFIRMED, at(10, 31, 9), processor, S.CONFIRMED)
    shipped(d, dispatcher, at(11, 2, 12))

    FollowUp.objects.create(
        order=a,
        kind="delivery_check",
        due_at=at(11, 6, 10),
        owner=processor,
        status=FollowUp.Status.DONE,
        completed_at=at(11, 6, 11),
        satisfaction=5,
    )
    FollowUp.objects.create(
        order=a,
        kind="satisfaction",
        due_at=at(11, 5, 10),
        owner=processor,
        status=FollowUp.Status.CANCELLED,
    )
    FollowUp.objects.create(
        order=b,
        kind="delivery_check",
        due_at=at(11, 8, 9),
        owner=processor,
        status=FollowUp.Status.DONE,
        completed_at=at(11, 8, 10),
        satisfaction=2,
    )
    FollowUp.objects.create(
        order=d,
        kind="delivery_check",
        due_at=at(11, 7, 9),
        owner=supervisor,
    )
    FollowUp.objects.create(
        order=c,
        kind="delivery_check",
        due_at=at(11, 20, 9),
        owner=processor,
    )

    Complaint.objects.create(
        order=b,
        customer_words="It came late",
        category="late",
        opened_at=at(11, 7, 12),
        status="resolved",
        resolved_at=at(11, 8, 12),
        owner=supervisor,
    )
    Complaint.objects.create(
        order=a,
        customer_words="Box dented",
        category="damaged",
        opened_at=at(10, 26, 12),
        status="resolved",
        resolved_at=at(11, 5, 12),
        owner=supervisor,
    )
    Complaint.objects.create(
        order=d,
        customer_words="Where is it?",
        category="late",
        opened_at=at(11, 3, 12),
    )
    return SimpleNamespace(a=a, b=b, c=c, d=d)
