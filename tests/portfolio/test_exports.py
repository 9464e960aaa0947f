"""Building a portfolio export: the ZIP's PDF, HTML, CSV, JSON and manifest, the
task's idempotence and failure, and who may ask for one.

The PDF's text is read with `pdftotext` (poppler-utils): WeasyPrint writes PDFs but
cannot read them, pypdf is not a dependency, and WeasyPrint's PDFs draw text as
glyph ids through subset fonts, so a home-made reader would have to parse each
font's ToUnicode map. pdftotext reads what a person would see. .ci/run installs it;
without it these tests skip (fail in CI).
"""

import csv
import hashlib
import io
import json
import shutil
import subprocess
import zipfile

import pytest
from celery.exceptions import Retry

from portfolio import exports as exports_module
from portfolio.evidence import final_hash, portfolio_records
from portfolio.exceptions import PortfolioError
from portfolio.exports import (
    events_csv,
    export_build,
    export_request,
    exports_root,
)
from portfolio.models import Export
from portfolio.services import (
    criteria,
    entry_add,
    portfolio_for,
    review_record,
    sign_off,
)
from portfolio.tasks import export_build_task
from revision.services.content import content_load
from tests.conftest import skip_or_fail
from tests.factories import UserFactory

from .helpers import play_ps01

REFLECTION = "I asked Mrs Patel before promising a date; next time I will say when."
COMMENT = "Well evidenced."


# -- building evidence (used by the other test modules too) ------------------------


def people():
    """A learner and their assessor with fixed names, so texts can be asserted."""
    learner = UserFactory(role="learner", first_name="Priya", last_name="Shah")
    assessor = UserFactory(role="assessor", first_name="Alan", last_name="Brooks")
    return learner, assessor


def model_run(learner, capture):
    """PS-01 handled as the model handling says; the order is added to the
    learner's portfolio with a reflection."""
    run = play_ps01(learner, capture)
    entry_add(learner=learner, order=run.order, reflection=REFLECTION)
    return run.order


def evidence_portfolio(learner, assessor, capture, *, signed: bool = True):
    """A portfolio with one model PS-01 order, its assessor assigned, every
    criterion judged met and (unless signed=False) signed off."""
    content_load()
    model_run(learner, capture)
    portfolio = portfolio_for(learner)
    portfolio.assessor = assessor
    portfolio.save()
    for criterion in criteria():
        review_record(
            portfolio=portfolio,
            assessor=assessor,
            criterion=criterion,
            verdict="met",
            comment=COMMENT,
        )
    if signed:
        sign_off(portfolio=portfolio, assessor=assessor, declared=True)
    return portfolio


def built_export(portfolio, actor, capture) -> Export:
    """Request an export and build it, as the worker would, on commit."""
    with capture(execute=True):
        export = export_request(portfolio=portfolio, actor=actor)
    export.refresh_from_db()
    assert export.status == Export.Status.READY, export.error
    return export


def zip_bytes(export: Export) -> bytes:
    return (exports_root() / export.path).read_bytes()


def pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        skip_or_fail("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


@pytest.fixture
def export_dir(settings, tmp_path):
    """Exports go to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path / "exports"


@pytest.fixture
def signed(db, export_dir, django_capture_on_commit_callbacks):
    learner, assessor = people()
    portfolio = evidence_portfolio(
        learner, assessor, django_capture_on_commit_callbacks
    )
    return portfolio, learner, assessor


# -- contents ----------------------------------------------------------------------


def test_export_pdf_reads_as_cover_criteria_and_order_timeline(
    signed, django_capture_on_commit_callbacks
):
    # given a signed-off portfolio, when its assessor exports it
    portfolio, learner, assessor = signed
    export = built_export(portfolio, assessor, django_capture_on_commit_callbacks)

    # then the PDF's text has the cover, the criteria and the order's timeline
    with zipfile.ZipFile(io.BytesIO(zip_bytes(export))) as archive:
        text = pdf_text(archive.read("portfolio.pdf"))
    flat = " ".join(text.split())
    order = portfolio.entries.get().order
    for expected in [
        "Portfolio evidence: Processing sales orders",
        "Priya Shah",
        "Alan Brooks",
        "Signed off by Alan Brooks",
        "AC-01",
        "AC-05",
        "Met",
        f"Order {order.reference}",
        "Receipt",
        "Verification",
        "Confirmation",
        "Fulfilment",
        "Follow-up",
        "0 available",  # the failed stock check's detail
        "Out of stock",  # the exception
        "Shall we send it then?",  # the learner's message
        "Yes, please send the paper",  # the customer's reply
        "delivery promised for",
        "Practice Parcels",
        "satisfaction 5 of 5",
        REFLECTION,
        COMMENT,
    ]:
        assert expected in flat, expected
    # the hash may be broken across lines: compare without white space
    assert export.final_hash in "".join(text.split())


def test_export_html_is_the_same_document_and_self_contained(
    signed, django_capture_on_commit_callbacks
):
    portfolio, learner, assessor = signed
    export = built_export(portfolio, learner, django_capture_on_commit_callbacks)

    with zipfile.ZipFile(io.BytesIO(zip_bytes(export))) as archive:
        html = archive.read("portfolio.html").decode()

    order = portfolio.entries.get().order
    assert f"Order {order.reference}" in html
    assert "Assessment criteria" in html
    assert export.final_hash in html
    assert "<style>" in html
    assert "@page" in html
    # nothing to fetch: no stylesheet, script, image or link elsewhere
    for outside in ("<link", "<script", "<img", "src=", "http://", "https://"):
        assert outside not in html, outside


def test_export_events_csv_and_json_hold_every_event(
    signed, django_capture_on_commit_callbacks
):
    portfolio, learner, assessor = signed
    export = built_export(portfolio, learner, django_capture_on_commit_callbacks)
    records = portfolio_records(portfolio)

    with zipfile.ZipFile(io.BytesIO(zip_bytes(export))) as archive:
        events = json.loads(archive.read("events.json"))
        rows = list(
            csv.DictReader(io.StringIO(archive.read("events.csv").decode("utf-8-sig")))
        )

    assert events == records
    assert len(rows) == len(records) > 20
    assert list(rows[0]) == [
        "order", "id", "kind", "label", "at", "actor", "by", "status_after", "data",
    ]  # fmt: skip
    for row, record in zip(rows, records, strict=True):
        assert int(row["id"]) == record["id"]
        assert row["kind"] == record["kind"]
        assert row["at"] == record["at"]
        assert json.loads(row["data"]) == record["data"]


def test_export_manifest_checksums_and_hash_check_out(
    signed, django_capture_on_commit_callbacks
):
    portfolio, learner, assessor = signed
    export = built_export(portfolio, assessor, django_capture_on_commit_callbacks)
    content = zip_bytes(export)

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert set(archive.namelist()) == {
            "portfolio.pdf",
            "portfolio.html",
            "events.csv",
            "events.json",
            "manifest.json",
        }
        for name, expected in manifest["files"].items():
            data = archive.read(name)
            assert hashlib.sha256(data).hexdigest() == expected["sha256"], name
            assert len(data) == expected["size"]
        events = json.loads(archive.read("events.json"))

    current = portfolio.sign_offs.get()
    assert manifest["format_version"] == 1
    assert manifest["portfolio_id"] == portfolio.pk
    assert manifest["learner_id"] == learner.pk
    assert manifest["learner_username"] == learner.username
    assert manifest["evidence"]["final_hash"] == final_hash(
        events, learner_id=learner.pk
    )
    assert manifest["evidence"]["event_count"] == len(events)
    assert manifest["sign_off"]["id"] == current.pk
    assert manifest["sign_off"]["final_hash"] == current.final_hash
    assert manifest["sign_off"]["assessor"] == assessor.username
    # and the export row records the ZIP as written
    assert export.sha256 == hashlib.sha256(content).hexdigest()
    assert export.size == len(content)
    assert export.final_hash == current.final_hash
    assert export.sign_off == current
    assert (export.progress, export.stage) == (100, "Ready")
    assert export.finished_at is not None


def test_export_before_sign_off_has_no_sign_off_in_manifest(
    db, export_dir, django_capture_on_commit_callbacks
):
    learner, assessor = people()
    portfolio = evidence_portfolio(
        learner, assessor, django_capture_on_commit_callbacks, signed=False
    )
    export = built_export(portfolio, learner, django_capture_on_commit_callbacks)

    with zipfile.ZipFile(io.BytesIO(zip_bytes(export))) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        text = pdf_text(archive.read("portfolio.pdf"))
    assert manifest["sign_off"] is None
    assert export.sign_off is None
    assert "Not signed off" in text


def test_csv_cells_a_spreadsheet_would_run_start_with_an_apostrophe():
    record = {
        "order": "SO-000001",
        "id": 1,
        "kind": "communication",
        "label": "Communication",
        "at": "2026-12-05T10:00:00+00:00",
        "actor": "-dana",
        "by": '=HYPERLINK("http://example.com")',
        "status_after": "received",
        "data": {"content": "=1+1"},
    }

    (row,) = list(csv.DictReader(io.StringIO(events_csv([record]).decode("utf-8-sig"))))

    assert row["by"] == '\'=HYPERLINK("http://example.com")'
    assert row["actor"] == "'-dana"
    assert json.loads(row["data"]) == {"content": "=1+1"}


# -- the task ----------------------------------------------------------------------


def test_build_twice_builds_once_and_keeps_the_same_file(
    signed, monkeypatch, django_capture_on_commit_callbacks
):
    portfolio, learner, assessor = signed
    renders = []
    real = exports_module.document_pdf

    def counting(*args, **kwargs):
        renders.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(exports_module, "document_pdf", counting)
    export = built_export(portfolio, learner, django_capture_on_commit_callbacks)
    first = zip_bytes(export)

    # when the task is delivered again (acks_late: a redelivery after a crash)
    export_build_task.delay(export_id=export.pk)
    again = export_build(export_id=export.pk)

    # then nothing is rebuilt and the file is the same
    assert len(renders) == 1
    assert again.sha256 == export.sha256
    assert zip_bytes(again) == first
    folder = exports_root() / str(portfolio.pk)
    assert [p.name for p in folder.iterdir()] == [f"{export.pk}.zip"]


def test_of_two_overlapping_builds_the_first_to_finish_wins(signed, monkeypatch):
    # given a build that is overtaken by a second delivery of the same task
    portfolio, learner, assessor = signed
    export = Export.objects.create(portfolio=portfolio, requested_by=learner)
    real = exports_module.document_pdf
    calls, overtaken = [], []

    def slow(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # the first build, overtaken while it lays out the PDF
            overtaken.append(export_build(export_id=export.pk, worker="second"))
        return real(*args, **kwargs)

    monkeypatch.setattr(exports_module, "document_pdf", slow)

    # when the first build finishes after the second
    first = export_build(export_id=export.pk, worker="first")

    # then the row describes the file on disk, and no temporary file is left
    (second,) = overtaken
    content = zip_bytes(first)
    assert first.sha256 == second.sha256 == hashlib.sha256(content).hexdigest()
    folder = exports_root() / str(portfolio.pk)
    assert [p.name for p in folder.iterdir()] == [f"{export.pk}.zip"]


def test_a_failed_export_is_built_afresh(signed, django_capture_on_commit_callbacks):
    portfolio, learner, assessor = signed
    export = Export.objects.create(
        portfolio=portfolio,
        requested_by=learner,
        status=Export.Status.FAILED,
        progress=35,
        stage="Writing the PDF",
        error="OSError: disk full",
    )

    export = export_build(export_id=export.pk)

    assert export.status == Export.Status.READY
    assert export.error == ""
    assert (exports_root() / export.path).is_file()


def test_task_retries_on_oserror_then_marks_the_export_failed(signed, monkeypatch):
    # given an export and a disk that is full
    portfolio, learner, assessor = signed
    export = Export.objects.create(portfolio=portfolio, requested_by=learner)

    def full_disk(**kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exports_module, "export_build", full_disk)

    # when the task runs, then it asks to be retried and the export stays queued
    with pytest.raises(Retry):
        export_build_task.apply(kwargs={"export_id": export.pk})
    export.refresh_from_db()
    assert export.status == Export.Status.QUEUED

    # when its last retry fails too, then the export is failed with the error
    export_build_task.apply(
        kwargs={"export_id": export.pk}, retries=export_build_task.max_retries
    )
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    assert "No space left on device" in export.error
    assert export_build_task.acks_late is True


def test_task_marks_failed_at_once_on_an_error_retrying_cannot_mend(
    signed, monkeypatch
):
    portfolio, learner, assessor = signed
    export = Export.objects.create(portfolio=portfolio, requested_by=learner)

    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint cannot load")

    monkeypatch.setattr(exports_module, "document_pdf", broken)

    export_build_task.apply(kwargs={"export_id": export.pk})

    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    assert "WeasyPrint cannot load" in export.error


def test_no_half_written_file_is_left_when_writing_fails(signed, monkeypatch):
    portfolio, learner, assessor = signed
    export = Export.objects.create(portfolio=portfolio, requested_by=learner)

    def fails(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(exports_module.os, "fsync", fails)

    with pytest.raises(OSError, match="Input/output"):
        export_build(export_id=export.pk)

    folder = exports_root() / str(portfolio.pk)
    assert list(folder.iterdir()) == []
    export.refresh_from_db()
    assert export.status == Export.Status.BUILDING


# -- requesting --------------------------------------------------------------------


def test_request_queues_the_build_on_commit(signed, django_capture_on_commit_callbacks):
    portfolio, learner, assessor = signed

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        export = export_request(portfolio=portfolio, actor=learner)

    assert export.status == Export.Status.QUEUED
    assert len(callbacks) == 1


def test_a_second_request_while_building_returns_the_same_export(
    signed, django_capture_on_commit_callbacks
):
    portfolio, learner, assessor = signed
    with django_capture_on_commit_callbacks(execute=False):
        first = export_request(portfolio=portfolio, actor=learner)
        second = export_request(portfolio=portfolio, actor=assessor)

    assert first == second
    assert Export.objects.filter(portfolio=portfolio).count() == 1


@pytest.mark.parametrize("who", ["other learner", "other assessor", "supervisor"])
def test_request_refuses_anyone_but_the_learner_and_their_assessor(
    signed, who, supervisor
):
    portfolio, learner, assessor = signed
    actor = {
        "other learner": UserFactory(role="learner"),
        "other assessor": UserFactory(role="assessor"),
        "supervisor": supervisor,
    }[who]

    with pytest.raises(PortfolioError, match="Only the learner"):
        export_request(portfolio=portfolio, actor=actor)
    assert not Export.objects.exists()
