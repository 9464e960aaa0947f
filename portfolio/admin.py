"""Supervisors assign each learner's assessor here; everything else in a portfolio
(entries, reviews, sign-offs, unlocks, exports) is on the record and read-only."""

from django.contrib import admin

from accounts.admin_access import CHANGE, VIEW, SupervisorsMay
from accounts.models import Role

from .models import Entry, Export, Portfolio, Review, SignOff, Unlock


class ReadOnlyAdmin(SupervisorsMay, admin.ModelAdmin):
    """Shown, never changed here: the pages and services make these rows."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EntryInline(SupervisorsMay, admin.TabularInline):
    model = Entry
    fields = ["order", "added_at", "reflection"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Portfolio)
class PortfolioAdmin(SupervisorsMay, admin.ModelAdmin):
    supervisors_may = frozenset({VIEW, CHANGE})  # assign the assessor
    list_display = ["learner", "assessor", "created_at"]
    list_filter = ["assessor"]
    search_fields = ["learner__username", "learner__first_name", "learner__last_name"]
    list_select_related = ["learner", "assessor"]
    fields = ["learner", "assessor", "created_at"]
    readonly_fields = ["created_at"]
    inlines = [EntryInline]

    def get_readonly_fields(self, request, obj=None):
        # The learner is fixed once the portfolio exists; only the assessor changes.
        if obj is not None:
            return ["learner", "created_at"]
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assessor":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                groups__name=Role.ASSESSOR
            )
        elif db_field.name == "learner":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                groups__name=Role.LEARNER, portfolio__isnull=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["order", "portfolio", "added_at"]
    list_select_related = ["order", "portfolio__learner"]
    search_fields = ["order__reference", "portfolio__learner__username"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "criterion", "verdict", "assessor", "at"]
    list_filter = ["verdict"]
    list_select_related = ["portfolio__learner", "criterion", "assessor"]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "assessor", "at", "event_count", "final_hash"]
    list_select_related = ["portfolio__learner", "assessor"]


@admin.register(Unlock)
class UnlockAdmin(ReadOnlyAdmin):
    list_display = ["sign_off", "by", "at", "reason"]
    list_select_related = ["sign_off__assessor", "by"]


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "requested_by", "requested_at", "status", "progress"]
    list_filter = ["status"]
    list_select_related = ["portfolio__learner", "requested_by"]
