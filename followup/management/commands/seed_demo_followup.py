"""`manage.py seed_demo_followup`: follow-ups and a complaint on the demo orders.

Run by `make run` after `seed_demo` (which makes the orders; orders does not know
the follow-up app, so its demo data is loaded here). Everything goes through the
services; running it again changes nothing.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from followup.complaints import (
    complaint_open,
    complaint_record_heat,
    complaint_set_remedy,
)
from followup.models import Complaint, FollowUp
from followup.services import follow_ups_schedule
from orders.models import Order

# A delivered demo order whose customer complains: (customer name, words, category).
COMPLAINT = (
    "Kevin Morris",
    "Two of the six packs of sticky tape arrived crushed and will not unroll. We "
    "need them for a move on Friday.",
    Complaint.Category.DAMAGED,
)


class Command(BaseCommand):
    help = "Schedule the demo orders' follow-ups and record a demo complaint."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        scheduled = follow_ups_schedule()
        name, words, category = COMPLAINT
        order = (
            Order.objects.filter(customer__name=name, status=Order.Status.DELIVERED)
            .order_by("-received_at")
            .first()
        )
        made = False
        if order is not None and not order.complaints.exists():
            processor = User.objects.get(username="processor")
            complaint = complaint_open(
                order=order, actor=processor, customer_words=words, category=category
            )
            complaint = complaint_record_heat(
                complaint=complaint,
                actor=processor,
                heard=True,
                empathised=True,
                apologised=True,
                owner=processor,
                action_plan="Send two replacement packs by our own van tomorrow; "
                "collect the crushed ones at the same time.",
            )
            complaint_set_remedy(
                complaint=complaint,
                actor=processor,
                remedy=Complaint.Remedy.REPLACEMENT,
            )
            made = True
        self.stdout.write(
            f"Follow-ups: {scheduled} scheduled now, "
            f"{FollowUp.objects.filter(status=FollowUp.Status.DUE).count()} due. "
            f"Complaints: {'1 recorded' if made else 'already recorded'}."
        )
