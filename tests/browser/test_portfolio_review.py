"""An assessor reviews a learner's portfolio in the browser (issue 8): opens it from
the menu, reads an order's evidence, judges each criterion, signs off and sees the
evidence unchanged since sign-off; the learner then sees the feedback and the lock.
axe-core on every page."""

from playwright.sync_api import expect

from portfolio.models import SignOff
from portfolio.services import entry_add, portfolio_for
from revision.services.content import content_load
from tests.portfolio.helpers import play_ps01

CRITERIA = ["AC-01", "AC-02", "AC-03", "AC-04", "AC-05"]


def test_assessor_reviews_and_signs_off_then_the_learner_sees_the_feedback(
    page,
    base,
    axe,
    sign_in,
    sign_out,
    console,
    shot,
    learner,
    assessor,
    django_capture_on_commit_callbacks,
):
    # given a learner's portfolio holding a practice order, assigned to the assessor
    content_load()
    run = play_ps01(learner, django_capture_on_commit_callbacks)
    entry = entry_add(
        learner=learner, order=run.order, reflection="I asked before I promised."
    )
    portfolio = portfolio_for(learner)
    portfolio.assessor = assessor
    portfolio.save()
    reference = run.order.reference

    # the assessor opens the portfolio from the menu
    sign_in(assessor)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Portfolios", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Portfolios")
    row = page.get_by_role("row").filter(has_text=str(learner))
    expect(row).to_contain_text("Not signed off")
    shot("assessor-list")
    axe(page, context="assessor's list")

    row.get_by_role("link", name=str(learner)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Review of {learner}'s portfolio"
    )
    shot("review")
    axe(page, context="review, nothing judged")

    # the order's evidence, from the criterion's link
    ac05 = page.get_by_role("region", name="AC-05")
    ac05.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Evidence for order {reference}"
    )
    expect(page.get_by_text("Arrived Friday, very happy.")).to_be_visible()
    expect(page.get_by_text("I asked before I promised.")).to_be_visible()
    shot("entry")
    axe(page, context="one order's evidence, as the assessor")
    page.get_by_role("link", name=f"Review of {learner}'s portfolio").click()

    # signing off too early is refused next to the form, nothing stored
    sign_off_region = page.get_by_role("region", name="Sign-off")
    sign_off_region.get_by_label("I make the declaration above").check()
    sign_off_region.get_by_role("button", name="Sign off the portfolio").click()
    expect(
        page.get_by_role("region", name="Sign-off").get_by_role("alert")
    ).to_contain_text("Judge every criterion met before signing off: AC-01")
    axe(page, context="review, sign-off refused")
    assert not SignOff.objects.exists()

    # the assessor judges each criterion met, with a comment
    for identifier in CRITERIA:
        region = page.get_by_role("region", name=identifier, exact=True)
        region.get_by_role("radio", name="Met", exact=True).check()
        region.get_by_label("Comment for the learner").fill(
            f"{identifier}: clearly shown in {reference}."
        )
        region.get_by_role("button", name=f"Save the judgement on {identifier}").click()
        expect(
            page.get_by_text(f"Your judgement on {identifier} is saved.")
        ).to_be_visible()
    expect(page.get_by_role("region", name="AC-03", exact=True)).to_contain_text(
        f"AC-03: clearly shown in {reference}."
    )
    shot("judged")
    axe(page, context="review, every criterion judged")

    # and signs off: the evidence is unchanged since sign-off
    sign_off_region = page.get_by_role("region", name="Sign-off")
    expect(sign_off_region).to_contain_text("I confirm that I have reviewed")
    sign_off_region.get_by_label("I make the declaration above").check()
    sign_off_region.get_by_role("button", name="Sign off the portfolio").click()
    expect(page.get_by_text("is signed off and locked")).to_be_visible()
    sign_off_region = page.get_by_role("region", name="Sign-off")
    expect(sign_off_region).to_contain_text("Evidence unchanged since sign-off")
    expect(sign_off_region).to_contain_text(SignOff.objects.get().final_hash)
    expect(sign_off_region.get_by_label("Reason for unlocking")).to_be_visible()
    shot("signed-off")
    axe(page, context="review, signed off")
    sign_out()

    # the learner sees the feedback, the sign-off and the lock
    sign_in(learner)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Portfolio", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your portfolio")
    criteria = page.get_by_role("region", name="The assessment criteria")
    expect(criteria).to_contain_text(f"AC-02: clearly shown in {reference}.")
    expect(criteria.get_by_text("Met", exact=True)).to_have_count(10)
    expect(page.get_by_role("region", name="Sign-off")).to_contain_text(
        f"Signed off by {assessor}"
    )
    expect(page.get_by_role("button", name="Save the reflection")).to_have_count(0)
    shot("learner-portfolio")
    axe(page, context="learner's portfolio, signed off")

    page.get_by_role("link", name=f"The evidence for {reference}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Evidence for order {reference}"
    )
    assert page.url.endswith(f"/portfolio/entries/{entry.pk}/")
    axe(page, context="one order's evidence, as the learner")

    axe.assert_clean()
    console.assert_clean()
