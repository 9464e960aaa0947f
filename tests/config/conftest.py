"""Run Django in a child process with exactly the environment a test gives it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
# Variables the settings read; a child starts without them unless a test sets them.
SETTINGS_PREFIXES = ("DJANGO_", "DATABASE_", "CELERY_", "ORDERDESK_", "EMAIL_")
SETTINGS_NAMES = {"REDIS_URL", "LOG_LEVEL"}


def clean_env(**overrides: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(SETTINGS_PREFIXES) and name not in SETTINGS_NAMES
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(overrides)
    return env


@pytest.fixture
def run_python():
    """Run python with the project's settings module and the given variables."""

    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args],
            cwd=PROJECT,
            env=clean_env(**env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run
