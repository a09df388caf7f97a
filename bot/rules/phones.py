"""Phone numbers as reps type them, stored as E.164 so one prospect is one number.

E.164 is the only form compared or stored; the speakable form is for messages
and voicemail scripts, where a rep reads the digits aloud.
"""

from __future__ import annotations

import contextlib
import re
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, timezone

# Numbers typed without + are read as this region's, and a listener we know nothing about
# is assumed to dial from it: the reps this bot was built for sell in North America.
DEFAULT_REGION = "US"
_NANP_COUNTRY_CODE = 1


class PhoneError(ValueError):
    """A number the rep typed that we could not dial; `message` is safe to show them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalize_phone(raw: str, default_region: str = DEFAULT_REGION) -> str:
    """Return `raw` in E.164, so differently formatted copies of a number compare equal.

    Numbers without a leading + are read as `default_region` numbers. Merely
    "possible" numbers (right length, unassigned area code) are rejected: a follow-up
    on a number that cannot ring wastes the rep's dial.
    """
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise PhoneError(f"“{raw}” is not a phone number I can dial") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"“{raw}” is not a phone number I can dial")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


@lru_cache(maxsize=65536)
def timezone_for_phone(e164: str) -> str | None:
    """The prospect's IANA zone guessed from the number, or None when it can't be told.

    None (toll-free, mobile ranges spanning zones, unknown) means the caller should
    fall back to the rep's zone and tell the rep it did.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    zones = [z for z in timezone.time_zones_for_number(number) if z != "Etc/Unknown"]
    return zones[0] if len(zones) == 1 else None


@lru_cache(maxsize=65536)
def speakable_phone(e164: str, listener_phone: str | None = None) -> str:
    """The number as a rep reads it aloud, in the form the listener must dial.

    National digits when the listener is in the same country, international otherwise, so
    a prospect abroad hears the country code. A listener we know nothing about is taken
    to be in `DEFAULT_REGION`, the same assumption `normalize_phone` makes for numbers
    typed without +. Digit groups are the country's own; North American ones are joined
    with hyphens as they are written there (312-555-0100, +1-312-555-0100), others with
    spaces (+44 20 7946 0958). Raises ValueError for text that is not a phone number.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"{e164!r} is not a phone number in +E.164 form") from error
    local = _country_code(listener_phone) == number.country_code
    style = PhoneNumberFormat.NATIONAL if local else PhoneNumberFormat.INTERNATIONAL
    groups = re.findall(r"\d+", phonenumbers.format_number(number, style))
    separator = "-" if number.country_code == _NANP_COUNTRY_CODE else " "
    return ("" if local else "+") + separator.join(groups)


def _country_code(phone: str | None) -> int:
    """The listener's country calling code, or the default region's when unknown."""
    if phone:
        with contextlib.suppress(phonenumbers.NumberParseException):
            return phonenumbers.parse(phone, None).country_code
    return phonenumbers.country_code_for_region(DEFAULT_REGION)
