"""The learner's reviews (the cards due today and the days ahead) and progress."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.permissions import role_required

from ..exceptions import RevisionError
from ..models import Attempt, Quiz
from ..selectors.progress import progress_for, review_outlook
from ..services.quizzes import REVIEW_BATCH, attempt_start

REVISE_NEXT = 5
OUTLOOK_DAYS = 14


@require_GET
@role_required(Role.LEARNER)
def review(request):
    now = timezone.now()
    outlook = review_outlook(learner=request.user, now=now, days=OUTLOOK_DAYS)
    return render(
        request,
        "revision/review.html",
        {
            "outlook": outlook,
            "waiting": outlook.due_today + outlook.new_today,
            "batch": min(outlook.due_today + outlook.new_today, REVIEW_BATCH),
            "tomorrow": outlook.today + timedelta(days=1),
            "tomorrow_count": outlook.tomorrow,
            "days": OUTLOOK_DAYS,
        },
    )


@require_POST
@role_required(Role.LEARNER)
def review_start(request):
    try:
        attempt = attempt_start(learner=request.user, mode=Attempt.Mode.REVIEW)
    except RevisionError as error:
        messages.info(request, str(error))
        return redirect("revision:review")
    return redirect(reverse("revision:attempt", args=[attempt.pk]))


@require_GET
@role_required(Role.LEARNER)
def progress(request):
    figures = progress_for(learner=request.user)
    revise_next = figures.revise_next[:REVISE_NEXT]
    wanted = set().union(*(area.quiz_ids for area in revise_next))
    quizzes = list(Quiz.objects.filter(pk__in=wanted, active=True).order_by("position"))
    return render(
        request,
        "revision/progress.html",
        {
            "progress": figures,
            "revise_next": [
                (area, [quiz for quiz in quizzes if quiz.pk in area.quiz_ids])
                for area in revise_next
            ],
            "all_known": bool(figures.answers) and not figures.revise_next,
        },
    )


urlpatterns = [
    path("review/", review, name="review"),
    path("review/start/", review_start, name="review_start"),
    path("progress/", progress, name="progress"),
]
