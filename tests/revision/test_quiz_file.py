"""The quiz data file, revision/content/quizzes.toml: every misconception, learning
objective, marking point and criterion is tested; every item can be asked and marked;
every item sits in a quiz and every revision-plan step has one.

Read straight from the file with tomllib: only the last test needs the database.
"""

import re
import tomllib

import pytest

from revision.grading import grade, validate_data
from revision.models import ContentItem, Quiz, QuizItem, Section
from revision.services.content import (
    QUIZ_FILE,
    QUIZ_ITEM_KEYS,
    UNIT_FILE,
    content_load,
)


def _ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{number:02d}" for number in range(1, count + 1)]


MISCONCEPTIONS = _ids("MC", 13)
LEARNING_OBJECTIVES = _ids("LO", 6)
MARKING_POINTS = _ids("MP", 8)
CRITERIA = _ids("AC", 5)
PLAN_STEPS = _ids("RP", 5)
# The identifiers unit.toml gives its items (fixed for issue 6), so a typo in a
# quiz item's `covers` fails here, without loading unit.toml.
CONTENT_IDS = {
    *_ids("SY", 2),
    *_ids("OV", 3),
    *_ids("KC", 10),
    *LEARNING_OBJECTIVES,
    *_ids("KS", 4),
    *_ids("PK", 3),
    *_ids("KT", 5),
    *MISCONCEPTIONS,
    *MARKING_POINTS,
    *CRITERIA,
    *_ids("AG", 7),
    *_ids("ET", 8),
    *_ids("QT", 3),
    *PLAN_STEPS,
}
LIFECYCLE = ["Receipt", "Verification", "Confirmation", "Fulfilment", "Follow-up"]
ITEM_ID = re.compile(r"QI-(?P<kind>[A-Z]+)-\d{2}")
QUIZ_ID = re.compile(r"QZ-[A-Z0-9-]+")

QUIZ_DATA = tomllib.loads(QUIZ_FILE.read_text(encoding="utf-8"))
ITEMS = QUIZ_DATA.get("quiz_item", [])
QUIZZES = QUIZ_DATA.get("quiz", [])


def _data(item: dict) -> dict:
    """The item's `data`, as the loader builds it."""
    return {key: value for key, value in item.items() if key not in QUIZ_ITEM_KEYS}


def _of_kind(kind: str) -> list[dict]:
    return [item for item in ITEMS if item["kind"] == kind]


def _right_response(kind: str, data: dict) -> dict:
    """The response the item's own answer key says is right."""
    if kind == "judge":
        return {"choice": "misconception" if data["misconception"] else "true"}
    if kind == "order":
        return {"order": list(data["steps"])}
    if kind == "match":
        return {"matches": dict(data["pairs"])}
    return {"choice": data["answer"], "message": "A message to the customer."}


def _covered_by(items: list[dict]) -> set[str]:
    return {ref for item in items for ref in item.get("covers", [])}


by_item = pytest.mark.parametrize("item", ITEMS, ids=[item["id"] for item in ITEMS])


def test_every_misconception_is_stated_by_a_misconception_item():
    # given the judge items phrased as a misconception
    stated = _covered_by([i for i in _of_kind("judge") if i["misconception"]])
    # then each of the unit's misconceptions and mistakes is among them
    assert [ref for ref in MISCONCEPTIONS if ref not in stated] == []


def test_every_objective_marking_point_and_criterion_is_tested():
    covered = _covered_by(ITEMS)
    expected = LEARNING_OBJECTIVES + MARKING_POINTS + CRITERIA
    assert [ref for ref in expected if ref not in covered] == []


def test_each_kind_has_enough_items():
    counts = {kind: len(_of_kind(kind)) for kind in QuizItem.Kind.values}
    assert counts["judge"] >= 20
    assert counts["order"] >= 2
    assert counts["match"] >= 3
    assert counts["check"] >= 8
    assert counts["scenario"] >= 5


def test_judge_items_include_true_statements():
    true_statements = [i for i in _of_kind("judge") if not i["misconception"]]
    assert len(true_statements) >= 7


@by_item
def test_item_data_is_valid_and_its_answer_marks_right(item):
    # given the item's data as the loader stores it
    data = _data(item)
    # then the grader accepts it, and its own answer key is marked all right
    validate_data(item["kind"], data)
    assert grade(item["kind"], data, _right_response(item["kind"], data)).correct


@by_item
def test_item_has_a_prompt_an_explanation_and_known_covers(item):
    assert item["prompt"].strip()
    assert item["explanation"].strip()
    assert item["covers"], "every item says what it tests"
    assert [ref for ref in item["covers"] if ref not in CONTENT_IDS] == []


def test_match_items_have_three_to_six_pairs():
    sizes = {item["id"]: len(item["pairs"]) for item in _of_kind("match")}
    assert {key: size for key, size in sizes.items() if not 3 <= size <= 6} == {}


def test_check_and_scenario_items_offer_three_or_four_options():
    items = _of_kind("check") + _of_kind("scenario")
    sizes = {item["id"]: len(item["options"]) for item in items}
    assert {key: size for key, size in sizes.items() if not 3 <= size <= 4} == {}


def test_scenario_checklists_name_marking_points():
    for item in _of_kind("scenario"):
        assert item["checklist"], item["id"]
        assert set(item["checklist"]) <= set(MARKING_POINTS), item["id"]
        assert item["order_text"].count("\n") >= 2, f"{item['id']}: 3+ lines"
        assert item["model_message"].strip(), item["id"]


def test_lifecycle_item_is_the_five_stages_in_order():
    # given every order item made of the lifecycle's stages
    lifecycle = [
        item for item in _of_kind("order") if sorted(item["steps"]) == sorted(LIFECYCLE)
    ]
    # then there is one, QI-ORDER-01, and its steps are exactly in order
    assert [item["id"] for item in lifecycle] == ["QI-ORDER-01"]
    assert lifecycle[0]["steps"] == LIFECYCLE


def test_item_ids_are_unique_and_name_their_kind():
    identifiers = [item["id"] for item in ITEMS]
    assert len(identifiers) == len(set(identifiers))
    for item in ITEMS:
        match = ITEM_ID.fullmatch(item["id"])
        assert match, f"{item['id']} is not QI-<KIND>-NN"
        assert match["kind"] == item["kind"].upper(), item["id"]


def test_quiz_ids_are_unique():
    identifiers = [quiz["id"] for quiz in QUIZZES]
    assert len(identifiers) == len(set(identifiers))
    assert all(QUIZ_ID.fullmatch(identifier) for identifier in identifiers)


def test_quizzes_name_existing_items_and_plan_steps():
    known = {item["id"] for item in ITEMS}
    for quiz in QUIZZES:
        assert quiz["title"].strip(), quiz["id"]
        assert quiz["items"], quiz["id"]
        assert set(quiz["items"]) <= known, quiz["id"]
        assert len(quiz["items"]) == len(set(quiz["items"])), quiz["id"]
        assert set(quiz["plan_steps"]) <= set(PLAN_STEPS), quiz["id"]


def test_every_item_is_in_a_quiz():
    in_a_quiz = {identifier for quiz in QUIZZES for identifier in quiz["items"]}
    assert [item["id"] for item in ITEMS if item["id"] not in in_a_quiz] == []


def test_every_revision_plan_step_has_a_quiz():
    linked = {step for quiz in QUIZZES for step in quiz["plan_steps"]}
    assert [step for step in PLAN_STEPS if step not in linked] == []


def test_mock_exam_mixes_every_kind():
    quiz = next(quiz for quiz in QUIZZES if quiz["title"] == "Mock exam")
    kinds = {item["id"]: item["kind"] for item in ITEMS}
    assert {kinds[identifier] for identifier in quiz["items"]} == set(
        QuizItem.Kind.values
    )


@pytest.mark.skipif(
    not UNIT_FILE.exists(),
    reason="revision/content/unit.toml is not written yet; the quiz file's ids "
    "cannot be loaded without it (remove this skip once it exists)",
)
@pytest.mark.django_db
def test_content_load_loads_both_files():
    # when both data files are loaded
    content_load()
    # then every quiz item and quiz is in, with its data as the file gives it
    assert QuizItem.objects.filter(active=True).count() == len(ITEMS)
    assert Quiz.objects.filter(active=True).count() == len(QUIZZES)
    lifecycle = QuizItem.objects.get(identifier="QI-ORDER-01")
    assert lifecycle.data == {"steps": LIFECYCLE}
    # and every misconception has quiz items to revisit, every plan step a quiz
    untested = ContentItem.objects.filter(
        section=Section.MISCONCEPTION, quiz_items=None
    )
    assert list(untested.values_list("identifier", flat=True)) == []
    unplanned = ContentItem.objects.filter(
        section=Section.REVISION_PLAN, plan_quizzes=None
    )
    assert list(unplanned.values_list("identifier", flat=True)) == []
