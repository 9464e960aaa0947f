"""Every practice scenario played twice through the services: the model handling
(every marking point met) and a careless run (the exact verdict per point)."""

from decimal import Decimal

import pytest

from customers.models import Customer
from orders.services.amendments import LineChange
from orders.services.messages import channel_for
from revision.models import Scenario
from revision.services.content import content_load
from revision.services.practice import CUSTOMER_FIELDS

from .practice_runs import ALL_MET, Run, reasons, verdicts


@pytest.fixture
def loaded(db):
    content_load()


@pytest.fixture
def start(loaded, learner, django_capture_on_commit_callbacks):
    def start(identifier: str) -> Run:
        return Run.start(learner, identifier, django_capture_on_commit_callbacks)

    return start


def scored(result, expected: dict[str, str]) -> None:
    assert verdicts(result) == expected, reasons(result)


def careless(**changes) -> dict[str, str]:
    return {**ALL_MET, **changes}


# -- the library ---------------------------------------------------------------------


def test_library_has_twelve_scenarios_covering_every_problem(loaded):
    scenarios = list(Scenario.objects.filter(active=True))
    planted = [p for s in scenarios for p in s.problems]
    assert len(scenarios) >= 12
    assert set(planted) == set(Scenario.Problem.values)
    assert sum(1 for s in scenarios if not s.problems) >= 2
    assert sum(1 for s in scenarios if len(s.problems) >= 2) >= 2


@pytest.mark.parametrize("identifier", [f"PS-{n:02d}" for n in range(1, 13)])
def test_expected_channel_is_how_orderdesk_would_contact_the_customer(
    loaded, identifier
):
    scenario = Scenario.objects.get(identifier=identifier)
    given = scenario.data["customer"]
    customer = Customer(**{k: v for k, v in given.items() if k in CUSTOMER_FIELDS})
    channel, _, _ = channel_for(customer)
    assert scenario.expected["channel"] == channel


def test_every_scenario_arrives_by_a_real_channel_with_a_story(loaded):
    for scenario in Scenario.objects.all():
        assert scenario.channel in ("email", "phone", "web", "post")
        assert scenario.incoming.strip()
        assert scenario.summary.strip()
        assert [step["text"] for step in scenario.expected["steps"]]


# -- PS-01 is in test_practice_ps01.py -------------------------------------------------

# -- PS-02: clean, phone, on account -----------------------------------------------


def test_ps02_model_handling_meets_every_point(start):
    run = start("PS-02")
    run.confirm()
    run.give_confirmation()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="Toner and paper arrived Tuesday; all good.")

    scored(run.finish(), ALL_MET)


# -- PS-03: clean, letter in large print -------------------------------------------


def test_ps03_model_handling_meets_every_point(start):
    run = start("PS-03")
    run.confirm()
    run.give_confirmation()
    run.fulfil()
    run.follow_up(satisfaction=4, notes="Replied by letter: lamp arrived, very bright.")

    scored(run.finish(), ALL_MET)


# -- PS-04: wrong product code -------------------------------------------------------


def test_ps04_model_handling_meets_every_point(start):
    run = start("PS-04")
    message, reply = run.ask(
        "query", "PEN-9010 is not one of our codes: did you mean PEN-9001, blue pens?"
    )
    run.amend(
        "Customer confirmed she meant PEN-9001, blue ballpoint pens.",
        lines={1: LineChange(product_code="PEN-9001")},
        communication=message,
        on="unknown_product",
    )
    run.confirm()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="Pens arrived; thanks for checking the code.")

    scored(run.finish(), ALL_MET)


# -- PS-05: inactive product code ----------------------------------------------------


def test_ps05_model_handling_meets_every_point(start):
    run = start("PS-05")
    message, reply = run.ask(
        "query",
        "STA-9001 is discontinued; STA-9002 replaces it at £34.50. Shall we send it?",
    )
    run.amend(
        "Customer agreed to the replacement STA-9002 at £34.50.",
        lines={1: LineChange(product_code="STA-9002", unit_price=Decimal("34.50"))},
        communication=message,
        on="unknown_product",
    )
    run.confirm()
    run.give_confirmation()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="Staplers arrived; the new model is better.")

    scored(run.finish(), ALL_MET)


# -- PS-06: quantity mismatch, Deaf customer who texts -------------------------------


def test_ps06_model_handling_meets_every_point(start):
    run = start("PS-06")
    run.raise_exception(
        "quantity", "The form says 120 boxes; her comment asks for 12.", line=1
    )
    message, reply = run.ask("query", "Your form says 120 boxes, your note 12: which?")
    run.amend(
        "Customer confirmed 12 boxes by text.",
        lines={1: LineChange(quantity=12)},
        communication=message,
        on="quantity",
    )
    run.resolve("quantity", "Quantity corrected to 12 as she confirmed by text.")
    run.confirm()
    run.give_confirmation()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="Texted back: paper arrived, thank you.")

    scored(run.finish(), ALL_MET)


# -- PS-07: missing e-mail address ---------------------------------------------------


def test_ps07_model_handling_meets_every_point(start):
    run = start("PS-07")
    message, reply = run.ask("query", "Could I take your e-mail address, please?")
    run.correct_contact(
        {"email": "dan.fraser@mailbox.example"},
        "He gave his e-mail address on the phone.",
        communication=message,
    )
    run.confirm()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="E-mailed back: files and labels arrived.")

    scored(run.finish(), ALL_MET)


# -- PS-08: payment declined ---------------------------------------------------------


def test_ps08_model_handling_meets_every_point(start):
    run = start("PS-08")
    run.ask("payment_problem", "Your card ending 0002 was declined: can you help?")
    run.change_card("4242424242424242", "The customer gave another card by phone.")
    run.confirm()
    run.give_confirmation()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="Chair and lamp arrived; very comfortable.")

    scored(run.finish(), ALL_MET)


# -- PS-09: price disagreement -------------------------------------------------------


def test_ps09_model_handling_meets_every_point(start):
    run = start("PS-09")
    message, reply = run.ask(
        "query", "Our price list says £21.50 a box, not £19.50: shall we go ahead?"
    )
    run.amend(
        "Customer agreed to the list price of £21.50.",
        lines={1: LineChange(unit_price=Decimal("21.50"))},
        communication=message,
        on="price_mismatch",
    )
    run.confirm()
    run.fulfil()
    run.follow_up(satisfaction=4, notes="Paper arrived; asked for next year's prices.")

    scored(run.finish(), ALL_MET)


# -- PS-10: duplicate purchase order -------------------------------------------------


def test_ps10_model_handling_meets_every_point(start):
    run = start("PS-10")
    message, reply = run.ask(
        "query", "This repeats this morning's PO PH-5120: do you want it all twice?"
    )
    run.amend(
        "Customer says the repeated envelopes and labels were a mistake.",
        lines={1: LineChange(quantity=0), 2: LineChange(quantity=0)},
        communication=message,
        on="duplicate",
    )
    run.resolve(
        "duplicate",
        "Repeated lines removed; only the new files are on this order.",
        communication=message,
    )
    run.confirm()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="Files arrived; thanks for spotting it.")

    scored(run.finish(), ALL_MET)


# -- PS-11: out of stock and a date that cannot be met --------------------------------


def test_ps11_model_handling_meets_every_point(start):
    run = start("PS-11")
    message, reply = run.ask(
        "backorder_notice", "No chairs until the restock date: will you wait?"
    )
    run.backorder(reply.content, communication=reply)
    run.amend(
        "Customer agreed to delivery on the restock date.",
        requested_in_days=6,
        communication=message,
        on="delivery_date",
    )
    run.confirm()
    run.give_confirmation()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="Chairs arrived; volunteers are happy.")

    scored(run.finish(), ALL_MET)


# -- PS-12: quantity mismatch and out of stock, by letter ---------------------------


def test_ps12_model_handling_meets_every_point(start):
    run = start("PS-12")
    run.raise_exception(
        "quantity", "Keyed as 20; her letter asks for two boxes.", line=1
    )
    message, reply = run.ask(
        "query", "Please confirm two boxes; blue is out of stock, black is in stock."
    )
    run.amend(
        "Customer confirmed two boxes by letter.",
        lines={1: LineChange(quantity=2)},
        communication=message,
        on="quantity",
    )
    run.resolve("quantity", "Quantity corrected to 2 as her letter says.")
    run.substitute("PEN-9002", reply.content, communication=reply)
    run.confirm()
    run.give_confirmation()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="Her letter: pens arrived, thank you.")

    scored(run.finish(), ALL_MET)


# -- careless runs -----------------------------------------------------------------


def test_ps02_careless_follow_up_by_email_without_asking_satisfaction(start):
    # he prefers the phone; the learner e-mails and records no satisfaction
    run = start("PS-02")
    run.confirm()
    run.fulfil()
    run.follow_up(channel="email", satisfaction=None, notes="Sent a delivery e-mail.")

    scored(
        run.finish(),
        careless(**{"MP-04": "partly", "MP-05": "partly", "MP-08": "partly"}),
    )


def test_ps02_careless_confirms_but_never_makes_the_call(start):
    # Confirm leaves the confirmation call to do; the learner never logs it
    run = start("PS-02")
    run.confirm()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="All arrived.")

    result = run.finish()

    scored(result, careless(**{"MP-08": "partly"}))
    assert (
        "The order was confirmed, but the confirmation was never given to the "
        "customer: no call that reached the customer was logged."
    ) in reasons(result)["MP-08"]


def test_ps02_calling_the_confirmation_through_before_confirming_is_in_sequence(
    start,
):
    # the checks pass and reserve the stock; the learner phones the delivery date
    # through, logs the call, then confirms
    run = start("PS-02")
    run.give_confirmation("Told Mr Llewellyn it will arrive tomorrow.")
    run.confirm()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="Toner and paper arrived; all good.")

    result = run.finish()

    scored(result, ALL_MET)
    assert not any("promised" in reason for reason in reasons(result)["MP-06"])


def test_ps01_promising_a_date_before_the_backorder_is_agreed_is_out_of_sequence(
    start,
):
    # the stock check fails; the learner e-mails a delivery date before she has
    # agreed to wait for the restock
    run = start("PS-01")
    run.tell("confirmation", "Your paper will be with you on Thursday.")
    message, reply = run.ask("backorder_notice", "Out of stock until Thursday: wait?")
    run.backorder(reply.content, communication=reply)
    run.confirm()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="Arrived Friday, very happy.")

    result = run.finish()

    assert verdicts(result)["MP-06"] == "partly", reasons(result)
    assert (
        "A delivery date was promised before availability was confirmed."
        in reasons(result)["MP-06"]
    )


def test_ps03_careless_never_follows_up(start):
    run = start("PS-03")
    run.confirm()
    run.give_confirmation()
    run.fulfil()

    scored(
        run.finish(),
        careless(
            **{
                "MP-04": "not met",
                "MP-05": "not met",
                "MP-06": "partly",
                "MP-08": "partly",
            }
        ),
    )


def test_ps04_careless_corrects_the_code_without_asking_the_customer(start):
    run = start("PS-04")
    run.amend(
        "Guessed PEN-9001.", lines={1: LineChange(product_code="PEN-9001")}, told=False
    )
    run.confirm()
    run.fulfil()
    run.follow_up(notes="Pens arrived.")

    scored(run.finish(), careless(**{"MP-03": "partly", "MP-08": "partly"}))


def test_ps05_careless_swaps_in_the_replacement_without_asking(start):
    # the replacement costs more; he is never asked, and is followed up by e-mail
    # although he prefers the phone
    run = start("PS-05")
    run.amend(
        "Replacement model.",
        lines={1: LineChange(product_code="STA-9002")},
        told=False,
    )
    run.confirm()
    run.fulfil()
    run.follow_up(channel="email", notes="E-mailed to check.")

    scored(
        run.finish(),
        careless(**{"MP-03": "partly", "MP-04": "partly", "MP-08": "partly"}),
    )


def test_ps06_careless_never_corrects_the_quantity(start):
    run = start("PS-06")
    run.confirm()
    run.fulfil()
    run.follow_up(notes="Texted: paper arrived.")

    scored(
        run.finish(),
        careless(
            **{
                "MP-01": "not met",
                "MP-03": "not met",
                "MP-07": "not met",
                "MP-08": "partly",
            }
        ),
    )


def test_ps06_careless_confirms_by_text_but_never_sends_it(start):
    # the model handling, except that the text Confirm leaves to do is never sent
    run = start("PS-06")
    run.raise_exception(
        "quantity", "The form says 120 boxes; her comment asks for 12.", line=1
    )
    message, reply = run.ask("query", "Your form says 120 boxes, your note 12: which?")
    run.amend(
        "Customer confirmed 12 boxes by text.",
        lines={1: LineChange(quantity=12)},
        communication=message,
        on="quantity",
    )
    run.resolve("quantity", "Quantity corrected to 12 as she confirmed by text.")
    run.confirm()
    run.fulfil()
    run.follow_up(satisfaction=5, notes="Texted back: paper arrived, thank you.")

    result = run.finish()

    scored(result, careless(**{"MP-08": "partly"}))
    assert any(
        "confirmation was never given" in reason
        and "no text message was recorded as sent" in reason
        for reason in reasons(result)["MP-08"]
    )


def test_ps06_a_missed_quantity_is_said_plainly_to_be_missed(start):
    run = start("PS-06")
    run.confirm()
    result = run.finish()

    assert reasons(result)["MP-07"] == [
        "The quantity mismatch was missed: no check finds it, only reading the "
        "order carefully against what the customer asked for."
    ]


def test_ps06_reasons_name_the_channel_as_the_customer_reads_it(start):
    # the model handling, but the follow-up goes by e-mail to a customer who texts
    run = start("PS-06")
    run.raise_exception(
        "quantity", "The form says 120 boxes; her comment asks for 12.", line=1
    )
    message, reply = run.ask("query", "Your form says 120 boxes, your note 12: which?")
    run.amend(
        "Customer confirmed 12 boxes by text.",
        lines={1: LineChange(quantity=12)},
        communication=message,
        on="quantity",
    )
    run.resolve("quantity", "Quantity corrected to 12 as she confirmed by text.")
    run.confirm()
    run.give_confirmation()
    run.fulfil()
    run.follow_up(channel="email", notes="E-mailed: paper arrived.")

    said = reasons(run.finish())

    assert said["MP-04"] == [
        "Followed up by e-mail; this customer should be contacted by text message."
    ]
    assert (
        "The confirmation, with the delivery date, went by text message."
        in said["MP-08"]
    )
    assert (
        "This customer should be contacted by text message; the follow-up went "
        "another way."
    ) in said["MP-08"]
    assert not any("sms" in r or "email" in r for rs in said.values() for r in rs)


def test_ps07_careless_closes_the_missing_e_mail_with_a_bare_note(start):
    run = start("PS-07")
    run.resolve("missing_contact", "Will get the e-mail address later.")
    run.confirm()
    run.fulfil()
    run.follow_up(channel="phone", notes="Phoned: all arrived.")

    scored(
        run.finish(),
        careless(
            **{
                "MP-01": "partly",
                "MP-02": "partly",
                "MP-03": "partly",
                "MP-04": "partly",
                "MP-07": "partly",
                "MP-08": "partly",
            }
        ),
    )


def test_ps08_careless_e_mails_a_customer_who_prefers_the_phone(start):
    run = start("PS-08")
    run.tell("payment_problem", "Your card was declined.", channel="email")
    run.replies()
    run.change_card("4242424242424242", "The customer e-mailed another card.")
    run.confirm()
    run.fulfil()
    run.follow_up(channel="email", satisfaction=None, notes="E-mailed to check.")

    scored(
        run.finish(),
        careless(**{"MP-04": "partly", "MP-05": "partly", "MP-08": "partly"}),
    )


def test_ps09_careless_waves_the_quoted_price_through(start):
    run = start("PS-09")
    run.resolve("price_mismatch", "Customer says she was quoted £19.50.")
    run.confirm()
    run.fulfil()
    run.follow_up(notes="Paper arrived.")

    scored(
        run.finish(),
        careless(
            **{
                "MP-02": "partly",
                "MP-03": "partly",
                "MP-07": "partly",
                "MP-08": "partly",
            }
        ),
    )


def test_ps10_careless_sends_the_purchase_order_twice(start):
    run = start("PS-10")
    run.resolve("duplicate", "Probably a second order.", told=False)
    run.confirm()
    run.fulfil()
    run.follow_up(notes="Files arrived.")

    scored(
        run.finish(),
        careless(
            **{
                "MP-01": "not met",
                "MP-02": "partly",
                "MP-03": "partly",
                "MP-07": "partly",
                "MP-08": "partly",
            }
        ),
    )


def test_ps11_careless_assumes_he_will_wait_and_writes_to_a_blind_customer(start):
    run = start("PS-11")
    run.backorder("Assumed he would wait.")
    run.amend("Moved the date to the restock date.", requested_in_days=6, told=False)
    run.confirm()
    run.fulfil()
    run.follow_up(channel="letter", notes="Sent a satisfaction letter.")

    scored(
        run.finish(),
        careless(**{"MP-03": "partly", "MP-04": "partly", "MP-08": "partly"}),
    )


def test_ps12_careless_misses_the_quantity_and_substitutes_unasked(start):
    run = start("PS-12")
    run.substitute("PEN-9002", "Her letter says black would do.", channel="letter")
    run.confirm()
    run.give_confirmation()
    run.fulfil()

    scored(
        run.finish(),
        careless(
            **{
                "MP-01": "not met",
                "MP-03": "partly",
                "MP-04": "not met",
                "MP-05": "not met",
                "MP-06": "partly",
                "MP-07": "partly",
                "MP-08": "partly",
            }
        ),
    )
