"""No address anyone can type gives a server error: every route, asked by every role
and by nobody, with an id too large for the database and with over-long text, answers
with a refusal or a "not found", never a 500 (a practice-order route once did)."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import UserFactory

ROLES = ["processor", "dispatcher", "supervisor", "learner", "assessor"]
TOO_LARGE_ID = 10**20  # more than a 64-bit integer column holds
ODD_TEXT = "x" * 300


def _routes(patterns=None, namespace="", converters=None):
    """(URL name, {argument: converter}) for every named route outside the admin."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        found = {**(converters or {}), **entry.pattern.converters}
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # Django's own, tested upstream
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, inner, found)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", found


def _odd_address(name: str, converters: dict) -> str:
    return reverse(
        name,
        kwargs={
            argument: TOO_LARGE_ID if converter.regex == "[0-9]+" else ODD_TEXT
            for argument, converter in converters.items()
        },
    )


ODD_ADDRESSES = sorted(
    {_odd_address(name, converters) for name, converters in _routes() if converters}
)


def test_the_routes_under_test_cover_every_app():
    apps = {address.split("/")[1] for address in ODD_ADDRESSES}
    assert {"orders", "followup", "revision", "portfolio"} <= apps


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *ROLES])
def test_no_route_fails_on_an_id_too_large_or_text_too_long(role):
    client = Client(raise_request_exception=False)
    if role:
        client.force_login(UserFactory(role=role))

    failures = [
        f"{method} {address}: {response.status_code}"
        for address in ODD_ADDRESSES
        for method, response in (
            ("GET", client.get(address)),
            ("POST", client.post(address, {"reason": "x"})),
        )
        if response.status_code >= 500
    ]

    assert failures == []
