"""Read-only views of orders for administrators: changes go through the services."""

from django.contrib import admin

from accounts.admin_access import SupervisorsMay

from .models import (
    Check,
    Communication,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
    Payment,
    Shipment,
)


class ReadOnlyInline(SupervisorsMay, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "line_number",
        "product_code",
        "description",
        "quantity",
        "unit_price",
        "status",
    )


class CheckInline(ReadOnlyInline):
    model = Check
    fields = ("kind", "outcome", "detail", "round", "rerun", "run_by", "worker", "at")


class ExceptionInline(ReadOnlyInline):
    model = OrderException
    fields = ("kind", "status", "found", "resolution", "resolved_by", "resolved_at")


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("operation", "status", "amount", "gateway_reference", "message", "at")


class CommunicationInline(ReadOnlyInline):
    model = Communication
    fields = ("purpose", "channel", "direction", "outcome", "at", "actor")


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ("carrier", "tracking_reference", "dispatched_at", "delivered_at")


class EventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("at", "kind", "actor", "worker", "status_after", "data")


class ReadOnlyAdmin(SupervisorsMay, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "customer",
        "status",
        "channel",
        "gross_total",
        "received_at",
    )
    list_filter = ("status", "channel", "payment_method")
    search_fields = (
        "reference",
        "customer__name",
        "customer__company",
        "customer_po_ref",
    )
    date_hierarchy = "received_at"
    list_select_related = ("customer",)
    inlines = [
        LineInline,
        CheckInline,
        ExceptionInline,
        PaymentInline,
        CommunicationInline,
        ShipmentInline,
        EventInline,
    ]


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "order", "kind", "actor", "worker", "status_after")
    list_filter = ("kind",)
    search_fields = ("order__reference",)
    list_select_related = ("order", "actor")
