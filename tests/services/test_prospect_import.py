"""`phonetag import` through the real CLI entry: CRM exports in, prospects and a report out."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.runtime.cli import main
from storage.db import make_session_factory, upgrade
from storage.models import ProspectRow
from tests.engines import roomy_engine

ROWS = 10_000
# Data row i sits on spreadsheet row i + 2 (the header is row 1).
BAD_ROWS = {
    17: ("phone", "555", "phone: “555” is not a phone number I can dial"),
    1234: ("email", "someone@", "email: “someone@” doesn't look like an email address"),
    5000: ("name", "", "No name"),
    7777: ("value", "lots", "value: “lots” isn't an amount of money"),
}
DUPLICATE_ROW = 9_998  # same cell as data row 3, in another format


def database_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    return main(["import", *args])


def prospects(engine: Engine, team: str = "T1", owner: str = "U1") -> list[ProspectRow]:
    with make_session_factory(engine)() as session:
        return list(
            session.scalars(
                select(ProspectRow)
                .where(ProspectRow.team_id == team, ProspectRow.owner_id == owner)
                .order_by(ProspectRow.id)
            )
        )


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def big_export(path: Path) -> Path:
    rows = []
    for i in range(ROWS):
        row = {
            "Name": f"Prospect {i:05d}",
            "Company": f"Company {i % 300}",
            "Phone": f"(312) {250 + i // 1000}-{i % 1000:04d}",
            "Cell": "",
            "Email": f"p{i}@example.com",
            "Value": f"${(i % 50) + 1}k",
            "Note": 'from the "spring" list, row, with commas',
        }
        if i in BAD_ROWS:
            column, value, _ = BAD_ROWS[i]
            row[column.capitalize()] = value
        if i == DUPLICATE_ROW:
            row["Cell"] = "312.250.0003"
        rows.append(list(row.values()))
    return write_csv(path, ["Name", "Company", "Phone", "Cell", "Email", "Value", "Note"], rows)


def test_ten_thousand_rows_with_a_few_bad_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = roomy_engine(f"sqlite:///{tmp_path / 'import.db'}")
    upgrade(engine)
    source = big_export(tmp_path / "leads.csv")

    assert run(monkeypatch, database_url(engine), str(source), "--team", "T1", "--owner", "U1") == 0
    out, err = capsys.readouterr()
    good = ROWS - len(BAD_ROWS) - 1
    report = tmp_path / "leads.errors.csv"
    assert out.strip() == f"imported {good}, skipped 1 duplicate, 4 errors (see {report})"
    assert f"{ROWS}/{ROWS}" in err  # the progress bar went to stderr and finished

    stored = prospects(engine)
    assert len(stored) == good
    names = {row.name for row in stored}
    # None lost: every good row is in, and only the reported ones are not.
    expected = {f"Prospect {i:05d}" for i in range(ROWS)} - {
        f"Prospect {i:05d}" for i in (*BAD_ROWS, DUPLICATE_ROW)
    }
    assert names == expected
    first = stored[0]
    assert (first.phone, first.tz, first.tz_inferred, first.deal_value, first.connection_note) == (
        "+13122500000",
        "America/Chicago",
        True,
        1000,
        'from the "spring" list, row, with commas',
    )

    with report.open(encoding="utf-8", newline="") as lines:
        reported = list(csv.DictReader(lines))
    assert [int(line["row"]) for line in reported] == sorted(
        i + 2 for i in (*BAD_ROWS, DUPLICATE_ROW)
    )
    by_row = {int(line["row"]): line for line in reported}
    for i, (column, value, reason) in BAD_ROWS.items():
        line = by_row[i + 2]
        assert line["skipped"] == "error"
        assert reason in line["reason"]
        assert line[column.capitalize()] == value  # the raw row, as it was in the file
    duplicate = by_row[DUPLICATE_ROW + 2]
    assert duplicate["skipped"] == "duplicate"
    assert duplicate["reason"] == "Same phone as row 5 (Prospect 00003 (312-250-0003))."

    # The same file again: nothing new, every good row reported as already there.
    assert run(monkeypatch, database_url(engine), str(source), "--team", "T1", "--owner", "U1") == 0
    out, _ = capsys.readouterr()
    assert out.startswith(f"imported 0, skipped {good + 1} duplicates, 4 errors")
    assert len(prospects(engine)) == good
    engine.dispose()


def test_hubspot_and_salesforce_exports_skip_what_the_rep_already_has(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hubspot = write_csv(
        tmp_path / "hubspot.csv",
        [
            "Record ID",
            "First Name",
            "Last Name",
            "Company Name",
            "Phone Number",
            "Mobile Phone Number",
            "Email",
            "Amount",
        ],
        [
            ["1", "Jane", "Doe", "Globex", "(212) 555-0143", "", "Jane@Globex.com", "12000.00"],
            ["2", "Raj", "Patel", "Initech", "", "+1 415 555 0132", "raj@initech.com", ""],
        ],
    )
    salesforce = write_csv(
        tmp_path / "salesforce.csv",
        [
            "First Name",
            "Last Name",
            "Account Name",
            "Phone",
            "Mobile",
            "Email",
            "Opportunity Amount",
        ],
        [
            # Jane again: same email in other case, so she is skipped.
            ["J.", "Doe", "Globex", "", "", "JANE@globex.com", "$15,000"],
            ["Ann", "Lee", "Umbrella", "303-555-0142", "", "ann@umbrella.com", "$1.5m"],
        ],
    )
    url = database_url(engine)
    team = ("--team", "T1", "--owner", "U1")
    assert run(monkeypatch, url, str(hubspot), *team) == 0
    assert capsys.readouterr().out.strip() == "imported 2, skipped 0 duplicates, 0 errors"
    errors = tmp_path / "sf-report.csv"
    assert run(monkeypatch, url, str(salesforce), *team, "--errors", str(errors)) == 0
    assert capsys.readouterr().out.strip() == (
        f"imported 1, skipped 1 duplicate, 0 errors (see {errors})"
    )
    assert "You already have Jane Doe (212-555-0143): same email." in errors.read_text()

    stored = {row.name: row for row in prospects(engine)}
    assert set(stored) == {"Jane Doe", "Raj Patel", "Ann Lee"}
    assert (stored["Raj Patel"].cell, stored["Raj Patel"].tz) == (
        "+14155550132",
        "America/Los_Angeles",
    )
    assert stored["Ann Lee"].deal_value == 1_500_000
    # Another rep, or the same user id in another workspace, gets their own copies.
    assert run(monkeypatch, url, str(hubspot), "--team", "T2", "--owner", "U1") == 0
    assert len(prospects(engine, team="T2")) == 2


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "There is no file at"),
        (b"", "is empty"),
        (b"Phone,Email\n312-555-0100,a@b.com\n", "No name column among the headers"),
        ("name,company\nJosé,Café\n".encode("latin-1"), "is not UTF-8 text"),
    ],
)
def test_a_file_that_cannot_be_read_exits_2_and_imports_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    said: str,
) -> None:
    engine = roomy_engine(f"sqlite:///{tmp_path / 'import.db'}")
    upgrade(engine)
    source = tmp_path / "leads.csv"
    if content is not None:
        source.write_bytes(content)
    assert run(monkeypatch, database_url(engine), str(source), "--team", "T1", "--owner", "U1") == 2
    assert said in capsys.readouterr().err
    assert prospects(engine) == []
    engine.dispose()


def test_semicolon_separated_export_with_a_bom(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = roomy_engine(f"sqlite:///{tmp_path / 'import.db'}")
    upgrade(engine)
    source = tmp_path / "leads.csv"
    source.write_bytes("\ufeffName;Phone;TZ\nJosé Núñez;+34 912 345 678;Europe/Madrid\n\n".encode())
    assert run(monkeypatch, database_url(engine), str(source), "--team", "T1", "--owner", "U1") == 0
    assert capsys.readouterr().out.strip() == "imported 1, skipped 0 duplicates, 0 errors"
    (row,) = prospects(engine)
    assert (row.name, row.phone, row.tz, row.tz_inferred) == (
        "José Núñez",
        "+34912345678",
        "Europe/Madrid",
        False,
    )
    engine.dispose()
