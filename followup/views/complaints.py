"""Complaints: list, open, HEAT steps, remedy, resolution (staff)."""

urlpatterns: list = []
