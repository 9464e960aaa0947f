"""Revision content and quiz items built in tests, independent of the data files."""

from datetime import UTC, datetime

import factory

from revision.models import ContentItem, Quiz, QuizItem, Section, Source
from revision.services.quizzes import answer_record, attempt_start

# In UTC, as timezone.now() gives it (London is on GMT in early March).
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
RIGHT = {"choice": "misconception"}  # the factory's judge item is a misconception
WRONG = {"choice": "true"}


class ContentItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentItem
        django_get_or_create = ("identifier",)

    identifier = factory.Sequence(lambda n: f"T-{n:03d}")
    section = Section.LEARNING_OBJECTIVE
    source = Source.UNIT_PAGE
    position = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"Content item {n}")


class QuizItemFactory(factory.django.DjangoModelFactory):
    """A judge item by default: "this statement is a misconception"."""

    class Meta:
        model = QuizItem
        skip_postgeneration_save = True

    identifier = factory.Sequence(lambda n: f"QI-TEST-{n:03d}")
    kind = QuizItem.Kind.JUDGE
    position = factory.Sequence(lambda n: n)
    prompt = factory.Sequence(lambda n: f"Statement {n}")
    data = factory.LazyFunction(lambda: {"misconception": True})
    explanation = "Because the seeds say so."

    @factory.post_generation
    def covers(self, create, extracted, **kwargs):
        if create and extracted:
            self.covers.set(extracted)


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz
        skip_postgeneration_save = True

    identifier = factory.Sequence(lambda n: f"QZ-TEST-{n:03d}")
    title = factory.Sequence(lambda n: f"Quiz {n}")
    position = factory.Sequence(lambda n: n)

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        if create and extracted:
            self.items.set(extracted)


ORDER_DATA = {
    "steps": ["Receipt", "Verification", "Confirmation", "Fulfilment", "Follow-up"]
}
MATCH_DATA = {
    "pairs": [
        ["Stock check", "Is the quantity available to reserve?"],
        ["Payment check", "Is the card authorised or the credit within limit?"],
        ["Duplicate check", "Has the same order already been received?"],
    ]
}
CHECK_DATA = {
    "options": ["Check the price list", "Check stock", "Check the payment"],
    "answer": "Check stock",
}
SCENARIO_DATA = {
    "order_text": "E-mail from Ms Patel: 12 boxes of A4 paper, code PAP-0001.",
    "options": ["Confirm the order", "Check stock and tell her the restock date"],
    "answer": "Check stock and tell her the restock date",
    "model_message": "E-mail Ms Patel, her preferred channel, with the restock date.",
    "checklist": ["MP-02", "MP-08"],
}


def every_kind() -> dict[str, QuizItem]:
    """One item of each kind, with the two marking points a scenario lists."""
    for identifier in ("MP-02", "MP-08"):
        ContentItemFactory(identifier=identifier, section=Section.MARKING_POINT)
    return {
        "judge": QuizItemFactory(),
        "order": QuizItemFactory(kind=QuizItem.Kind.ORDER, data=ORDER_DATA),
        "match": QuizItemFactory(kind=QuizItem.Kind.MATCH, data=MATCH_DATA),
        "check": QuizItemFactory(kind=QuizItem.Kind.CHECK, data=CHECK_DATA),
        "scenario": QuizItemFactory(kind=QuizItem.Kind.SCENARIO, data=SCENARIO_DATA),
    }


def answer_alone(learner, item, response=RIGHT, certainty=2, now=NOW):
    """Answer one item in a practice sitting of its own, at `now`."""
    attempt = attempt_start(
        learner=learner, mode="practice", quiz=QuizFactory(items=[item]), now=now
    )
    return answer_record(
        attempt=attempt,
        learner=learner,
        item=item,
        response=response,
        certainty=certainty,
        now=now,
    )
