"""A supervisor reads the service dashboard, follows a missed target to the order
behind it, and edits a target; axe-core on the dashboard, breaches and targets
pages, and no Content Security Policy complaint from the charts."""

import re

from playwright.sync_api import expect

from tests.followup.kpi_fixture import build


def test_supervisor_follows_a_breach_to_its_order(
    page, base, axe, sign_in, console, shot, processor, dispatcher, supervisor
):
    known = build(processor, dispatcher, supervisor)
    sign_in(supervisor)

    # The supervisor opens the dashboard for 2-8 November 2026.
    page.goto(f"{base}/followup/dashboard/")
    page.get_by_label("From", exact=True).fill("2026-11-02")
    page.get_by_label("To", exact=True).fill("2026-11-08")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Service dashboard")
    summary = page.get_by_role("table", name=re.compile("^Each measure"))
    on_time = summary.get_by_role("row").filter(has_text="Delivered by the promised")
    expect(on_time).to_contain_text("Rate 50.0 %")
    expect(on_time).to_contain_text("Missed")
    # The charts are drawn (Chart.js sized the canvas) without a CSP complaint.
    expect(page.locator("canvas[data-chart='on_time']")).to_have_attribute(
        "height", re.compile(r"^\d+$")
    )
    shot("dashboard")
    axe(page, context="dashboard")

    # One click from the dashboard to the orders behind the missed target.
    on_time.get_by_role("link", name=re.compile("1 behind target")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Behind target: Delivered by the promised date (%)"
    )
    expect(page.locator("#breaches")).to_contain_text(
        "Delivered 07 Nov 2026, promised 06 Nov 2026"
    )
    axe(page, context="breaches")
    page.get_by_role("link", name=known.b.reference).click()
    expect(page).to_have_url(f"{base}/orders/{known.b.pk}/")

    # The targets page: a bad value is refused next to its field.
    page.goto(f"{base}/followup/dashboard/targets/")
    field = page.get_by_label("Delivered by the promised date (%)")
    field.fill("150")
    page.get_by_role("button", name="Save targets").click()
    expect(page.locator("#error_1_id_on_time")).to_contain_text(
        "less than or equal to 100"
    )
    axe(page, context="targets with an error")
    page.get_by_label("Delivered by the promised date (%)").fill("50")
    page.get_by_role("button", name="Save targets").click()
    expect(page.locator(".alert-success")).to_contain_text("Targets saved")
    axe(page, context="targets")

    console.assert_clean()
    axe.assert_clean()
