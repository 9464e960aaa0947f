"""Creating a person with one role."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import Role, User
from accounts.services import user_create


def test_user_create_makes_a_person_with_their_role_and_password(db):
    # when a processor is created
    user = user_create(
        username="sam",
        password="Stapler-and-ink-42",
        role=Role.PROCESSOR,
        first_name="Sam",
        last_name="Ode",
        email="sam@example.com",
    )
    # then they can sign in with that password and hold that one role
    saved = User.objects.get(username="sam")
    assert saved.check_password("Stapler-and-ink-42")
    assert saved.has_role(Role.PROCESSOR)
    assert list(saved.groups.values_list("name", flat=True)) == ["processor"]
    assert (saved.get_full_name(), saved.email) == ("Sam Ode", "sam@example.com")
    assert str(user) == "Sam Ode"


def test_user_create_accepts_the_role_by_name(db):
    # when the role is given as plain text (a form, a command line)
    user = user_create(username="lee", password="Stapler-and-ink-42", role="learner")
    # then the user holds it
    assert user.has_role(Role.LEARNER)


@pytest.mark.parametrize(
    ("role", "staff"),
    [
        (Role.SUPERVISOR, True),
        (Role.PROCESSOR, False),
        (Role.DISPATCHER, False),
        (Role.LEARNER, False),
        (Role.ASSESSOR, False),
    ],
)
def test_only_supervisors_may_use_the_admin(db, role, staff):
    # when someone is created with a role
    user = user_create(username="u", password="Stapler-and-ink-42", role=role)
    # then only a supervisor is staff (the admin site); nobody is a superuser
    assert (user.is_staff, user.is_superuser) == (staff, False)


def test_user_create_refuses_an_unknown_role_and_saves_nothing(db):
    # when a role that does not exist is given, then it is refused
    with pytest.raises(ValueError, match="is not a valid Role"):
        user_create(username="x", password="Stapler-and-ink-42", role="manager")
    # and no user was created
    assert not User.objects.filter(username="x").exists()


def test_user_create_fails_whole_when_the_role_group_is_gone(db):
    # given the assessor group was deleted by hand
    Group.objects.filter(name="assessor").delete()
    # when an assessor is created, then it fails and leaves no half-made user
    with pytest.raises(Group.DoesNotExist):
        user_create(username="ann", password="Stapler-and-ink-42", role="assessor")
    assert not User.objects.filter(username="ann").exists()
