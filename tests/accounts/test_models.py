"""Roles are groups, made by the migrations; a user has a role by membership."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import Role
from tests.factories import UserFactory

ROLE_NAMES = ["processor", "dispatcher", "supervisor", "learner", "assessor"]


def test_every_role_has_its_group_after_migrating(db):
    # given a freshly migrated database, then each role's group is there
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_NAMES)
    # and the roles in code are exactly those groups
    assert sorted(Role.values) == sorted(ROLE_NAMES)


def test_member_has_their_role_and_no_other(db):
    # given a dispatcher
    user = UserFactory(role="dispatcher")
    # then they have the dispatcher role, and not the processor's
    assert user.has_role(Role.DISPATCHER)
    assert not user.has_role(Role.PROCESSOR)
    assert user.role_names == frozenset({"dispatcher"})


def test_has_role_is_true_if_any_named_role_matches(db):
    # given a supervisor
    user = UserFactory(role="supervisor")
    # then an action for processors or supervisors is theirs
    assert user.has_role(Role.PROCESSOR, Role.SUPERVISOR)
    assert not user.has_role(Role.LEARNER, Role.ASSESSOR)


def test_user_without_a_group_has_no_role(db):
    # given someone with no role
    user = UserFactory()
    # then no role check passes
    assert not any(user.has_role(role) for role in Role.values)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_superuser_has_every_role_without_membership(db, role):
    # given a superuser in no group
    user = UserFactory(is_superuser=True)
    # then every role check passes
    assert user.has_role(role)


def test_user_reads_as_full_name_or_username(db):
    # given people with and without a name, then each reads as what is known
    assert str(UserFactory(first_name="Jo", last_name="Bell")) == "Jo Bell"
    assert str(UserFactory(username="jbell", first_name="", last_name="")) == "jbell"
