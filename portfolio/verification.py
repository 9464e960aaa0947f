"""Checking an export: does this ZIP match what the assessor signed off?

Five questions, each answered as a plain line:
1. Are the files as the manifest lists them (each file's SHA-256 against the
   manifest)? This catches damage, but the manifest travels in the ZIP: whoever
   edits a file can redo its checksum there too. So:
2. Is this the ZIP OrderDesk made, or are its files those of an export OrderDesk
   made? The ZIP's SHA-256, and failing that each file's, against the checksums the
   Export rows keep in the database; each file that differs is named.
3. Do the events in events.json hash to the final hash the manifest states?
4. Does that hash, recomputed from the events, equal the final hash stored with
   the sign-off in OrderDesk's database (found by the manifest's sign-off id)?
   A forged manifest cannot change this answer: the hash is recomputed here.
5. Is the evidence in OrderDesk now still what was signed off?

The export matches what was signed off only when every answer is yes.
"""

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from .evidence import final_hash
from .exceptions import ExportInvalid
from .exports import (
    EVENTS_CSV,
    EVENTS_JSON,
    FORMAT,
    HTML,
    MANIFEST,
    PDF,
    stream_sha256,
)
from .models import Export, Portfolio, SignOff, Unlock
from .services import evidence_check

MAX_UPLOAD = 50 * 1024 * 1024
# What the ZIP may unpack to: a ZIP that claims more is refused before reading.
MAX_UNPACKED = 200 * 1024 * 1024
MATCHES = "Matches what was signed off"
DOES_NOT_MATCH = "Does not match"
# The files of an export in the order a report names them.
FILE_ORDER = (PDF, HTML, EVENTS_CSV, EVENTS_JSON, MANIFEST)


@dataclass
class Finding:
    ok: bool
    text: str


@dataclass
class VerificationReport:
    findings: list[Finding] = field(default_factory=list)
    portfolio: Portfolio | None = None
    sign_off: SignOff | None = None
    learner_username: str = ""
    generated_at: str = ""  # the day it was exported, as people read it
    event_count: int = 0
    export: Export | None = None  # the export OrderDesk made that this one is
    mismatched: list[str] = field(default_factory=list)  # files not as exported

    @property
    def matches(self) -> bool:
        return bool(self.findings) and all(f.ok for f in self.findings)

    @property
    def verdict(self) -> str:
        return MATCHES if self.matches else DOES_NOT_MATCH

    def add(self, ok: bool, text: str) -> bool:
        self.findings.append(Finding(ok, text))
        return ok

    def as_text(self) -> str:
        lines = [f"{'ok  ' if f.ok else 'FAIL'}  {f.text}" for f in self.findings]
        return "\n".join([*lines, "", f"Verdict: {self.verdict}"])


def _day(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}"


def _exported_on(value) -> str:
    try:
        return _day(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return ""


def _size(file) -> int:
    position = file.tell()
    file.seek(0, 2)
    size = file.tell()
    file.seek(position)
    return size


def _open(file) -> zipfile.ZipFile:
    try:
        size = _size(file)
    except (OSError, AttributeError, ValueError) as error:
        raise ExportInvalid("The file could not be read.") from error
    if size == 0:
        raise ExportInvalid("The file is empty.")
    if size > MAX_UPLOAD:
        raise ExportInvalid(
            f"The file is {size / 1024 / 1024:.0f} MB; an export is at most "
            f"{MAX_UPLOAD // 1024 // 1024} MB. Choose the ZIP OrderDesk gave you."
        )
    try:
        file.seek(0)
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ExportInvalid(
            "This is not a ZIP file. Choose the .zip file of a portfolio export, "
            "as OrderDesk gave it to you."
        ) from error
    if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
        raise ExportInvalid("This ZIP unpacks to more than any export could hold.")
    return archive


def _read(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return archive.read(name)
    except KeyError:
        return None
    except (
        zipfile.BadZipFile,
        OSError,
        ValueError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ):
        # A damaged or encrypted member reads as changed, not as an error page.
        return b""


def _manifest(archive: zipfile.ZipFile) -> dict:
    raw = _read(archive, MANIFEST)
    if raw is None:
        raise ExportInvalid(
            "This ZIP has no manifest.json: it is not an OrderDesk portfolio export."
        )
    try:
        manifest = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ExportInvalid(
            "The export's manifest.json cannot be read: it has been damaged or edited."
        ) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ExportInvalid("This ZIP is not an OrderDesk portfolio export.")
    files, evidence = manifest.get("files"), manifest.get("evidence")
    if not isinstance(files, dict) or not files or not isinstance(evidence, dict):
        raise ExportInvalid("The export's manifest is incomplete.")
    if not all(_is_id(manifest.get(key)) for key in ("portfolio_id", "learner_id")):
        raise ExportInvalid("The export's manifest does not say whose portfolio it is.")
    return manifest


def _is_id(value) -> bool:
    """A row id as a database holds one (a JSON number may be any size)."""
    return type(value) is int and 0 < value < 2**63


def _digests(archive) -> dict[str, str]:
    """Each file's SHA-256, read once for every check that compares files (a damaged
    member hashes as empty, so it reads as changed)."""
    return {
        name: hashlib.sha256(_read(archive, name) or b"").hexdigest()
        for name in archive.namelist()
    }


def _check_files(report, uploaded: dict[str, str], manifest) -> bool:
    problems = []
    for name, expected in sorted(manifest["files"].items()):
        if name not in uploaded:
            problems.append(f"{name} is missing")
        elif not isinstance(expected, dict) or (
            uploaded[name] != expected.get("sha256")
        ):
            problems.append(f"{name} has changed")
    extra = sorted(set(uploaded) - set(manifest["files"]) - {MANIFEST})
    problems += [f"{name} was added" for name in extra]
    if problems:
        return report.add(
            False,
            "Files changed since the export was made: " + "; ".join(problems) + ".",
        )
    return report.add(
        True,
        f"Files intact: all {len(manifest['files'])} files match the manifest's "
        "checksums.",
    )


def _in_order(names) -> list[str]:
    return sorted(
        names,
        key=lambda n: (FILE_ORDER.index(n) if n in FILE_ORDER else len(FILE_ORDER), n),
    )


def _check_as_exported(report, uploaded: dict[str, str], digest: str, manifest) -> bool:
    """Is this ZIP, or are its files, an export OrderDesk made of the portfolio?
    Answered from the checksums the Export rows keep, never from the manifest;
    when it is not, each file that differs from the export it comes from (the one
    sharing the most files with it) is named."""
    exports = list(
        Export.objects.filter(
            portfolio_id=manifest["portfolio_id"], status=Export.Status.READY
        ).order_by("-finished_at", "-pk")
    )
    exact = next((export for export in exports if export.sha256 == digest), None)
    if exact is not None:
        report.export = exact
        return report.add(
            True,
            f"This ZIP is export {exact.pk} exactly as OrderDesk made it on "
            f"{_day(exact.finished_at or exact.requested_at)}: its SHA-256 is the "
            "one OrderDesk keeps.",
        )

    def shared(export: Export) -> int:
        return sum(
            1
            for name, kept in export.files.items()
            if isinstance(kept, dict) and uploaded.get(name) == kept.get("sha256")
        )

    # Exports made before each file's checksum was kept can only match whole.
    original = max((e for e in exports if e.files), key=shared, default=None)
    if original is None or shared(original) == 0:
        return report.add(
            False,
            "This ZIP is not an export as OrderDesk made it: neither it nor any "
            "file in it matches the checksums OrderDesk keeps of this portfolio's "
            "exports.",
        )
    report.export = original
    made = (
        f"export {original.pk} of {_day(original.finished_at or original.requested_at)}"
    )
    kept = original.files
    problems = {}
    for name in _in_order(set(kept) | set(uploaded)):
        expected = kept.get(name)
        if name not in uploaded:
            problems[name] = f"{name} is missing: {made} held it."
        elif expected is None:
            problems[name] = f"{name} was not in {made}: it has been added."
        elif not isinstance(expected, dict) or uploaded[name] != expected.get("sha256"):
            problems[name] = (
                f"{name} is not the file OrderDesk exported ({made}): it has been "
                "changed."
            )
    if not problems:
        return report.add(
            True,
            f"These are the files of {made} exactly as OrderDesk made them "
            "(packed in another ZIP).",
        )
    report.mismatched = list(problems)
    for text in problems.values():
        report.add(False, text)
    return False


def _records(archive) -> list[dict] | None:
    raw = _read(archive, EVENTS_JSON)
    try:
        records = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return None
    return records


def _sign_off(report, manifest, portfolio) -> SignOff | None:
    summary = manifest.get("sign_off")
    if not isinstance(summary, dict) or not isinstance(summary.get("id"), int):
        report.add(
            False,
            "The export was made when the portfolio was not signed off: there is no "
            "sign-off to compare it with.",
        )
        return None
    sign_off = (
        SignOff.objects.filter(pk=summary["id"], portfolio=portfolio)
        .select_related("assessor")
        .first()
    )
    if sign_off is None:
        report.add(False, "The sign-off this export names is not in OrderDesk.")
        return None
    if summary.get("final_hash") != sign_off.final_hash:
        report.add(
            False,
            "The manifest's sign-off hash differs from the sign-off recorded in "
            "OrderDesk: the manifest has been altered.",
        )
    return sign_off


def verify_export(file) -> VerificationReport:
    """Check an export's ZIP (a file object open for reading in binary).

    Raises ExportInvalid, with a message for the person, when the file cannot be
    read as a portfolio export at all.
    """
    archive = _open(file)
    manifest = _manifest(archive)
    report = VerificationReport(
        learner_username=str(manifest.get("learner_username", "")),
        generated_at=_exported_on(manifest.get("generated_at")),
    )
    uploaded = _digests(archive)
    _check_files(report, uploaded, manifest)
    _check_as_exported(report, uploaded, stream_sha256(file)[0], manifest)

    records = _records(archive)
    recomputed = None
    if records is None:
        report.add(False, "The event list (events.json) is missing or unreadable.")
    else:
        report.event_count = len(records)
        recomputed = final_hash(records, learner_id=manifest["learner_id"])
        if recomputed == manifest["evidence"].get("final_hash"):
            report.add(
                True,
                f"The {len(records)} events in the export hash to the final hash "
                "in its manifest.",
            )
        else:
            report.add(
                False,
                "The events in the export do not hash to the final hash in its "
                "manifest: the events or the manifest have been altered.",
            )

    portfolio = (
        Portfolio.objects.filter(
            pk=manifest["portfolio_id"], learner_id=manifest["learner_id"]
        )
        .select_related("learner", "assessor")
        .first()
    )
    if portfolio is None:
        report.add(False, "No portfolio in OrderDesk matches this export.")
        return report
    report.portfolio = portfolio

    sign_off = _sign_off(report, manifest, portfolio)
    if sign_off is None:
        return report
    report.sign_off = sign_off
    signed = f"the sign-off of {_day(sign_off.at)} by {sign_off.assessor}"
    if recomputed is not None and recomputed == sign_off.final_hash:
        report.add(True, f"Evidence in the export matches {signed}.")
    else:
        report.add(False, f"Evidence in the export differs from {signed}.")

    unlock = Unlock.objects.filter(sign_off=sign_off).select_related("by").first()
    if unlock is not None:
        report.add(
            False,
            f"That sign-off was withdrawn on {_day(unlock.at)} by {unlock.by}: "
            f"{unlock.reason}",
        )

    unchanged, _, count = evidence_check(portfolio, sign_off)
    if unchanged:
        report.add(True, "The evidence in OrderDesk is unchanged since sign-off.")
    else:
        report.add(
            False,
            f"The evidence in OrderDesk has changed since sign-off (it now has "
            f"{count} events; {sign_off.event_count} were signed off).",
        )
    return report
