"""Each role lands on its own starting page after signing in."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("processor", "orders:queues"),
        ("dispatcher", "orders:queues"),
        ("supervisor", "orders:queues"),
        ("learner", "revision:overview"),
        ("assessor", "revision:overview"),
    ],
)
def test_home_sends_each_role_to_its_starting_page(db, client, role, landing):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(landing)


def test_a_person_without_a_role_is_told_to_ask_for_one(db, client):
    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Ask a supervisor to give you one" in " ".join(
        response.content.decode().split()
    )


def test_home_asks_a_visitor_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("accounts:login")
