"""Background work for portfolios. Thin: take ids, call a service; safe to run twice."""

import logging

from celery import shared_task
from django.db import OperationalError

from config.celery import RETRY

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(OSError, OperationalError), **RETRY)
def export_build_task(self, *, export_id: int) -> None:
    """Build a portfolio export's ZIP; a second delivery of a built one does nothing.

    A disk or database that keeps failing is retried with backoff, then the export
    is marked failed with the error; an error a retry cannot mend (WeasyPrint
    missing, a bug) marks it failed at once, so the page never waits for ever.
    """
    from .exports import export_build, export_fail
    from .models import Export

    worker = self.request.hostname or ""
    try:
        export_build(export_id=export_id, worker=worker)
    except Export.DoesNotExist:
        logger.warning("No export with id %s; its build was dropped", export_id)
    except (OSError, OperationalError) as error:
        if self.request.retries < self.max_retries:
            raise
        logger.warning("Export %s failed after its retries: %s", export_id, error)
        export_fail(export_id=export_id, error=f"{type(error).__name__}: {error}")
    except Exception as error:
        logger.exception("Export %s could not be built", export_id)
        export_fail(export_id=export_id, error=f"{type(error).__name__}: {error}")
