"""Production serves static files from collectstatic's hashed, compressed copies."""

import json

from django.core.management import call_command
from django.test import override_settings

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}


def test_collectstatic_succeeds_with_the_production_storage(tmp_path):
    # The manifest storage follows every url() and sourceMappingURL in the files it
    # copies; one pointing at a file we do not ship (Chart.js's source map did) fails
    # the whole deploy.
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for vendored in (
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/htmx/htmx.min.js",
        "vendor/chartjs/chart.umd.min.js",
    ):
        hashed = manifest[vendored]
        assert hashed != vendored
        assert (tmp_path / hashed).exists()
        assert (tmp_path / f"{hashed}.gz").exists()


def test_every_source_map_a_static_file_names_is_shipped(settings):
    static = settings.STATICFILES_DIRS[0]
    named = {
        path: text.rsplit("sourceMappingURL=", 1)[1].split()[0]
        for path in static.rglob("*.[cj]s")
        if "sourceMappingURL=" in (text := path.read_text(errors="replace"))
    }
    assert named  # Bootstrap's and Chart.js's builds name theirs
    missing = [str(p) for p, name in named.items() if not p.with_name(name).exists()]
    assert missing == []
