"""Supervisors edit the unit's content and quiz items in the admin; nobody deletes
them (answers refer to them) and a quiz item whose data cannot be asked is refused."""

import pytest
from django.urls import reverse

from revision.models import ContentItem, QuizItem, Section
from tests.factories import UserFactory

from .factories import ContentItemFactory, QuizItemFactory


@pytest.fixture
def admin_supervisor(db):
    user = UserFactory(role="supervisor")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_supervisor_edits_a_marking_point_in_the_admin(client, admin_supervisor):
    point = ContentItemFactory(identifier="MP-01", section=Section.MARKING_POINT)
    client.force_login(admin_supervisor)
    url = reverse("admin:revision_contentitem_change", args=[point.pk])

    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: form.initial[name]
        for name in form.fields
        if form.initial.get(name) is not None and form.initial[name] is not False
    }
    data.update(text="Evidence of accurate and complete data capture.", active="on")
    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    point.refresh_from_db()
    assert point.text == "Evidence of accurate and complete data capture."
    assert point.identifier == "MP-01"  # fixed once made


def test_admin_refuses_a_quiz_item_whose_data_cannot_be_asked(client, admin_supervisor):
    item = QuizItemFactory(
        kind=QuizItem.Kind.CHECK, data={"options": ["a", "b"], "answer": "a"}
    )
    client.force_login(admin_supervisor)
    url = reverse("admin:revision_quizitem_change", args=[item.pk])

    response = client.post(
        url,
        {
            "kind": "check",
            "position": 1,
            "prompt": item.prompt,
            "data": '{"options": ["a", "b"], "answer": "c"}',
            "explanation": "Why.",
            "active": "on",
        },
    )

    assert response.status_code == 200
    assert "answer must be an option" in response.content.decode()
    item.refresh_from_db()
    assert item.data["answer"] == "a"


def test_nobody_deletes_content_in_the_admin(client, admin_supervisor):
    point = ContentItemFactory()
    client.force_login(admin_supervisor)
    url = reverse("admin:revision_contentitem_delete", args=[point.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert ContentItem.objects.filter(pk=point.pk).exists()


@pytest.mark.parametrize("role", ["learner", "processor", "assessor"])
def test_other_roles_do_not_reach_revision_admin(db, client, role):
    user = UserFactory(role=role)
    user.is_staff = role != "learner"  # even a staff flag is not enough
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    response = client.get(reverse("admin:revision_contentitem_changelist"))
    assert response.status_code in (302, 403)
