"""`manage.py seed_demo_portfolio`: the demo learner's practice and portfolio.

Run by `make run` after the unit's content is loaded. The demo learner works one
practice scenario (PS-01) the way the model handling does, through the same
services the pages call, adds it to their portfolio with a reflection, and the demo
assessor is assigned to review it. Running it again changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from orders.models import Communication, Order, OrderException
from orders.selectors.detail import earliest_promise_date
from orders.services import (
    order_confirm,
    order_record_follow_up,
    out_of_stock_handle,
    verification_run,
)
from orders.services.messages import message_send
from portfolio.services import entry_add, portfolio_for
from revision.models import Scenario
from revision.services.practice import (
    practice_customer_replies,
    practice_finish,
    practice_fulfil,
    practice_start,
)

REFLECTION = (
    "The stock check failed, so I e-mailed Mrs Patel before promising anything and "
    "recorded her agreement to wait. Next time I will tell her the restock date in "
    "the first message so she can plan."
)


def _model_run(learner, scenario: Scenario) -> Order:
    """PS-01 handled as the model handling says."""
    attempt = practice_start(learner=learner, scenario=scenario)
    order = verification_run(order_id=attempt.order_id, worker="seed")
    message_send(
        order=order,
        actor=learner,
        purpose=Communication.Purpose.BACKORDER_NOTICE,
        channel="email",
        subject=f"Your order {order.reference}: paper out of stock",
        body=(
            "Dear Mrs Patel,\n\nThank you for your order. The A4 80 gsm paper is out "
            "of stock; more arrives in four days. May we send your 10 boxes then?"
            "\n\nKind regards"
        ),
    )
    (reply,) = practice_customer_replies(attempt=attempt, learner=learner)
    out_of_stock_handle(
        exception=order.exceptions.get(kind=OrderException.Kind.OUT_OF_STOCK),
        actor=learner,
        option=OrderException.Handling.BACKORDER,
        agreement=reply.content,
        agreement_channel="email",
    )
    order = Order.objects.get(pk=order.pk)
    order_confirm(
        order=order,
        actor=learner,
        promised_date=earliest_promise_date(order, timezone.localdate()),
    )
    practice_fulfil(attempt=attempt, learner=learner)
    order_record_follow_up(
        order=Order.objects.get(pk=order.pk),
        actor=learner,
        channel="email",
        outcome=Communication.Outcome.REACHED,
        notes="Mrs Patel says the paper arrived on the promised day; very happy.",
        satisfaction=5,
    )
    practice_finish(attempt=attempt, learner=learner)
    return order


class Command(BaseCommand):
    help = "Give the demo learner a practised order in a portfolio for the assessor."

    def handle(self, *args, **options) -> None:
        try:
            learner = User.objects.get(username="learner")
            assessor = User.objects.get(username="assessor")
            scenario = Scenario.objects.get(identifier="PS-01", active=True)
        except (User.DoesNotExist, Scenario.DoesNotExist) as error:
            raise CommandError(
                "Run seed_demo and load_revision_content first."
            ) from error
        portfolio = portfolio_for(learner)
        if portfolio.assessor_id is None:
            portfolio.assessor = assessor
            portfolio.save(update_fields=["assessor"])
        if portfolio.entries.exists():
            self.stdout.write("Demo portfolio already there: nothing to do.")
            return
        order = _model_run(learner, scenario)
        entry_add(learner=learner, order=order, reflection=REFLECTION)
        self.stdout.write(
            f"Demo portfolio: {order.reference} (practice {scenario.identifier}) for "
            f"{learner.username}, assessed by {assessor.username}."
        )
