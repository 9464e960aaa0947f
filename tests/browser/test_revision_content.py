"""A learner reads the unit: the overview, every section page and the marking points
and criteria page, with axe-core on each and a clean console."""

import re

from playwright.sync_api import expect

from revision.models import Section
from revision.services.content import content_load


def test_a_learner_reads_every_page_of_the_unit(
    page, base, axe, sign_in, console, shot, learner
):
    content_load()
    sign_in(learner)

    # The overview: the unit, both synopses and a link to each section.
    page.goto(f"{base}/revision/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Processing sales orders")
    expect(page.locator("#SY-01")).to_contain_text("end-to-end management")
    expect(page.locator("#SY-02")).to_contain_text("systematic processing")
    shot("overview")
    axe(page, context="overview")

    # Each section, reached from the overview's own links.
    sections = page.get_by_role("region", name="Sections of the unit")
    for value, label in Section.choices:
        page.goto(f"{base}/revision/")
        sections.get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(f"{base}/revision/section/{value}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
        axe(page, context=label)

    # The misconceptions sit beside their corrections, and say whose words they are.
    page.goto(f"{base}/revision/section/{Section.MISCONCEPTION}/")
    first = page.locator("#MC-01")
    expect(first.get_by_role("heading", name="Correction")).to_be_visible()
    expect(first).to_contain_text("Correction written for OrderDesk")
    expect(page.locator("#MC-11")).not_to_contain_text("written for OrderDesk")
    shot("misconceptions")

    # The marking points and criteria beside what to show.
    page.goto(f"{base}/revision/")
    page.get_by_role("link", name=re.compile("^Marking points and assessment")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Marking points and assessment criteria"
    )
    points = page.get_by_role("table", name=re.compile("^Examiner marking points"))
    expect(points.get_by_role("row")).to_have_count(1 + 8)
    expect(points.get_by_role("row", name=re.compile("^MP-03"))).to_contain_text(
        "Each exception on the order"
    )
    criteria = page.get_by_role("table", name=re.compile("^Assessment criteria"))
    expect(criteria.get_by_role("row")).to_have_count(1 + 5)
    shot("criteria")
    axe(page, context="criteria")

    # Printed, the navigation goes and the content stays.
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(points).to_be_visible()
    shot("criteria printed")
    page.emulate_media(media="screen")

    console.assert_clean()
    axe.assert_clean()
