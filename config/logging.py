"""Logging filter that keeps personal data out of the logs.

Code here logs ids and order references, never names or contact details; this
filter is the safety net for a message that slips through (an exception text that
quotes an e-mail address, say).
"""

import logging
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# UK numbers: +44 or a leading 0 (area code maybe in brackets), then 9 or 10
# digits in groups. Not task ids, times or amounts, which would make the logs useless.
_PHONE = re.compile(r"(?:\+44\s?\(?0?\)?|\(?\b0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}\b")
# UK postcode, e.g. "SW1A 1AA", "M1 1AE".
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)


def redact(text: str) -> str:
    """Return text with e-mail addresses, phone numbers and postcodes masked."""
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    return _POSTCODE.sub("[postcode]", text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        # A traceback quotes the exception's text (and source lines): mask it too.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
