"""Taking quizzes (learners): the list of quizzes, one question at a time, the
feedback on each answer, an attempt's results, and the learner's past attempts.

An attempt or answer that is not the requesting learner's is a 404. Answers go
through revision.services.quizzes; a refusal or an invalid answer re-shows the
question (200) with the message by the field and a summary at the top, and stores
nothing. Practice and reviews show feedback after each answer; a mock exam goes
straight to the next question and shows feedback with the results.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from accounts.permissions import role_required

from ..exceptions import RevisionError
from ..forms import (
    QuestionForm,
    QuizStartForm,
    SelfAssessmentForm,
    question_form,
)
from ..models import (
    Answer,
    Attempt,
    Certainty,
    Quiz,
    QuizItem,
    Section,
)
from ..selectors.quizzes import (
    Score,
    attempts_scored,
    next_review,
    parts_for_display,
    quizzes_with_last_attempt,
    scenario_checklist,
    score_of,
    signed_marks,
)
from ..services.quizzes import (
    answer_record,
    attempt_finish,
    attempt_start,
    feedback_visible,
    next_item,
    self_assessment_record,
)

HISTORY_PAGE_SIZE = 25
REVIEWS_TITLE = "Today's reviews"


# -- shared pieces -----------------------------------------------------------------


def _attempt(request: HttpRequest, pk: int) -> Attempt:
    return get_object_or_404(
        Attempt.objects.select_related("quiz"), pk=pk, learner=request.user
    )


def _title(attempt: Attempt) -> str:
    return attempt.quiz.title if attempt.quiz_id else REVIEWS_TITLE


# -- the list of quizzes -----------------------------------------------------------


def _render_quiz_list(
    request: HttpRequest, bound: tuple[int, QuizStartForm] | None = None
) -> HttpResponse:
    quizzes, last = quizzes_with_last_attempt(learner=request.user)
    rows = []
    for quiz in quizzes:
        if bound and bound[0] == quiz.pk:
            form = bound[1]
        else:
            form = QuizStartForm(key=quiz.identifier)
        attempt = last.get(quiz.last_attempt_id)
        rows.append(
            {
                "quiz": quiz,
                "form": form,
                "last": attempt,
                "last_score": score_of(attempt) if attempt else None,
            }
        )
    return render(request, "revision/quiz_list.html", {"rows": rows})


@require_GET
@role_required(Role.LEARNER)
def quiz_list(request: HttpRequest) -> HttpResponse:
    """Every active quiz, with the learner's last result and a form to start it."""
    return _render_quiz_list(request)


@require_POST
@role_required(Role.LEARNER)
def quiz_start(request: HttpRequest, identifier: str) -> HttpResponse:
    """Start a quiz in practice or mock-exam mode."""
    quiz = get_object_or_404(Quiz, identifier=identifier, active=True)
    form = QuizStartForm(request.POST, key=quiz.identifier)
    if not form.is_valid():
        return _render_quiz_list(request, bound=(quiz.pk, form))
    try:
        attempt = attempt_start(
            learner=request.user, mode=form.cleaned_data["mode"], quiz=quiz
        )
    except RevisionError as error:
        messages.error(request, str(error))
        return redirect("revision:quizzes")
    return redirect("revision:attempt", pk=attempt.pk)


# -- one question at a time --------------------------------------------------------


def _render_question(
    request: HttpRequest, attempt: Attempt, item: QuizItem, form: QuestionForm
) -> HttpResponse:
    context = {
        "attempt": attempt,
        "title": _title(attempt),
        "item": item,
        "form": form,
        "number": attempt.answers.count() + 1,
        "total": len(attempt.item_ids),
    }
    return render(request, "revision/attempt_question.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.LEARNER)
def attempt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The next unanswered question, and its answer."""
    attempt = _attempt(request, pk)
    results = reverse("revision:attempt_results", args=[attempt.pk])
    if attempt.finished_at is not None:
        if request.method == "POST":
            messages.error(
                request, "This attempt is finished; start a new one to try again."
            )
        return redirect(results)
    item = next_item(attempt)
    if item is None:
        return redirect(results)
    if request.method == "GET":
        return _render_question(request, attempt, item, question_form(item, attempt))
    if request.POST.get("item") != str(item.pk):
        # A page from before (another tab, the back button): ask what is next.
        messages.info(
            request, "That question has already been answered; here is the next one."
        )
        return redirect("revision:attempt", pk=attempt.pk)
    form = question_form(item, attempt, request.POST)
    if form.is_valid():
        try:
            answer = answer_record(
                attempt=attempt,
                learner=request.user,
                item=item,
                response=form.response(),
                certainty=form.cleaned_data["certainty"],
            )
        except RevisionError as error:
            form.add_error(None, str(error))
        else:
            if attempt.defers_feedback:
                return redirect("revision:attempt", pk=attempt.pk)
            return redirect("revision:answer", pk=attempt.pk, answer_pk=answer.pk)
    return _render_question(request, attempt, item, form)


@require_POST
@role_required(Role.LEARNER)
def attempt_finish_view(request: HttpRequest, pk: int) -> HttpResponse:
    """End the attempt now; unanswered questions stay unanswered."""
    attempt = _attempt(request, pk)
    try:
        attempt_finish(attempt=attempt, learner=request.user)
    except RevisionError as error:
        messages.error(request, str(error))
        return redirect("revision:attempt", pk=attempt.pk)
    return redirect("revision:attempt_results", pk=attempt.pk)


# -- feedback on one answer --------------------------------------------------------


def _render_feedback(
    request: HttpRequest,
    attempt: Attempt,
    answer: Answer,
    assess_form: SelfAssessmentForm | None = None,
) -> HttpResponse:
    item = answer.item
    points = scenario_checklist(item)
    judged = list(
        answer.self_assessments.select_related("marking_point").order_by(
            "marking_point__position", "pk"
        )
    )
    if points and not judged and assess_form is None:
        assess_form = SelfAssessmentForm(points=points)
    finished = attempt.finished_at is not None
    context = {
        "attempt": attempt,
        "title": _title(attempt),
        "answer": answer,
        "item": item,
        "number": attempt.item_ids.index(item.pk) + 1,
        "total": len(attempt.item_ids),
        "parts": parts_for_display(item, answer.response),
        "certainty": Certainty(answer.certainty).label,
        "marks": signed_marks(answer.marks),
        "misconceptions": list(
            item.covers.filter(section=Section.MISCONCEPTION, active=True)
        ),
        "next_review": next_review(request.user, item),
        "today": timezone.localdate(),
        "judged": judged,
        "assess_form": assess_form if points and not judged else None,
        "has_next": not finished and next_item(attempt) is not None,
    }
    return render(request, "revision/attempt_answer.html", context)


def _answer(request: HttpRequest, attempt: Attempt, answer_pk: int) -> Answer:
    answer = get_object_or_404(
        Answer.objects.select_related("item"),
        pk=answer_pk,
        attempt=attempt,
        learner=request.user,
    )
    answer.attempt = attempt
    return answer


@require_GET
@role_required(Role.LEARNER)
def answer_detail(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    """Feedback on one answer: right or wrong part by part, the correction, the
    marks, and (for a scenario) the model message and the marking points."""
    attempt = _attempt(request, pk)
    answer = _answer(request, attempt, answer_pk)
    if not feedback_visible(answer):
        messages.info(
            request, "In a mock exam, feedback comes with the results at the end."
        )
        return redirect("revision:attempt", pk=attempt.pk)
    return _render_feedback(request, attempt, answer)


@require_POST
@role_required(Role.LEARNER)
def self_assess(request: HttpRequest, answer_pk: int) -> HttpResponse:
    """Keep the learner's own check of a scenario answer against its marking
    points: the ticked ones met, the rest not. Once per answer."""
    answer = get_object_or_404(
        Answer.objects.select_related("item", "attempt__quiz"),
        pk=answer_pk,
        learner=request.user,
    )
    attempt = answer.attempt
    feedback = reverse("revision:answer", args=[attempt.pk, answer.pk])
    if not feedback_visible(answer):
        messages.info(
            request,
            "In a mock exam, check your answers against the marking points at the end.",
        )
        return redirect("revision:attempt", pk=attempt.pk)
    form = SelfAssessmentForm(request.POST, points=scenario_checklist(answer.item))
    if not form.is_valid():
        return _render_feedback(request, attempt, answer, assess_form=form)
    try:
        self_assessment_record(
            answer=answer, learner=request.user, met=set(form.cleaned_data["met"])
        )
    except RevisionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Your check against the marking points is saved.")
    return redirect(feedback + "#self-assessment")


# -- results and history -----------------------------------------------------------


@require_GET
@role_required(Role.LEARNER)
def attempt_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Every question with the learner's answer and marks, the total, and the
    confident wrong answers as misconceptions to revisit."""
    attempt = _attempt(request, pk)
    if attempt.finished_at is None and next_item(attempt) is not None:
        return redirect("revision:attempt", pk=attempt.pk)
    answers = {answer.item_id: answer for answer in attempt.answers.all()}
    items = QuizItem.objects.in_bulk(attempt.item_ids)
    rows = []
    for number, item_id in enumerate(attempt.item_ids, start=1):
        item = items.get(item_id)
        if item is None:
            continue
        answer = answers.get(item_id)
        if answer is not None:
            answer.item = item
        rows.append(
            {
                "number": number,
                "item": item,
                "answer": answer,
                "parts": parts_for_display(item, answer.response) if answer else [],
                "certainty": Certainty(answer.certainty).label if answer else "",
                "marks": signed_marks(answer.marks) if answer else "",
            }
        )
    score = Score(
        marks=sum(answer.marks for answer in answers.values()),
        questions=len(attempt.item_ids),
        right=sum(answer.correct for answer in answers.values()),
        answered=len(answers),
    )
    context = {
        "attempt": attempt,
        "title": _title(attempt),
        "rows": rows,
        "score": score,
        "revisit": [
            row for row in rows if row["answer"] and row["answer"].confident_wrong
        ],
    }
    return render(request, "revision/attempt_results.html", context)


@require_GET
@role_required(Role.LEARNER)
def attempt_history(request: HttpRequest) -> HttpResponse:
    """The learner's attempts, newest first, with their scores."""
    attempts = attempts_scored(
        Attempt.objects.filter(learner=request.user).select_related("quiz")
    ).order_by("-started_at", "-pk")
    page = Paginator(attempts, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"attempt": attempt, "title": _title(attempt), "score": score_of(attempt)}
        for attempt in page
    ]
    return render(
        request, "revision/attempt_history.html", {"page": page, "rows": rows}
    )


urlpatterns = [
    path("quizzes/", quiz_list, name="quizzes"),
    path("quizzes/<slug:identifier>/start/", quiz_start, name="quiz_start"),
    path("attempts/", attempt_history, name="history"),
    path("attempts/<int:pk>/", attempt_detail, name="attempt"),
    path("attempts/<int:pk>/finish/", attempt_finish_view, name="attempt_finish"),
    path("attempts/<int:pk>/answers/<int:answer_pk>/", answer_detail, name="answer"),
    path("attempts/<int:pk>/results/", attempt_results, name="attempt_results"),
    path("answers/<int:answer_pk>/self-assessment/", self_assess, name="self_assess"),
]
