"""Phone numbers as reps type them, stored as E.164 so one prospect is one number.

E.164 is the only form compared or stored; the speakable form is for messages
and voicemail scripts, where a rep reads the digits aloud.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberFormat, timezone


class PhoneError(ValueError):
    """A number the rep typed that we could not dial; `message` is safe to show them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalize_phone(raw: str, default_region: str = "US") -> str:
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


def speakable_phone(e164: str) -> str:
    """The number grouped the way a rep reads it aloud: 312-555-0100 at home, +44 20 … abroad."""
    number = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(number) == "US":
        digits = phonenumbers.national_significant_number(number)
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
