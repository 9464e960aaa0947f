"""The unit's pages: overview, one page per section, marking points and criteria."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revision.models import ContentItem, Section
from revision.services.content import content_load

from .test_content_file import UNIT, write_unit

OVERVIEW = reverse("revision:overview")
CRITERIA = reverse("revision:criteria")
MISCONCEPTIONS = reverse("revision:section", args=[Section.MISCONCEPTION])
PAGES = [OVERVIEW, CRITERIA, MISCONCEPTIONS]

# The pages never show quizzes: a minimal quiz file keeps these tests to the unit.
QUIZZES = """
[[quiz_item]]
id = "QI-PAGES-JUDGE"
kind = "judge"
prompt = "Follow-up is optional."
explanation = "Follow-up is part of the process."
covers = ["MC-03"]
misconception = true

[[quiz]]
id = "QZ-PAGES"
title = "Pages"
items = ["QI-PAGES-JUDGE"]
"""

# A signed-in page: the session, the user, the user's groups (roles), then the page's
# own content queries.
SIGNED_IN = 3


@pytest.fixture
def unit(db, tmp_path):
    quiz_file = tmp_path / "quizzes.toml"
    quiz_file.write_text(QUIZZES, encoding="utf-8")
    content_load(quiz_file=quiz_file)
    return {item.identifier: item for item in ContentItem.objects.all()}


def text_of(response) -> str:
    """The page as text: tags dropped, whitespace collapsed, entities decoded."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- Overview ---------------------------------------------------------------------


def test_the_overview_shows_the_unit_its_synopses_and_each_section(
    client, learner, unit
):
    client.force_login(learner)
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Processing sales orders</h1>" in html
    assert html.count("<h1") == 1
    page = text_of(response)
    assert unit["SY-01"].text in page
    assert unit["SY-02"].text in page
    # every section, linked, with its count
    for value, label in Section.choices:
        count = sum(item.section == value for item in unit.values())
        link = reverse("revision:section", args=[value])
        assert f'href="{link}"' in html
        assert f"{label} ({count} item{'s' if count != 1 else ''})" in page
    assert f'href="{CRITERIA}"' in html


def test_the_overview_includes_the_progress_slot_for_learners_only(
    client, learner, assessor, supervisor, unit
):
    client.force_login(learner)
    used = [t.name for t in client.get(OVERVIEW).templates]
    assert "revision/_overview_learner.html" in used
    for reader in (assessor, supervisor):
        client.force_login(reader)
        used = [t.name for t in client.get(OVERVIEW).templates]
        assert "revision/_overview_learner.html" not in used


def test_the_overview_says_so_when_nothing_is_loaded(client, assessor):
    client.force_login(assessor)
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert "has not been loaded yet" in text_of(response)


# --- Section pages ----------------------------------------------------------------


@pytest.mark.parametrize("section", Section.values)
def test_each_section_page_shows_its_items_in_order_with_identifiers(
    client, learner, unit, section
):
    client.force_login(learner)
    response = client.get(reverse("revision:section", args=[section]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert f"<h1>{Section(section).label}</h1>" in html
    items = sorted(
        (i for i in unit.values() if i.section == section), key=lambda i: i.position
    )
    assert items
    page = text_of(response)
    positions = [page.index(f"{item.identifier} ") for item in items]
    assert positions == sorted(positions)
    for item in items:
        assert item.text in page
        assert f'id="{item.identifier}"' in html


def test_misconceptions_show_their_corrections_and_whose_words_they_are(
    client, learner, unit
):
    client.force_login(learner)
    page = text_of(client.get(MISCONCEPTIONS))
    for n in range(1, 14):
        assert unit[f"MC-{n:02d}"].correction in page
    # the ten corrections written for OrderDesk are marked; the seed's three are not
    assert page.count("Correction written for OrderDesk") == 10
    after_mc11 = page[page.index("MC-11 ") : page.index("MC-12 ")]
    assert "written for OrderDesk" not in after_mc11


def test_key_terms_mark_the_definitions_written_for_orderdesk(client, learner, unit):
    client.force_login(learner)
    page = text_of(client.get(reverse("revision:section", args=[Section.KEY_TERM])))
    assert page.count("Definition written for OrderDesk") == 5
    assert "Sales order lifecycle" in page


def test_a_section_page_hides_inactive_items(client, learner, unit):
    ContentItem.objects.filter(identifier="ET-08").update(active=False)
    client.force_login(learner)
    page = text_of(client.get(reverse("revision:section", args=[Section.EXAM_TIP])))
    assert "ET-07" in page
    assert "ET-08" not in page
    assert unit["ET-08"].text not in page


def test_an_unknown_section_is_not_found(client, learner, unit):
    client.force_login(learner)
    assert client.get("/revision/section/gossip/").status_code == 404


# --- Marking points and criteria ----------------------------------------------------


def test_the_criteria_page_sets_each_point_beside_what_to_show_and_the_advice(
    client, assessor, unit
):
    client.force_login(assessor)
    response = client.get(CRITERIA)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert html.count("<table") == 2
    rows = re.findall(r'<tr id="([A-Z]{2}-\d\d)">(.*?)</tr>', html, flags=re.S)
    assert [identifier for identifier, _ in rows] == [
        *(f"MP-{n:02d}" for n in range(1, 9)),
        *(f"AC-{n:02d}" for n in range(1, 6)),
    ]
    for identifier, row in rows:
        item = unit[identifier]
        cells = [
            " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        assert cells == [
            identifier,
            item.text,
            item.must_show,
            item.advice,
        ], identifier


# --- Who may read them --------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_learners_assessors_and_supervisors_may_read_the_pages(
    client, url, learner, assessor, supervisor, unit
):
    for reader in (learner, assessor, supervisor):
        client.force_login(reader)
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_other_roles_are_refused_and_strangers_sent_to_sign_in(
    client, url, processor, dispatcher
):
    response = client.get(url)
    assert response.status_code == 302
    assert "sign-in" in response["Location"]
    for user in (processor, dispatcher):
        client.force_login(user)
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_the_pages_only_answer_get(client, url, learner):
    client.force_login(learner)
    assert client.post(url).status_code == 405


# --- Printing and queries -----------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_the_pages_link_the_print_stylesheet(client, url, learner, unit):
    client.force_login(learner)
    html = client.get(url).content.decode()
    assert re.search(r'<link[^>]+print\.css"[^>]*media="print"', html)


def test_the_print_stylesheet_hides_navigation_and_buttons():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "print.css").read_text()
    hidden = re.search(r"([^{}]*)\{\s*display:\s*none", css)
    assert hidden is not None
    selectors = {s.strip() for s in hidden[1].split(",")}
    assert {"header", "nav", ".btn", ".no-print"} <= selectors


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        (OVERVIEW, SIGNED_IN + 2),  # section counts, synopses
        (MISCONCEPTIONS, SIGNED_IN + 1),  # the section's items
        (CRITERIA, SIGNED_IN + 1),  # marking points and criteria together
    ],
)
def test_each_page_makes_the_same_few_queries_however_much_content(
    client, assessor, django_assert_num_queries, tmp_path, url, queries
):
    client.force_login(assessor)
    # with nothing loaded
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    # and with the whole unit loaded
    quiz_file = tmp_path / "quizzes.toml"
    quiz_file.write_text(QUIZZES, encoding="utf-8")
    content_load(quiz_file=quiz_file)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_a_learners_overview_makes_as_many_queries_for_a_little_as_for_all(
    client, learner, tmp_path
):
    # The learner's progress slot is its own partial: its queries are not pinned
    # here, only that the page does not grow with the content.
    quiz_file = tmp_path / "quizzes.toml"
    quiz_file.write_text(QUIZZES, encoding="utf-8")
    sections_seen, few = set(), []
    for item in UNIT:
        if item["section"] not in sections_seen or item["id"] == "MC-03":
            sections_seen.add(item["section"])
            few.append(item)
    content_load(
        unit_file=write_unit(tmp_path / "few.toml", few),
        quiz_file=quiz_file,
        scenario_file=None,
    )
    client.force_login(learner)
    with CaptureQueriesContext(connection) as little:
        assert client.get(OVERVIEW).status_code == 200
    content_load(quiz_file=quiz_file)
    with CaptureQueriesContext(connection) as everything:
        assert client.get(OVERVIEW).status_code == 200
    assert len(everything.captured_queries) == len(little.captured_queries)
