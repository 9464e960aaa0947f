"""Complaint pages: the list, opening one from an order, and the HEAT, remedy and
resolution forms on the complaint's page."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followup.complaints import (
    complaint_open,
    complaint_record_heat,
    complaint_set_remedy,
)
from followup.models import Complaint
from orders.models import Order, OrderEvent
from orders.services import (
    order_cancel,
    order_confirm,
    order_dispatch,
    order_start_fulfilment,
)


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def complaint(delivered_order, processor):
    def make(**fields):
        fields.setdefault("customer_words", "The box was crushed.")
        fields.setdefault("category", Complaint.Category.DAMAGED)
        return complaint_open(order=delivered_order(), actor=processor, **fields)

    return make


def version(order) -> int:
    return Order.objects.get(pk=order.pk).version


def ready_to_resolve(complaint, actor):
    complaint = complaint_record_heat(
        complaint=complaint,
        actor=actor,
        heard=True,
        empathised=True,
        apologised=True,
        owner=actor,
        action_plan="Replace it",
    )
    return complaint_set_remedy(complaint=complaint, actor=actor, remedy="replacement")


# -- roles ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["learner", "assessor"])
def test_learners_and_assessors_are_refused_every_complaint_page(
    client, request, role, complaint
):
    # Given a complaint, and a learner or assessor signed in
    c = complaint()
    client.force_login(request.getfixturevalue(role))
    # When they open or post to any complaint page, then they are refused
    for name, args in (
        ("followup:complaints", []),
        ("followup:complaint_open", [c.order.pk]),
        ("followup:complaint", [c.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 403
    for name in ("complaint_heat", "complaint_remedy", "complaint_resolve"):
        response = client.post(
            reverse(f"followup:{name}", args=[c.pk]),
            {"version": version(c.order), "heard": "on", "remedy": "refund"},
        )
        assert response.status_code == 403
    response = client.post(
        reverse("followup:complaint_open", args=[c.order.pk]),
        {"version": version(c.order), "customer_words": "x", "category": "late"},
    )
    assert response.status_code == 403
    # and nothing changed
    assert Complaint.objects.count() == 1
    c.refresh_from_db()
    assert c.heard_at is None
    assert c.remedy == ""


def test_signed_out_visitors_are_sent_to_sign_in(client, complaint):
    c = complaint()
    response = client.get(reverse("followup:complaint", args=[c.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["processor", "dispatcher", "supervisor"])
def test_staff_see_the_complaints_list(client, request, role, complaint):
    complaint()
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("followup:complaints"))
    assert response.status_code == 200
    assert "The box was crushed." not in response.text  # words on the complaint page
    assert "Damaged goods" in response.text


# -- the list ------------------------------------------------------------------------


def test_list_shows_open_first_and_overdue_highlighted(client, processor, complaint):
    # Given a resolved complaint, an open one on target and an overdue one
    resolved = ready_to_resolve(complaint(), processor)
    from followup.complaints import complaint_resolve

    complaint_resolve(
        complaint=resolved, actor=processor, resolution="Done", customer_satisfied=True
    )
    on_target = complaint(category=Complaint.Category.LATE)
    overdue = complaint(category=Complaint.Category.BILLING)
    Complaint.objects.filter(pk=overdue.pk).update(
        target_date=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(processor)
    # When the list is opened
    text = client.get(reverse("followup:complaints")).text
    # Then the overdue one comes first, marked overdue, then the one on target,
    # then the resolved one
    first = text.index(f"Complaint {overdue.pk}<")
    assert first < text.index(f"Complaint {on_target.pk}<")
    assert text.index(f"Complaint {on_target.pk}<") < text.index(
        f"Complaint {resolved.pk}<"
    )
    assert "Overdue: was due" in text
    assert "1 overdue" in text


def test_list_makes_the_same_number_of_queries_for_more_complaints(
    client, processor, complaint
):
    complaint()
    client.force_login(processor)
    url = reverse("followup:complaints")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        c = complaint()
    ready_to_resolve(c, processor)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# -- opening -------------------------------------------------------------------------


def test_a_processor_opens_a_complaint_from_the_order(
    client, processor, delivered_order
):
    # Given a delivered order
    order = delivered_order()
    client.force_login(processor)
    url = reverse("followup:complaint_open", args=[order.pk])
    # The page says the 30-day short-term right to reject applies, until when
    page = client.get(url)
    assert page.status_code == 200
    until = timezone.localdate() + timedelta(days=30)
    assert "short-term right to reject applies" in page.text
    assert f"{until:%d/%m/%Y}" in page.text
    # When they record the customer's words and the category
    response = client.post(
        url,
        {
            "version": version(order),
            "customer_words": "It came two days late.",
            "category": "late",
        },
    )
    # Then the complaint is recorded and they are on its page
    c = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("followup:complaint", args=[c.pk])
    assert c.customer_words == "It came two days late."
    assert c.opened_by == processor
    assert "acknowledged" in said(response)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"customer_words": "   ", "category": "late"}, "customer_words", "Write"),
        ({"customer_words": "Late", "category": ""}, "category", "Choose"),
        ({"customer_words": "Late", "category": "rude"}, "category", "from the list"),
        ({"customer_words": "x" * 5001, "category": "late"}, "customer_words", "5,000"),
    ],
)
def test_opening_with_bad_input_shows_the_message_by_the_field(
    client, processor, delivered_order, data, field, message
):
    order = delivered_order()
    client.force_login(processor)
    response = client.post(
        reverse("followup:complaint_open", args=[order.pk]),
        {"version": version(order), **data},
    )
    # Then the page comes back (400) with the message next to the field
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert f'id="error_1_id_complaintopen_{field}"' in response.text
    # and nothing was recorded
    assert not Complaint.objects.exists()


def test_opening_from_a_stale_page_is_refused_with_a_message(
    client, processor, delivered_order
):
    order = delivered_order()
    client.force_login(processor)
    response = client.post(
        reverse("followup:complaint_open", args=[order.pk]),
        {
            "version": version(order) - 1,
            "customer_words": "Late",
            "category": "late",
        },
    )
    assert response.status_code == 302
    assert "changed since you opened it" in said(response)
    assert not Complaint.objects.exists()


NOT_DISPATCHED = "has not been dispatched yet, so a complaint cannot be recorded"


def test_the_complaint_page_of_an_order_not_dispatched_says_why_without_a_form(
    client, processor, held_order
):
    # Given an order on hold, never confirmed, which its page offers no complaint for
    order = held_order()
    client.force_login(processor)
    url = reverse("followup:complaint_open", args=[order.pk])
    assert url not in client.get(reverse("orders:detail", args=[order.pk])).text
    # When the complaint page is opened by its address
    response = client.get(url)
    # Then it says why and what to do instead, and offers no form
    assert response.status_code == 200
    assert NOT_DISPATCHED in response.text
    assert "Record what the customer said as a call or a message" in response.text
    assert 'name="customer_words"' not in response.text
    assert reverse("orders:detail", args=[order.pk]) in response.text


def test_the_complaint_page_of_a_cancelled_order_says_why_without_a_form(
    client, processor, verified_order
):
    order = order_cancel(
        order=verified_order(), actor=processor, reason="Ordered by mistake"
    )
    client.force_login(processor)
    response = client.get(reverse("followup:complaint_open", args=[order.pk]))
    assert response.status_code == 200
    assert "was cancelled before it was dispatched" in response.text
    assert 'name="customer_words"' not in response.text


def test_posting_a_complaint_on_an_order_not_dispatched_records_nothing(
    client, processor, held_order
):
    # Given an order on hold, never confirmed
    order = held_order()
    client.force_login(processor)
    before = order.communications.count()
    # When a complaint is posted to it anyway
    response = client.post(
        reverse("followup:complaint_open", args=[order.pk]),
        {"version": version(order), "customer_words": "bad", "category": "late"},
    )
    # Then it is refused with the reason, and nothing is recorded or sent
    assert response.status_code == 409
    assert NOT_DISPATCHED in response.text
    assert not Complaint.objects.exists()
    assert not order.events.filter(kind=OrderEvent.Kind.COMPLAINT_OPENED).exists()
    assert order.communications.count() == before


def test_opening_for_a_missing_order_is_not_found(client, processor):
    client.force_login(processor)
    response = client.get(reverse("followup:complaint_open", args=[999999]))
    assert response.status_code == 404


def test_the_order_page_links_to_recording_a_complaint(
    client, processor, delivered_order
):
    order = delivered_order()
    client.force_login(processor)
    text = client.get(reverse("orders:detail", args=[order.pk])).text
    assert reverse("followup:complaint_open", args=[order.pk]) in text


# -- HEAT, remedy, resolve -----------------------------------------------------------


def post_to(client, name, c, data):
    return client.post(
        reverse(f"followup:{name}", args=[c.pk]),
        {"version": version(c.order), **data},
    )


def test_heat_remedy_and_resolution_through_the_page(
    client, processor, supervisor, complaint
):
    c = complaint()
    client.force_login(processor)
    page = client.get(reverse("followup:complaint", args=[c.pk]))
    assert page.status_code == 200
    assert "The box was crushed." in page.text
    assert "full refund as of right" in page.text
    # HEAT: heard, empathised, apologised, and a supervisor takes ownership
    response = post_to(
        client,
        "complaint_heat",
        c,
        {
            "heard": "on",
            "empathised": "on",
            "apologised": "on",
            "owner": supervisor.pk,
            "action_plan": "Send a new one today",
        },
    )
    assert response.status_code == 302
    assert "HEAT steps recorded" in said(response)
    # the remedy
    response = post_to(client, "complaint_remedy", c, {"remedy": "replacement"})
    assert response.status_code == 302
    assert "Remedy recorded" in said(response)
    # the resolution
    response = post_to(
        client,
        "complaint_resolve",
        c,
        {"resolution": "New one delivered", "customer_satisfied": "yes"},
    )
    assert response.status_code == 302
    assert "resolved" in said(response)
    c.refresh_from_db()
    assert c.status == Complaint.Status.RESOLVED
    assert c.customer_satisfied is True
    assert c.owner == supervisor
    assert c.remedy == "replacement"
    page = client.get(reverse("followup:complaint", args=[c.pk]))
    assert "New one delivered" in page.text
    assert "Resolve and tell the customer" not in page.text


def test_heat_out_of_order_is_refused_with_a_message(client, processor, complaint):
    c = complaint()
    client.force_login(processor)
    response = post_to(client, "complaint_heat", c, {"apologised": "on"})
    assert response.status_code == 302
    assert "HEAT steps are taken in order" in said(response)
    c.refresh_from_db()
    assert c.apologised_at is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"heard": "on", "action_plan": "Call back"}, "owner", "Choose who"),
        ({"owner": "999999", "action_plan": "Call back"}, "owner", "from the list"),
        ({"owner": "OWNER", "action_plan": "  "}, "action_plan", "action plan"),
    ],
)
def test_heat_bad_input_shows_the_message_by_the_field(
    client, processor, complaint, data, field, message
):
    c = complaint()
    client.force_login(processor)
    if data.get("owner") == "OWNER":
        data = {**data, "owner": processor.pk}
    response = post_to(client, "complaint_heat", c, data)
    assert response.status_code == 400
    assert message in " ".join(response.context["heat_form"].errors[field])
    assert f'id="error_1_id_heat_{field}"' in response.text
    c.refresh_from_db()
    assert c.heard_at is None
    assert c.owner is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "remedy", "Choose the remedy"),
        ({"remedy": "voucher"}, "remedy", "from the list"),
        ({"remedy": "none", "note": " "}, "note", "Say why no remedy"),
    ],
)
def test_remedy_bad_input_shows_the_message_by_the_field(
    client, processor, complaint, data, field, message
):
    c = complaint()
    client.force_login(processor)
    response = post_to(client, "complaint_remedy", c, data)
    assert response.status_code == 400
    assert message in " ".join(response.context["remedy_form"].errors[field])
    c.refresh_from_db()
    assert c.remedy == ""
    assert not c.order.events.filter(kind=OrderEvent.Kind.COMPLAINT_STEP).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"customer_satisfied": "yes"}, "resolution", "Write how"),
        ({"resolution": "  ", "customer_satisfied": "yes"}, "resolution", "Write"),
        ({"resolution": "Done"}, "customer_satisfied", "Say whether"),
        (
            {"resolution": "Done", "customer_satisfied": "maybe"},
            "customer_satisfied",
            "yes or no",
        ),
    ],
)
def test_resolve_bad_input_shows_the_message_by_the_field(
    client, processor, complaint, data, field, message
):
    c = ready_to_resolve(complaint(), processor)
    client.force_login(processor)
    response = post_to(client, "complaint_resolve", c, data)
    assert response.status_code == 400
    assert message in " ".join(response.context["resolve_form"].errors[field])
    c.refresh_from_db()
    assert c.status == Complaint.Status.OPEN


def test_resolving_before_the_steps_is_refused_with_a_message(
    client, processor, complaint
):
    c = complaint()
    client.force_login(processor)
    response = post_to(
        client,
        "complaint_resolve",
        c,
        {"resolution": "Done", "customer_satisfied": "no"},
    )
    assert response.status_code == 302
    assert "Record every HEAT step" in said(response)
    c.refresh_from_db()
    assert c.status == Complaint.Status.OPEN


@pytest.mark.parametrize("version_value", ["", "abc", "0", "-3", "¹"])
def test_a_bad_version_is_a_clear_message_not_a_crash(
    client, processor, complaint, version_value
):
    c = complaint()
    client.force_login(processor)
    response = client.post(
        reverse("followup:complaint_heat", args=[c.pk]),
        {"version": version_value, "heard": "on"},
    )
    assert response.status_code == 400
    assert "out of date" in response.text
    c.refresh_from_db()
    assert c.heard_at is None


def test_a_missing_complaint_is_not_found(client, processor):
    client.force_login(processor)
    assert client.get(reverse("followup:complaint", args=[999999])).status_code == 404
    response = client.post(
        reverse("followup:complaint_heat", args=[999999]), {"version": 1}
    )
    assert response.status_code == 404


def test_actions_are_post_only(client, processor, complaint):
    c = complaint()
    client.force_login(processor)
    for name in ("complaint_heat", "complaint_remedy", "complaint_resolve"):
        assert client.get(reverse(f"followup:{name}", args=[c.pk])).status_code == 405


def test_complaint_about_an_undelivered_order_says_the_right_does_not_apply(
    client, processor, dispatcher, verified_order, tomorrow
):
    # Given a complaint about an order dispatched but never delivered
    order = order_confirm(
        order=verified_order(), actor=processor, promised_date=tomorrow
    )
    order = order_start_fulfilment(order=order, actor=dispatcher)
    order_dispatch(order=order, actor=dispatcher, carrier="DPD")
    order.refresh_from_db()
    c = complaint_open(
        order=order, actor=processor, customer_words="Where is it?", category="late"
    )
    client.force_login(processor)
    # When its page is opened, then it says the right to reject does not apply
    text = client.get(reverse("followup:complaint", args=[c.pk])).text
    assert "delivery was not recorded when this complaint was raised" in text
    assert "full refund as of right" not in text


def test_an_expired_right_to_reject_says_when_it_ended(client, processor, complaint):
    # Given a complaint whose order was delivered more than 30 days before
    c = complaint()
    Complaint.objects.filter(pk=c.pk).update(short_term_right_to_reject=False)
    client.force_login(processor)
    text = client.get(reverse("followup:complaint", args=[c.pk])).text
    ended = timezone.localdate(c.opened_at) + timedelta(days=30)
    assert "right to reject does not apply" in text
    assert f"it ended on {ended:%d/%m/%Y}" in text
