"""Marking a response to a quiz item: pure functions, no database.

Each kind's `data` (from the data file) and the response a learner sends:

- judge:    data {"misconception": bool}
            response {"choice": "true" | "misconception"}
- order:    data {"steps": [str, ...]}              (the right order)
            response {"order": [str, ...]}          (every step once)
- match:    data {"pairs": [[term, definition], ...]}
            response {"matches": {term: definition}}
- check:    data {"options": [str, ...], "answer": str}
            response {"choice": str}
- scenario: data {"order_text": str, "options": [str, ...], "answer": str,
                  "model_message": str, "checklist": [marking-point id, ...]}
            response {"choice": str, "message": str}   (message is self-assessed)

Certainty-based marking (Gardner-Medwin's scheme): right answers earn 1, 2 or 3
marks at certainty 1, 2, 3; wrong ones cost 0, 2 or 6. A wrong answer given
"fairly" or "very sure" is a confident wrong answer: a misconception to revisit.
"""

from dataclasses import dataclass, field

JUDGE_CHOICES = {"true": "True", "misconception": "A misconception"}

# certainty: (marks if right, marks if wrong)
CBM_MARKS = {1: (1, 0), 2: (2, -2), 3: (3, -6)}
CONFIDENT = 2  # wrong at this certainty or above counts as a misconception


class InvalidResponse(ValueError):
    """The response does not fit the question (a tampered or incomplete form)."""


class InvalidItemData(ValueError):
    """The data file gives a quiz item the wrong shape."""


@dataclass(frozen=True)
class Part:
    """One part of an answer: a position, a term, or the whole choice."""

    label: str
    given: str
    expected: str

    @property
    def right(self) -> bool:
        return self.given == self.expected


@dataclass(frozen=True)
class Grade:
    parts: list[Part] = field(default_factory=list)

    @property
    def parts_right(self) -> int:
        return sum(part.right for part in self.parts)

    @property
    def parts_total(self) -> int:
        return len(self.parts)

    @property
    def correct(self) -> bool:
        return self.parts_right == self.parts_total


def cbm_marks(*, correct: bool, certainty: int) -> int:
    """Certainty-based marks for one answer."""
    if certainty not in CBM_MARKS:
        raise InvalidResponse("Choose how sure you are.")
    right, wrong = CBM_MARKS[certainty]
    return right if correct else wrong


def signed_marks(marks: int) -> str:
    """Certainty-based marks as a learner reads them: +3, 0, −6 (a true minus)."""
    if marks > 0:
        return f"+{marks}"
    return f"−{-marks}" if marks < 0 else "0"


def is_confident_wrong(*, correct: bool, certainty: int) -> bool:
    return not correct and certainty >= CONFIDENT


def _text(response: dict, key: str, message: str) -> str:
    value = response.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidResponse(message)
    return value


def grade(kind: str, data: dict, response: dict) -> Grade:
    """Mark a response; InvalidResponse when it does not answer the question."""
    if not isinstance(response, dict):
        raise InvalidResponse("Answer the question.")
    if kind == "judge":
        choice = _text(response, "choice", "Say whether the statement is true.")
        if choice not in JUDGE_CHOICES:
            raise InvalidResponse("Say whether the statement is true.")
        expected = "misconception" if data["misconception"] else "true"
        given = JUDGE_CHOICES[choice]
        return Grade([Part("Statement", given, JUDGE_CHOICES[expected])])
    if kind == "order":
        steps = data["steps"]
        order = response.get("order")
        if not isinstance(order, list) or sorted(map(str, order)) != sorted(steps):
            raise InvalidResponse("Give each step a different position.")
        pairs = zip(order, steps, strict=True)
        return Grade(
            [
                Part(f"Position {n}", given, expected)
                for n, (given, expected) in enumerate(pairs, start=1)
            ]
        )
    if kind == "match":
        pairs = data["pairs"]
        matches = response.get("matches")
        definitions = {definition for _, definition in pairs}
        if not isinstance(matches, dict) or set(matches) != {t for t, _ in pairs}:
            raise InvalidResponse("Match every term to a definition.")
        given = [matches[term] for term, _ in pairs]
        if any(not isinstance(g, str) or g not in definitions for g in given):
            raise InvalidResponse("Match every term to a definition.")
        return Grade([Part(term, matches[term], right) for term, right in pairs])
    if kind in ("check", "scenario"):
        choice = _text(response, "choice", "Choose an answer.")
        if choice not in data["options"]:
            raise InvalidResponse("Choose one of the answers given.")
        return Grade([Part("Answer", choice, data["answer"])])
    raise InvalidItemData(f"Unknown quiz item kind {kind!r}.")


def validate_data(kind: str, data: dict) -> None:
    """Refuse a quiz item whose data cannot be asked or marked."""

    def need(condition: bool, message: str) -> None:
        if not condition:
            raise InvalidItemData(message)

    if kind == "judge":
        need(isinstance(data.get("misconception"), bool), "judge needs misconception")
    elif kind == "order":
        steps = data.get("steps")
        need(isinstance(steps, list) and len(steps) >= 2, "order needs 2+ steps")
        need(len(set(steps)) == len(steps), "order steps must differ")
    elif kind == "match":
        pairs = data.get("pairs")
        need(isinstance(pairs, list) and len(pairs) >= 2, "match needs 2+ pairs")
        need(all(len(pair) == 2 for pair in pairs), "match pairs are [term, def]")
        need(len({t for t, _ in pairs}) == len(pairs), "match terms must differ")
        need(len({d for _, d in pairs}) == len(pairs), "match definitions must differ")
    elif kind in ("check", "scenario"):
        options = data.get("options")
        need(isinstance(options, list) and len(options) >= 2, f"{kind} needs options")
        need(len(set(options)) == len(options), f"{kind} options must differ")
        need(data.get("answer") in options, f"{kind} answer must be an option")
        if kind == "scenario":
            need(bool(data.get("order_text")), "scenario needs order_text")
            need(bool(data.get("model_message")), "scenario needs model_message")
            need(bool(data.get("checklist")), "scenario needs a checklist")
    else:
        raise InvalidItemData(f"Unknown quiz item kind {kind!r}.")
