"""A learner's portfolio: the orders they processed, as evidence for the unit's
assessment criteria; the assessor's reviews, sign-offs (with the evidence's final
SHA-256 hash) and recorded unlocks; and exports.

The evidence itself is never copied here: it is each order's event trail, read and
hash-chained when needed (portfolio.evidence), so a later change to an event shows
up as a mismatch against the hash a sign-off stored.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from config.append_only import AppendOnly
from revision.models import ContentItem

DECLARATION = (
    "I confirm that I have reviewed this evidence against each assessment "
    "criterion, that the judgements recorded are my own, and that the evidence is, "
    "to the best of my knowledge, the learner's own work."
)


class Portfolio(models.Model):
    """One per learner; an assessor is assigned by a supervisor (admin)."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portfolio"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessed_portfolios",
        help_text="Only this assessor sees and reviews the portfolio.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["learner__username"]

    def __str__(self) -> str:
        return f"Portfolio of {self.learner}"


class Entry(models.Model):
    """An order in the portfolio, with the learner's reflective statement."""

    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.CASCADE, related_name="entries"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="portfolio_entries"
    )
    reflection = models.TextField(blank=True, max_length=3000)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["portfolio", "added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "order"], name="one_entry_per_order"
            )
        ]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return f"{self.order} in {self.portfolio}"


class Review(AppendOnly):
    """An assessor's judgement of one criterion, with a comment; the latest counts,
    earlier ones are kept."""

    class Verdict(models.TextChoices):
        MET = "met", "Met"
        NOT_YET_MET = "not_yet_met", "Not yet met"
        MORE_EVIDENCE = "more_evidence", "More evidence needed"

    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.PROTECT, related_name="reviews"
    )
    criterion = models.ForeignKey(
        ContentItem, on_delete=models.PROTECT, related_name="portfolio_reviews"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(max_length=14, choices=Verdict.choices)
    comment = models.TextField(max_length=3000)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["portfolio", "criterion", "-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.criterion.identifier}: {self.get_verdict_display()}"


class SignOff(AppendOnly):
    """The assessor's sign-off: who, when, the fixed declaration, and the final hash
    of the evidence chain as it stood. It locks the portfolio until an Unlock."""

    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.PROTECT, related_name="sign_offs"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declaration = models.TextField(default=DECLARATION)
    final_hash = models.CharField(max_length=64)
    event_count = models.PositiveIntegerField()
    orders = models.JSONField(help_text="Order references, in the chain's order.")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["portfolio", "-at", "-pk"]

    def __str__(self) -> str:
        return f"Signed off by {self.assessor} at {self.at:%Y-%m-%d %H:%M}"


class Unlock(AppendOnly):
    """A sign-off undone, on the record: by whom, when and why."""

    sign_off = models.OneToOneField(
        SignOff, on_delete=models.PROTECT, related_name="unlock"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(max_length=2000)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Unlocked by {self.by} at {self.at:%Y-%m-%d %H:%M}"


class Export(models.Model):
    """A ZIP of the portfolio (PDF, HTML, CSV, JSON, manifest), built by a task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.PROTECT, related_name="exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent.")
    stage = models.CharField(max_length=80, blank=True)
    path = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    files = models.JSONField(
        default=dict,
        blank=True,
        help_text="Each file in the ZIP with its SHA-256 and size, as built: "
        "verification compares an uploaded export with these, never trusting the "
        "manifest inside it.",
    )
    final_hash = models.CharField(max_length=64, blank=True)
    sign_off = models.ForeignKey(
        SignOff, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.portfolio} ({self.get_status_display()})"
