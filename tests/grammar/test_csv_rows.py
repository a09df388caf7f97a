"""CRM export headers and rows, read without files or a database."""

from __future__ import annotations

import pytest

from bot.grammar.csv_rows import HeaderError, RowError, header_key, is_blank, map_headers, read_row
from bot.rules.prospects import ProspectFields

HUBSPOT = [
    "Record ID",
    "First Name",
    "Last Name",
    "Company Name",
    "Phone Number",
    "Mobile Phone Number",
    "Email",
    "Amount",
    "Lifecycle Stage",
]
SALESFORCE = [
    "First Name",
    "Last Name",
    "Account Name",
    "Phone",
    "Mobile",
    "Email",
    "Opportunity Amount",
    "Mailing State",
]
PLAIN = ["name", "company", "phone", "cell", "email", "value", "tz", "referrer", "note"]


@pytest.mark.parametrize(
    ("header", "key"),
    [("Mobile Phone Number", "mobilephonenumber"), ("e-mail", "email"), (" TZ ", "tz")],
)
def test_header_keys_ignore_case_spaces_and_punctuation(header: str, key: str) -> None:
    assert header_key(header) == key


def test_hubspot_export() -> None:
    columns = map_headers(HUBSPOT)
    assert columns.ignored == ("Record ID", "Lifecycle Stage")
    row = [
        "901",
        "Jane",
        "Doe",
        "Globex",
        "(212) 555-0143",
        "303.555.0142",
        "Jane@Globex.com",
        "12000.00",
        "lead",
    ]
    assert read_row(row, columns) == ProspectFields(
        name="Jane Doe",
        company="Globex",
        phone="+12125550143",
        cell="+13035550142",
        email="jane@globex.com",
        deal_value=12000,
    )


def test_salesforce_export() -> None:
    columns = map_headers(SALESFORCE)
    row = ["Raj", "Patel", "Initech", "+1 415 555 0132", "", "raj@initech.com", "$1.5m", "CA"]
    fields = read_row(row, columns)
    assert (fields.name, fields.company, fields.phone, fields.cell, fields.deal_value) == (
        "Raj Patel",
        "Initech",
        "+14155550132",
        None,
        1_500_000,
    )
    assert fields.zone() == ("America/Los_Angeles", True)


def test_plain_sheet_with_every_field() -> None:
    columns = map_headers([header.upper() for header in PLAIN])
    row = [
        "  Ann   Lee ",
        "Acme",
        "312-555-0100",
        "",
        "ann@acme.com",
        "$12k",
        "pt",
        "Bob Smith",
        "met at\nthe expo",
    ]
    fields = read_row(row, columns)
    assert fields == ProspectFields(
        name="Ann Lee",
        company="Acme",
        phone="+13125550100",
        email="ann@acme.com",
        tz="America/Los_Angeles",
        deal_value=12000,
        referrer="Bob Smith",
        connection_note="met at the expo",
    )
    assert fields.zone() == ("America/Los_Angeles", False)


def test_a_full_name_column_wins_over_first_and_last() -> None:
    columns = map_headers(["Full Name", "First Name", "Last Name"])
    assert read_row(["Dr. Ann Lee", "Ann", "Lee"], columns).name == "Dr. Ann Lee"
    assert read_row(["", "Ann", "Lee"], columns).name == "Ann Lee"


def test_headers_without_a_name_are_refused_with_what_was_seen() -> None:
    with pytest.raises(HeaderError) as raised:
        map_headers(["Phone", "Email", "Stage"])
    assert "“Phone”, “Email”, “Stage”" in raised.value.message
    assert "First Name" in raised.value.message


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["", "", "312-555-0100", "", "", "", "", "", ""], "No name"),
        (["Ann", "", "555", "", "", "", "", "", ""], "phone: “555” is not a phone number"),
        (["Ann", "", "", "12", "", "", "", "", ""], "cell: “12”"),
        (["Ann", "", "", "", "ann@", "", "", "", ""], "email: “ann@”"),
        (["Ann", "", "", "", "", "lots", "", "", ""], "value: “lots”"),
        (["Ann", "", "", "", "", "-5", "", "", ""], "is negative"),
        (["Ann", "", "", "", "", "", "Mars/Base", "", ""], "tz: I don't know the time zone"),
        (["Ann", "x" * 201, "", "", "", "", "", "", ""], "company “xxx"),
        (["Ann \u202eeeL", "", "", "", "", "", "", "", ""], "(U+202E) after “Ann ”"),
        (["Ann", "x" * 200, "", "", "a" * 250 + "@b.co", "", "", "", ""], "email “aaa"),
        (["Ann", "Acme", "", "", "", "", "", "", "", "surplus"], "extra: “surplus”"),
    ],
)
def test_bad_rows_say_which_value_is_wrong(row: list[str], reason: str) -> None:
    with pytest.raises(RowError) as raised:
        read_row(row, map_headers(PLAIN))
    assert reason in raised.value.message


def test_short_rows_and_empty_trailing_cells_are_fine() -> None:
    columns = map_headers(PLAIN)
    assert read_row(["Ann"], columns) == ProspectFields(name="Ann")
    assert read_row(["Ann", *[""] * 8, "", ""], columns) == ProspectFields(name="Ann")
    assert is_blank(["", " ", ""]) and not is_blank(["", "Ann"])


def test_a_talking_point_column_is_the_hook_and_notes_stay_private() -> None:
    columns = map_headers(["Name", "Notes", "Talking point"])
    fields = read_row(["Kim Park", "Gatekeeper is Linda", "their Q1 rollout"], columns)
    assert fields.connection_note == "Gatekeeper is Linda"
    assert fields.hook == "their Q1 rollout"
    assert read_row(["Kim", "", ""], columns).hook is None


def test_a_value_is_read_in_the_workspace_currency() -> None:
    columns = map_headers(["Name", "Amount"])
    assert read_row(["Kim", "£20k"], columns, "GBP").deal_value == 20_000
    assert read_row(["Kim", "20,000"], columns, "GBP").deal_value == 20_000
    with pytest.raises(RowError) as info:
        read_row(["Kim", "£20k"], columns)
    assert "not £ (GBP)" in info.value.message
