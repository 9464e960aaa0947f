"""Follow-up, feedback, complaints and the dashboard: each views module lists its
own routes."""

from .views import complaints, dashboard, feedback, follow_ups

app_name = "followup"

urlpatterns = [
    *follow_ups.urlpatterns,
    *feedback.urlpatterns,
    *complaints.urlpatterns,
    *dashboard.urlpatterns,
]
