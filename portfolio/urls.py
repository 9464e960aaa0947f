"""The portfolio: learners build it, assessors review, sign off and export it."""

from .views import assessor, exports, learner

app_name = "portfolio"

urlpatterns = [
    *learner.urlpatterns,
    *assessor.urlpatterns,
    *exports.urlpatterns,
]
