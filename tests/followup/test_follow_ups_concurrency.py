"""Follow-up work done twice at the same moment on PostgreSQL (two beat runs, two
workers, a double-clicked feedback form): each thing happens once."""

import pytest
from django.core import mail

from followup.models import FollowUp
from followup.services import (
    FeedbackLinkInvalid,
    feedback_link_create,
    feedback_record,
    follow_ups_alert_overdue,
    follow_ups_schedule,
)
from orders.models import OrderEvent
from tests.orders.test_concurrency import run_together

from .deliveries import at, deliver

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

E = OrderEvent.Kind


@pytest.fixture
def delivered(verified_order, processor, dispatcher):
    processor.email = "owner@example.com"
    processor.save()
    return deliver(
        verified_order, processor=processor, dispatcher=dispatcher, when=at(2026, 3, 5)
    )


def test_two_schedulers_at_once_create_one_follow_up(delivered):
    # when two beat runs schedule at the same moment
    counts = run_together([follow_ups_schedule, follow_ups_schedule])
    # then the order has one follow-up and one event, whoever won
    assert sorted(counts) == [0, 1]
    assert delivered.follow_ups.count() == 1
    assert delivered.events.filter(kind=E.FOLLOW_UP_SCHEDULED).count() == 1


def test_two_alert_runs_at_once_email_the_owner_once(delivered):
    follow_ups_schedule()
    later = at(2026, 3, 9, 11)
    counts = run_together([lambda: follow_ups_alert_overdue(now=later)] * 2)
    assert sorted(counts) == [0, 1]
    alerts = [m.to for m in mail.outbox if m.subject.startswith("Overdue")]
    assert alerts == [["owner@example.com"]]
    assert delivered.events.filter(kind=E.FOLLOW_UP_OVERDUE).count() == 1


def test_a_double_submitted_feedback_form_records_once(delivered):
    follow_ups_schedule()
    follow_up = delivered.follow_ups.get()
    token = feedback_link_create(follow_up=follow_up)

    def answer():
        try:
            feedback_record(token=token, satisfaction=4, comments="Good")
        except FeedbackLinkInvalid as refused:
            return refused.status
        return "recorded"

    assert sorted(run_together([answer, answer]), key=str) == [410, "recorded"]
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DONE
    assert delivered.events.filter(kind=E.FEEDBACK_RECEIVED).count() == 1
