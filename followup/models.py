"""Follow-up after delivery, the customer's feedback, complaints, and the service
targets the supervisors' dashboard measures against."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from orders.models import Communication, Order


class FollowUpRule(models.Model):
    """When a courtesy follow-up falls due after delivery, for which orders.

    Editable by supervisors (admin). The most specific active rule that matches an
    order's channel and its customer's terms applies; blank fields match anything.
    """

    class Kind(models.TextChoices):
        DELIVERY_CHECK = "delivery_check", "Delivery check"
        SATISFACTION = "satisfaction", "Satisfaction request"

    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    working_days_after_delivery = models.PositiveSmallIntegerField(default=2)
    order_channel = models.CharField(
        max_length=10, choices=Order.Channel.choices, blank=True
    )
    customer_terms = models.CharField(max_length=12, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FollowUp(models.Model):
    """One courtesy contact due after an order's delivery, and what came of it."""

    class Status(models.TextChoices):
        DUE = "due", "Due"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Not needed"

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="follow_ups"
    )
    rule = models.ForeignKey(
        FollowUpRule, null=True, blank=True, on_delete=models.PROTECT
    )
    kind = models.CharField(max_length=20, choices=FollowUpRule.Kind.choices)
    due_at = models.DateTimeField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        help_text="Who should make the contact (the order's receiver by default).",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default="due")
    method = models.CharField(
        max_length=10, choices=Communication.Channel.choices, blank=True
    )
    outcome = models.CharField(
        max_length=10, choices=Communication.Outcome.choices, blank=True
    )
    satisfaction = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comments = models.TextField(blank=True)
    communication = models.ForeignKey(
        Communication,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the customer answered by their feedback link.",
    )
    owner_alerted_at = models.DateTimeField(null=True, blank=True)
    supervisor_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            # Scheduling runs every minute: each order gets each kind once.
            models.UniqueConstraint(
                fields=["order", "kind"], name="one_follow_up_per_kind_per_order"
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="satisfaction_one_to_five",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.order}"


class FeedbackLink(models.Model):
    """A private link in the follow-up e-mail: the customer answers without an
    account. Only a hash of its token is kept; it expires and works once."""

    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="feedback_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Feedback link for {self.follow_up}"


class Complaint(models.Model):
    """A customer's complaint, handled with the HEAT steps, and its remedy under
    the Consumer Rights Act 2015."""

    class Category(models.TextChoices):
        LATE = "late", "Late or missed delivery"
        DAMAGED = "damaged", "Damaged goods"
        WRONG_ITEM = "wrong_item", "Wrong item or quantity"
        FAULTY = "faulty", "Faulty goods"
        SERVICE = "service", "Service or communication"
        BILLING = "billing", "Billing or payment"
        OTHER = "other", "Other"

    class Remedy(models.TextChoices):
        REPAIR = "repair", "Repair"
        REPLACEMENT = "replacement", "Replacement"
        REFUND = "refund", "Refund"
        PRICE_REDUCTION = "price_reduction", "Price reduction"
        NONE = "none", "No remedy due (explained to the customer)"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="complaints"
    )
    follow_up = models.ForeignKey(
        FollowUp,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        help_text="The follow-up whose negative feedback opened it, if any.",
    )
    customer_words = models.TextField(help_text="What the customer said, as said.")
    category = models.CharField(max_length=12, choices=Category.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default="open")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when opened by the customer's own feedback.",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    # HEAT: heard, empathised, apologised, took ownership.
    heard_at = models.DateTimeField(null=True, blank=True)
    empathised_at = models.DateTimeField(null=True, blank=True)
    apologised_at = models.DateTimeField(null=True, blank=True)
    heat_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_owned",
        help_text="Who took ownership.",
    )
    ownership_at = models.DateTimeField(null=True, blank=True)
    action_plan = models.TextField(blank=True)
    remedy = models.CharField(max_length=16, choices=Remedy.choices, blank=True)
    short_term_right_to_reject = models.BooleanField(
        null=True,
        blank=True,
        help_text="Within 30 days of delivery when raised (Consumer Rights Act "
        "2015, s.22); empty if the order was never delivered.",
    )
    target_date = models.DateField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    customer_satisfied = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["status", "opened_at"])]

    def __str__(self) -> str:
        return f"Complaint about {self.order}: {self.get_category_display()}"


class ServiceTarget(models.Model):
    """A target for one service KPI, set by supervisors in the app."""

    class Measure(models.TextChoices):
        HOURS_TO_CONFIRM = "hours_to_confirm", "Hours from receipt to confirmation"
        HOURS_TO_DISPATCH = "hours_to_dispatch", "Hours from receipt to dispatch"
        ON_TIME = "on_time", "Delivered by the promised date (%)"
        RIGHT_FIRST_TIME = "right_first_time", "Orders with no exception (%)"
        FOLLOW_UP_RATE = "follow_up_rate", "Follow-ups completed (%)"
        SATISFACTION = "satisfaction", "Average satisfaction (1-5)"
        COMPLAINT_DAYS = "complaint_days", "Days to resolve a complaint"

    measure = models.CharField(max_length=20, choices=Measure.choices, unique=True)
    target = models.DecimalField(max_digits=8, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["measure"]

    def __str__(self) -> str:
        return f"{self.get_measure_display()}: {self.target}"
