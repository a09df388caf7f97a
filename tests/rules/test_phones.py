import pytest

from bot.rules.phones import PhoneError, normalize_phone, speakable_phone, timezone_for_phone


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+1 312 555 0100", "US", "+13125550100"),
        ("(312) 555-0100", "US", "+13125550100"),
        ("312.555.0100", "US", "+13125550100"),
        ("312-555-0100", "US", "+13125550100"),
        ("1 312 555 0100", "US", "+13125550100"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+1 (800) 275-2273", "US", "+18002752273"),
        ("  +1 213 555 0142  ", "US", "+12135550142"),
    ],
)
def test_normalize_phone_returns_e164(raw: str, region: str, expected: str) -> None:
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "xyz",
        "",
        "555",
        "555-0100",
        # Possible (ten digits) but invalid: no area code starts with 1.
        "123 555 0100",
        "+1 312 555 01000",
        "+44 20 7946",
    ],
)
def test_normalize_phone_rejects_what_cannot_ring(raw: str) -> None:
    with pytest.raises(PhoneError) as info:
        normalize_phone(raw)
    assert info.value.message == f"“{raw}” is not a phone number I can dial"
    assert str(info.value) == info.value.message


@pytest.mark.parametrize(
    ("e164", "zone"),
    [
        ("+13125550100", "America/Chicago"),
        ("+12125550100", "America/New_York"),
        ("+16025550100", "America/Phoenix"),
        ("+13035550100", "America/Denver"),
        ("+12135550100", "America/Los_Angeles"),
        ("+442079460958", "Europe/London"),
        ("+18005550100", None),
        ("+18882752273", None),
    ],
)
def test_timezone_for_phone(e164: str, zone: str | None) -> None:
    assert timezone_for_phone(e164) == zone


def test_timezone_for_phone_unparseable_is_unknown() -> None:
    assert timezone_for_phone("not a number") is None


@pytest.mark.parametrize(
    ("e164", "spoken"),
    [
        ("+13125550100", "312-555-0100"),
        ("+18002752273", "800-275-2273"),
        ("+442079460958", "+44 20 7946 0958"),
        ("+33142685300", "+33 1 42 68 53 00"),
    ],
)
def test_speakable_phone(e164: str, spoken: str) -> None:
    assert speakable_phone(e164) == spoken


def test_normalised_number_round_trips_to_speakable() -> None:
    assert speakable_phone(normalize_phone("(312) 555-0100")) == "312-555-0100"


@pytest.mark.parametrize(
    ("e164", "listener", "spoken"),
    [
        # Same country: the national form the listener dials.
        ("+13125550100", "+16175550123", "312-555-0100"),
        ("+442079460958", "+441614960000", "020 7946 0958"),
        # Canada shares +1: no country code needed.
        ("+13125550100", "+14165550123", "312-555-0100"),
        # Across a border: the country code first, in the number's own grouping.
        ("+13125550100", "+442079460958", "+1-312-555-0100"),
        ("+442079460958", "+13125550100", "+44 20 7946 0958"),
        ("+49301234567", "+442079460958", "+49 30 1234567"),
        # A listener we can't read is taken to be in the default region.
        ("+442079460958", "not a number", "+44 20 7946 0958"),
    ],
)
def test_speakable_phone_is_what_the_listener_dials(e164: str, listener: str, spoken: str) -> None:
    assert speakable_phone(e164, listener) == spoken


def test_speakable_phone_rejects_text_that_is_no_number() -> None:
    with pytest.raises(ValueError, match=r"E\.164"):
        speakable_phone("call me")
