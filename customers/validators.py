"""UK phone numbers and postcodes: what a customer record may hold.

Used by the model's fields (so the admin and customer_create refuse a bad value)
and by the verification check on an order's customer (which also finds records
saved before these rules existed).
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError

# The same shape as the verification check's pattern, so a record the form accepts
# never fails the check: outward code (LS1, M14, EC1A), optional space, inward (4AP).
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")
POSTCODE_MESSAGE = "Enter a UK postcode, for example LS1 4AP."

PHONE_MESSAGE = (
    "Enter a UK phone number starting 01, 02, 03, 07 or 08 (or +44), "
    "for example 0113 496 0000."
)
PHONE_CHARACTERS = re.compile(r"^[0-9 +().\-]+$")
# Geographic (01, 02), non-geographic (03), mobile (07) and freephone or
# special-rate (08) numbers: the first digit after the 0 or +44.
PHONE_FIRST_DIGITS = "12378"
# Ofcom keeps these ranges for drama and examples: never anyone's real number, but
# valid to dial-plan rules (the demo data and tests use them). libphonenumber treats
# some as unallocated, so they are allowed here by name. National numbers, no 0.
OFCOM_DRAMA_PREFIXES = (
    "1134960",  # Leeds 0113 496 0xxx
    "1144960",  # Sheffield
    "1154960",  # Nottingham
    "1164960",  # Leicester
    "1174960",  # Bristol
    "1184960",  # Reading
    "1214960",  # Birmingham
    "1314960",  # Edinburgh
    "1414960",  # Glasgow
    "1514960",  # Liverpool
    "1614960",  # Manchester
    "1914980",  # Tyneside 0191 498 0xxx
    "2079460",  # London 020 7946 0xxx
    "2896496",  # Belfast 028 9649 6xxx
    "2920180",  # Cardiff 029 2018 0xxx
    "1632960",  # no area 01632 960xxx
    "3069990",  # UK-wide 03069 990xxx
    "7700900",  # mobile 07700 900xxx
    "8081570",  # freephone 08081 570xxx
)


def postcode_normalise(value: str) -> str:
    """Upper case with one space before the inward code: "ls11aa" -> "LS1 1AA".

    A value that is no postcode is only upper-cased, its spacing tidied.
    """
    compact = "".join(value.split()).upper()
    spaced = f"{compact[:-3]} {compact[-3:]}"
    return spaced if UK_POSTCODE.match(spaced) else " ".join(value.upper().split())


def is_uk_postcode(value: str) -> bool:
    """Whether the value, in any case and spacing, has the shape of a UK postcode."""
    return bool(UK_POSTCODE.match(postcode_normalise(value)))


def validate_uk_postcode(value: str) -> None:
    if not is_uk_postcode(value):
        raise ValidationError(POSTCODE_MESSAGE, code="invalid_postcode")


def is_uk_phone(value: str) -> bool:
    """Whether the value is a UK phone number a person could dial.

    Written as people write them: "0113 496 0000", "(0113) 496 0000",
    "+44 (0)7911 123456", "0044 113 496 0000". Numbers in ranges not allocated to
    anyone, too short or too long, foreign numbers and extensions are refused.
    """
    text = value.strip()
    if not text or len(text) > 30 or not PHONE_CHARACTERS.match(text):
        return False
    if not text.lstrip("(").startswith(("0", "+44")):
        return False
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return False
    national = str(number.national_number)
    if number.country_code != 44 or national[:1] not in PHONE_FIRST_DIGITS:
        return False
    if len(national) == 10 and national.startswith(OFCOM_DRAMA_PREFIXES):
        return True
    return phonenumbers.is_valid_number(number)


def validate_uk_phone(value: str) -> None:
    if not is_uk_phone(value):
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")
