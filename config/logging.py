"""Logging filter that keeps personal data out of the logs.

Code here logs ids and order references, never names or contact details; this
filter is the safety net for a message that slips through (an exception text that
quotes an e-mail address, say).
"""

import logging
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Seven or more digits, optionally broken by spaces, dashes or a leading +.
_PHONE = re.compile(r"\+?\d[\d\s-]{5,}\d")
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
        return True
