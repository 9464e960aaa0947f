"""Follow-ups after delivery: scheduled by rule in working days, once; alerts to the
owner then the supervisors when overdue; recorded by staff; negative feedback opens
a complaint."""

from datetime import timedelta

import pytest
from django.core import mail

from followup.models import FollowUp, FollowUpRule
from followup.services import (
    follow_up_record,
    follow_ups_alert_overdue,
    follow_ups_schedule,
    follow_ups_send_requests,
)
from followup.tasks import follow_ups_alert_overdue_task, follow_ups_schedule_task
from orders.exceptions import OrderPermissionError, OrderRuleError, StaleOrderError
from orders.models import Communication, Order, OrderEvent
from orders.services import order_close, order_record_follow_up

from ..factories import CustomerFactory, UserFactory
from .deliveries import at, deliver

E = OrderEvent.Kind
S = Order.Status
THURSDAY = at(2026, 3, 5, 10, 0)
FRIDAY = at(2026, 3, 6, 15, 30)
MONDAY = at(2026, 3, 9, 10, 0)


@pytest.fixture
def delivered(verified_order, processor, dispatcher):
    """A verified order taken to delivery at a chosen moment (Thursday by default)."""

    def make(when=THURSDAY, **fields):
        return deliver(
            lambda: verified_order(**fields),
            processor=processor,
            dispatcher=dispatcher,
            when=when,
        )

    return make


def scheduled_events(order):
    return list(order.events.filter(kind=E.FOLLOW_UP_SCHEDULED))


# --- Scheduling -----------------------------------------------------------------


def test_with_no_rule_a_delivery_check_falls_due_two_working_days_after_delivery(
    delivered, processor
):
    # given an order delivered on Thursday at 10:00, and no follow-up rules
    order = delivered()
    # when the scheduler runs
    assert follow_ups_schedule(now=THURSDAY + timedelta(minutes=1)) == 1
    # then a delivery check is due on Monday at 10:00, owned by who received it
    follow_up = order.follow_ups.get()
    assert follow_up.kind == FollowUpRule.Kind.DELIVERY_CHECK
    assert follow_up.due_at == MONDAY
    assert follow_up.owner == processor
    assert follow_up.status == FollowUp.Status.DUE
    assert follow_up.rule is None
    (event,) = scheduled_events(order)
    assert event.data["follow_up_id"] == follow_up.pk
    assert event.data["kind"] == "delivery_check"
    assert event.data["due_at"].startswith("2026-03-09T10:00")


def test_the_most_specific_matching_rule_applies_and_every_kind_is_scheduled(
    delivered,
):
    # given a general 3-day delivery check, a 1-day one for phone orders, and a
    # satisfaction request 5 working days after delivery for everyone
    FollowUpRule.objects.create(
        name="General", kind="delivery_check", working_days_after_delivery=3
    )
    FollowUpRule.objects.create(
        name="Phone orders",
        kind="delivery_check",
        working_days_after_delivery=1,
        order_channel="phone",
    )
    FollowUpRule.objects.create(
        name="Survey", kind="satisfaction", working_days_after_delivery=5
    )
    FollowUpRule.objects.create(
        name="Retired",
        kind="delivery_check",
        working_days_after_delivery=9,
        order_channel="phone",
        active=False,
    )
    # and a phone order and an e-mail order, both delivered on Friday at 15:30
    by_phone = delivered(FRIDAY, channel="phone")
    by_email = delivered(FRIDAY, channel="email")
    # when the scheduler runs
    assert follow_ups_schedule(now=FRIDAY) == 4
    # then the phone order's check is due Monday (1 working day, over the weekend)
    due = {(f.order_id, f.kind): f for f in FollowUp.objects.all()}
    assert due[by_phone.pk, "delivery_check"].due_at == at(2026, 3, 9, 15, 30)
    assert due[by_phone.pk, "delivery_check"].rule.name == "Phone orders"
    # the e-mail order's is due Wednesday (3 working days)
    assert due[by_email.pk, "delivery_check"].due_at == at(2026, 3, 11, 15, 30)
    # and both have a satisfaction request the Friday after
    assert due[by_phone.pk, "satisfaction"].due_at == at(2026, 3, 13, 15, 30)
    assert due[by_email.pk, "satisfaction"].due_at == at(2026, 3, 13, 15, 30)


def test_scheduling_is_idempotent(delivered):
    # given a delivered order whose follow-up has been scheduled
    order = delivered()
    follow_ups_schedule_task()
    # when beat runs the scheduler again, and again
    assert follow_ups_schedule() == 0
    assert follow_ups_schedule_task() == 0
    # then it still has one follow-up, and one event saying so
    assert order.follow_ups.count() == 1
    assert len(scheduled_events(order)) == 1


def test_an_order_not_yet_delivered_gets_no_follow_up(verified_order):
    # given an order that is only verified
    order = verified_order()
    # when the scheduler runs, then nothing is scheduled for it
    assert follow_ups_schedule() == 0
    assert not order.follow_ups.exists()


def test_a_customer_without_consent_gets_a_cancelled_follow_up_with_the_reason(
    delivered,
):
    # given a customer who has not agreed to courtesy contact
    customer = CustomerFactory(consent_to_contact=False)
    order = delivered(customer=customer)
    # when the scheduler runs
    follow_ups_schedule()
    # then the follow-up is marked not needed, and the event says why
    follow_up = order.follow_ups.get()
    assert follow_up.status == FollowUp.Status.CANCELLED
    (event,) = scheduled_events(order)
    assert event.data["status"] == "cancelled"
    assert "not agreed to courtesy contact" in event.data["reason"]
    # and nobody can record it, nor is anyone alerted about it
    assert follow_ups_alert_overdue(now=MONDAY + timedelta(days=10)) == 0
    with pytest.raises(OrderRuleError, match="not needed"):
        follow_up_record(
            follow_up=follow_up,
            actor=UserFactory(role="processor"),
            method="phone",
            outcome="reached",
            satisfaction=5,
            comments="Fine",
        )


# --- Overdue alerts -------------------------------------------------------------


def test_an_overdue_follow_up_alerts_its_owner_then_the_supervisors_once_each(
    delivered, processor, supervisor
):
    # given a follow-up due Monday 10:00, owned by a processor with an e-mail
    processor.email = "owner@example.com"
    processor.save()
    supervisor.email = "boss@example.com"
    supervisor.save()
    order = delivered()
    follow_ups_schedule()
    follow_up = order.follow_ups.get()
    # when the alert task runs before it is due, then nobody is alerted
    assert follow_ups_alert_overdue(now=MONDAY - timedelta(minutes=1)) == 0
    assert mail.outbox == []
    # when it runs just after, then the owner is e-mailed, once however often it runs
    assert follow_ups_alert_overdue(now=MONDAY + timedelta(minutes=1)) == 1
    assert follow_ups_alert_overdue(now=MONDAY + timedelta(minutes=2)) == 0
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert order.reference in mail.outbox[0].subject
    follow_up.refresh_from_db()
    assert follow_up.owner_alerted_at == MONDAY + timedelta(minutes=1)
    # when it is still due a working day later, then the supervisors are e-mailed
    assert follow_ups_alert_overdue(now=MONDAY + timedelta(hours=23)) == 0
    assert follow_ups_alert_overdue(now=MONDAY + timedelta(days=1, minutes=2)) == 1
    assert follow_ups_alert_overdue(now=MONDAY + timedelta(days=3)) == 0
    assert [m.to for m in mail.outbox] == [["owner@example.com"], ["boss@example.com"]]
    follow_up.refresh_from_db()
    assert follow_up.supervisor_alerted_at == MONDAY + timedelta(days=1, minutes=2)
    # and the trail records both alerts
    alerts = order.events.filter(kind=E.FOLLOW_UP_OVERDUE)
    assert [event.data["to"] for event in alerts] == ["owner", "supervisors"]


def test_the_supervisor_delay_comes_from_settings(delivered, supervisor, settings):
    settings.ORDERDESK = {
        **settings.ORDERDESK,
        "FOLLOW_UP_SUPERVISOR_AFTER": {"hours": 2},
    }
    supervisor.email = "boss@example.com"
    supervisor.save()
    order = delivered()
    follow_ups_schedule()
    follow_ups_alert_overdue(now=MONDAY)
    # when it is still due two hours after the owner was alerted
    assert follow_ups_alert_overdue(now=MONDAY + timedelta(hours=2)) == 1
    # then the supervisors hear of it
    assert mail.outbox[-1].to == ["boss@example.com"]
    assert order.follow_ups.get().supervisor_alerted_at is not None


def test_a_recorded_follow_up_alerts_nobody(delivered, processor):
    order = delivered()
    follow_ups_schedule()
    follow_up_record(
        follow_up=order.follow_ups.get(),
        actor=processor,
        method="phone",
        outcome="reached",
        satisfaction=4,
        comments="All fine.",
    )
    assert follow_ups_alert_overdue_task() == 0
    assert mail.outbox == []


def test_an_order_followed_up_from_the_order_page_alerts_nobody(delivered, processor):
    # given a delivery check, and a follow-up recorded on the order page instead
    order = delivered()
    follow_ups_schedule()
    order_record_follow_up(
        order=order, actor=processor, channel="phone", outcome="reached", notes="Ok"
    )
    # when it would be overdue, then nobody is chased about it
    assert follow_ups_alert_overdue(now=MONDAY + timedelta(days=5)) == 0
    assert mail.outbox == []


# --- Recording ------------------------------------------------------------------


def test_recording_a_reached_follow_up_marks_it_done_and_lets_the_order_close(
    delivered, processor
):
    # given a due follow-up
    order = delivered()
    follow_ups_schedule()
    follow_up = order.follow_ups.get()
    # when the processor records the call
    follow_up_record(
        follow_up=follow_up,
        actor=processor,
        method="phone",
        outcome="reached",
        satisfaction=5,
        comments="Arrived safely, very happy.",
        expected_version=order.version,
    )
    # then the follow-up is done with what was said, and the order followed up
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DONE
    assert (follow_up.method, follow_up.outcome, follow_up.satisfaction) == (
        "phone",
        "reached",
        5,
    )
    assert follow_up.completed_by == processor
    assert follow_up.communication.content == "Arrived safely, very happy."
    order.refresh_from_db()
    assert order.status == S.FOLLOWED_UP
    # and the order can now be closed
    assert order_close(order=order, actor=processor).status == S.CLOSED


def test_no_answer_is_kept_but_leaves_the_follow_up_due(delivered, processor):
    order = delivered()
    follow_ups_schedule()
    follow_up = order.follow_ups.get()
    follow_up_record(
        follow_up=follow_up,
        actor=processor,
        method="phone",
        outcome="no_answer",
        satisfaction=None,
        comments="Rang at 10:05, no answer.",
    )
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DUE
    assert follow_up.outcome == "no_answer"
    assert Order.objects.get(pk=order.pk).status == S.DELIVERED
    assert order.communications.filter(
        purpose="follow_up", outcome="no_answer"
    ).exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"method": "pigeon"}, "Choose how you contacted"),
        ({"outcome": "whatever"}, "Choose the outcome"),
        ({"satisfaction": 6}, "from 1 to 5"),
        ({"comments": "   "}, "Write what the customer said"),
        ({"outcome": "no_answer", "satisfaction": 3}, "did not reach"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    delivered, processor, fields, message
):
    order = delivered()
    follow_ups_schedule()
    follow_up = order.follow_ups.get()
    before = Order.objects.get(pk=order.pk).version
    arguments = {
        "method": "phone",
        "outcome": "reached",
        "satisfaction": 4,
        "comments": "Fine.",
        **fields,
    }
    with pytest.raises(OrderRuleError, match=message):
        follow_up_record(follow_up=follow_up, actor=processor, **arguments)
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DUE
    assert Order.objects.get(pk=order.pk).version == before


def test_only_processors_and_supervisors_record_and_a_stale_page_is_refused(
    delivered, processor, dispatcher, supervisor
):
    order = delivered()
    follow_ups_schedule()
    follow_up = order.follow_ups.get()
    arguments = {
        "method": "phone",
        "outcome": "reached",
        "satisfaction": 4,
        "comments": "Fine.",
    }
    with pytest.raises(OrderPermissionError):
        follow_up_record(follow_up=follow_up, actor=dispatcher, **arguments)
    with pytest.raises(StaleOrderError):
        follow_up_record(
            follow_up=follow_up,
            actor=processor,
            expected_version=order.version - 1,
            **arguments,
        )
    follow_up_record(follow_up=follow_up, actor=supervisor, **arguments)
    # and it cannot be recorded twice
    with pytest.raises(OrderRuleError, match="already recorded"):
        follow_up_record(follow_up=follow_up, actor=processor, **arguments)


def test_a_second_follow_up_after_the_order_moved_on_is_still_recorded(
    delivered, processor
):
    # given a delivery check and a satisfaction request; the check was recorded
    FollowUpRule.objects.create(name="Check", kind="delivery_check")
    FollowUpRule.objects.create(name="Survey", kind="satisfaction")
    order = delivered()
    follow_ups_schedule()
    arguments = {"method": "phone", "outcome": "reached", "comments": "Fine."}
    follow_up_record(
        follow_up=order.follow_ups.get(kind="delivery_check"),
        actor=processor,
        satisfaction=None,
        **arguments,
    )
    # when the satisfaction follow-up is recorded on the followed-up order
    survey = follow_up_record(
        follow_up=order.follow_ups.get(kind="satisfaction"),
        actor=processor,
        satisfaction=4,
        **arguments,
    )
    # then it is done and the order stays followed up
    assert survey.status == FollowUp.Status.DONE
    assert Order.objects.get(pk=order.pk).status == S.FOLLOWED_UP


# --- Negative feedback opens a complaint ----------------------------------------


@pytest.mark.parametrize(
    ("satisfaction", "complaint", "category", "opened"),
    [
        (1, False, "", "other"),
        (2, False, "", "other"),
        (3, False, "", None),
        (4, True, "damaged", "damaged"),
    ],
)
def test_a_low_score_or_a_complaint_opens_a_complaint(
    delivered, processor, satisfaction, complaint, category, opened
):
    order = delivered()
    follow_ups_schedule()
    follow_up = order.follow_ups.get()
    follow_up_record(
        follow_up=follow_up,
        actor=processor,
        method="phone",
        outcome="reached",
        satisfaction=satisfaction,
        comments="The box was crushed and one mug broken.",
        complaint=complaint,
        complaint_category=category,
    )
    complaints = list(order.complaints.all())
    if opened is None:
        assert complaints == []
        return
    (opened_complaint,) = complaints
    assert opened_complaint.category == opened
    assert opened_complaint.follow_up == follow_up
    assert opened_complaint.customer_words == "The box was crushed and one mug broken."
    assert order.events.filter(kind=E.COMPLAINT_OPENED).exists()


# --- The satisfaction request e-mail --------------------------------------------


def test_a_due_satisfaction_request_is_emailed_once_with_its_private_link(
    delivered, django_capture_on_commit_callbacks
):
    FollowUpRule.objects.create(name="Survey", kind="satisfaction")
    order = delivered()
    follow_ups_schedule()
    follow_up = order.follow_ups.get()
    # when the request task runs after it falls due, twice
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_ups_send_requests(now=MONDAY) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_ups_send_requests(now=MONDAY) == 0
    # then the customer gets one e-mail, carrying an absolute feedback link
    (message,) = mail.outbox
    assert message.to == [order.customer.email]
    assert "http://localhost:8000/followup/feedback/" in message.body
    assert follow_up.feedback_links.count() == 1
    communication = order.communications.get(purpose="satisfaction_request")
    assert communication.outcome == Communication.Outcome.SENT
