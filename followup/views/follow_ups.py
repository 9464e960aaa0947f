"""The follow-up queue and recording a follow-up (staff)."""

urlpatterns: list = []
