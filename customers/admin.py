from django.contrib import admin

from accounts.admin_access import SupervisorsMay

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(SupervisorsMay, admin.ModelAdmin):
    list_display = ("name", "company", "preferred_channel", "terms", "on_hold")
    list_filter = ("preferred_channel", "terms", "on_hold", "consent_to_contact")
    search_fields = ("name", "company", "email", "postcode")
