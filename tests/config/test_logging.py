"""No personal data in the logs: e-mails, phone numbers and postcodes are masked."""

import io
import logging
import textwrap

import pytest

from config.logging import RedactPersonalData, redact


@pytest.mark.parametrize(
    "email",
    ["jane@example.com", "jane.doe+orders@mail.example.co.uk", "J_Smith-1@shop.org"],
)
def test_redact_masks_email_addresses(email):
    assert redact(f"Could not send to {email}, retrying") == (
        "Could not send to [email], retrying"
    )


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",
        "07700900123",
        "07700-900-123",
        "07700 900 123",
        "+44 7700 900123",
        "+447700900123",
        "0113 496 0000",
        "020 7946 0958",
        "+44 (0)20 7946 0958",
        "(0113) 496 0000",
        "(020) 7946 0958",
    ],
)
def test_redact_masks_uk_phone_numbers(phone):
    assert redact(f"Customer rang from {phone} today") == (
        "Customer rang from [phone] today"
    )


@pytest.mark.parametrize(
    "postcode", ["SW1A 1AA", "M1 1AE", "LS1 1AA", "ls1 1aa", "EC1A1BB"]
)
def test_redact_masks_postcodes(postcode):
    assert redact(f"Deliver to {postcode} please") == "Deliver to [postcode] please"


@pytest.mark.parametrize(
    "text",
    [
        "Order SO-000123 verified by worker celery@host-1",
        "Re-enqueued checks for 12 stalled orders",
        "No order with id 1234567; its checks were dropped",
        "Total £1234.50 captured at 12:30:45 on 2026-11-23",
    ],
)
def test_redact_leaves_references_counts_amounts_and_times_alone(text):
    # the logs stay useful: order references, ids, money and times are not personal
    assert redact(text) == text


@pytest.fixture
def log_output():
    """A logger whose handler filters like the project's console handler."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPersonalData())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.config.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def test_filter_redacts_a_message_and_its_arguments(log_output):
    logger, stream = log_output
    # when a message carries personal data in its arguments
    logger.warning(
        "Order %s: customer %s on %s at %s",
        "SO-000042",
        "jane@example.com",
        "07700 900123",
        "LS1 1AA",
    )
    # then the line is written with the data masked and the reference kept
    assert stream.getvalue() == (
        "WARNING Order SO-000042: customer [email] on [phone] at [postcode]\n"
    )


def test_filter_redacts_an_exception_quoting_personal_data(log_output):
    logger, stream = log_output
    # when an exception whose text quotes an e-mail address is logged
    try:
        raise ConnectionError("SMTP refused jane@example.com (phone 07700 900123)")
    except ConnectionError:
        logger.exception("Sending the confirmation failed")
    # then the traceback is still there but the personal data is not
    output = stream.getvalue()
    assert "ERROR Sending the confirmation failed" in output
    assert "ConnectionError: SMTP refused [email] (phone [phone])" in output
    assert "jane@example.com" not in output
    assert "07700 900123" not in output


def test_project_logging_redacts_what_a_module_logs(run_python):
    # given Django set up with the project's LOGGING, and code logging personal data
    script = textwrap.dedent(
        """
        import logging
        import django

        django.setup()
        log = logging.getLogger("orders.tasks")
        log.warning("Could not reach %s on %s", "jane@example.com", "0113 496 0000")
        try:
            raise ValueError("Bad address for jane@example.com at LS1 1AA")
        except ValueError:
            log.exception("Sending failed for order SO-000007")
        """
    )
    # when it runs
    result = run_python("-c", script)
    # then the console shows the messages, masked
    assert result.returncode == 0, result.stderr
    assert "WARNING orders.tasks Could not reach [email] on [phone]" in result.stderr
    assert "ERROR orders.tasks Sending failed for order SO-000007" in result.stderr
    assert "ValueError: Bad address for [email] at [postcode]" in result.stderr
    assert "jane@example.com" not in result.stderr
