"""The reviews page: what is due today, starting a sitting, and the days ahead."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revision.models import Attempt, Certainty
from revision.services.quizzes import answer_record, attempt_start

from .factories import RIGHT, WRONG, QuizFactory, QuizItemFactory

pytestmark = pytest.mark.django_db


def answer_all(learner, items, *, right: bool, now, certainty=Certainty.MEDIUM):
    """Answer every item in one practice attempt, all right or all wrong."""
    quiz = QuizFactory(items=items)
    attempt = attempt_start(learner=learner, mode="practice", quiz=quiz, now=now)
    for item in items:
        answer_record(
            attempt=attempt,
            learner=learner,
            item=item,
            response=RIGHT if right else WRONG,
            certainty=certainty,
            now=now,
        )
    return attempt


def test_review_page_counts_cards_due_and_new_items(client, learner):
    # given two items answered wrong yesterday (so due today) and one never seen
    due = [QuizItemFactory(), QuizItemFactory()]
    QuizItemFactory()
    answer_all(learner, due, right=False, now=timezone.now() - timedelta(days=1))
    client.force_login(learner)
    # when the learner opens the reviews page
    response = client.get(reverse("revision:review"))
    # then both figures are stated, with a button to start
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Reviews</h1>" in page
    assert "Due for review today</dt>" in page
    assert '<dd class="col-sm-8">2 cards</dd>' in page
    assert '<dd class="col-sm-8">1 question</dd>' in page
    assert "Start reviews" in page


def test_starting_reviews_asks_the_due_cards_first_then_the_new(client, learner):
    # given two due cards and one new item
    due = [QuizItemFactory(), QuizItemFactory()]
    new = QuizItemFactory()
    answer_all(learner, due, right=False, now=timezone.now() - timedelta(days=1))
    client.force_login(learner)
    # when the learner starts reviews
    response = client.post(reverse("revision:review_start"))
    # then a review attempt holds the due items, then the new one
    attempt = Attempt.objects.get(learner=learner, mode=Attempt.Mode.REVIEW)
    assert attempt.item_ids == [due[0].pk, due[1].pk, new.pk]
    assert attempt.quiz is None
    assert response.status_code == 302
    assert response.url == reverse("revision:attempt", args=[attempt.pk])


def test_nothing_due_says_so_without_a_start_button(client, learner):
    # given every item answered right today: nothing due, nothing new
    items = [QuizItemFactory(), QuizItemFactory()]
    answer_all(learner, items, right=True, now=timezone.now())
    client.force_login(learner)
    response = client.get(reverse("revision:review"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing is due for review today" in page
    assert "Start reviews" not in page


def test_starting_with_nothing_due_is_refused_with_a_message(client, learner):
    client.force_login(learner)
    response = client.post(reverse("revision:review_start"), follow=True)
    assert response.redirect_chain == [(reverse("revision:review"), 302)]
    assert "Nothing is due for review today. Come back tomorrow." in (
        response.content.decode()
    )
    assert not Attempt.objects.filter(learner=learner).exists()


def test_tomorrows_reviews_are_scheduled_after_answering(client, learner):
    # given four items answered wrong now (FSRS: again tomorrow) and one right
    # while very sure (in eight days)
    wrong = [QuizItemFactory() for _ in range(4)]
    known = QuizItemFactory()
    now = timezone.now()
    answer_all(learner, wrong, right=False, now=now)
    answer_all(learner, [known], right=True, now=now, certainty=Certainty.HIGH)
    client.force_login(learner)
    response = client.get(reverse("revision:review"))
    page = response.content.decode()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    in_eight = timezone.localdate(now) + timedelta(days=8)
    assert f"Tomorrow ({tomorrow:%a} {tomorrow.day} {tomorrow:%b}): 4 reviews." in page
    # and the table lists both days
    assert f'<time datetime="{tomorrow:%Y-%m-%d}">' in page
    assert f'<time datetime="{in_eight:%Y-%m-%d}">' in page


def test_without_anything_scheduled_tomorrow_says_no_reviews(client, learner):
    client.force_login(learner)
    page = client.get(reverse("revision:review")).content.decode()
    assert "no reviews." in page
    assert "No reviews are scheduled in the next 14 days yet." in page


def test_starting_reviews_is_post_only(client, learner):
    client.force_login(learner)
    assert client.get(reverse("revision:review_start")).status_code == 405


@pytest.mark.parametrize("role", ["processor", "assessor"])
@pytest.mark.parametrize("name", ["revision:review", "revision:review_start"])
def test_reviews_are_refused_to_other_roles(client, request, role, name):
    client.force_login(request.getfixturevalue(role))
    method = client.get if name == "revision:review" else client.post
    assert method(reverse(name)).status_code == 403
    assert not Attempt.objects.exists()


@pytest.mark.parametrize("name", ["revision:review", "revision:review_start"])
def test_reviews_send_anonymous_visitors_to_sign_in(client, name):
    method = client.get if name == "revision:review" else client.post
    response = method(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_review_page_queries_do_not_grow_with_history(client, learner):
    items = [QuizItemFactory() for _ in range(30)]
    client.force_login(learner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("revision:review")).status_code == 200
        return len(captured)

    before = queries()
    answer_all(learner, items, right=False, now=timezone.now() - timedelta(days=3))
    answer_all(learner, items[:15], right=True, now=timezone.now())
    assert queries() == before
