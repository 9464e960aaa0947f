"""Settings come from the environment: safe local defaults, strict in production."""

import json
import secrets
import textwrap

PRINT_SETTINGS = textwrap.dedent(
    """
    import json
    import django

    django.setup()
    from django.conf import settings
    from config.celery import app

    database = settings.DATABASES["default"]
    print(json.dumps({
        "engine": database["ENGINE"],
        "name": str(database["NAME"]),
        "host": database.get("HOST", ""),
        "broker": settings.CELERY_BROKER_URL,
        "celery_broker": app.conf.broker_url,
        "transport_options": app.conf.broker_transport_options,
        "email_backend": settings.EMAIL_BACKEND,
        "debug": settings.DEBUG,
    }))
    """
)

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "orders.example.com",
}


def production_env() -> dict[str, str]:
    return {**PRODUCTION, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}


def settings_under(run_python, **env: str) -> dict:
    result = run_python("-c", PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_pass_the_deploy_check(run_python):
    # given the production environment
    # when Django's deployment checklist runs, failing even on warnings
    result = run_python(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", **production_env()
    )
    # then it passes with nothing to report
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_without_a_secret_key_refuses_to_start(run_python):
    # given DEBUG off and no secret key
    # when Django starts, then it stops and says which variable to set
    result = run_python("manage.py", "check", **PRODUCTION)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_local_defaults_need_no_server(run_python):
    # given no environment at all
    settings = settings_under(run_python)
    # then it runs on SQLite, kombu's filesystem broker and console e-mail
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["name"].endswith("var/db.sqlite3")
    assert settings["broker"].startswith("filesystem://")
    assert settings["celery_broker"] == settings["broker"]
    assert "data_folder_in" in settings["transport_options"]
    assert settings["email_backend"] == "django.core.mail.backends.console.EmailBackend"
    assert settings["debug"] is True


def test_database_and_broker_urls_select_postgresql_and_redis(run_python):
    # given PostgreSQL and Redis in the environment
    settings = settings_under(
        run_python,
        DATABASE_URL="postgres://orderdesk:pw@db.internal:5432/orderdesk",
        CELERY_BROKER_URL="redis://cache.internal:6379/0",
    )
    # then Django uses that database and Celery that broker
    assert settings["engine"] == "django.db.backends.postgresql"
    assert (settings["name"], settings["host"]) == ("orderdesk", "db.internal")
    assert settings["broker"] == "redis://cache.internal:6379/0"
    assert settings["celery_broker"] == "redis://cache.internal:6379/0"
    # and an unacknowledged task is handed out again after the visibility timeout
    assert settings["transport_options"] == {"visibility_timeout": 3600}
