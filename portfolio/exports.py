"""Portfolio exports: a ZIP an assessor can keep and check later.

The ZIP holds the portfolio as a document for reading (portfolio.pdf, and the same
as a self-contained portfolio.html), every evidence event (events.csv,
events.json) and manifest.json: the evidence chain's final hash over the events in
events.json, the sign-off in force when it was built, and each file's SHA-256. It
is built by a task (portfolio.tasks.export_build_task) with its progress on the
Export row, and written under <exports root>/<portfolio>/<export>.zip: a temporary
file first, renamed into place when complete, so a reader never sees half a ZIP.
The Export row keeps the ZIP's SHA-256 and each file's: verification trusts those,
not the manifest that travels with the files.

Everything in one export is read from one snapshot of the evidence, so the
manifest's hash is the hash of the events beside it.
"""

import csv
import hashlib
import io
import json
import logging
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from orders.documents import render_pdf

from .evidence import final_hash, portfolio_entries, portfolio_records, read_portfolio
from .exceptions import PortfolioError
from .models import Export, Portfolio, Review, SignOff
from .services import criteria, current_sign_off, latest_reviews
from .tasks import export_build_task

logger = logging.getLogger(__name__)

FORMAT = "orderdesk-portfolio-export"
FORMAT_VERSION = 1
UNIT = "Processing sales orders"
PDF, HTML, EVENTS_CSV, EVENTS_JSON, MANIFEST = (
    "portfolio.pdf",
    "portfolio.html",
    "events.csv",
    "events.json",
    "manifest.json",
)
CSV_COLUMNS = ["order", "id", "kind", "label", "at", "actor", "by", "status_after"]
# A request while another export of the same portfolio is this recent returns that
# one (a double click makes one export); an older one is taken to be lost.
IN_PROGRESS_WINDOW = timedelta(minutes=10)
# A spreadsheet runs a cell starting with one of these as a formula; the CSV is
# opened in spreadsheets, and names and messages are typed by people.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def exports_root() -> Path:
    """Where export files live: MEDIA_ROOT/exports when media is configured, else
    var/exports. Never under static files: exports are served only by the
    download view, which checks who is asking."""
    media_root = getattr(settings, "MEDIA_ROOT", "")
    base = Path(media_root) if media_root else Path(settings.BASE_DIR) / "var"
    return base / "exports"


def export_file(export: Export) -> Path | None:
    """The export's ZIP on disk, or None when it is not built or has gone."""
    if not export.path:
        return None
    root = exports_root().resolve()
    path = (root / export.path).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def may_use_exports(user, portfolio: Portfolio) -> bool:
    """Only the portfolio's learner and its assigned assessor export it."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.pk == portfolio.learner_id or (
        portfolio.assessor_id is not None and user.pk == portfolio.assessor_id
    )


def exports_of(portfolio: Portfolio, *, limit: int = 20):
    """The portfolio's latest exports, newest first, shaped for the exports page."""
    return Export.objects.filter(portfolio=portfolio).select_related(
        "requested_by", "sign_off__assessor"
    )[:limit]


# -- requesting --------------------------------------------------------------------


@transaction.atomic
def export_request(*, portfolio: Portfolio, actor) -> Export:
    """Queue an export of the portfolio; it is built in the background.

    A request while a recent one is still queued or building returns that one.
    """
    portfolio = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    if not may_use_exports(actor, portfolio):
        raise PortfolioError(
            "Only the learner and their assigned assessor can export this portfolio."
        )
    pending = (
        Export.objects.filter(
            portfolio=portfolio,
            status__in=(Export.Status.QUEUED, Export.Status.BUILDING),
            requested_at__gte=timezone.now() - IN_PROGRESS_WINDOW,
        )
        .order_by("-requested_at", "-pk")
        .first()
    )
    if pending is not None:
        return pending
    export = Export.objects.create(
        portfolio=portfolio,
        requested_by=actor,
        stage="Waiting to start",
    )
    transaction.on_commit(partial(export_build_task.delay, export_id=export.pk))
    return export


# -- building ----------------------------------------------------------------------


def _claim(export_id: int) -> tuple[Export, bool]:
    """Lock the export and mark it building: (export, whether to build)."""
    with transaction.atomic():
        export = (
            Export.objects.select_for_update(of=("self",))
            .select_related("portfolio__learner", "portfolio__assessor")
            .get(pk=export_id)
        )
        if export.status == Export.Status.READY:
            return export, False
        export.status = Export.Status.BUILDING
        export.progress, export.stage, export.error = 0, "Starting", ""
        export.save(update_fields=["status", "progress", "stage", "error"])
    return export, True


def _progress(export: Export, progress: int, stage: str) -> None:
    """Show how far the build has got (its own write, so the page sees it)."""
    export.progress, export.stage = progress, stage
    Export.objects.filter(pk=export.pk).update(progress=progress, stage=stage)


def export_build(*, export_id: int, worker: str = "") -> Export:
    """Build the export's ZIP; safe to run again: a ready export is left as it is,
    a failed or half-built one is built afresh."""
    export, build = _claim(export_id)
    if not build:
        return export
    portfolio = export.portfolio
    logger.info(
        "Building export %s of portfolio %s (%s)", export.pk, portfolio.pk, worker
    )

    _progress(export, 5, "Reading the evidence")
    generated_at = timezone.now()
    entries = portfolio_entries(portfolio)
    records = portfolio_records(portfolio, entries)
    sign_off = current_sign_off(portfolio)
    chain_hash = final_hash(records, learner_id=portfolio.learner_id)

    _progress(export, 15, "Mapping the evidence to the criteria")
    document = portfolio_document(
        portfolio,
        entries=entries,
        records=records,
        sign_off=sign_off,
        chain_hash=chain_hash,
        generated_at=generated_at,
    )

    _progress(export, 25, "Writing the web page")
    html = document_html(document)

    _progress(export, 35, "Writing the PDF")
    pdf = document_pdf(html, portfolio=portfolio)

    _progress(export, 85, "Writing the event lists")
    files = {
        PDF: pdf,
        HTML: html.encode(),
        EVENTS_CSV: events_csv(records),
        EVENTS_JSON: events_json(records),
    }

    _progress(export, 92, "Writing the manifest and the ZIP")
    files[MANIFEST] = manifest_json(
        portfolio,
        files=files,
        chain_hash=chain_hash,
        event_count=len(records),
        sign_off=sign_off,
        generated_at=generated_at,
    )
    relative = Path(str(portfolio.pk)) / f"{export.pk}.zip"
    temporary, digest, size = _write_zip(exports_root() / relative, files, generated_at)
    try:
        return _finish(
            export.pk,
            temporary=temporary,
            relative=relative,
            values={
                "sha256": digest,
                "size": size,
                "files": file_checksums(files),
                "final_hash": chain_hash,
                "sign_off": sign_off,
            },
        )
    finally:
        temporary.unlink(missing_ok=True)


@transaction.atomic
def _finish(export_id: int, *, temporary: Path, relative: Path, values) -> Export:
    """Put the ZIP in place and mark the export ready, under the row's lock: of
    two builds of one export (a task delivered twice), the first to finish wins
    and the other's file is dropped, so the row always describes the file."""
    export = Export.objects.select_for_update(of=("self",)).get(pk=export_id)
    if export.status == Export.Status.READY:
        return export
    os.replace(temporary, exports_root() / relative)
    export.status, export.progress, export.stage = Export.Status.READY, 100, "Ready"
    export.path, export.finished_at, export.error = str(relative), timezone.now(), ""
    for name, value in values.items():
        setattr(export, name, value)
    export.save(
        update_fields=[
            "status",
            "progress",
            "stage",
            "path",
            "finished_at",
            "error",
            *values,
        ]
    )
    return export


def export_fail(*, export_id: int, error: str) -> Export | None:
    """Mark an export that could not be built as failed, with the reason; a ready
    export stays ready."""
    with transaction.atomic():
        export = Export.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status == Export.Status.READY:
            return export
        export.status, export.stage = Export.Status.FAILED, "Failed"
        export.error, export.finished_at = error[:2000], timezone.now()
        export.save(update_fields=["status", "stage", "error", "finished_at"])
    return export


def _write_zip(path: Path, files: dict[str, bytes], generated_at: datetime):
    """Write the ZIP to a temporary file beside path (renamed into place when the
    export is marked ready): (temporary path, SHA-256, size)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime(generated_at).timetuple()[:6]
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}-", suffix=".part"
    )
    try:
        with os.fdopen(handle, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, content in files.items():
                    info = zipfile.ZipInfo(name, date_time=stamp)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, content)
            raw.flush()
            os.fsync(raw.fileno())
        with Path(temporary).open("rb") as written:
            digest, size = stream_sha256(written)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary), digest, size


def stream_sha256(file) -> tuple[str, int]:
    """The SHA-256 and size of a binary file object, read from the start in chunks
    (an export's ZIP here, an uploaded one in verification)."""
    file.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := file.read(1 << 16):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


# -- the files ---------------------------------------------------------------------


def events_json(records: list[dict]) -> bytes:
    """The events exactly as the chain hashes them, in chain order."""
    return json.dumps(records, ensure_ascii=False, indent=1).encode() + b"\n"


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def events_csv(records: list[dict]) -> bytes:
    """The events as a spreadsheet: one row each, the data as JSON. A cell that a
    spreadsheet would run as a formula starts with an apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*CSV_COLUMNS, "data"])
    for record in records:
        data = json.dumps(record["data"], sort_keys=True, ensure_ascii=False)
        writer.writerow([_cell(record[column]) for column in CSV_COLUMNS] + [data])
    # The byte-order mark lets spreadsheets read the file as UTF-8 (£, é, …).
    return buffer.getvalue().encode("utf-8-sig")


def sign_off_summary(sign_off: SignOff | None) -> dict | None:
    if sign_off is None:
        return None
    return {
        "id": sign_off.pk,
        "assessor": sign_off.assessor.get_username(),
        "assessor_name": str(sign_off.assessor),
        "at": sign_off.at.isoformat(),
        "final_hash": sign_off.final_hash,
        "event_count": sign_off.event_count,
    }


def file_checksums(files: dict[str, bytes]) -> dict[str, dict]:
    """Each file's SHA-256 and size, by name."""
    return {
        name: {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
        for name, content in files.items()
    }


def manifest_json(
    portfolio: Portfolio,
    *,
    files: dict[str, bytes],
    chain_hash: str,
    event_count: int,
    sign_off: SignOff | None,
    generated_at: datetime,
) -> bytes:
    """What the export holds and the checksums to check it by."""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "portfolio_id": portfolio.pk,
        "learner_id": portfolio.learner_id,
        "learner_username": portfolio.learner.get_username(),
        "generated_at": generated_at.isoformat(),
        "evidence": {
            "events_file": EVENTS_JSON,
            "final_hash": chain_hash,
            "event_count": event_count,
        },
        "sign_off": sign_off_summary(sign_off),
        "files": file_checksums(files),
    }
    return json.dumps(manifest, indent=2, ensure_ascii=False).encode() + b"\n"


# -- the document (PDF and HTML) ---------------------------------------------------


@dataclass
class CriterionRow:
    identifier: str
    text: str
    met: bool
    review: Review | None


@dataclass
class OrderStory:
    """One order from receipt to follow-up, as the document tells it."""

    reference: str
    stages: list[dict]
    checks: list[dict]
    exceptions: list[dict]
    communications: list[dict]
    confirmation: dict | None
    dispatches: list[dict]
    follow_ups: list[dict]
    reflection: str
    criteria: list[dict]
    event_count: int


def when(iso: str | None) -> str:
    """An event time as people read it, in OrderDesk's time zone."""
    if not iso:
        return ""
    moment = timezone.localtime(datetime.fromisoformat(iso))
    return f"{moment.day} {moment:%b %Y, %H:%M}"


def _day(moment) -> str:
    return f"{moment.day} {moment:%B %Y}"


def _label(value) -> str:
    return str(value or "").replace("_", " ")


def _story(evidence, entry_reflection: str) -> OrderStory:
    records = evidence.records
    checks = [
        {
            "at": when(r["at"]),
            "kind": _label(r["data"].get("kind")).capitalize(),
            "outcome": _label(r["data"].get("outcome")),
            "detail": r["data"].get("detail", ""),
            "by": r["by"],
        }
        for r in evidence.of("check_recorded")
    ]
    exceptions: dict = {}
    for r in evidence.of("exception_opened", "exception_step", "exception_resolved"):
        key = r["data"].get("exception_id")
        story = exceptions.setdefault(
            key,
            {"kind": "", "found": "", "opened": "", "steps": [], "resolution": None},
        )
        if r["kind"] == "exception_opened":
            story["kind"] = _label(r["data"].get("kind")).capitalize()
            story["found"] = r["data"].get("found", "")
            story["opened"] = when(r["at"])
        elif r["kind"] == "exception_step":
            story["steps"].append(
                {"at": when(r["at"]), "text": r["data"].get("text", ""), "by": r["by"]}
            )
        else:
            story["kind"] = story["kind"] or _label(r["data"].get("kind")).capitalize()
            story["resolution"] = {
                "at": when(r["at"]),
                "text": r["data"].get("resolution", ""),
                "by": r["by"],
                "customer_informed": r["data"].get("customer_informed"),
            }
    sent = {
        r["data"].get("communication_id"): when(r["at"])
        for r in evidence.of("communication_sent")
    }
    communications = [
        {
            "at": when(r["at"]),
            "channel": _label(r["data"].get("channel")),
            "direction": _label(r["data"].get("direction")),
            "purpose": _label(r["data"].get("purpose")),
            "subject": r["data"].get("subject", ""),
            "content": r["data"].get("content", ""),
            "outcome": _label(r["data"].get("outcome")),
            "sent": sent.get(r["data"].get("communication_id"), ""),
            "by": r["by"],
        }
        for r in evidence.of("communication")
    ]
    confirmed = next(iter(evidence.of("confirmed")), None)
    confirmation = None
    if confirmed is not None:
        promised = confirmed["data"].get("promised_date")
        confirmation = {
            "at": when(confirmed["at"]),
            "by": confirmed["by"],
            "channel": _label(confirmed["data"].get("channel")),
            "promised": _day(datetime.fromisoformat(promised)) if promised else "",
        }
    dispatches = [
        {
            "at": when(r["at"]),
            "kind": r["label"],
            "carrier": r["data"].get("carrier", ""),
            "tracking": r["data"].get("tracking_reference", ""),
            "proof": r["data"].get("proof_of_delivery", ""),
        }
        for r in evidence.of("dispatched", "delivered")
    ]
    follow_ups = [
        {
            "at": when(r["at"]),
            "by": r["by"],
            "channel": _label(r["data"].get("channel")),
            "outcome": _label(r["data"].get("outcome")),
            "satisfaction": r["data"].get("satisfaction"),
            "notes": r["data"].get("content", ""),
        }
        for r in evidence.of("followed_up")
    ]
    return OrderStory(
        reference=evidence.reference,
        stages=[
            {"stage": label, "at": when(at) if at else "Not reached"}
            for label, at in evidence.stages
        ],
        checks=checks,
        exceptions=list(exceptions.values()),
        communications=communications,
        confirmation=confirmation,
        dispatches=dispatches,
        follow_ups=follow_ups,
        reflection=entry_reflection,
        criteria=[
            {"identifier": key, "met": item.met, "reason": item.reason}
            for key, item in evidence.criteria.items()
        ],
        event_count=len(records),
    )


def portfolio_document(
    portfolio: Portfolio,
    *,
    entries,
    records: list[dict],
    sign_off: SignOff | None,
    chain_hash: str,
    generated_at: datetime,
) -> dict:
    """Everything the PDF and the HTML say, from one snapshot of the evidence."""
    orders, overall = read_portfolio(portfolio, records)
    reviews = latest_reviews(portfolio)
    reflections = {entry.order.reference: entry.reflection for entry in entries}
    rows = [
        CriterionRow(
            item.identifier,
            item.text,
            overall.get(item.identifier, False),
            reviews.get(item.identifier),
        )
        for item in criteria()
    ]
    local = timezone.localtime(generated_at)
    return {
        "portfolio": portfolio,
        "learner": portfolio.learner,
        "assessor": portfolio.assessor,
        "unit": UNIT,
        "generated": f"{_day(local)} at {local:%H:%M}",
        "sign_off": sign_off,
        "sign_off_at": (
            f"{_day(timezone.localtime(sign_off.at))} at "
            f"{timezone.localtime(sign_off.at):%H:%M}"
            if sign_off
            else ""
        ),
        "sign_off_matches": sign_off is not None and sign_off.final_hash == chain_hash,
        "final_hash": chain_hash,
        "event_count": len(records),
        "criteria": rows,
        "orders": [_story(o, reflections.get(o.reference, "")) for o in orders],
    }


def document_html(document: dict) -> str:
    """The document as one self-contained HTML file (its CSS inside it)."""
    return render_to_string("portfolio/pdf/portfolio.html", document)


def document_pdf(html: str, *, portfolio: Portfolio) -> bytes:
    """The document's HTML as PDF (WeasyPrint, which may fetch nothing but
    OrderDesk's static files; the document needs none)."""
    site = settings.ORDERDESK["SITE_URL"].rstrip("/")
    return render_pdf(html, base_url=f"{site}/portfolio/{portfolio.pk}/")
