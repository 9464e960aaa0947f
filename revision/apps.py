from django.apps import AppConfig


class RevisionConfig(AppConfig):
    name = "revision"
    verbose_name = "Revision: the unit, quizzes and spaced repetition"
