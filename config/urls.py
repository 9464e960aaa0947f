from django.contrib import admin
from django.urls import include, path

from accounts.views import home

admin.site.site_header = "OrderDesk administration"
admin.site.site_title = "OrderDesk"

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("orders/", include("orders.urls")),
    path("followup/", include("followup.urls")),
    path("revision/", include("revision.urls")),
    path("portfolio/", include("portfolio.urls")),
    path("admin/", admin.site.urls),
]
