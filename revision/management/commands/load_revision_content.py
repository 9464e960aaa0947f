"""manage.py load_revision_content: the unit's content and quizzes, from files."""

from django.core.management.base import BaseCommand, CommandError

from revision.exceptions import ContentFileError
from revision.services.content import content_load


class Command(BaseCommand):
    help = "Load the unit's content and quizzes from revision/content/*.toml."

    def handle(self, *args, **options):
        try:
            report = content_load()
        except ContentFileError as error:
            raise CommandError(f"Nothing loaded: {error}") from error
        self.stdout.write(f"Revision content: {report}.")
