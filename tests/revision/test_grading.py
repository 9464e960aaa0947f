"""Marking a response (revision.grading): each kind right, wrong and partly right;
responses that do not answer the question; malformed item data; certainty-based
marks. Pure functions: no database."""

import pytest

from revision.grading import (
    InvalidItemData,
    InvalidResponse,
    cbm_marks,
    grade,
    is_confident_wrong,
    validate_data,
)

from .factories import CHECK_DATA, MATCH_DATA, ORDER_DATA, SCENARIO_DATA

STEPS = ORDER_DATA["steps"]
PAIRS = MATCH_DATA["pairs"]
RIGHT_MATCHES = dict(PAIRS)


# --- Judge ----------------------------------------------------------------------


def test_judge_calling_a_misconception_a_misconception_is_right():
    # given a statement that is a misconception
    # when the learner says it is one
    result = grade("judge", {"misconception": True}, {"choice": "misconception"})
    # then it is right, in one part
    assert result.correct
    assert (result.parts_right, result.parts_total) == (1, 1)


def test_judge_calling_a_true_statement_a_misconception_is_wrong():
    result = grade("judge", {"misconception": False}, {"choice": "misconception"})
    assert not result.correct
    assert (result.parts_right, result.parts_total) == (0, 1)
    assert result.parts[0].given == "A misconception"
    assert result.parts[0].expected == "True"


def test_judge_calling_a_true_statement_true_is_right():
    assert grade("judge", {"misconception": False}, {"choice": "true"}).correct


@pytest.mark.parametrize(
    "response",
    [{}, {"choice": ""}, {"choice": "   "}, {"choice": None}, {"choice": "false"}],
)
def test_judge_refuses_a_missing_or_unknown_choice(response):
    with pytest.raises(InvalidResponse, match="Say whether"):
        grade("judge", {"misconception": True}, response)


# --- Order ----------------------------------------------------------------------


def test_order_in_the_right_order_is_right_in_every_position():
    result = grade("order", ORDER_DATA, {"order": list(STEPS)})
    assert result.correct
    assert (result.parts_right, result.parts_total) == (5, 5)
    assert [part.label for part in result.parts] == [
        f"Position {n}" for n in range(1, 6)
    ]


def test_order_with_two_steps_swapped_is_partly_right_by_position():
    # given receipt and verification swapped, the other three in place
    given = [STEPS[1], STEPS[0], *STEPS[2:]]
    # when marked
    result = grade("order", ORDER_DATA, {"order": given})
    # then wrong overall, three positions of five right, and the first two wrong
    assert not result.correct
    assert (result.parts_right, result.parts_total) == (3, 5)
    assert [part.right for part in result.parts] == [False, False, True, True, True]
    assert result.parts[0].given == "Verification"
    assert result.parts[0].expected == "Receipt"


def test_order_reversed_is_right_only_in_the_middle():
    result = grade("order", ORDER_DATA, {"order": list(reversed(STEPS))})
    assert (result.parts_right, result.parts_total) == (1, 5)


@pytest.mark.parametrize(
    "order",
    [
        pytest.param([STEPS[0], *STEPS[:-1]], id="repeated step"),
        pytest.param([*STEPS[:-1], "Invoicing"], id="unknown step"),
        pytest.param(STEPS[:-1], id="missing step"),
        pytest.param([*STEPS, STEPS[0]], id="extra step"),
        pytest.param("Receipt", id="not a list"),
        pytest.param(None, id="absent"),
    ],
)
def test_order_refuses_a_repeated_unknown_or_missing_step(order):
    with pytest.raises(InvalidResponse, match="different position"):
        grade("order", ORDER_DATA, {"order": order})


# --- Match ----------------------------------------------------------------------


def test_match_with_every_term_right_is_right():
    result = grade("match", MATCH_DATA, {"matches": dict(RIGHT_MATCHES)})
    assert result.correct
    assert (result.parts_right, result.parts_total) == (3, 3)
    assert [part.label for part in result.parts] == [term for term, _ in PAIRS]


def test_match_with_two_definitions_swapped_is_partly_right_by_term():
    # given the first two terms given each other's definitions
    matches = dict(RIGHT_MATCHES)
    (first, first_def), (second, second_def) = PAIRS[0], PAIRS[1]
    matches[first], matches[second] = second_def, first_def
    # when marked
    result = grade("match", MATCH_DATA, {"matches": matches})
    # then one term of three is right: the third
    assert not result.correct
    assert (result.parts_right, result.parts_total) == (1, 3)
    assert [part.right for part in result.parts] == [False, False, True]


def test_match_giving_one_definition_to_two_terms_is_marked_not_refused():
    matches = dict(RIGHT_MATCHES)
    matches[PAIRS[1][0]] = PAIRS[0][1]
    result = grade("match", MATCH_DATA, {"matches": matches})
    assert (result.parts_right, result.parts_total) == (2, 3)


@pytest.mark.parametrize(
    "matches",
    [
        pytest.param(
            dict(PAIRS[:-1]),
            id="missing term",
        ),
        pytest.param(
            {**RIGHT_MATCHES, "Credit check": PAIRS[0][1]},
            id="unknown term",
        ),
        pytest.param(
            {**RIGHT_MATCHES, PAIRS[0][0]: "Is the customer happy?"},
            id="unknown definition",
        ),
        pytest.param([list(pair) for pair in PAIRS], id="not a dict"),
        pytest.param(None, id="absent"),
    ],
)
def test_match_refuses_a_missing_term_or_unknown_definition(matches):
    with pytest.raises(InvalidResponse, match="Match every term"):
        grade("match", MATCH_DATA, {"matches": matches})


def test_match_refuses_a_definition_that_is_not_text():
    matches = {**RIGHT_MATCHES, PAIRS[0][0]: [PAIRS[0][1]]}
    with pytest.raises(InvalidResponse):
        grade("match", MATCH_DATA, {"matches": matches})


# --- Check and scenario ---------------------------------------------------------


def test_check_with_the_right_option_is_right():
    result = grade("check", CHECK_DATA, {"choice": "Check stock"})
    assert result.correct
    assert (result.parts_right, result.parts_total) == (1, 1)


def test_check_with_another_option_is_wrong():
    result = grade("check", CHECK_DATA, {"choice": "Check the payment"})
    assert not result.correct
    assert result.parts[0].expected == "Check stock"


def test_scenario_is_marked_on_its_choice_alone():
    # the message is self-assessed against the checklist, not marked here
    right = grade(
        "scenario", SCENARIO_DATA, {"choice": SCENARIO_DATA["answer"], "message": ""}
    )
    wrong = grade(
        "scenario",
        SCENARIO_DATA,
        {"choice": "Confirm the order", "message": SCENARIO_DATA["model_message"]},
    )
    assert right.correct
    assert not wrong.correct


@pytest.mark.parametrize("kind", ["check", "scenario"])
@pytest.mark.parametrize(
    ("response", "message"),
    [
        ({}, "Choose an answer"),
        ({"choice": ""}, "Choose an answer"),
        ({"choice": "Ring the customer"}, "Choose one of the answers given"),
    ],
)
def test_check_and_scenario_refuse_a_missing_choice_or_an_option_not_offered(
    kind, response, message
):
    data = CHECK_DATA if kind == "check" else SCENARIO_DATA
    with pytest.raises(InvalidResponse, match=message):
        grade(kind, data, response)


# --- Any kind -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("judge", {"misconception": True}),
        ("order", ORDER_DATA),
        ("match", MATCH_DATA),
        ("check", CHECK_DATA),
        ("scenario", SCENARIO_DATA),
    ],
)
@pytest.mark.parametrize("response", [None, "misconception", ["true"], 3])
def test_every_kind_refuses_a_response_that_is_not_a_dict(kind, data, response):
    with pytest.raises(InvalidResponse, match="Answer the question"):
        grade(kind, data, response)


def test_an_unknown_kind_is_bad_item_data_not_a_bad_response():
    with pytest.raises(InvalidItemData, match="Unknown quiz item kind"):
        grade("essay", {}, {"choice": "x"})


# --- Item data ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("judge", {"misconception": True}),
        ("judge", {"misconception": False}),
        ("order", ORDER_DATA),
        ("match", MATCH_DATA),
        ("check", CHECK_DATA),
        ("scenario", SCENARIO_DATA),
    ],
)
def test_validate_data_accepts_each_well_formed_kind(kind, data):
    validate_data(kind, data)


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        pytest.param("judge", {}, "misconception", id="judge without flag"),
        pytest.param(
            "judge", {"misconception": "yes"}, "misconception", id="judge flag text"
        ),
        pytest.param("order", {}, "2\\+ steps", id="order without steps"),
        pytest.param("order", {"steps": ["Receipt"]}, "2\\+ steps", id="one step"),
        pytest.param("order", {"steps": "Receipt"}, "2\\+ steps", id="steps text"),
        pytest.param(
            "order", {"steps": ["Receipt", "Receipt"]}, "must differ", id="same step"
        ),
        pytest.param("match", {}, "2\\+ pairs", id="match without pairs"),
        pytest.param("match", {"pairs": [["a", "b"]]}, "2\\+ pairs", id="one pair"),
        pytest.param(
            "match", {"pairs": [["a", "b"], ["c"]]}, "\\[term, def\\]", id="half pair"
        ),
        pytest.param(
            "match",
            {"pairs": [["a", "b"], ["a", "c"]]},
            "terms must differ",
            id="same term",
        ),
        pytest.param(
            "match",
            {"pairs": [["a", "b"], ["c", "b"]]},
            "definitions must differ",
            id="same definition",
        ),
        pytest.param("check", {"answer": "a"}, "needs options", id="no options"),
        pytest.param(
            "check", {"options": ["a"], "answer": "a"}, "needs options", id="one option"
        ),
        pytest.param(
            "check",
            {"options": ["a", "a"], "answer": "a"},
            "options must differ",
            id="same option",
        ),
        pytest.param(
            "check",
            {"options": ["a", "b"], "answer": "c"},
            "answer must be an option",
            id="answer not offered",
        ),
        pytest.param(
            "scenario",
            {**SCENARIO_DATA, "order_text": ""},
            "order_text",
            id="scenario without order",
        ),
        pytest.param(
            "scenario",
            {k: v for k, v in SCENARIO_DATA.items() if k != "model_message"},
            "model_message",
            id="scenario without model message",
        ),
        pytest.param(
            "scenario",
            {**SCENARIO_DATA, "checklist": []},
            "checklist",
            id="scenario without checklist",
        ),
        pytest.param(
            "scenario",
            {**SCENARIO_DATA, "answer": "Ring her"},
            "answer must be an option",
            id="scenario answer not offered",
        ),
        pytest.param("essay", {}, "Unknown quiz item kind", id="unknown kind"),
    ],
)
def test_validate_data_refuses_each_malformed_shape(kind, data, message):
    with pytest.raises(InvalidItemData, match=message):
        validate_data(kind, data)


# --- Certainty-based marks ------------------------------------------------------


@pytest.mark.parametrize(
    ("certainty", "if_right", "if_wrong"),
    [(1, 1, 0), (2, 2, -2), (3, 3, -6)],
)
def test_cbm_marks_follow_the_gardner_medwin_table(certainty, if_right, if_wrong):
    assert cbm_marks(correct=True, certainty=certainty) == if_right
    assert cbm_marks(correct=False, certainty=certainty) == if_wrong


@pytest.mark.parametrize("certainty", [0, 4, None, "2"])
def test_cbm_marks_refuse_a_certainty_outside_the_scale(certainty):
    with pytest.raises(InvalidResponse, match="how sure"):
        cbm_marks(correct=True, certainty=certainty)


@pytest.mark.parametrize(
    ("correct", "certainty", "confident_wrong"),
    [
        (False, 1, False),
        (False, 2, True),
        (False, 3, True),
        (True, 1, False),
        (True, 2, False),
        (True, 3, False),
    ],
)
def test_a_wrong_answer_fairly_or_very_sure_is_confident_wrong_but_not_unsure(
    correct, certainty, confident_wrong
):
    assert is_confident_wrong(correct=correct, certainty=certainty) is confident_wrong
