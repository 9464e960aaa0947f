"""Evidence built the way a learner and an assessor build it, for the portfolio
tests (and the browser tests of the portfolio)."""

from portfolio.models import Review, SignOff
from portfolio.services import criteria, review_record, sign_off
from tests.revision.practice_runs import Run


def play_ps01(learner, capture, *, follow_up: bool = True) -> Run:
    """The model handling of PS-01 (or the same without the follow-up)."""
    run = Run.start(learner, "PS-01", capture)
    run.tell(
        "backorder_notice",
        "The paper is out of stock until Thursday. Shall we send it then?",
    )
    (reply,) = run.replies()
    run.backorder(reply.content)
    run.confirm()
    run.fulfil()
    if follow_up:
        run.follow_up(satisfaction=5, notes="Arrived Friday, very happy.")
    run.finish()
    return run


def careless_ps06(learner, capture) -> Run:
    """PS-06 handled carelessly: 120 boxes confirmed where the customer's comment
    asked for 12, never queried, and the Deaf customer who asked for texts only
    followed up by a voice call."""
    run = Run.start(learner, "PS-06", capture)
    run.confirm()
    run.fulfil()
    run.follow_up(channel="phone", notes="Rang her: the paper arrived.")
    run.finish()
    return run


def judge_all(portfolio, assessor, verdict=Review.Verdict.MET) -> None:
    for criterion in criteria():
        review_record(
            portfolio=portfolio,
            assessor=assessor,
            criterion=criterion,
            verdict=verdict,
            comment=f"{criterion.identifier} shown in the order's trail.",
        )


def signed_off(portfolio, assessor) -> SignOff:
    judge_all(portfolio, assessor)
    return sign_off(portfolio=portfolio, assessor=assessor, declared=True)
