"""`seed_demo_followup`: the demo orders' follow-ups and a complaint, for make run."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from followup.models import Complaint, FollowUp
from orders.models import Order


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo orders, then their follow-ups, once for the module (rolled back)."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ):
            call_command("seed_demo", stdout=StringIO())
            out = StringIO()
            call_command("seed_demo_followup", stdout=out)
            yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def output(seeded, db):
    return seeded


def test_every_delivered_demo_order_has_its_follow_up_scheduled(output):
    delivered = Order.objects.filter(status=Order.Status.DELIVERED)
    assert delivered.exists()
    for order in delivered:
        assert order.follow_ups.exists(), order.reference
    assert "scheduled now" in output


def test_a_demo_complaint_is_open_with_its_heat_steps_and_remedy(output):
    (complaint,) = Complaint.objects.all()
    assert complaint.status == Complaint.Status.OPEN
    assert complaint.category == Complaint.Category.DAMAGED
    assert all((complaint.heard_at, complaint.empathised_at, complaint.apologised_at))
    assert complaint.owner.username == "processor"
    assert complaint.remedy == Complaint.Remedy.REPLACEMENT
    assert complaint.short_term_right_to_reject is True  # delivered days ago


def test_loading_again_changes_nothing(output):
    before = (FollowUp.objects.count(), Complaint.objects.count())
    out = StringIO()
    call_command("seed_demo_followup", stdout=out)
    assert (FollowUp.objects.count(), Complaint.objects.count()) == before
    assert "already recorded" in out.getvalue()
