"""A learner's practice order: only its learner works on it, as the order processor,
through the same services; staff are refused it, it e-mails nobody, and it is in
none of the staff's queues, lists, sweeps or look-ups."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from customers.selectors import customer_search
from inventory.models import StockPool
from inventory.selectors import product_by_code
from inventory.services import stock_receive
from orders.exceptions import OrderPermissionError
from orders.models import Communication, Order, OrderEvent, OrderException
from orders.selectors.lists import (
    QUEUES,
    exceptions_due_escalation,
    order_list,
    queue_orders,
    queue_summaries,
)
from orders.services import (
    check_rerun,
    exception_add_step,
    exception_raise,
    line_cancel,
    order_cancel,
    order_confirm,
    verification_run,
)
from orders.services.corrections import price_keep_approve
from orders.services.messages import message_send
from orders.services.payment_recovery import credit_limit_approve

from ..factories import CustomerFactory, ProductFactory, UserFactory

NOT_YOURS = "only that learner works on it"
NOT_YOUR_STEP = "you act as the order processor"


@pytest.fixture
def practice_pool(db):
    return StockPool.objects.create(code="practice-t", name="Practice", is_live=False)


@pytest.fixture
def practice_order(receive, practice_pool, learner):
    """A learner's practice order on practice data, its checks run (verified)."""

    def make(quantity: int = 2, *, owner=None, lines: int = 1, **fields):
        owner = owner or learner
        products = []
        for _ in range(lines):
            product = ProductFactory(practice=True)
            stock_receive(pool=practice_pool, product=product, quantity=100)
            products.append(product)
        fields.setdefault("customer", CustomerFactory(practice=True))
        order = receive(
            [(product.code, quantity) for product in products],
            by=owner,
            stock_pool=practice_pool,
            practice_learner=owner,
            **fields,
        )
        return verification_run(order_id=order.pk, worker="test-worker")

    return make


# -- who may act ---------------------------------------------------------------------


def test_the_learner_confirms_their_own_practice_order_as_a_processor(
    practice_order, learner, tomorrow
):
    # given a verified practice order
    order = practice_order()
    assert order.status == Order.Status.VERIFIED
    # when its learner confirms it
    order = order_confirm(order=order, actor=learner, promised_date=tomorrow)
    # then it is confirmed, by them
    assert order.status == Order.Status.CONFIRMED
    assert order.events.get(kind=OrderEvent.Kind.CONFIRMED).actor == learner


@pytest.mark.parametrize("role", ["processor", "dispatcher", "supervisor"])
def test_services_refuse_staff_on_a_practice_order(practice_order, tomorrow, role):
    # given a learner's practice order and a member of staff
    order = practice_order()
    staff = UserFactory(role=role)
    # when they try to confirm it, cancel it or raise an exception on it
    # then each is refused, and the order is unchanged
    with pytest.raises(OrderPermissionError, match=NOT_YOURS):
        order_confirm(order=order, actor=staff, promised_date=tomorrow)
    with pytest.raises(OrderPermissionError, match=NOT_YOURS):
        order_cancel(order=order, actor=staff, reason="Not wanted")
    with pytest.raises(OrderPermissionError, match=NOT_YOURS):
        exception_raise(order=order, actor=staff, kind="other", found="Odd")
    with pytest.raises(OrderPermissionError, match=NOT_YOURS):
        check_rerun(order=order, kind="stock", actor=staff)
    order.refresh_from_db()
    assert order.status == Order.Status.VERIFIED
    assert not order.exceptions.exists()


def test_services_refuse_another_learner_on_a_practice_order(practice_order):
    # given one learner's practice order with an exception on it
    order = practice_order(lines=2)
    owner = order.practice_learner
    exception = exception_raise(order=order, actor=owner, kind="other", found="Odd")
    other = UserFactory(role="learner")
    # when another learner works on it, then they are refused
    with pytest.raises(OrderPermissionError, match=NOT_YOURS):
        exception_add_step(exception=exception, actor=other, text="Rang them")
    with pytest.raises(OrderPermissionError, match=NOT_YOURS):
        line_cancel(line=order.lines.first(), actor=other, reason="Not wanted")
    with pytest.raises(OrderPermissionError, match=NOT_YOURS):
        message_send(
            order=order,
            actor=other,
            purpose=Communication.Purpose.QUERY,
            channel="email",
            subject="Hello",
            body="A question about your order.",
        )
    assert not exception.steps.exists()


def test_the_learner_is_refused_supervisor_only_services_on_their_order(
    practice_order, learner
):
    # given the learner's practice order with a price difference found on a line
    order = practice_order()
    exception = exception_raise(
        order=order,
        actor=learner,
        kind=OrderException.Kind.PRICE_MISMATCH,
        found="Customer says £9",
        line=order.lines.first(),
    )
    # when they try a supervisor's approvals, then they are refused as a learner
    with pytest.raises(OrderPermissionError, match=NOT_YOUR_STEP):
        price_keep_approve(exception=exception, actor=learner, note="Fine")
    with pytest.raises(OrderPermissionError, match=NOT_YOUR_STEP):
        credit_limit_approve(exception=exception, actor=learner, note="Fine")
    exception.refresh_from_db()
    assert exception.status == OrderException.Status.OPEN


def test_the_learner_is_refused_a_live_order(verified_order, learner, tomorrow):
    # given a live order, when a learner tries to confirm it, then they are refused
    order = verified_order()
    with pytest.raises(OrderPermissionError, match="Only a"):
        order_confirm(order=order, actor=learner, promised_date=tomorrow)


# -- sending -------------------------------------------------------------------------


def test_a_practice_orders_email_is_marked_sent_and_nobody_is_emailed(
    receive, practice_pool, learner, django_capture_on_commit_callbacks
):
    # given a practice customer who prefers e-mail
    product = ProductFactory(practice=True)
    stock_receive(pool=practice_pool, product=product, quantity=10)
    customer = CustomerFactory(practice=True, preferred_channel="email")
    # when a practice order is received (its acknowledgement is e-mailed)
    with django_capture_on_commit_callbacks(execute=True):
        order = receive(
            [(product.code, 1)],
            customer=customer,
            by=learner,
            stock_pool=practice_pool,
            practice_learner=learner,
        )
    # then the acknowledgement is marked sent, as simulated, and no mail went
    acknowledgement = order.communications.get(purpose="acknowledgement")
    assert acknowledgement.outcome == Communication.Outcome.SENT
    assert acknowledgement.sent_at is not None
    sent = order.events.get(kind=OrderEvent.Kind.COMMUNICATION_SENT)
    assert sent.data["simulated"] is True
    assert mail.outbox == []


def test_a_live_orders_email_is_still_sent(
    receive, stocked_product, django_capture_on_commit_callbacks
):
    product = stocked_product(10)
    with django_capture_on_commit_callbacks(execute=True):
        order = receive([(product.code, 1)])
    sent = order.events.get(kind=OrderEvent.Kind.COMMUNICATION_SENT)
    assert "simulated" not in sent.data
    assert len(mail.outbox) == 1


# -- kept out of what staff see ------------------------------------------------------


def test_a_practice_order_is_in_no_queue_list_or_count(
    practice_order, verified_order, learner
):
    # given a live order and a practice order, each verified
    live = verified_order()
    practice = practice_order()
    now = timezone.now()
    queue = QUEUES["to-confirm"]
    # then the queue, its count and the order list hold the live one only
    assert [o.pk for o in queue_orders(queue)] == [live.pk]
    (summary,) = queue_summaries([queue], now)
    assert summary.count == 1
    assert [o.pk for o in order_list(now=now)] == [live.pk]
    assert [o.pk for o in order_list(now=now, search=practice.reference)] == []
    # and overdue: however late, still only the live one
    later = now + timedelta(days=30)
    assert [o.pk for o in order_list(now=later, overdue=True)] == [live.pk]
    (summary,) = queue_summaries([queue], later)
    assert summary.overdue == 1


def test_a_practice_order_on_hold_is_in_no_queue(
    practice_order, held_live_order, learner
):
    # given a live and a practice order each held by an open exception
    practice = practice_order()
    exception_raise(order=practice, actor=learner, kind="other", found="Odd")
    live = held_live_order()
    # then only the live one waits in "to verify"
    assert [o.pk for o in queue_orders(QUEUES["to-verify"])] == [live.pk]


@pytest.fixture
def held_live_order(verified_order, processor):
    def make():
        order = verified_order()
        exception_raise(order=order, actor=processor, kind="other", found="Odd")
        return Order.objects.get(pk=order.pk)

    return make


def test_a_practice_orders_out_of_stock_is_never_escalated(
    practice_order, learner, settings
):
    # given a practice order's out-of-stock exception left open far past its target
    order = practice_order()
    exception_raise(
        order=order,
        actor=learner,
        kind=OrderException.Kind.OUT_OF_STOCK,
        found="None left",
        line=order.lines.first(),
    )
    # then the escalation sweep does not pick it up
    assert exceptions_due_escalation(timezone.now() + timedelta(days=30)) == []


def test_customer_search_finds_live_customers_only(db):
    live = CustomerFactory(name="Ada Lovelace")
    CustomerFactory(name="Ada Practice", practice=True)
    assert list(customer_search(query="Ada")) == [live]


def test_product_lookup_keeps_the_catalogues_apart(db):
    live = ProductFactory()
    practice = ProductFactory(practice=True)
    assert product_by_code(code=live.code) == live
    assert product_by_code(code=practice.code) is None
    assert product_by_code(code=practice.code, practice=True) == practice
    assert product_by_code(code=live.code, practice=True) is None
