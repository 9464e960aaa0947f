from django.contrib import admin
from django.urls import path
from django.views.generic import TemplateView

admin.site.site_header = "OrderDesk administration"
admin.site.site_title = "OrderDesk"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
]
