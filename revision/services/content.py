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
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from inventory.models import Product
from orders.models import Order

from ..exceptions import ContentFileError
from ..grading import InvalidItemData, validate_data
from ..models import ContentItem, Quiz, QuizItem, Scenario, Section, Source
from .practice import CUSTOMER_FIELDS

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
UNIT_FILE = CONTENT_DIR / "unit.toml"
QUIZ_FILE = CONTENT_DIR / "quizzes.toml"
SCENARIO_FILE = CONTENT_DIR / "scenarios.toml"

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


SCENARIO_KEYS = {
    "id",
    "title",
    "summary",
    "channel",
    "incoming",
    "problems",
    "customer",
    "order",
    "stock",
    "intended",
    "prior_orders",
    "replies",
    "expected",
}
SCENARIO_DATA_KEYS = (
    "customer",
    "order",
    "stock",
    "intended",
    "prior_orders",
    "replies",
)
PRODUCT_KEYS = {"code", "name", "unit_price", "vat_rate", "pack_size", "active"}


def _practice_catalogue_load(products: list[dict], report: LoadReport) -> set[str]:
    """The practice catalogue: products only practice orders may name."""
    codes = set()
    for entry in products:
        code = str(entry.get("code", "")).upper()
        unknown = set(entry) - PRODUCT_KEYS
        if unknown or not code or not entry.get("name"):
            raise ContentFileError(f"Practice product {code or '?'}: check its keys.")
        if Product.objects.filter(code=code, practice=False).exists():
            raise ContentFileError(
                f"Practice product {code}: a live product has that code."
            )
        values = {
            "name": entry["name"],
            "unit_price": Decimal(str(entry["unit_price"])),
            "vat_rate": Decimal(str(entry.get("vat_rate", "0.20"))),
            "pack_size": int(entry.get("pack_size", 1)),
            "active": bool(entry.get("active", True)),
        }
        product = Product(code=code, practice=True, **values)
        try:
            product.full_clean(validate_unique=False)
        except ValidationError as error:
            raise ContentFileError(f"Practice product {code}: {error}") from error
        _, created = Product.objects.update_or_create(
            code=code, practice=True, defaults=values
        )
        (report.created if created else report.unchanged).append(code)
        codes.add(code)
    return codes


def _scenario_values(entry: dict, catalogue: set[str], content: dict) -> dict:
    identifier = entry["id"]

    def need(condition, message):
        if not condition:
            raise ContentFileError(f"{identifier}: {message}.")

    unknown = set(entry) - SCENARIO_KEYS
    need(not unknown, f"unknown keys {sorted(unknown)}")
    for key in ("title", "summary", "incoming"):
        need(str(entry.get(key, "")).strip(), f"{key} is empty")
    need(
        entry.get("channel") in Order.Channel.values, "channel is not an order channel"
    )
    problems = entry.get("problems", [])
    need(
        all(p in Scenario.Problem.values for p in problems),
        f"unknown problems {problems}",
    )
    customer = entry.get("customer", {})
    need(customer.get("name"), "the customer needs a name")
    unknown = set(customer) - CUSTOMER_FIELDS
    need(not unknown, f"the customer has no field {sorted(unknown)}")
    order = entry.get("order", {})
    need(order.get("lines"), "the order needs lines")
    named = {line["code"] for line in order["lines"]}
    for prior in entry.get("prior_orders", []):
        named |= {line["code"] for line in prior.get("lines", [])}
    named |= {item["code"] for item in entry.get("stock", [])}
    wrong = "wrong_code" in problems
    unknown_codes = named - catalogue
    need(
        not unknown_codes or wrong,
        f"products not in the practice catalogue {sorted(unknown_codes)}",
    )
    intended = entry.get("intended", {})
    need(intended.get("lines"), "say what the customer intended (intended.lines)")
    missing = {line["code"] for line in intended["lines"]} - catalogue
    need(not missing, f"intended products not in the catalogue {sorted(missing)}")
    expected = entry.get("expected", {})
    need(expected.get("channel"), "expected.channel: how to contact this customer")
    steps = expected.get("steps", [])
    need(steps, "expected.steps: the model handling")
    refs = {ref for step in steps for ref in step.get("points", [])}
    need(
        refs <= set(content),
        f"steps name unknown content {sorted(refs - set(content))}",
    )
    return {
        "title": entry["title"],
        "summary": entry["summary"],
        "channel": entry["channel"],
        "incoming": entry["incoming"],
        "problems": problems,
        "data": {
            key: entry.get(key, {} if key != "stock" else [])
            for key in SCENARIO_DATA_KEYS
        },
        "expected": expected,
    }


@transaction.atomic
def content_load(
    *,
    unit_file: Path = UNIT_FILE,
    quiz_file: Path = QUIZ_FILE,
    scenario_file: Path | None = SCENARIO_FILE,
):
    """Load the data files; refuse (and change nothing) if any is wrong."""
    unit = read_file(unit_file)
    quizzes = read_file(quiz_file)
    scenarios = read_file(scenario_file) if scenario_file else {}
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

    catalogue = _practice_catalogue_load(scenarios.get("product", []), report)
    scenario_entries = scenarios.get("scenario", [])
    _unique_ids(scenario_entries, "Scenario")
    kept = set()
    for position, entry in enumerate(scenario_entries, start=1):
        values = _scenario_values(entry, catalogue, content)
        _sync(Scenario, entry["id"], position, values, _digest(entry), report)
        kept.add(entry["id"])
    if scenario_file:
        _retire(Scenario, kept, report)
    return report
