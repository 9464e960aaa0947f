"""The unit's content as data, its quizzes, every attempt and answer, and each
learner's spaced-repetition cards and revision plan.

Content and quiz rows carry a stable `identifier` (MP-01, QI-JUDGE-03, …) taken from
the data file in `revision/content/`; answers, progress and (later) practice scores
refer to items through it, so reloading the file never breaks a learner's history.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from config.append_only import AppendOnly


class Section(models.TextChoices):
    """The parts of the unit, in the order the overview lists them."""

    SYNOPSIS = "synopsis", "Topic synopsis"
    OVERVIEW = "overview", "Topic overview"
    KEY_CONCEPT = "key_concept", "Key concepts and core principles"
    LEARNING_OBJECTIVE = "learning_objective", "Learning objectives"
    KEY_SKILL = "key_skill", "Key skills"
    PRIOR_KNOWLEDGE = "prior_knowledge", "Before you start"
    KEY_TERM = "key_term", "Key terminology"
    MISCONCEPTION = "misconception", "Common mistakes and misconceptions"
    MARKING_POINT = "marking_point", "Examiner marking points"
    ASSESSMENT_CRITERION = "assessment_criterion", "Assessment criteria"
    ASSESSMENT_GUIDANCE = "assessment_guidance", "Assessment guidance"
    EXAM_TIP = "exam_tip", "Exam tips and revision strategies"
    QUESTION_TYPE = "question_type", "Exam question types"
    REVISION_PLAN = "revision_plan", "Revision plan"


SECTION_ORDER = {value: position for position, value in enumerate(Section.values)}


class Source(models.TextChoices):
    """Which of the two seed documents an item comes from."""

    SUMMARY = "seed-000", "Revision summary (seeds/000)"
    UNIT_PAGE = "seed-001", "Unit revision page (seeds/001)"


class LoadedFromFile(models.Model):
    """A row loaded from the data file. `source_digest` is the digest of the file's
    version of the row at the last load: a reload changes the row only when the file
    changed, so an edit made in the admin survives until the file says otherwise."""

    identifier = models.SlugField(max_length=40, unique=True)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(
        default=True, help_text="Inactive rows are hidden from learners."
    )
    source_digest = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ContentItem(LoadedFromFile):
    """One item of the unit: a marking point, a misconception, a key term, …"""

    section = models.CharField(max_length=24, choices=Section.choices)
    source = models.CharField(max_length=8, choices=Source.choices)
    title = models.CharField(
        max_length=200, blank=True, help_text="A key term, a concept's name, a step."
    )
    text = models.TextField(help_text="As the seed words it, unless marked ours.")
    text_written_here = models.BooleanField(
        default=False,
        help_text="The seed gives only a term or a count; this text is ours.",
    )
    correction = models.TextField(
        blank=True, help_text="Misconceptions and mistakes: what is true instead."
    )
    correction_written_here = models.BooleanField(default=False)
    advice = models.TextField(
        blank=True,
        help_text="Question types: the seed's advice for answering. Marking points "
        "and criteria: the seed's advice to read when the point is missed.",
    )
    must_show = models.TextField(
        blank=True,
        help_text="Marking points and criteria: what a learner must show (ours).",
    )
    plan_first_day = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(14)]
    )
    plan_last_day = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(14)]
    )

    class Meta:
        ordering = ["section", "position"]
        indexes = [models.Index(fields=["section", "position"])]

    def __str__(self) -> str:
        return f"{self.identifier}: {self.title or self.text[:60]}"


class QuizItem(LoadedFromFile):
    """One question; each is also a spaced-repetition card for every learner.

    `data` holds what the kind needs (see revision/grading.py for each shape).
    """

    class Kind(models.TextChoices):
        JUDGE = "judge", "True, or a misconception?"
        ORDER = "order", "Put in order"
        MATCH = "match", "Match terms to definitions"
        CHECK = "check", "Which check?"
        SCENARIO = "scenario", "Scenario"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    prompt = models.TextField()
    data = models.JSONField(default=dict)
    explanation = models.TextField(
        help_text="Shown after an answer: the correction, or why the answer is right."
    )
    covers = models.ManyToManyField(
        ContentItem,
        related_name="quiz_items",
        blank=True,
        help_text="Learning objectives, marking points, misconceptions it tests.",
    )

    class Meta:
        ordering = ["kind", "position"]

    def __str__(self) -> str:
        return f"{self.identifier}: {self.prompt[:60]}"


class Quiz(LoadedFromFile):
    """A named set of quiz items, taken in practice (feedback after each answer) or
    as a mock exam (feedback at the end)."""

    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    items = models.ManyToManyField(QuizItem, related_name="quizzes")
    plan_steps = models.ManyToManyField(
        ContentItem,
        related_name="plan_quizzes",
        blank=True,
        limit_choices_to={"section": Section.REVISION_PLAN},
        help_text="Revision-plan steps whose days link to this quiz.",
    )

    class Meta:
        ordering = ["position"]
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return self.title


class Certainty(models.IntegerChoices):
    """Certainty-based marking (Gardner-Medwin): marks for right / wrong."""

    LOW = 1, "Not sure"
    MEDIUM = 2, "Fairly sure"
    HIGH = 3, "Very sure"


class Attempt(models.Model):
    """One sitting of a quiz (or of the day's reviews). The items and their order
    are fixed when it starts; it is finished once, and never changed after."""

    class Mode(models.TextChoices):
        PRACTICE = "practice", "Practice: feedback after each answer"
        MOCK = "mock", "Mock exam: feedback at the end"
        REVIEW = "review", "Review: the cards due today"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts"
    )
    quiz = models.ForeignKey(
        Quiz, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts"
    )
    mode = models.CharField(max_length=8, choices=Mode.choices)
    item_ids = models.JSONField(help_text="QuizItem primary keys, in asking order.")
    shuffle_seed = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["learner", "-started_at"])]

    def __str__(self) -> str:
        what = self.quiz.title if self.quiz_id else "Reviews"
        return f"{what} ({self.get_mode_display()}) by {self.learner}"

    @property
    def defers_feedback(self) -> bool:
        return self.mode == self.Mode.MOCK


class Answer(AppendOnly):
    """A learner's answer to one item in one attempt, marked when given."""

    attempt = models.ForeignKey(
        Attempt, on_delete=models.PROTECT, related_name="answers"
    )
    item = models.ForeignKey(QuizItem, on_delete=models.PROTECT, related_name="answers")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="answers"
    )
    response = models.JSONField()
    certainty = models.PositiveSmallIntegerField(choices=Certainty.choices)
    correct = models.BooleanField()
    parts_right = models.PositiveSmallIntegerField(default=0)
    parts_total = models.PositiveSmallIntegerField(default=1)
    marks = models.SmallIntegerField(help_text="Certainty-based marks.")
    confident_wrong = models.BooleanField(
        default=False, help_text="Wrong while sure: a misconception to revisit."
    )
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["attempt", "answered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "item"], name="one_answer_per_item_per_attempt"
            )
        ]
        indexes = [models.Index(fields=["learner", "item", "-answered_at"])]

    def __str__(self) -> str:
        return f"{self.item.identifier} by {self.learner}: {self.marks:+d}"


class SelfAssessment(AppendOnly):
    """A learner's own judgement of a scenario answer against one marking point."""

    answer = models.ForeignKey(
        Answer, on_delete=models.PROTECT, related_name="self_assessments"
    )
    marking_point = models.ForeignKey(
        ContentItem, on_delete=models.PROTECT, related_name="self_assessments"
    )
    met = models.BooleanField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "marking_point"], name="one_judgement_per_point"
            )
        ]

    def __str__(self) -> str:
        verdict = "met" if self.met else "not met"
        return f"{self.marking_point.identifier} {verdict} ({self.answer_id})"


class ReviewCard(models.Model):
    """An item as one learner's FSRS card: the fsrs.Card fields, kept in columns so
    "due today" is a query."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards"
    )
    item = models.ForeignKey(
        QuizItem, on_delete=models.CASCADE, related_name="review_cards"
    )
    state = models.PositiveSmallIntegerField(default=1)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField(default=timezone.now)
    last_review = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "item"], name="one_card_per_learner_item"
            )
        ]
        indexes = [models.Index(fields=["learner", "due"])]

    def __str__(self) -> str:
        return f"{self.item.identifier} for {self.learner}, due {self.due:%Y-%m-%d}"


class ReviewLog(AppendOnly):
    """Every scheduling of a card: an answer rated by FSRS, or a misconception put
    back into the queue."""

    class Reason(models.TextChoices):
        ANSWER = "answer", "Answered"
        MISCONCEPTION = "misconception", "Misconception to revisit"

    card = models.ForeignKey(ReviewCard, on_delete=models.CASCADE, related_name="logs")
    answer = models.OneToOneField(
        Answer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_log",
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    due_before = models.DateTimeField()
    due_after = models.DateTimeField()
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["reviewed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: due {self.due_after:%Y-%m-%d}"


class RevisionPlan(models.Model):
    """A learner's two-week plan: the seeds' five steps laid on their own dates."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="revision_plan"
    )
    starts_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Plan for {self.learner} from {self.starts_on:%d %b %Y}"


class PlanDay(models.Model):
    """One day of a plan (1–14), ticked off when done."""

    plan = models.ForeignKey(
        RevisionPlan, on_delete=models.CASCADE, related_name="days"
    )
    day = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(14)]
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "day"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "day"], name="one_row_per_plan_day")
        ]

    def __str__(self) -> str:
        return f"Day {self.day} of {self.plan}"


class Scenario(LoadedFromFile):
    """A practice scenario: an incoming order with planted problems, the customer,
    stock and payment it runs against, and the model handling.

    `data` holds the customer, the order as captured, stock, payment, what the
    customer really asked for, earlier orders and the simulated customer's replies;
    `expected` the model handling (see revision/content/scenarios.toml).
    """

    class Problem(models.TextChoices):
        WRONG_CODE = "wrong_code", "Wrong product code"
        INACTIVE_CODE = "inactive_code", "Inactive product code"
        QUANTITY_MISMATCH = "quantity_mismatch", "Quantity differs from the request"
        CONTACT_MISSING = "contact_missing", "Missing or wrong contact details"
        OUT_OF_STOCK = "out_of_stock", "Out of stock"
        PAYMENT_DECLINED = "payment_declined", "Payment declined"
        PRICE_DISAGREEMENT = "price_disagreement", "Price disagreement"
        DUPLICATE = "duplicate", "Duplicate order"
        DATE_UNMEETABLE = "date_unmeetable", "Delivery date cannot be met"

    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="What the learner is told before starting.")
    channel = models.CharField(max_length=10, help_text="How the order arrived.")
    incoming = models.TextField(help_text="The order as the customer sent it.")
    problems = models.JSONField(default=list, blank=True)
    data = models.JSONField(default=dict)
    expected = models.JSONField(default=dict)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.identifier}: {self.title}"

    def problem_labels(self) -> list[str]:
        return [str(self.Problem(p).label) for p in self.problems]


class PracticeAttempt(models.Model):
    """One learner's run of a scenario: its own practice order, customer and stock
    pool, kept whole after it ends (finished or abandoned) and scored then."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        FINISHED = "finished", "Finished"
        ABANDONED = "abandoned", "Abandoned"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="practice_attempts",
    )
    scenario = models.ForeignKey(
        Scenario, on_delete=models.PROTECT, related_name="attempts"
    )
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="practice_attempt"
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["learner", "-started_at"])]

    def __str__(self) -> str:
        status = self.get_status_display()
        return f"{self.scenario.identifier} by {self.learner} ({status})"


class PracticeResult(AppendOnly):
    """The score of an ended attempt, per marking point, with the events behind
    each judgement copied in: it stays as it was scored whatever happens later."""

    attempt = models.OneToOneField(
        PracticeAttempt, on_delete=models.PROTECT, related_name="result"
    )
    points = models.JSONField(help_text="Per marking point: verdict, evidence, note.")
    met = models.PositiveSmallIntegerField()
    partly = models.PositiveSmallIntegerField()
    not_met = models.PositiveSmallIntegerField()
    events = models.JSONField(help_text="The order's event trail when it was scored.")
    scored_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return (
            f"{self.attempt}: {self.met} met, {self.partly} partly, {self.not_met} not"
        )
