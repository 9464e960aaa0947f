"""Revision: the unit's pages, quizzes, reviews, progress and the plan."""

app_name = "revision"

urlpatterns = []
