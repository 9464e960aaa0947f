"""Revision: the unit's pages, quizzes, reviews, progress and the plan. Each views
module lists its own routes."""

from .views import content, plan, practice, progress, quizzes

app_name = "revision"

urlpatterns = [
    *content.urlpatterns,
    *quizzes.urlpatterns,
    *progress.urlpatterns,
    *plan.urlpatterns,
    *practice.urlpatterns,
]
