from django.contrib import admin

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "preferred_channel", "terms", "on_hold")
    list_filter = ("preferred_channel", "terms", "on_hold", "consent_to_contact")
    search_fields = ("name", "company", "email", "postcode")
