"""Loading the unit's content and quizzes from the data files into the database.

The files in revision/content/ are the source; staff may edit rows in the admin.
A load creates missing rows and rewrites a row only when the file's version of it
changed since the last load (its digest differs), so an admin edit survives reloads
until the file itself changes that item. Rows the file no longer holds are made
inactive, never deleted: answers and progress still refer to them.
"""

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from ..exceptions import ContentFileError
from ..grading import InvalidItemData, validate_data
from ..models import ContentItem, Quiz, QuizItem, Section, Source

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
UNIT_FILE = CONTENT_DIR / "unit.toml"
QUIZ_FILE = CONTENT_DIR / "quizzes.toml"

CONTENT_FIELDS = (
    "section",
    "source",
    "title",
    "text",
    "text_written_here",
    "correction",
    "correction_written_here",
    "advice",
    "must_show",
    "plan_first_day",
    "plan_last_day",
)
QUIZ_ITEM_KEYS = {"id", "kind", "prompt", "explanation", "covers"}


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.retired)} made inactive"
        )


def read_file(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as error:
        raise ContentFileError(f"{path} is missing.") from error
    except tomllib.TOMLDecodeError as error:
        raise ContentFileError(f"{path.name}: {error}") from error


def _digest(entry: dict) -> str:
    return hashlib.sha256(
        json.dumps(entry, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _unique_ids(entries: list[dict], what: str) -> None:
    seen = set()
    for position, entry in enumerate(entries, start=1):
        identifier = entry.get("id")
        if not identifier:
            raise ContentFileError(f"{what} number {position} has no id.")
        if identifier in seen:
            raise ContentFileError(f"{what} id {identifier} appears twice.")
        seen.add(identifier)


def _content_values(entry: dict) -> dict:
    identifier = entry["id"]
    unknown = set(entry) - {"id", *CONTENT_FIELDS}
    if unknown:
        raise ContentFileError(f"{identifier}: unknown keys {sorted(unknown)}.")
    if entry.get("section") not in Section.values:
        raise ContentFileError(f"{identifier}: unknown section {entry.get('section')}.")
    if entry.get("source") not in Source.values:
        raise ContentFileError(f"{identifier}: unknown source {entry.get('source')}.")
    if not str(entry.get("text", "")).strip():
        raise ContentFileError(f"{identifier}: text is empty.")
    values = {name: entry.get(name, "") for name in CONTENT_FIELDS}
    for flag in ("text_written_here", "correction_written_here"):
        values[flag] = bool(entry.get(flag, False))
    for day in ("plan_first_day", "plan_last_day"):
        values[day] = entry.get(day)
    return values


def _sync(model, identifier: str, position: int, values: dict, digest, report):
    """Create, update (file changed) or leave (file unchanged) one row."""
    row = model.objects.filter(identifier=identifier).first()
    if row is None:
        row = model.objects.create(
            identifier=identifier, position=position, source_digest=digest, **values
        )
        report.created.append(identifier)
        return row, True
    if row.source_digest == digest and row.active:
        report.unchanged.append(identifier)
        return row, False
    for name, value in values.items():
        setattr(row, name, value)
    row.position, row.source_digest, row.active = position, digest, True
    row.save()
    report.updated.append(identifier)
    return row, True


def _retire(model, keep: set[str], report: LoadReport) -> None:
    gone = model.objects.filter(active=True).exclude(identifier__in=keep)
    report.retired.extend(gone.values_list("identifier", flat=True))
    gone.update(active=False)


@transaction.atomic
def content_load(*, unit_file: Path = UNIT_FILE, quiz_file: Path = QUIZ_FILE):
    """Load both data files; refuse (and change nothing) if either is wrong."""
    unit = read_file(unit_file)
    quizzes = read_file(quiz_file)
    report = LoadReport()

    items = unit.get("item", [])
    _unique_ids(items, "Content item")
    content = {}
    for position, entry in enumerate(items, start=1):
        values = _content_values(entry)
        row, _ = _sync(
            ContentItem, entry["id"], position, values, _digest(entry), report
        )
        content[entry["id"]] = row
    _retire(ContentItem, set(content), report)

    quiz_items = quizzes.get("quiz_item", [])
    _unique_ids(quiz_items, "Quiz item")
    questions = {}
    for position, entry in enumerate(quiz_items, start=1):
        identifier = entry["id"]
        kind = entry.get("kind")
        data = {k: v for k, v in entry.items() if k not in QUIZ_ITEM_KEYS}
        try:
            validate_data(kind, data)
        except InvalidItemData as error:
            raise ContentFileError(f"{identifier}: {error}.") from error
        for key in ("prompt", "explanation"):
            if not str(entry.get(key, "")).strip():
                raise ContentFileError(f"{identifier}: {key} is empty.")
        covers = entry.get("covers", [])
        missing = [ref for ref in covers if ref not in content]
        missing += [
            ref for ref in data.get("checklist", []) if content.get(ref) is None
        ]
        if missing:
            raise ContentFileError(f"{identifier}: unknown content ids {missing}.")
        values = {
            "kind": kind,
            "prompt": entry["prompt"],
            "explanation": entry["explanation"],
            "data": data,
        }
        row, changed = _sync(
            QuizItem, identifier, position, values, _digest(entry), report
        )
        if changed:
            row.covers.set([content[ref] for ref in covers])
        questions[identifier] = row
    _retire(QuizItem, set(questions), report)

    quiz_entries = quizzes.get("quiz", [])
    _unique_ids(quiz_entries, "Quiz")
    kept = set()
    for position, entry in enumerate(quiz_entries, start=1):
        identifier = entry["id"]
        members = entry.get("items", [])
        missing = [ref for ref in members if ref not in questions]
        steps = entry.get("plan_steps", [])
        missing += [ref for ref in steps if ref not in content]
        if missing or not members:
            raise ContentFileError(f"{identifier}: unknown or no items {missing}.")
        values = {
            "title": entry.get("title", identifier),
            "description": entry.get("description", ""),
        }
        row, changed = _sync(Quiz, identifier, position, values, _digest(entry), report)
        if changed:
            row.items.set([questions[ref] for ref in members])
            row.plan_steps.set([content[ref] for ref in steps])
        kept.add(identifier)
    _retire(Quiz, kept, report)
    return report
