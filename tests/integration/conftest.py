"""A real Celery worker, in its own process, on the real Redis and the test database.

The tests here are transactional: what they write is committed, so the worker (a
separate process with its own connection) sees it. The test process stops running
tasks eagerly and publishes them to a queue of this session's own, which only the
workers started here consume: another worker on the same Redis (a developer's, say)
can neither take these tasks nor hand its own to these workers.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from kombu import Exchange, Queue

from accounts.models import Role
from config.celery import app as celery_app

BASE_DIR = Path(settings.BASE_DIR)
# An unacknowledged task (its worker died) may be handed out again this long after
# it was delivered. Small, so a killed worker's task comes back within the test.
VISIBILITY_TIMEOUT_SECONDS = 5
WORKER_READY_SECONDS = 30
POLL_SECONDS = 0.05


def wait_for(
    predicate: Callable[[], Any],
    *,
    what: str,
    seconds: float = 60,
    workers: tuple["Worker", ...] = (),
) -> Any:
    """Poll until predicate() is truthy and return it; fail at the deadline, or at
    once if a worker died, showing the end of the workers' logs."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        dead = [w for w in workers if w.process.poll() is not None]
        if dead or time.monotonic() > deadline:
            reason = "a worker exited" if dead else f"no result after {seconds} s"
            logs = "\n".join(w.log_tail() for w in workers)
            pytest.fail(f"Waiting for {what}: {reason}.\n{logs}")
        time.sleep(POLL_SECONDS)


@dataclass
class Worker:
    """A `celery worker` process group and its log file."""

    process: subprocess.Popen
    log_path: Path
    started_at: float = field(default_factory=time.monotonic)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return f"--- {self.log_path.name} ---\n" + "\n".join(text[-lines:])

    def wait_ready(self) -> None:
        wait_for(
            lambda: " ready." in self.log_path.read_text(errors="replace"),
            what="the worker to be ready",
            seconds=WORKER_READY_SECONDS,
            workers=(self,),
        )

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL the whole group, main process and pool child: a crash, with no
        chance to acknowledge or hand back the task it holds."""
        self._signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        # The pool child is reparented when the main process dies; give it a moment
        # to be gone too (a process group with no members refuses the signal).
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(POLL_SECONDS)

    def stop(self) -> None:
        """Warm shutdown, then SIGKILL if it has not gone within 15 s."""
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        self.kill()


def _test_database_url() -> str:
    """DATABASE_URL, pointed at the test database pytest-django created."""
    url = urlsplit(os.environ["DATABASE_URL"])
    name = connection.settings_dict["NAME"]
    return urlunsplit(url._replace(path="/" + quote(name)))


@dataclass
class LiveCelery:
    """The test process publishing for real, to this session's queue."""

    queue_name: str

    def queue(self) -> Queue:
        exchange = Exchange(self.queue_name, type="direct")
        return Queue(self.queue_name, exchange, routing_key=self.queue_name)

    def purge(self) -> int:
        """Drop every waiting task (as a broker that lost them would); the count."""
        with celery_app.connection_for_write() as broker:
            return self.queue()(broker.default_channel).purge() or 0


@pytest.fixture(scope="session")
def worker_queue_name() -> Iterator[tuple[str, list[str]]]:
    """This session's queue name, and a note of whether it was made (to delete)."""
    name = f"orderdesk-itest-{uuid.uuid4().hex[:12]}"
    used: list[str] = []
    yield name, used
    if used:
        with celery_app.connection_for_write() as broker:
            # Declared on this channel first, so deleting it removes its binding too.
            queue = LiveCelery(name).queue()(broker.default_channel)
            queue.declare()
            queue.delete()


@pytest.fixture(autouse=True)
def role_groups(transactional_db):
    """Put back the role groups that an earlier transactional test's flush removed
    (the roles migration made them; a flush does not re-run it)."""
    for role in Role.values:
        Group.objects.get_or_create(name=role)


@pytest.fixture
def live_celery(worker_queue_name) -> Iterator[LiveCelery]:
    """Tasks published to Redis instead of run eagerly; the queue empty to start."""
    name, used = worker_queue_name
    conf = celery_app.conf
    saved_eager, saved_routes = conf.task_always_eager, conf.task_routes
    if conf.broker_url != settings.CELERY_BROKER_URL:
        conf.broker_url = settings.CELERY_BROKER_URL
    conf.task_always_eager = False
    conf.update(task_routes={"*": {"queue": name}})
    live = LiveCelery(name)
    try:
        route = celery_app.amqp.router.route({}, "orders.tasks.order_verify_task")
        assert route["queue"].name == name
        with celery_app.connection_for_write() as broker:
            live.queue()(broker.default_channel).declare()
        used.append(name)
        live.purge()
        yield live
    finally:
        conf.task_always_eager = saved_eager
        conf.update(task_routes=saved_routes)


@pytest.fixture
def start_worker(transactional_db, live_celery, tmp_path) -> Iterator[Callable]:
    """Start `celery worker` on this session's queue; every one is stopped after.

    check_pause makes each check wait that long before it is recorded (the
    ORDERDESK_CHECK_PAUSE_SECONDS fault-injection setting), to kill it mid-round.
    """
    started: list[Worker] = []

    def start(*, check_pause: float = 0) -> Worker:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CELERY_TASK_ALWAYS_EAGER", "PYTEST_CURRENT_TEST"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=_test_database_url(),
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT_SECONDS),
            ORDERDESK_CHECK_PAUSE_SECONDS=str(check_pause),
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        log_path = tmp_path / f"worker-{len(started) + 1}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "config", "worker"),
                    *("--loglevel", "INFO", "--concurrency", "1", "--pool", "prefork"),
                    *("--without-gossip", "--without-mingle"),
                    *("--hostname", "itest@%h", "--queues", live_celery.queue_name),
                ],
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, to kill as one
            )
        worker = Worker(process, log_path)
        started.append(worker)
        worker.wait_ready()
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
