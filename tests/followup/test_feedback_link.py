"""The customer's private feedback link: no account, expires, works once, and only
for its own order's follow-up."""

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from followup.models import FeedbackLink, FollowUp
from followup.services import (
    FeedbackLinkInvalid,
    feedback_link_create,
    feedback_record,
    follow_ups_schedule,
)
from orders.models import Order, OrderEvent

from .deliveries import at, deliver

S = Order.Status
E = OrderEvent.Kind


@pytest.fixture
def due_follow_up(verified_order, processor, dispatcher):
    """A due delivery check on an order delivered on a Thursday."""

    def make(**fields):
        order = deliver(
            lambda: verified_order(**fields),
            processor=processor,
            dispatcher=dispatcher,
            when=at(2026, 3, 5),
        )
        follow_ups_schedule()
        return order.follow_ups.get()

    return make


def url(token: str) -> str:
    return reverse("followup:feedback", args=[token])


def test_only_the_hash_of_the_token_is_stored(due_follow_up):
    follow_up = due_follow_up()
    token = feedback_link_create(follow_up=follow_up)
    link = FeedbackLink.objects.get()
    assert len(token) >= 40
    assert token not in link.token_hash
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert link.expires_at > timezone.now() + timedelta(days=13)


def test_a_valid_link_shows_the_order_and_records_the_customers_feedback(
    client, due_follow_up
):
    # given a customer with a link for their order's follow-up
    follow_up = due_follow_up()
    order = follow_up.order
    token = feedback_link_create(follow_up=follow_up)
    # when they open it (not signed in), then they see the order and its first line
    page = client.get(url(token))
    assert page.status_code == 200
    text = page.content.decode()
    assert order.reference in text
    assert order.lines.get().product.name in text
    # but not their name, address or e-mail
    assert escape(order.customer.name) not in text
    assert order.customer.email not in text
    assert order.customer.postcode not in text
    # when they rate it 4 with a comment
    answer = client.post(url(token), {"satisfaction": "4", "comments": "Quick, ta."})
    # then they are thanked, and the follow-up is recorded as theirs by e-mail
    assert answer.status_code == 200
    assert "Thank you" in answer.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DONE
    assert (follow_up.method, follow_up.outcome) == ("email", "received")
    assert (follow_up.satisfaction, follow_up.comments) == (4, "Quick, ta.")
    assert follow_up.completed_by is None
    assert Order.objects.get(pk=order.pk).status == S.FOLLOWED_UP
    (event,) = order.events.filter(kind=E.FEEDBACK_RECEIVED)
    assert event.data == {"follow_up_id": follow_up.pk, "satisfaction": 4}
    assert event.actor is None
    assert not order.complaints.exists()


def test_a_replayed_link_is_gone_and_records_nothing(client, due_follow_up):
    follow_up = due_follow_up()
    token = feedback_link_create(follow_up=follow_up)
    client.post(url(token), {"satisfaction": "5", "comments": "Great"})
    events = OrderEvent.objects.count()
    # when the same link is opened or posted again
    again = client.get(url(token))
    replay = client.post(url(token), {"satisfaction": "1", "comments": "Changed mind"})
    # then it says we already have their feedback, and nothing changes
    assert again.status_code == 410
    assert replay.status_code == 410
    assert "already have your feedback" in replay.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.satisfaction == 5
    assert OrderEvent.objects.count() == events
    with pytest.raises(FeedbackLinkInvalid):
        feedback_record(token=token, satisfaction=3, comments="")


def test_an_expired_link_is_gone_and_records_nothing(client, due_follow_up):
    follow_up = due_follow_up()
    token = feedback_link_create(follow_up=follow_up, days_valid=14)
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        page = client.get(url(token))
        post = client.post(url(token), {"satisfaction": "5"})
    assert page.status_code == post.status_code == 410
    assert "expired" in post.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DUE
    assert not follow_up.order.events.filter(kind=E.FEEDBACK_RECEIVED).exists()


@pytest.mark.parametrize("token", ["nope", "x" * 43, "%00", "' OR 1=1 --"])
def test_an_unknown_link_is_not_found_and_records_nothing(client, due_follow_up, token):
    follow_up = due_follow_up()
    feedback_link_create(follow_up=follow_up)
    page = client.post(url(token), {"satisfaction": "1"})
    assert page.status_code == 404
    assert "not one of ours" in page.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DUE


def test_a_link_answers_only_its_own_orders_follow_up(client, due_follow_up, customer):
    # given two customers' orders, each with a link
    mine = due_follow_up()
    theirs = due_follow_up()
    token = feedback_link_create(follow_up=mine)
    feedback_link_create(follow_up=theirs)
    # when the first customer answers
    client.post(url(token), {"satisfaction": "2", "comments": "Late"})
    # then only their follow-up is recorded; the other order is untouched
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == FollowUp.Status.DONE
    assert theirs.status == FollowUp.Status.DUE
    assert not theirs.order.events.filter(kind=E.FEEDBACK_RECEIVED).exists()


def test_a_follow_up_already_recorded_by_staff_closes_its_link(
    client, due_follow_up, processor
):
    from followup.services import follow_up_record

    follow_up = due_follow_up()
    token = feedback_link_create(follow_up=follow_up)
    follow_up_record(
        follow_up=follow_up,
        actor=processor,
        method="phone",
        outcome="reached",
        satisfaction=5,
        comments="Fine",
    )
    assert client.get(url(token)).status_code == 410


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a rating from 1 to 5."),
        ({"satisfaction": "6"}, "Select a valid choice"),
        ({"satisfaction": "five"}, "Select a valid choice"),
        ({"satisfaction": "3", "comments": "x" * 4001}, "at most 4000 characters"),
    ],
)
def test_bad_feedback_gets_a_message_next_to_the_field_and_records_nothing(
    client, due_follow_up, data, message
):
    follow_up = due_follow_up()
    token = feedback_link_create(follow_up=follow_up)
    page = client.post(url(token), data)
    assert page.status_code == 400
    assert message in page.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DUE
    assert FeedbackLink.objects.get().used_at is None
    # and the link still works afterwards
    assert client.get(url(token)).status_code == 200


def test_a_low_rating_by_link_opens_a_complaint_in_the_customers_words(
    client, due_follow_up
):
    follow_up = due_follow_up()
    token = feedback_link_create(follow_up=follow_up)
    client.post(url(token), {"satisfaction": "1", "comments": "Arrived broken."})
    (complaint,) = follow_up.order.complaints.all()
    assert complaint.customer_words == "Arrived broken."
    assert complaint.follow_up == follow_up
    assert complaint.opened_by is None


def test_the_feedback_page_requires_a_csrf_token(due_follow_up):
    from django.test import Client

    follow_up = due_follow_up()
    token = feedback_link_create(follow_up=follow_up)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url(token), {"satisfaction": "5"}).status_code == 403
    page = strict.get(url(token))
    csrf = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()
    )
    assert (
        strict.post(
            url(token), {"satisfaction": "5", "csrfmiddlewaretoken": csrf.group(1)}
        ).status_code
        == 200
    )
