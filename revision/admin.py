"""Supervisors edit the unit's content, quiz items and quizzes here; a reload of the
data file keeps their edits until the file changes that item (see
revision.services.content). Attempts, answers and review logs are read-only records.
"""

from django import forms
from django.contrib import admin

from accounts.admin_access import ADD, CHANGE, VIEW, SupervisorsMay

from .grading import InvalidItemData, validate_data
from .models import (
    Answer,
    Attempt,
    ContentItem,
    PracticeAttempt,
    PracticeResult,
    Quiz,
    QuizItem,
    ReviewLog,
    Scenario,
    Section,
)


class SupervisorsEdit(SupervisorsMay, admin.ModelAdmin):
    """Supervisors edit revision content without per-model permissions."""

    supervisors_may = frozenset({VIEW, ADD, CHANGE})

    def has_delete_permission(self, request, obj=None):
        return False  # answers and progress refer to items: make them inactive

    def get_readonly_fields(self, request, obj=None):
        # The identifier is what answers and progress refer to: fixed once made.
        fixed = ("identifier",) if obj is not None else ()
        return (*fixed, *self.readonly_fields)


@admin.register(ContentItem)
class ContentItemAdmin(SupervisorsEdit):
    list_display = (
        "identifier",
        "section",
        "title",
        "short_text",
        "text_written_here",
        "correction_written_here",
        "active",
    )
    list_filter = ("section", "source", "active", "text_written_here")
    search_fields = ("identifier", "title", "text", "correction")
    readonly_fields = ("source_digest", "updated_at")
    ordering = ("section", "position")

    @admin.display(description="Text")
    def short_text(self, obj):
        return obj.text[:80]


class QuizItemForm(forms.ModelForm):
    class Meta:
        model = QuizItem
        fields = (
            "identifier",
            "kind",
            "position",
            "prompt",
            "data",
            "explanation",
            "covers",
            "active",
        )

    def clean(self):
        cleaned = super().clean()
        kind, data = cleaned.get("kind"), cleaned.get("data")
        if kind and data is not None:
            try:
                validate_data(kind, data)
            except InvalidItemData as error:
                self.add_error("data", f"This data cannot be asked: {error}.")
        return cleaned


@admin.register(QuizItem)
class QuizItemAdmin(SupervisorsEdit):
    form = QuizItemForm
    list_display = ("identifier", "kind", "short_prompt", "active")
    list_filter = ("kind", "active")
    search_fields = ("identifier", "prompt", "explanation")
    readonly_fields = ("source_digest", "updated_at")
    filter_horizontal = ("covers",)

    @admin.display(description="Prompt")
    def short_prompt(self, obj):
        return obj.prompt[:80]


@admin.register(Quiz)
class QuizAdmin(SupervisorsEdit):
    list_display = ("identifier", "title", "active")
    list_filter = ("active",)
    filter_horizontal = ("items", "plan_steps")
    readonly_fields = ("source_digest", "updated_at")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "plan_steps":
            kwargs["queryset"] = ContentItem.objects.filter(
                section=Section.REVISION_PLAN
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attempt)
class AttemptAdmin(ReadOnly):
    list_display = ("learner", "quiz", "mode", "started_at", "finished_at")
    list_filter = ("mode",)


@admin.register(Answer)
class AnswerAdmin(ReadOnly):
    list_display = ("learner", "item", "correct", "certainty", "marks", "answered_at")
    list_filter = ("correct", "confident_wrong")


@admin.register(ReviewLog)
class ReviewLogAdmin(ReadOnly):
    list_display = ("card", "reason", "rating", "due_before", "due_after")
    list_filter = ("reason",)


@admin.register(Scenario)
class ScenarioAdmin(SupervisorsEdit):
    list_display = ("identifier", "title", "channel", "active")
    list_filter = ("channel", "active")
    search_fields = ("identifier", "title", "summary", "incoming")
    readonly_fields = ("source_digest", "updated_at")


@admin.register(PracticeAttempt)
class PracticeAttemptAdmin(ReadOnly):
    list_display = ("learner", "scenario", "status", "started_at", "ended_at")
    list_filter = ("status",)


@admin.register(PracticeResult)
class PracticeResultAdmin(ReadOnly):
    list_display = ("attempt", "met", "partly", "not_met", "scored_at")
