"""Verifying an export against the sign-off: untouched, a file edited inside the
ZIP, a forged manifest, evidence edited in the database after sign-off, an unlock,
and uploads that are not exports at all; and the command."""

import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from portfolio.evidence import final_hash
from portfolio.exceptions import ExportInvalid
from portfolio.exports import exports_root
from portfolio.services import sign_off_undo
from portfolio.verification import DOES_NOT_MATCH, MATCHES, verify_export

from .test_exports import built_export, evidence_portfolio, people


@pytest.fixture
def exported(db, settings, tmp_path, django_capture_on_commit_callbacks):
    """A signed-off portfolio and its export's ZIP bytes."""
    settings.MEDIA_ROOT = tmp_path
    learner, assessor = people()
    portfolio = evidence_portfolio(
        learner, assessor, django_capture_on_commit_callbacks
    )
    export = built_export(portfolio, assessor, django_capture_on_commit_callbacks)
    return portfolio, (exports_root() / export.path).read_bytes()


def rezip(content: bytes, changes: dict[str, bytes]) -> bytes:
    """The ZIP with some files' contents replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            target.writestr(name, changes.get(name, source.read(name)))
    return out.getvalue()


def texts(report) -> str:
    return "\n".join(finding.text for finding in report.findings)


def test_an_untouched_export_matches_what_was_signed_off(exported):
    portfolio, content = exported

    report = verify_export(io.BytesIO(content))

    assert report.verdict == MATCHES
    assert report.matches
    assert report.portfolio == portfolio
    sign_off = portfolio.sign_offs.get()
    assert report.sign_off == sign_off
    assert texts(report).startswith("Files intact")
    at = timezone.localtime(sign_off.at)
    assert (
        f"Evidence in the export matches the sign-off of {at.day} {at:%b %Y} "
        "by Alan Brooks." in texts(report)
    )
    assert "unchanged since sign-off" in texts(report)


def test_a_file_edited_inside_the_zip_is_reported(exported):
    portfolio, content = exported
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        html = archive.read("portfolio.html").replace(b"Met", b"Mat", 1)

    report = verify_export(io.BytesIO(rezip(content, {"portfolio.html": html})))

    assert report.verdict == DOES_NOT_MATCH
    assert report.findings[0].ok is False
    assert report.findings[0].text == (
        "Files changed since the export was made: portfolio.html has changed."
    )


def test_a_forged_manifest_does_not_hide_edited_events(exported):
    # given events.json edited and the manifest's checksum and hash redone to suit
    portfolio, content = exported
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        events = json.loads(archive.read("events.json"))
        manifest = json.loads(archive.read("manifest.json"))
    events[-1]["data"]["satisfaction"] = 1
    forged_events = json.dumps(events).encode()
    manifest["files"]["events.json"] = {
        "sha256": hashlib.sha256(forged_events).hexdigest(),
        "size": len(forged_events),
    }
    manifest["evidence"]["final_hash"] = final_hash(
        events, learner_id=manifest["learner_id"]
    )
    forged = rezip(
        content,
        {"events.json": forged_events, "manifest.json": json.dumps(manifest).encode()},
    )

    report = verify_export(io.BytesIO(forged))

    # then the files and the manifest agree, but not the sign-off in OrderDesk
    assert report.findings[0].ok
    assert report.verdict == DOES_NOT_MATCH
    assert "Evidence in the export differs from the sign-off" in texts(report)


def doctored(content: bytes, name: str, change) -> bytes:
    """The ZIP with one file changed and its checksum redone in the manifest, as
    someone covering their tracks would."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        changed = change(archive.read(name))
        manifest = json.loads(archive.read("manifest.json"))
    manifest["files"][name] = {
        "sha256": hashlib.sha256(changed).hexdigest(),
        "size": len(changed),
    }
    return rezip(
        content,
        {name: changed, "manifest.json": json.dumps(manifest, indent=2).encode()},
    )


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("portfolio.html", lambda html: html.replace(b"Priya Shah", b"Pia Shaw")),
        ("events.csv", lambda csv: csv.replace(b"Followed up", b"Follow-up sent")),
        ("portfolio.pdf", lambda pdf: pdf + b"\n% edited\n"),
    ],
)
def test_a_doctored_file_with_its_checksum_redone_is_named(exported, name, change):
    # given a file changed and the manifest's checksum redone to match it
    portfolio, content = exported
    forged = doctored(content, name, change)

    report = verify_export(io.BytesIO(forged))

    # then the manifest agrees with the files, but OrderDesk's own record does not
    assert report.findings[0].ok
    assert report.verdict == DOES_NOT_MATCH
    assert report.mismatched == [name, "manifest.json"]
    export = portfolio.exports.get()
    assert f"{name} is not the file OrderDesk exported (export {export.pk}" in texts(
        report
    )


def test_the_same_files_in_another_zip_still_match(exported):
    # given the export unpacked and zipped again by another tool (no compression)
    portfolio, content = exported
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target,
    ):
        for name in reversed(source.namelist()):
            target.writestr(name, source.read(name))
    assert hashlib.sha256(out.getvalue()).hexdigest() != portfolio.exports.get().sha256

    report = verify_export(io.BytesIO(out.getvalue()))

    assert report.verdict == MATCHES
    assert "the files of export" in texts(report)


def test_an_export_is_recognised_by_the_checksum_orderdesk_keeps(exported):
    portfolio, content = exported
    export = portfolio.exports.get()

    report = verify_export(io.BytesIO(content))

    assert report.mismatched == []
    assert f"This ZIP is export {export.pk} exactly as OrderDesk made it" in texts(
        report
    )


def test_an_export_kept_without_file_checksums_matches_only_whole(exported):
    # given an export made before each file's checksum was kept
    portfolio, content = exported
    portfolio.exports.update(files={})

    untouched = verify_export(io.BytesIO(content))
    forged = verify_export(
        io.BytesIO(doctored(content, "events.csv", lambda csv: csv + b"x,y\r\n"))
    )

    assert untouched.verdict == MATCHES
    assert forged.verdict == DOES_NOT_MATCH
    assert "This ZIP is not an export as OrderDesk made it" in texts(forged)


def test_an_event_edited_in_the_database_after_sign_off_is_reported(exported):
    portfolio, content = exported
    event_id = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("events.json"))[-1][
        "id"
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_orderevent SET data = %s WHERE id = %s",
            [json.dumps({"satisfaction": 1}), event_id],
        )

    report = verify_export(io.BytesIO(content))

    # the export itself still matches the sign-off; OrderDesk's evidence does not
    assert "Evidence in the export matches the sign-off" in texts(report)
    assert "The evidence in OrderDesk has changed since sign-off" in texts(report)
    assert report.verdict == DOES_NOT_MATCH


def test_an_unlocked_sign_off_no_longer_counts(exported):
    portfolio, content = exported
    sign_off_undo(
        portfolio=portfolio, actor=portfolio.assessor, reason="More evidence needed."
    )

    report = verify_export(io.BytesIO(content))

    assert report.verdict == DOES_NOT_MATCH
    assert "That sign-off was withdrawn" in texts(report)
    assert "More evidence needed." in texts(report)


def test_an_export_made_before_sign_off_has_nothing_to_match(
    db, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    learner, assessor = people()
    portfolio = evidence_portfolio(
        learner, assessor, django_capture_on_commit_callbacks, signed=False
    )
    export = built_export(portfolio, learner, django_capture_on_commit_callbacks)

    report = verify_export((exports_root() / export.path).open("rb"))

    assert report.verdict == DOES_NOT_MATCH
    assert "not signed off" in texts(report)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7 not a zip", "This is not a ZIP file"),
        (b"", "The file is empty"),
        (None, "no manifest.json"),
        ("bad-manifest", "manifest.json cannot be read"),
        ("other-zip", "not an OrderDesk portfolio export"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused_with_a_message(db, content, message):
    if content is None or isinstance(content, str):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("notes.txt", "hello")
            if content == "bad-manifest":
                archive.writestr("manifest.json", "{not json")
            elif content == "other-zip":
                archive.writestr("manifest.json", json.dumps({"files": {}}))
        content = out.getvalue()

    with pytest.raises(ExportInvalid, match=message):
        verify_export(io.BytesIO(content))


def test_an_oversize_file_is_refused(db, tmp_path):
    big = tmp_path / "big.zip"
    with big.open("wb") as file:
        file.seek(50 * 1024 * 1024 + 1)
        file.write(b"\0")

    with big.open("rb") as file, pytest.raises(ExportInvalid, match="at most 50 MB"):
        verify_export(file)


# -- the command -------------------------------------------------------------------


def test_command_prints_the_report_and_exits_0_when_it_matches(
    exported, tmp_path, capsys
):
    portfolio, content = exported
    path = tmp_path / "export.zip"
    path.write_bytes(content)

    call_command("verify_portfolio_export", str(path))

    out = capsys.readouterr().out
    assert "Files intact" in out
    assert f"Verdict: {MATCHES}" in out


def test_command_exits_1_when_it_does_not_match(exported, tmp_path, capsys):
    portfolio, content = exported
    path = tmp_path / "export.zip"
    path.write_bytes(rezip(content, {"events.csv": b"edited"}))

    with pytest.raises(SystemExit) as exit_:
        call_command("verify_portfolio_export", str(path))

    assert exit_.value.code == 1
    assert f"Verdict: {DOES_NOT_MATCH}" in capsys.readouterr().out


def test_command_refuses_a_file_that_is_not_an_export(db, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")

    with pytest.raises(CommandError, match="This is not a ZIP file"):
        call_command("verify_portfolio_export", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("verify_portfolio_export", str(tmp_path / "missing.zip"))


def test_unreadable_events_and_an_added_file_are_reported_not_raised(exported):
    portfolio, content = exported
    out = io.BytesIO()
    with (
        zipfile.ZipFile(
            io.BytesIO(rezip(content, {"events.json": b"[" * 100_000}))
        ) as source,
        zipfile.ZipFile(out, "w") as target,
    ):
        for name in source.namelist():
            target.writestr(name, source.read(name))
        target.writestr("extra.exe", b"MZ")

    report = verify_export(io.BytesIO(out.getvalue()))

    assert report.verdict == DOES_NOT_MATCH
    assert "events.json has changed" in texts(report)
    assert "extra.exe was added" in texts(report)
    assert "The event list (events.json) is missing or unreadable." in texts(report)


@pytest.mark.parametrize("field", ["portfolio_id", "learner_id"])
def test_a_manifest_naming_an_id_too_large_for_the_database_is_refused(exported, field):
    # given an export whose manifest names an id no database column can hold
    portfolio, content = exported
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest[field] = 10**20
    forged = rezip(content, {"manifest.json": json.dumps(manifest).encode()})

    # when it is verified, it is refused as not saying whose it is (no server error)
    with pytest.raises(ExportInvalid, match="does not say whose portfolio it is"):
        verify_export(io.BytesIO(forged))
