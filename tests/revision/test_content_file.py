"""revision/content/unit.toml against the seeds it is made from, and loading it.

The seeds are read from the copies kept in revision/content/seeds/ (a clean clone has
no ../shared). A small parser finds each heading's paragraphs and bullet lines; every
item the seeds give must be in the data file under its fixed identifier, word for
word, and everything the file adds of its own must be marked as ours.
"""

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from revision.exceptions import ContentFileError
from revision.models import SECTION_ORDER, ContentItem, QuizItem, Section
from revision.services.content import CONTENT_DIR, CONTENT_FIELDS, UNIT_FILE
from revision.services.content import content_load as load

SEEDS = CONTENT_DIR / "seeds"
SUMMARY = SEEDS / "000_e6d71c712279f680.txt"  # seed-000
UNIT_PAGE = SEEDS / "001_26c824b9563b4fb0.txt"  # seed-001
# sha256 of the copies: a copy edited by mistake fails here, even on a clean clone.
SEED_SHA256 = {
    SUMMARY: "e9022130005f6742e40a80b1c22e667428484d827a339d061b5e5a3c890da3b5",
    UNIT_PAGE: "05a0a29a12c1280db3ff3ac591953b9f7c4528738be83f67df3c9ff940f71b20",
}

# --- A small seed parser ---------------------------------------------------------

BULLET = re.compile(r"^(?:- |• |(\d+)\. (?:\1)?)")  # "- ", "• ", "1. 1Understand"
LEADING_EMOJI = re.compile("^[\U0001f4a1\U0001f4cb]")  # 💡 and 📋


@dataclass
class Block:
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)


def is_heading(line: str) -> bool:
    """Headings are short title-case lines ("Common Misconceptions & Mistakes to
    Avoid"); subtitles ("Core ideas you must understand") and sentences are not."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", line)
    if not words or len(line) > 60 or line.endswith((".", "?", ":")):
        return False
    return all(word[0].isupper() for word in words if len(word) > 3)


def seed_blocks(path: Path) -> dict[str, Block]:
    """Each heading's paragraphs and bullet lines, in order, bullet markers, leading
    emoji and the plan's repeated step number removed. A heading met twice (the
    unit page's counts repeat some) collects under one key."""
    blocks: dict[str, Block] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        marker = BULLET.match(line)
        if marker:
            blocks[current].bullets.append(LEADING_EMOJI.sub("", line[marker.end() :]))
        elif is_heading(line):
            current = line
            blocks.setdefault(current, Block())
        elif current is not None:
            blocks[current].paragraphs.append(line)
    return blocks


A = seed_blocks(SUMMARY)
B = seed_blocks(UNIT_PAGE)

# --- What the seeds hold, under the identifiers the data file must use -----------

PLAN_WEEKS = {
    (1, 3): "Week 1, Days 1-3",
    (4, 7): "Week 1, Days 4-7",
    (8, 10): "Week 2, Days 1-3",
    (11, 12): "Week 2, Days 4-5",
    (13, 14): "Week 2, Days 6-7",
}


@dataclass(frozen=True)
class SeedItem:
    identifier: str
    source: str
    section: str
    line: str
    shape: str  # how title/text/advice/correction rejoin into `line`


def _numbered(prefix, lines, source, section, shape, start=1):
    return [
        SeedItem(f"{prefix}-{n:02d}", source, section, line, shape)
        for n, line in enumerate(lines, start=start)
    ]


def seed_items() -> list[SeedItem]:
    s0, s1, S = "seed-000", "seed-001", Section
    mistakes = B["Common Mistakes"].bullets
    guidance = B["Assessment Guidance"].bullets
    return [
        SeedItem("SY-01", s0, S.SYNOPSIS, A["Topic Synopsis"].paragraphs[0], "whole"),
        SeedItem("SY-02", s1, S.SYNOPSIS, B["Topic Synopsis"].paragraphs[0], "whole"),
        *_numbered("OV", B["Topic Overview"].paragraphs, s1, S.OVERVIEW, "whole"),
        *_numbered(
            "KC",
            A["Key Concepts & Core Principles"].bullets,
            s0,
            S.KEY_CONCEPT,
            "named",
        ),
        *_numbered("KC", B["Key Concepts"].bullets, s1, S.KEY_CONCEPT, "named", 6),
        *_numbered(
            "LO", B["Learning Objectives"].bullets, s1, S.LEARNING_OBJECTIVE, "whole"
        ),
        *_numbered("PK", B["Before You Start"].bullets, s1, S.PRIOR_KNOWLEDGE, "named"),
        *_numbered("KT", B["Key Terminology"].bullets, s1, S.KEY_TERM, "term"),
        *_numbered(
            "MC",
            A["Common Misconceptions & Mistakes to Avoid"].bullets,
            s0,
            S.MISCONCEPTION,
            "whole",
        ),
        *_numbered("MC", mistakes[:4], s1, S.MISCONCEPTION, "whole", 7),
        *_numbered("MC", mistakes[4:], s1, S.MISCONCEPTION, "corrected", 11),
        *_numbered(
            "MP", A["Examiner Marking Points"].bullets, s0, S.MARKING_POINT, "whole"
        ),
        *_numbered(
            "AC",
            B["Assessment Criteria"].bullets,
            s1,
            S.ASSESSMENT_CRITERION,
            "whole",
        ),
        *_numbered("AG", guidance[:4], s1, S.ASSESSMENT_GUIDANCE, "whole"),
        *_numbered("AG", guidance[4:], s1, S.ASSESSMENT_GUIDANCE, "named", 5),
        *_numbered(
            "ET", A["Exam Tips & Revision Strategies"].bullets, s0, S.EXAM_TIP, "whole"
        ),
        *_numbered(
            "QT", B["Exam Question Types"].bullets, s1, S.QUESTION_TYPE, "question"
        ),
        *_numbered("RP", B["Revision Plan"].bullets, s1, S.REVISION_PLAN, "plan"),
    ]


SEED_ITEMS = seed_items()
UNIT = tomllib.loads(UNIT_FILE.read_text(encoding="utf-8"))["item"]
BY_ID = {item["id"]: item for item in UNIT}
SKILL_IDS = ["KS-01", "KS-02", "KS-03", "KS-04"]


def rejoined(item: dict, shape: str) -> str:
    """The seed line an item's parts make when put back together."""
    title, text = item.get("title", ""), item["text"]
    if shape == "whole":
        return text
    if shape == "named":
        return f"{title}: {text}"
    if shape == "term":
        return title
    if shape == "corrected":
        return f"Misconception: {text} Correction: {item['correction']}"
    if shape == "question":
        return f"{title}: {text} Advice: {item['advice']}"
    if shape == "plan":
        week = PLAN_WEEKS[(item["plan_first_day"], item["plan_last_day"])]
        return f"{title} ({week}): {text}"
    raise AssertionError(f"unknown shape {shape}")


# --- The seeds and the data file -------------------------------------------------


def test_the_seed_copies_are_the_shared_seeds_byte_for_byte():
    shared = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    for copy, digest in SEED_SHA256.items():
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == digest, copy.name
        # Beside the working copy (not on a clean clone) compare with the original.
        if (shared / copy.name).exists():
            assert (shared / copy.name).read_bytes() == copy.read_bytes()


@pytest.mark.parametrize(
    ("source", "heading", "prefix", "count"),
    [
        ("seed-000", "Key Concepts & Core Principles", "KC", 5),
        ("seed-000", "Exam Tips & Revision Strategies", "ET", 8),
        ("seed-000", "Common Misconceptions & Mistakes to Avoid", "MC", 6),
        ("seed-000", "Examiner Marking Points", "MP", 8),
        ("seed-001", "Key Concepts", "KC", 5),
        ("seed-001", "Learning Objectives", "LO", 6),
        ("seed-001", "Assessment Criteria", "AC", 5),
        ("seed-001", "Assessment Guidance", "AG", 7),
        ("seed-001", "Common Mistakes", "MC", 7),
        ("seed-001", "Revision Plan", "RP", 5),
        ("seed-001", "Exam Question Types", "QT", 3),
        ("seed-001", "Before You Start", "PK", 3),
        ("seed-001", "Key Terminology", "KT", 5),
    ],
)
def test_each_seed_list_is_in_the_data_file_item_for_item(
    source, heading, prefix, count
):
    # given the bullet lines under one heading of a seed
    blocks = A if source == "seed-000" else B
    assert len(blocks[heading].bullets) == count
    # then the data file holds as many items from that seed under that prefix
    held = [i for i in UNIT if i["id"].startswith(prefix) and i["source"] == source]
    assert len(held) == count
    expected = [s.identifier for s in SEED_ITEMS if s.line in blocks[heading].bullets]
    assert [i["id"] for i in held] == expected


def test_the_data_file_holds_the_seed_items_and_the_key_skills_and_nothing_else():
    ids = [item["id"] for item in UNIT]
    assert len(ids) == len(set(ids)), "an identifier appears twice"
    # in the unit's section order, each section in the seed's order
    expected = sorted(
        [(s.section, s.identifier) for s in SEED_ITEMS]
        + [(Section.KEY_SKILL, identifier) for identifier in SKILL_IDS],
        key=lambda pair: SECTION_ORDER[pair[0]],
    )
    assert ids == [identifier for _, identifier in expected]
    assert len(ids) == 82


def test_every_key_is_one_the_loader_accepts():
    for item in UNIT:
        assert set(item) <= {"id", *CONTENT_FIELDS}, item["id"]


@pytest.mark.parametrize("seed", SEED_ITEMS, ids=lambda seed: seed.identifier)
def test_each_item_is_word_for_word_what_the_seed_says(seed):
    item = BY_ID[seed.identifier]
    assert (item["source"], item["section"]) == (seed.source, seed.section)
    assert rejoined(item, seed.shape) == seed.line


def test_the_seeds_keep_their_own_spelling():
    # The summary says "fulfillment" (US); the data file must not correct it.
    assert "fulfillment" in BY_ID["SY-01"]["text"]
    assert "fulfillment" in BY_ID["MC-01"]["text"]


def test_every_misconception_and_mistake_in_the_seeds_has_a_correction():
    # given every misconception or mistake the two seeds list
    listed = (
        A["Common Misconceptions & Mistakes to Avoid"].bullets
        + B["Common Mistakes"].bullets
    )
    assert len(listed) == 13
    misconceptions = [i for i in UNIT if i["section"] == Section.MISCONCEPTION]
    assert len(misconceptions) == len(listed)
    # then each has a correction of some substance
    for item in misconceptions:
        assert len(item.get("correction", "").split()) >= 10, item["id"]
    # and the three the unit page corrects itself carry its words exactly
    seed_corrections = [
        line.split(" Correction: ", 1)[1]
        for line in listed
        if line.startswith("Misconception: ")
    ]
    assert [BY_ID[f"MC-{n}"]["correction"] for n in (11, 12, 13)] == seed_corrections


def test_what_is_ours_is_marked_and_what_is_the_seeds_is_not():
    text_ours = {i["id"] for i in UNIT if i.get("text_written_here")}
    correction_ours = {i["id"] for i in UNIT if i.get("correction_written_here")}
    assert text_ours == {f"KT-{n:02d}" for n in range(1, 6)} | set(SKILL_IDS)
    assert correction_ours == {f"MC-{n:02d}" for n in range(1, 11)}
    # and no item's verbatim text claims to be ours
    for seed in SEED_ITEMS:
        if seed.shape != "term":
            assert not BY_ID[seed.identifier].get("text_written_here"), seed


def test_key_terms_have_a_definition_of_two_or_three_sentences():
    for n in range(1, 6):
        term = BY_ID[f"KT-{n:02d}"]
        sentences = re.findall(r"[.!?](?:\s|$)", term["text"])
        assert 2 <= len(sentences) <= 3, term["id"]
        assert term["text"] != term["title"]


def test_the_unit_page_counts_four_key_skills_and_the_file_writes_four():
    # The unit page says "4 Key Skills" but lists none.
    count = re.search(r"(\d+)\s*\n\s*Key Skills", UNIT_PAGE.read_text("utf-8"))
    assert count is not None
    assert "Key Skills" not in B or not B["Key Skills"].bullets
    skills = [i for i in UNIT if i["section"] == Section.KEY_SKILL]
    assert [i["id"] for i in skills] == SKILL_IDS
    assert len(skills) == int(count[1])
    for skill in skills:
        assert skill["source"] == "seed-001"
        assert skill["title"]
        assert skill["text"]
        assert skill["text_written_here"] is True


def test_marking_points_and_criteria_say_what_to_show_and_quote_the_seeds_advice():
    advice_lines = set(A["Exam Tips & Revision Strategies"].bullets) | set(
        B["Assessment Guidance"].bullets
    )
    points = [
        i
        for i in UNIT
        if i["section"] in (Section.MARKING_POINT, Section.ASSESSMENT_CRITERION)
    ]
    assert len(points) == 13
    for point in points:
        assert point["must_show"].strip(), point["id"]
        assert point["advice"] in advice_lines, point["id"]
    # and nothing else claims a "must show"
    others = [i["id"] for i in UNIT if i.get("must_show") and i not in points]
    assert others == []


def test_the_revision_plan_covers_the_fortnight_day_by_day():
    steps = [i for i in UNIT if i["section"] == Section.REVISION_PLAN]
    days = [day for s in steps for day in (s["plan_first_day"], s["plan_last_day"])]
    assert days == [1, 3, 4, 7, 8, 10, 11, 12, 13, 14]


# --- Loading into the database ---------------------------------------------------

MINIMAL_QUIZZES = """
[[quiz_item]]
id = "QI-TEST-JUDGE"
kind = "judge"
prompt = "Order processing and order fulfilment are the same stage."
explanation = "Processing is the paperwork; fulfilment is picking, packing, dispatch."
covers = ["MC-01"]
misconception = true

[[quiz]]
id = "QZ-TEST"
title = "Test quiz"
items = ["QI-TEST-JUDGE"]
"""


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string


def write_unit(path: Path, items: list[dict]) -> Path:
    path.write_text(
        "".join(
            "[[item]]\n"
            + "".join(f"{key} = {toml_value(value)}\n" for key, value in item.items())
            + "\n"
            for item in items
        ),
        encoding="utf-8",
    )
    return path


@dataclass
class DataFiles:
    """Temporary copies of the data files, rewritten before each load."""

    unit: Path
    quizzes: Path

    def load(self, items: list[dict] = UNIT, quizzes: str = MINIMAL_QUIZZES):
        write_unit(self.unit, items)
        self.quizzes.write_text(quizzes, encoding="utf-8")
        # Scenarios name marking points: they are tested with the real unit file.
        return load(unit_file=self.unit, quiz_file=self.quizzes, scenario_file=None)


@pytest.fixture
def files(tmp_path) -> DataFiles:
    """The unit file (given as a list of items) with a minimal quiz file."""
    return DataFiles(unit=tmp_path / "unit.toml", quizzes=tmp_path / "quizzes.toml")


def edited(identifier: str, **changes) -> list[dict]:
    return [{**i, **changes} if i["id"] == identifier else i for i in UNIT]


def snapshot() -> list:
    return list(ContentItem.objects.order_by("pk").values()) + list(
        QuizItem.objects.order_by("pk").values()
    )


def test_a_first_load_creates_a_row_for_every_item(db, files):
    report = files.load()
    assert report.created[: len(UNIT)] == [i["id"] for i in UNIT]
    assert ContentItem.objects.filter(active=True).count() == len(UNIT)
    mc = ContentItem.objects.get(identifier="MC-11")
    assert mc.section == Section.MISCONCEPTION
    assert mc.text == "Customer service is just about being friendly and polite."
    assert mc.correction.startswith("While politeness is essential")
    assert mc.correction_written_here is False
    plan = ContentItem.objects.get(identifier="RP-02")
    assert (plan.plan_first_day, plan.plan_last_day) == (4, 7)


def test_the_repository_files_load_as_they_are(db):
    # The real unit file with the real quiz file: every quiz covers a known item.
    report = load()
    assert ContentItem.objects.filter(active=True).count() == len(UNIT)
    assert not report.retired


def test_a_second_load_reports_everything_unchanged(db, files):
    files.load()
    before = snapshot()
    report = files.load()
    assert (report.created, report.updated, report.retired) == ([], [], [])
    assert len(report.unchanged) == len(UNIT) + 2
    assert snapshot() == before


def test_an_admin_edit_survives_a_reload(db, files):
    files.load()
    # given staff reword what a learner must show for MP-03
    row = ContentItem.objects.get(identifier="MP-03")
    row.must_show = "Our assessors' own wording."
    row.save()
    # when the unchanged file is loaded again, then the edit stays
    report = files.load()
    assert "MP-03" in report.unchanged
    assert ContentItem.objects.get(identifier="MP-03").must_show == (
        "Our assessors' own wording."
    )


def test_changing_an_item_in_the_file_updates_it(db, files):
    files.load()
    row = ContentItem.objects.get(identifier="MP-03")
    row.must_show = "Our assessors' own wording."
    row.save()
    # when the file itself changes MP-03, the file's version wins
    report = files.load(edited("MP-03", must_show="The file's new wording."))
    assert report.updated == ["MP-03"]
    assert ContentItem.objects.get(identifier="MP-03").must_show == (
        "The file's new wording."
    )


def test_removing_an_item_makes_it_inactive_and_restoring_it_brings_it_back(db, files):
    files.load()
    report = files.load([i for i in UNIT if i["id"] != "ET-08"])
    assert report.retired == ["ET-08"]
    assert ContentItem.objects.get(identifier="ET-08").active is False
    report = files.load(UNIT)
    assert report.updated == ["ET-08"]
    assert ContentItem.objects.get(identifier="ET-08").active is True


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (
            lambda items, quizzes: (items + [dict(items[0])], quizzes),
            "SY-01 appears twice",
        ),
        (
            lambda items, quizzes: (
                [
                    {**i, "section": "gossip"} if i["id"] == "ET-02" else i
                    for i in items
                ],
                quizzes,
            ),
            "ET-02: unknown section gossip",
        ),
        (
            lambda items, quizzes: (items, quizzes.replace('"MC-01"', '"MC-99"')),
            r"QI-TEST-JUDGE: unknown content ids \['MC-99'\]",
        ),
    ],
    ids=["duplicate id", "unknown section", "quiz covering an unknown id"],
)
def test_a_broken_file_is_refused_and_changes_nothing(db, files, break_it, message):
    files.load()
    before = snapshot()
    # given a file that also changes an item, so a partial load would show
    items, quizzes = break_it(
        edited("MP-01", must_show="Changed in the broken file."), MINIMAL_QUIZZES
    )
    with pytest.raises(ContentFileError, match=message):
        files.load(items, quizzes)
    assert snapshot() == before
