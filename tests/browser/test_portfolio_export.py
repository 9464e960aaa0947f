"""The learner exports a signed-off portfolio and downloads the ZIP; the assessor
verifies it on the verification page (it matches), and again after an event was
edited in the database (it does not). axe-core on every page."""

import re

from django.db import connection
from playwright.sync_api import expect

from orders.models import OrderEvent
from portfolio.services import entry_add, portfolio_for
from revision.services.content import content_load
from tests.portfolio.helpers import play_ps01, signed_off


def test_learner_exports_and_the_assessor_verifies_the_download(
    page,
    base,
    axe,
    sign_in,
    sign_out,
    console,
    shot,
    learner,
    assessor,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    # given a signed-off portfolio of one practised order
    settings.MEDIA_ROOT = tmp_path / "media"
    content_load()
    run = play_ps01(learner, django_capture_on_commit_callbacks)
    entry_add(learner=learner, order=run.order, reflection="I asked first.")
    portfolio = portfolio_for(learner)
    portfolio.assessor = assessor
    portfolio.save()
    signed_off(portfolio, assessor)

    # the learner asks for an export from their portfolio page
    sign_in(learner)
    page.goto(f"{base}/portfolio/")
    page.get_by_role("link", name="Exports of your portfolio").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Exports of your portfolio"
    )
    axe(page, context="exports, none yet")
    page.get_by_role("button", name="Export the portfolio").click()
    # (the live server runs the task on commit, so it is built by the time the
    # page comes back)
    download_link = page.get_by_role("link", name="Download the ZIP")
    expect(download_link).to_be_visible()
    shot("export-ready")
    axe(page, context="exports, one ready")
    with page.expect_download() as waiting:
        download_link.click()
    export_zip = tmp_path / "portfolio.zip"
    waiting.value.save_as(export_zip)
    sign_out()

    # the assessor verifies the download
    sign_in(assessor)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Verify an export", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Verify a portfolio export"
    )
    axe(page, context="verify, empty")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Choose the export's ZIP file.")).to_be_visible()
    axe(page, context="verify, nothing chosen")
    page.get_by_label("Portfolio export (.zip)").set_input_files(str(export_zip))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text("Matches what was signed off")
    shot("verified")
    axe(page, context="verify, matches")

    # when one evidence event is edited behind OrderDesk's back, the same file no
    # longer matches what OrderDesk holds
    event = OrderEvent.objects.filter(order=run.order, kind="confirmed").get()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_orderevent SET data = %s WHERE id = %s",
            ['{"promised_date": "2099-01-01"}', event.pk],
        )
    page.get_by_label("Portfolio export (.zip)").set_input_files(str(export_zip))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text("Does not match")
    expect(page.locator("main")).to_contain_text(re.compile("changed since", re.I))
    shot("tampered")
    axe(page, context="verify, mismatch")

    console.assert_clean()
    axe.assert_clean()
