"""`phonetag import`: a CRM export into one rep's prospects, with a per-row report.

A bad row never stops the good ones: each row is imported, skipped as a duplicate, or
written to the report with the reason, so every row of the file is accounted for. The
import is one transaction, and importing the same file again adds nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.grammar.csv_rows import ColumnMap, HeaderError, RowError, is_blank, map_headers, read_row
from bot.rules.prospects import describe_duplicate
from bot.storage.prospects import ImportCandidate, ProspectImport

BATCH = 500
"""Rows per insert: big enough that 10,000 rows are 20 statements, small enough that the
progress bar moves."""

_DELIMITERS = ",;\t"


class UnreadableFile(Exception):
    """The file can't be imported at all; `message` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SkippedRow:
    row: int
    kind: str
    """"error" or "duplicate"."""
    reason: str
    values: Sequence[str]


@dataclass(frozen=True)
class ExportFile:
    """A CSV read whole: its header, its column map and its numbered data rows."""

    headers: list[str]
    columns: ColumnMap
    rows: list[tuple[int, list[str]]]


@dataclass
class ImportReport:
    imported: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return sum(1 for row in self.skipped if row.kind == "duplicate")

    @property
    def errors(self) -> int:
        return sum(1 for row in self.skipped if row.kind == "error")


def read_export(path: Path) -> ExportFile:
    """Raises UnreadableFile for a file that is missing or unreadable, or as `parse_export`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFile(f"There is no file at {path}.") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path} is a folder, not a CSV file.") from None
    except OSError as problem:
        raise UnreadableFile(f"I can't read {path}: {problem.strerror}.") from None
    return parse_export(data, str(path))


def parse_export(data: bytes, name: str) -> ExportFile:
    """A CSV read off disk or downloaded from Slack; raises UnreadableFile, naming the file
    as `name`, when it is not UTF-8 text or has no name column.

    Rows are numbered as a spreadsheet shows them (the header is row 1), so the report
    points at the row the rep will open. Blank rows are passed over.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise UnreadableFile(
            f"{name} is not UTF-8 text (byte {problem.start}). Save it as “CSV UTF-8”."
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    records: Iterator[list[str]] = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(records, None)
        if headers is None:
            raise UnreadableFile(f"{name} is empty: it needs a header row and then prospects.")
        try:
            columns = map_headers(headers)
        except HeaderError as problem:
            raise UnreadableFile(problem.message) from None
        rows = [
            (number, values)
            for number, values in enumerate(records, start=2)
            if not is_blank(values)
        ]
    except csv.Error as problem:
        raise UnreadableFile(f"{name} is not a CSV file I can read: {problem}.") from None
    return ExportFile(headers, columns, rows)


def run_import(
    session_factory: sessionmaker[Session],
    export: ExportFile,
    team_id: str,
    owner_id: str,
    now: datetime,
    progress: Callable[[int], None] = lambda rows: None,
) -> ImportReport:
    """Import `export`'s rows for the rep; `progress` hears how many rows each batch took."""
    report = ImportReport()
    values_by_row = dict(export.rows)
    with session_factory.begin() as session:
        importer = ProspectImport(session, team_id, owner_id, now)
        for start in range(0, len(export.rows), BATCH):
            batch = export.rows[start : start + BATCH]
            candidates = []
            for number, values in batch:
                try:
                    candidates.append(ImportCandidate(number, read_row(values, export.columns)))
                except RowError as problem:
                    report.skipped.append(SkippedRow(number, "error", problem.message, values))
            duplicates = importer.add_batch(candidates)
            for number, duplicate in duplicates:
                reason = describe_duplicate(duplicate)
                report.skipped.append(
                    SkippedRow(number, "duplicate", reason, values_by_row[number])
                )
            report.imported += len(candidates) - len(duplicates)
            progress(len(batch))
    report.skipped.sort(key=lambda skipped: skipped.row)
    return report


def write_report(path: Path, headers: Sequence[str], skipped: Sequence[SkippedRow]) -> None:
    path.write_text(report_csv(headers, skipped), encoding="utf-8", newline="")


def report_csv(headers: Sequence[str], skipped: Sequence[SkippedRow]) -> str:
    """One line per row not imported: its number, why, then the row as it was in the file."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["row", "skipped", "reason", *headers])
    for row in skipped:
        writer.writerow([row.row, row.kind, row.reason, *row.values])
    return out.getvalue()


def default_report_path(source: Path) -> Path:
    """leads.csv -> leads.errors.csv, beside it, where the rep will look."""
    return source.with_name(f"{source.stem}.errors.csv")
