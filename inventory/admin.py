from django.contrib import admin

from accounts.admin_access import SupervisorsMay

from .models import Product, StockLevel, StockMovement, StockPool


@admin.register(Product)
class ProductAdmin(SupervisorsMay, admin.ModelAdmin):
    list_display = ("code", "name", "unit_price", "vat_rate", "pack_size", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(StockPool)
class StockPoolAdmin(SupervisorsMay, admin.ModelAdmin):
    list_display = ("code", "name", "is_live")


@admin.register(StockLevel)
class StockLevelAdmin(SupervisorsMay, admin.ModelAdmin):
    """Read-only: stock changes only through movements (the inventory services)."""

    list_display = ("product", "pool", "on_hand", "reserved", "restock_date")
    list_filter = ("pool",)
    search_fields = ("product__code", "product__name")
    list_select_related = ("product", "pool")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockMovement)
class StockMovementAdmin(StockLevelAdmin):
    list_display = ("at", "product", "pool", "kind", "quantity", "reference", "actor")
    list_filter = ("kind", "pool")
    search_fields = ("product__code", "reference")
    list_select_related = ("product", "pool", "actor")
