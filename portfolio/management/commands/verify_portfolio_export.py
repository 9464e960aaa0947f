"""`manage.py verify_portfolio_export PATH`: does this export match what was signed
off? Prints the same report as the verification page; exit status 0 when it
matches, 1 when it does not or cannot be read."""

from django.core.management.base import BaseCommand, CommandError

from portfolio.exceptions import ExportInvalid
from portfolio.verification import verify_export


class Command(BaseCommand):
    help = "Check a portfolio export's ZIP against the sign-off recorded in OrderDesk."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The export's .zip file.")

    def handle(self, *args, path: str, **options) -> None:
        try:
            with open(path, "rb") as file:
                report = verify_export(file)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        except ExportInvalid as error:
            raise CommandError(str(error)) from error
        self.stdout.write(report.as_text())
        if not report.matches:
            raise SystemExit(1)
