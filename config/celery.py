"""The Celery application: settings come from Django's, under the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# How a task that does real work is retried: late acknowledgement (a worker killed
# mid-task leaves it queued), then up to 5 retries backing off to a minute.
RETRY = {
    "acks_late": True,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}

app = Celery("orderdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
