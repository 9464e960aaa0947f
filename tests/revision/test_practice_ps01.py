"""PS-01: copier paper out of stock, more due this week."""

import pytest

from revision.services.content import content_load

from .practice_runs import Run, verdicts

ALL_MET = {f"MP-0{n}": "met" for n in range(1, 9)}


@pytest.fixture
def loaded(db):
    content_load()


def test_model_handling_meets_every_marking_point(
    loaded, learner, django_capture_on_commit_callbacks
):
    run = Run.start(learner, "PS-01", django_capture_on_commit_callbacks)
    run.tell(
        "backorder_notice",
        "The paper is out of stock until Thursday. Shall we send it then?",
    )
    (reply,) = run.replies()
    run.backorder(reply.content)
    run.confirm()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="Arrived Friday, very happy.")

    result = run.finish()

    assert verdicts(result) == ALL_MET


def test_careless_handling_misses_the_customer_and_the_follow_up(
    loaded, learner, django_capture_on_commit_callbacks
):
    # the learner settles the backorder without asking, confirms by the order's
    # default route, never follows up, and stops
    run = Run.start(learner, "PS-01", django_capture_on_commit_callbacks)
    run.backorder("Assumed she would wait.")
    run.confirm()
    run.fulfil()

    result = run.finish()

    assert verdicts(result) == {
        "MP-01": "met",
        "MP-02": "met",
        "MP-03": "partly",
        "MP-04": "not met",
        "MP-05": "not met",
        "MP-06": "partly",
        "MP-07": "met",
        "MP-08": "partly",
    }
