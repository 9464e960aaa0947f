"""The role groups migration can be undone and redone."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

ROLE_NAMES = {"processor", "dispatcher", "supervisor", "learner", "assessor"}


def role_groups() -> set[str]:
    return set(Group.objects.filter(name__in=ROLE_NAMES).values_list("name", flat=True))


@pytest.mark.django_db(transaction=True)
def test_roles_migration_is_reversible():
    # given a group someone made by hand, beside the role groups
    Group.objects.get_or_create(name="auditors")
    try:
        # when accounts is migrated back before the roles migration
        call_command("migrate", "accounts", "0001", verbosity=0)
        # then the role groups are gone, and only they
        assert role_groups() == set()
        assert Group.objects.filter(name="auditors").exists()
    finally:
        # when it is migrated forward again
        call_command("migrate", "accounts", verbosity=0)
    # then every role group is back
    assert role_groups() == ROLE_NAMES
