"""Supervisors edit the follow-up rules here; follow-ups are read-only records."""

from django.contrib import admin

from accounts.admin_access import ADD, CHANGE, VIEW, SupervisorsMay

from .models import FeedbackLink, FollowUp, FollowUpRule


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(SupervisorsMay, admin.ModelAdmin):
    supervisors_may = frozenset({VIEW, ADD, CHANGE})
    list_display = (
        "name",
        "kind",
        "working_days_after_delivery",
        "order_channel",
        "customer_terms",
        "active",
    )
    list_filter = ("kind", "active")


@admin.register(FollowUp)
class FollowUpAdmin(SupervisorsMay, admin.ModelAdmin):
    list_display = ("order", "kind", "due_at", "owner", "status", "satisfaction")
    list_filter = ("status", "kind")
    search_fields = ("order__reference",)
    readonly_fields = [field.name for field in FollowUp._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FeedbackLink)
class FeedbackLinkAdmin(SupervisorsMay, admin.ModelAdmin):
    list_display = ("follow_up", "expires_at", "used_at", "created_at")
    readonly_fields = ("follow_up", "token_hash", "expires_at", "used_at", "created_at")

    def has_add_permission(self, request):
        return False
