"""The supervisors' service dashboard, its targets and CSV export."""

urlpatterns: list = []
