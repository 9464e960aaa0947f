"""Background work for follow-ups. Beat runs each every minute; each is safe to run
twice (the services check under a lock, and the schema backs scheduling)."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def follow_ups_schedule_task() -> int:
    """Schedule the follow-ups delivered orders are due."""
    from .services import follow_ups_schedule

    count = follow_ups_schedule()
    if count:
        logger.info("Scheduled %d follow-ups", count)
    return count


@shared_task
def follow_ups_alert_overdue_task() -> int:
    """Alert owners, then supervisors, of overdue follow-ups (once each)."""
    from .services import follow_ups_alert_overdue

    count = follow_ups_alert_overdue()
    if count:
        logger.info("Sent %d overdue follow-up alerts", count)
    return count


@shared_task
def follow_ups_send_requests_task() -> int:
    """E-mail each due satisfaction request, with its feedback link, once."""
    from .services import follow_ups_send_requests

    count = follow_ups_send_requests()
    if count:
        logger.info("Sent %d satisfaction requests", count)
    return count
