"""`manage.py seed_demo_portfolio`: the demo learner's practice and portfolio.

Run by `make run` after the unit's content is loaded. The demo learner works one
practice scenario (PS-01) the way the model handling does, through the same
services the pages call, adds it to their portfolio with a reflection, and the demo
assessor is assigned to review it. Running it again changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from portfolio.demo import ps01_model_run
from portfolio.services import entry_add, portfolio_for
from revision.models import Scenario

REFLECTION = (
    "The stock check failed, so I e-mailed Mrs Patel before promising anything and "
    "recorded her agreement to wait. Next time I will tell her the restock date in "
    "the first message so she can plan."
)


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
        order = ps01_model_run(learner, scenario)
        entry_add(learner=learner, order=order, reflection=REFLECTION)
        self.stdout.write(
            f"Demo portfolio: {order.reference} (practice {scenario.identifier}) for "
            f"{learner.username}, assessed by {assessor.username}."
        )
