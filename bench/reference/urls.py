"""The application's URLs, plus /bench/bare/ and /bench/reference-list/."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/bare/", views.bare, name="bench-bare"),
    path("bench/reference-list/", views.reference_list, name="bench-reference-list"),
    path("", include("config.urls")),
]
