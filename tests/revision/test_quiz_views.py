"""Taking quizzes through the pages: the list, starting, answering each kind, the
feedback, mock exams, results, self-assessment, history; roles and bad input."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revision.exceptions import RevisionError
from revision.forms import MatchForm, OrderForm, question_form
from revision.models import Answer, Attempt, QuizItem, ReviewCard, SelfAssessment
from revision.services.quizzes import answer_record, attempt_start
from revision.views import quizzes
from tests.factories import UserFactory

from .factories import (
    ORDER_DATA,
    ContentItemFactory,
    QuizFactory,
    QuizItemFactory,
    every_kind,
)

MESSAGE = "E-mail Ms Patel that PAP-0001 is out of stock until Friday."


@pytest.fixture
def items(db):
    return every_kind()


@pytest.fixture
def quiz(items):
    return QuizFactory(items=list(items.values()), title="The whole unit")


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


def text(response) -> str:
    """The page's HTML with runs of white space made single spaces."""
    return " ".join(html.unescape(response.content.decode()).split())


def start(client, quiz, mode="practice") -> Attempt:
    response = client.post(
        reverse("revision:quiz_start", args=[quiz.identifier]), {"mode": mode}
    )
    attempt = Attempt.objects.latest("pk")
    assert response.status_code == 302
    assert response.url == reverse("revision:attempt", args=[attempt.pk])
    return attempt


def answer_data(attempt, item, *, right=True, certainty=3) -> dict:
    """The POST a learner sends, read off the form as the page shows it."""
    form = question_form(item, attempt)
    data = {"item": item.pk, "certainty": certainty}
    if item.kind == "judge":
        truth = "misconception" if item.data["misconception"] else "true"
        data["choice"] = truth if right else ({"true", "misconception"} - {truth}).pop()
    elif item.kind == "order":
        steps = item.data["steps"]
        positions = list(range(1, len(steps) + 1))
        if not right:
            positions = positions[::-1]
        for name, step in zip(form.answer_fields, form.steps, strict=True):
            data[name] = positions[steps.index(step)]
    elif item.kind == "match":
        pairs = dict(item.data["pairs"])
        definitions = list(pairs.values())
        for name, term in zip(form.answer_fields, form.terms, strict=True):
            given = pairs[term]
            if not right:
                given = definitions[(definitions.index(given) + 1) % len(definitions)]
            data[name] = given
    else:
        options = item.data["options"]
        wrong = next(option for option in options if option != item.data["answer"])
        data["choice"] = item.data["answer"] if right else wrong
        if item.kind == "scenario":
            data["message"] = MESSAGE
    return data


def post_answer(client, attempt, item, **kwargs):
    return client.post(
        reverse("revision:attempt", args=[attempt.pk]),
        answer_data(attempt, item, **kwargs),
    )


# -- the list and starting -----------------------------------------------------------


def test_quiz_list_shows_active_quizzes_with_question_count_and_start_form(
    signed_in, quiz, items
):
    # given an active quiz of five questions and an inactive one
    QuizFactory(items=[items["judge"]], title="Retired quiz", active=False)
    # when the learner opens the list
    response = signed_in.get(reverse("revision:quizzes"))
    # then the active quiz is there with its count and both modes, the other is not
    content = text(response)
    assert response.status_code == 200
    assert "The whole unit" in content
    assert "5 questions" in content
    assert "Practice (feedback after each answer)" in content
    assert "Mock exam (feedback at the end)" in content
    assert "Retired quiz" not in content
    assert "You have not finished this quiz yet." in content


def test_quiz_list_shows_the_last_result(signed_in, learner, items):
    quiz = QuizFactory(items=[items["judge"]])
    attempt = attempt_start(learner=learner, mode="practice", quiz=quiz)
    answer_record(
        attempt=attempt,
        learner=learner,
        item=items["judge"],
        response={"choice": "misconception"},
        certainty=2,
    )
    response = signed_in.get(reverse("revision:quizzes"))
    assert "+2 marks out of 3, 1 of 1 right" in text(response)


def test_start_practice_makes_an_attempt_and_shows_question_one(
    signed_in, learner, quiz
):
    attempt = start(signed_in, quiz)
    assert attempt.learner == learner
    assert attempt.mode == Attempt.Mode.PRACTICE
    response = signed_in.get(reverse("revision:attempt", args=[attempt.pk]))
    assert response.status_code == 200
    assert "Question 1 of 5" in text(response)
    assert "How sure are you?" in text(response)


def test_start_refuses_a_tampered_mode_without_an_attempt(signed_in, quiz):
    response = signed_in.post(
        reverse("revision:quiz_start", args=[quiz.identifier]), {"mode": "review"}
    )
    assert response.status_code == 200
    assert "Choose practice or mock exam." in text(response)
    assert not Attempt.objects.exists()


def test_start_an_inactive_quiz_is_not_found(signed_in, quiz):
    quiz.active = False
    quiz.save()
    response = signed_in.post(
        reverse("revision:quiz_start", args=[quiz.identifier]), {"mode": "practice"}
    )
    assert response.status_code == 404


# -- practice: feedback after each answer -------------------------------------------


@pytest.mark.parametrize("kind", ["judge", "order", "match", "check", "scenario"])
def test_practice_answer_of_each_kind_shows_the_correction_and_marks(
    signed_in, learner, items, kind
):
    # given a practice attempt at a one-question quiz of this kind
    item = items[kind]
    attempt = start(signed_in, QuizFactory(items=[item]))
    # when the learner answers it right and very sure
    response = post_answer(signed_in, attempt, item)
    # then they are taken to the feedback on that answer
    answer = Answer.objects.get(attempt=attempt)
    assert response.status_code == 302
    assert response.url == reverse("revision:answer", args=[attempt.pk, answer.pk])
    assert answer.correct
    assert answer.marks == 3
    page = signed_in.get(response.url)
    content = text(page)
    assert page.status_code == 200
    assert "Right." in content
    assert item.explanation in content
    assert "Very sure" in content
    assert ">+3<" in content
    assert "See your results" in content
    assert "misconception to revisit" not in content


def test_feedback_shows_each_wrong_position_of_an_order(signed_in, items):
    item = items["order"]
    attempt = start(signed_in, QuizFactory(items=[item]))
    post_answer(signed_in, attempt, item, right=False, certainty=1)
    answer = Answer.objects.get(attempt=attempt)
    content = text(
        signed_in.get(reverse("revision:answer", args=[attempt.pk, answer.pk]))
    )
    assert "Wrong." in content
    assert "1 of 5 parts are right." in content
    for n in range(1, 6):
        assert f"Position {n}" in content
    assert "The correction" in content
    assert ">0<" in content


def test_confident_wrong_answer_is_shown_as_a_misconception_to_revisit(
    signed_in, items
):
    # given a judge item that tests a misconception
    misconception = ContentItemFactory(
        identifier="MC-01", section="misconception", text="Payment can wait."
    )
    item = QuizItemFactory(covers=[misconception])
    attempt = start(signed_in, QuizFactory(items=[item, QuizItemFactory()]))
    # when the learner gets it wrong while very sure
    response = post_answer(signed_in, attempt, item, right=False, certainty=3)
    content = text(signed_in.get(response.url))
    # then the page says so, with −6 marks and the correction
    assert "You were sure and wrong: a misconception to revisit" in content
    assert "−6" in content
    assert "Payment can wait." in content
    assert "Next question" in content


def test_feedback_says_when_the_item_is_next_reviewed(signed_in, learner, items):
    item = items["judge"]
    attempt = start(signed_in, QuizFactory(items=[item]))
    response = post_answer(signed_in, attempt, item, certainty=3)
    due = timezone.localtime(ReviewCard.objects.get(learner=learner, item=item).due)
    content = text(signed_in.get(response.url))
    assert f"Next review: {due:%A} {due.day} {due:%B}" in content


def test_practice_through_every_kind_ends_in_results(signed_in, quiz, items):
    attempt = start(signed_in, quiz)
    for n, item_id in enumerate(attempt.item_ids, start=1):
        page = signed_in.get(reverse("revision:attempt", args=[attempt.pk]))
        assert f"Question {n} of 5" in text(page)
        item = QuizItem.objects.get(pk=item_id)
        post_answer(signed_in, attempt, item, right=item.kind != "check")
    # then the attempt is finished and the question page leads to the results
    response = signed_in.get(reverse("revision:attempt", args=[attempt.pk]))
    assert response.url == reverse("revision:attempt_results", args=[attempt.pk])
    content = text(signed_in.get(response.url))
    assert "+6 out of 15" in content  # four right very sure (+12), one wrong (−6)
    assert "4 of 5 (80%)" in content


def test_review_attempt_shows_feedback_after_each_answer(signed_in, learner, items):
    # given a sitting of today's reviews (every item is new to the learner)
    attempt = attempt_start(learner=learner, mode="review")
    page = signed_in.get(reverse("revision:attempt", args=[attempt.pk]))
    assert "Today's reviews" in text(page)
    item = QuizItem.objects.get(pk=attempt.item_ids[0])
    # when the first is answered, its feedback follows at once
    response = post_answer(signed_in, attempt, item)
    answer = Answer.objects.get(attempt=attempt)
    assert response.url == reverse("revision:answer", args=[attempt.pk, answer.pk])
    assert "Next question" in text(signed_in.get(response.url))


# -- mock exam: feedback at the end --------------------------------------------------


def test_mock_exam_shows_no_feedback_until_finished_then_results(signed_in, items):
    quiz = QuizFactory(items=[items["judge"], items["check"]])
    attempt = start(signed_in, quiz, mode="mock")
    # when the first question is answered, the next question follows at once
    response = post_answer(signed_in, attempt, items["judge"])
    assert response.url == reverse("revision:attempt", args=[attempt.pk])
    answer = Answer.objects.get(attempt=attempt)
    # and its feedback is not to be seen yet
    feedback = reverse("revision:answer", args=[attempt.pk, answer.pk])
    early = signed_in.get(feedback)
    assert early.status_code == 302
    assert early.url == reverse("revision:attempt", args=[attempt.pk])
    results = signed_in.get(reverse("revision:attempt_results", args=[attempt.pk]))
    assert results.url == reverse("revision:attempt", args=[attempt.pk])
    # when the last is answered (wrong, very sure), the results follow
    response = post_answer(signed_in, attempt, items["check"], right=False)
    assert response.url == reverse("revision:attempt", args=[attempt.pk])
    response = signed_in.get(response.url)
    assert response.url == reverse("revision:attempt_results", args=[attempt.pk])
    content = text(signed_in.get(response.url))
    assert "−3 out of 6" in content
    assert "1 of 2 (50%)" in content
    assert "Misconceptions to revisit" in content
    assert "the correction" in content
    # and now each answer's feedback can be read
    assert signed_in.get(feedback).status_code == 200


def test_results_without_a_sure_wrong_answer_say_so_plainly(signed_in, items):
    # given an attempt with one answer right and one wrong but not sure
    attempt = start(signed_in, QuizFactory(items=[items["judge"], items["check"]]))
    post_answer(signed_in, attempt, items["judge"])
    post_answer(signed_in, attempt, items["check"], right=False, certainty=1)
    # when the results are read
    content = text(
        signed_in.get(reverse("revision:attempt_results", args=[attempt.pk]))
    )
    # then none is listed to revisit, in words that read naturally
    assert "<p>None: no answer you were sure of was wrong.</p>" in content
    assert "not sure and wrong" not in content


def test_finish_now_ends_the_attempt_and_shows_results(signed_in, quiz):
    attempt = start(signed_in, quiz)
    response = signed_in.post(reverse("revision:attempt_finish", args=[attempt.pk]))
    assert response.url == reverse("revision:attempt_results", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    content = text(signed_in.get(response.url))
    assert "0 out of 15" in content
    assert "Not answered: 0 marks." in content


def test_answering_a_finished_attempt_is_refused(signed_in, quiz, items):
    attempt = start(signed_in, quiz)
    signed_in.post(reverse("revision:attempt_finish", args=[attempt.pk]))
    item = QuizItem.objects.get(pk=attempt.item_ids[0])
    response = post_answer(signed_in, attempt, item)
    assert response.url == reverse("revision:attempt_results", args=[attempt.pk])
    page = signed_in.get(response.url)
    assert "This attempt is finished" in text(page)
    assert not Answer.objects.exists()


# -- bad input -----------------------------------------------------------------------


def test_order_with_a_duplicate_position_is_refused_and_nothing_stored(
    signed_in, items
):
    item = items["order"]
    attempt = start(signed_in, QuizFactory(items=[item]))
    data = answer_data(attempt, item)
    data["position_1"] = data["position_2"]
    response = signed_in.post(reverse("revision:attempt", args=[attempt.pk]), data)
    content = text(response)
    assert response.status_code == 200
    assert content.count("Give each step a different position.") == 3  # summary + 2
    assert "There is a problem with your answer" in content
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("kind", "change", "message"),
    [
        ("check", {"choice": "Ring the courier"}, "Choose one of the answers given."),
        ("judge", {"choice": "maybe"}, "Choose True or A misconception."),
        ("judge", {"certainty": None}, "Choose how sure you are."),
        ("judge", {"certainty": "9"}, "Choose how sure you are from the three"),
        ("order", {"position_1": "first"}, "Choose a position from 1 to 5."),
        ("order", {"position_1": None}, "Choose a position for"),
        ("match", {"term_1": "Anything"}, "from the list."),
        ("scenario", {"message": "   "}, "Write what you tell the customer"),
        ("scenario", {"message": "x" * 2001}, "Keep your message under 2,000"),
    ],
)
def test_tampered_or_missing_values_are_refused_with_a_message(
    signed_in, items, kind, change, message
):
    item = items[kind]
    attempt = start(signed_in, QuizFactory(items=[item]))
    data = answer_data(attempt, item)
    for name, value in change.items():
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    response = signed_in.post(reverse("revision:attempt", args=[attempt.pk]), data)
    assert response.status_code == 200
    assert message in text(response)
    assert not Answer.objects.exists()


def test_an_answer_for_another_question_goes_back_to_the_next_one(signed_in, quiz):
    attempt = start(signed_in, quiz)
    first = QuizItem.objects.get(pk=attempt.item_ids[0])
    post_answer(signed_in, attempt, first)
    # the same page posted again (the back button): nothing more is stored
    response = post_answer(signed_in, attempt, first)
    assert response.url == reverse("revision:attempt", args=[attempt.pk])
    assert Answer.objects.count() == 1
    page = signed_in.get(response.url)
    assert "That question has already been answered" in text(page)


def test_a_service_refusal_shows_on_the_question_page(signed_in, items, monkeypatch):
    def refuse(**kwargs):
        raise RevisionError("That question is not part of this attempt.")

    monkeypatch.setattr(quizzes, "answer_record", refuse)
    attempt = start(signed_in, QuizFactory(items=[items["judge"]]))
    response = post_answer(signed_in, attempt, items["judge"])
    assert response.status_code == 200
    assert "That question is not part of this attempt." in text(response)


# -- scenario self-assessment --------------------------------------------------------


def test_scenario_feedback_shows_model_message_and_checklist(signed_in, items):
    item = items["scenario"]
    attempt = start(signed_in, QuizFactory(items=[item]))
    response = post_answer(signed_in, attempt, item)
    content = text(signed_in.get(response.url))
    assert item.data["model_message"] in content
    assert MESSAGE in content
    assert 'value="MP-02"' in content
    assert 'value="MP-08"' in content


def test_self_assessment_is_stored_once(signed_in, items):
    item = items["scenario"]
    attempt = start(signed_in, QuizFactory(items=[item]))
    post_answer(signed_in, attempt, item)
    answer = Answer.objects.get()
    url = reverse("revision:self_assess", args=[answer.pk])
    feedback = reverse("revision:answer", args=[attempt.pk, answer.pk])
    # when the learner ticks MP-02 only
    response = signed_in.post(url, {"met": ["MP-02"]})
    assert response.url == feedback + "#self-assessment"
    judged = {s.marking_point.identifier: s.met for s in SelfAssessment.objects.all()}
    assert judged == {"MP-02": True, "MP-08": False}
    page = text(signed_in.get(response.url))
    assert "✓ Met: MP-02" in page
    assert "✗ Not met: MP-08" in page
    # when they send it again, it is refused and nothing changes
    response = signed_in.post(url, {"met": ["MP-02", "MP-08"]})
    page = text(signed_in.get(response.url))
    assert "You have already checked this answer." in page
    assert SelfAssessment.objects.count() == 2


def test_self_assessment_waits_for_the_end_of_a_mock_exam(signed_in, items):
    # given a mock exam whose scenario is answered but not yet finished
    item = items["scenario"]
    attempt = start(signed_in, QuizFactory(items=[item, QuizItemFactory()]), "mock")
    post_answer(signed_in, attempt, item)
    answer = Answer.objects.get()
    # when the checklist is sent anyway (a tampered form), it is refused
    response = signed_in.post(
        reverse("revision:self_assess", args=[answer.pk]), {"met": ["MP-02"]}
    )
    assert response.url == reverse("revision:attempt", args=[attempt.pk])
    assert not SelfAssessment.objects.exists()


def test_self_assessment_refuses_a_point_not_listed(signed_in, items):
    item = items["scenario"]
    attempt = start(signed_in, QuizFactory(items=[item]))
    post_answer(signed_in, attempt, item)
    answer = Answer.objects.get()
    response = signed_in.post(
        reverse("revision:self_assess", args=[answer.pk]), {"met": ["MP-99"]}
    )
    assert response.status_code == 200
    assert "Tick only the marking points listed." in text(response)
    assert not SelfAssessment.objects.exists()


# -- whose attempt, which role ------------------------------------------------------


def test_another_learners_attempt_and_answers_are_not_found(client, items):
    owner = UserFactory(role="learner")
    quiz = QuizFactory(items=[items["scenario"]])
    attempt = attempt_start(learner=owner, mode="practice", quiz=quiz)
    answer = answer_record(
        attempt=attempt,
        learner=owner,
        item=items["scenario"],
        response={"choice": "Confirm the order", "message": "Hello"},
        certainty=1,
    )
    client.force_login(UserFactory(role="learner"))
    for name, args in [
        ("revision:attempt", [attempt.pk]),
        ("revision:answer", [attempt.pk, answer.pk]),
        ("revision:attempt_results", [attempt.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404
    finish = client.post(reverse("revision:attempt_finish", args=[attempt.pk]))
    assess = client.post(reverse("revision:self_assess", args=[answer.pk]), {})
    assert finish.status_code == 404
    assert assess.status_code == 404
    assert Attempt.objects.get(pk=attempt.pk).finished_at is not None  # by the owner


def _every_url(quiz, attempt, answer):
    return [
        ("get", reverse("revision:quizzes")),
        ("post", reverse("revision:quiz_start", args=[quiz.identifier])),
        ("get", reverse("revision:history")),
        ("get", reverse("revision:attempt", args=[attempt.pk])),
        ("post", reverse("revision:attempt_finish", args=[attempt.pk])),
        ("get", reverse("revision:answer", args=[attempt.pk, answer.pk])),
        ("get", reverse("revision:attempt_results", args=[attempt.pk])),
        ("post", reverse("revision:self_assess", args=[answer.pk])),
    ]


@pytest.fixture
def someone_elses(learner, items):
    quiz = QuizFactory(items=[items["judge"], items["check"]])
    attempt = attempt_start(learner=learner, mode="practice", quiz=quiz)
    answer = answer_record(
        attempt=attempt,
        learner=learner,
        item=items["judge"],
        response={"choice": "true"},
        certainty=1,
    )
    return quiz, attempt, answer


def test_a_processor_is_refused_every_quiz_page(client, processor, someone_elses):
    client.force_login(processor)
    for method, url in _every_url(*someone_elses):
        assert getattr(client, method)(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client, someone_elses):
    for method, url in _every_url(*someone_elses):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url


# -- history --------------------------------------------------------------------------


def test_history_lists_attempts_newest_first_with_scores(signed_in, learner, items):
    quiz = QuizFactory(items=[items["judge"]], title="Judging")
    older = attempt_start(learner=learner, mode="mock", quiz=quiz)
    answer_record(
        attempt=older,
        learner=learner,
        item=items["judge"],
        response={"choice": "misconception"},
        certainty=3,
    )
    attempt_start(learner=learner, mode="practice", quiz=quiz)
    attempt_start(learner=UserFactory(role="learner"), mode="practice", quiz=quiz)
    content = text(signed_in.get(reverse("revision:history")))
    assert content.count("Judging") == 2
    assert content.index("Practice: feedback") < content.index("Mock exam: feedback")
    assert "+3 of 3; 1 of 1 right" in content
    assert "Not yet" in content


def test_history_query_count_is_the_same_for_one_and_ten_attempts(
    signed_in, learner, items
):
    quiz = QuizFactory(items=[items["judge"]])

    def attempt_with_answer():
        attempt = attempt_start(learner=learner, mode="practice", quiz=quiz)
        answer_record(
            attempt=attempt,
            learner=learner,
            item=items["judge"],
            response={"choice": "true"},
            certainty=2,
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(reverse("revision:history")).status_code == 200
        return len(captured)

    attempt_with_answer()
    one = queries()
    for _ in range(9):
        attempt_with_answer()
    assert queries() == one


def test_history_is_paginated_by_25(signed_in, learner, items):
    quiz = QuizFactory(items=[items["judge"]], title="Judging")
    for _ in range(26):
        attempt_start(learner=learner, mode="practice", quiz=quiz)
    first = text(signed_in.get(reverse("revision:history")))
    second = text(signed_in.get(reverse("revision:history") + "?page=2"))
    assert first.count("(carry on)") == 25
    assert second.count("(carry on)") == 1
    assert "Page 1 of 2" in first


# -- the display order ---------------------------------------------------------------


def test_order_steps_and_match_definitions_never_show_in_the_right_order(items):
    order, match = items["order"], items["match"]
    for seed in range(1, 200):
        steps = OrderForm(item=order, seed=seed).steps
        assert steps != ORDER_DATA["steps"]
        assert sorted(steps) == sorted(ORDER_DATA["steps"])
        form = MatchForm(item=match, seed=seed)
        right = dict(match.data["pairs"])
        offered = [value for value, _ in form.fields["term_1"].choices if value]
        assert all(offered[n] != right[term] for n, term in enumerate(form.terms)), seed


def test_display_order_is_the_same_for_the_same_attempt(items):
    order = items["order"]
    assert OrderForm(item=order, seed=7).steps == OrderForm(item=order, seed=7).steps
