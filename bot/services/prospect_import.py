"""`phonetag import` and a CSV shared in the DM: a CRM export into one rep's prospects, with
a per-row report.

A bad row never stops the good ones: each row is imported, skipped as a duplicate, or written
to the report with the reason, so every row of the file is accounted for. That holds for rows
the database itself refuses too: each batch is inserted under a savepoint, and when the
database refuses it the batch is inserted again row by row, each under its own, so only the
refused rows are left out. Each batch is committed, so a long import never holds the database
from other requests for long; importing the same file again adds nothing, so an import cut
short by an outage is finished by importing the file again.

Rows are streamed from the file twice: once to check that all of it reads (UTF-8, CSV, the
row cap) before anything is written, then to import. Neither pass holds the file in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from defusedcsv import csv as defused_csv
from sqlalchemy.orm import Session, sessionmaker

from bot.grammar.csv_rows import ColumnMap, HeaderError, RowError, is_blank, map_headers, read_row
from bot.rules.erasure import ASKED_NOT_TO_BE_CALLED
from bot.rules.prospects import describe_duplicate
from storage.privacy import SuppressionList
from storage.prospects import ImportCandidate, ProspectImport, workspace_rules

BATCH = 500
"""Rows per insert and per commit: big enough that 10,000 rows are 20 statements, small
enough that the progress bar moves and other requests get the database between batches."""

_DELIMITERS = ",;\t"
_SNIFFED_BYTES = 64 * 1024


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
    """A CSV that reads from end to end: its header, its column map, how many rows that are
    not blank follow the header, and `rows()`, which streams those, numbered, on each call."""

    headers: list[str]
    columns: ColumnMap
    delimiter: str
    total: int
    rows: Callable[[], Iterator[tuple[int, list[str]]]]


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
    """Raises UnreadableFile for a file that is missing or unreadable, or as `check_export`."""
    try:
        with path.open("rb") as stream:
            export = check_export(stream, str(path))
    except FileNotFoundError:
        raise UnreadableFile(f"There is no file at {path}.") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path} is a folder, not a CSV file.") from None
    except OSError as problem:
        raise UnreadableFile(f"I can't read {path}: {problem.strerror}.") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        with path.open("rb") as stream:
            yield from _data_rows(stream, export.delimiter)

    return ExportFile(export.headers, export.columns, export.delimiter, export.total, rows)


def check_export(stream: BinaryIO, name: str, max_rows: int | None = None) -> ExportFile:
    """Read a CSV (off disk, or downloaded from Slack into a seekable file) from end to end
    without keeping it; `rows()` then reads `stream` again from the start.

    Raises UnreadableFile, naming the file as `name`, when it is not UTF-8 text, is not CSV,
    has no name column or has more than `max_rows` rows after the header. Rows are numbered
    as a spreadsheet shows them (the header is row 1), so the report points at the row the
    rep will open. Blank rows are passed over.
    """
    stream.seek(0)
    delimiter = _sniff_delimiter(stream, name)
    total = 0
    with _records(stream, delimiter, name) as records:
        headers = next(records, None)
        if headers is None:
            raise UnreadableFile(f"{name} is empty: it needs a header row and then prospects.")
        try:
            columns = map_headers(headers)
        except HeaderError as problem:
            raise UnreadableFile(problem.message) from None
        for read, values in enumerate(records, start=1):
            if max_rows is not None and read > max_rows:
                raise UnreadableFile(
                    f"{name} has more than {max_rows:,} rows, the most I import from one file."
                    " Split it, or ask an admin to run `phonetag import` with it."
                )
            total += not is_blank(values)

    def rows() -> Iterator[tuple[int, list[str]]]:
        stream.seek(0)
        yield from _data_rows(stream, delimiter)

    return ExportFile(headers, columns, delimiter, total, rows)


def _sniff_delimiter(stream: BinaryIO, name: str) -> str:
    """Whichever of comma, semicolon or tab the header line holds most of."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        start = decoder.decode(stream.read(_SNIFFED_BYTES))
    except UnicodeDecodeError as problem:
        raise _not_utf8(name, problem.start) from None
    stream.seek(0)
    first_line = start.split("\n", 1)[0]
    return max(_DELIMITERS, key=first_line.count)


@contextmanager
def _records(stream: BinaryIO, delimiter: str, name: str) -> Iterator[Iterator[list[str]]]:
    """csv.reader over `stream`, turning its errors into UnreadableFile and leaving `stream`
    open for the next pass."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        yield reader
    except UnicodeDecodeError:
        raise UnreadableFile(
            f"{name} is not UTF-8 text (from about row {reader.line_num + 1})."
            " Save it as “CSV UTF-8”."
        ) from None
    except csv.Error as problem:
        raise UnreadableFile(
            f"{name} is not a CSV file I can read (row {reader.line_num}: {problem})."
        ) from None
    finally:
        text.detach()


def _data_rows(stream: BinaryIO, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        records = csv.reader(text, delimiter=delimiter)
        next(records, None)
        for number, values in enumerate(records, start=2):
            if not is_blank(values):
                yield number, values
    finally:
        text.detach()


def _not_utf8(name: str, at: int) -> UnreadableFile:
    return UnreadableFile(f"{name} is not UTF-8 text (byte {at}). Save it as “CSV UTF-8”.")


def run_import(
    session_factory: sessionmaker[Session],
    export: ExportFile,
    team_id: str,
    owner_id: str,
    now: datetime,
    progress: Callable[[int], None] = lambda rows: None,
    *,
    suppression_key: bytes,
) -> ImportReport:
    """Import `export`'s rows for the rep, a batch per transaction; `progress` hears how many
    rows each batch took. A row with the number or email of someone erased after asking not
    to be called (`suppression_key`: storage.privacy) is refused with that reason.

    Raises what the database raises when it stops answering: the batches before are in,
    and importing the file again adds the rest.
    """
    report = ImportReport()
    importer: ProspectImport | None = None
    with session_factory() as session:
        currency = workspace_rules(session, team_id).currency
        suppressions = SuppressionList.load(session, team_id, suppression_key)
    rows = export.rows()
    while batch := _next_batch(rows):
        values_by_row = dict(batch)
        candidates = []
        for number, values in batch:
            try:
                fields = read_row(values, export.columns, currency)
                if suppressions.refuses((fields.phone, fields.cell), fields.email):
                    raise RowError(ASKED_NOT_TO_BE_CALLED)
                candidates.append(ImportCandidate(number, fields))
            except RowError as problem:
                report.skipped.append(SkippedRow(number, "error", problem.message, values))
        with session_factory.begin() as session:
            if importer is None:
                importer = ProspectImport(session, team_id, owner_id, now)
            outcome = importer.add_batch(session, candidates)
        for number, duplicate in outcome.duplicates:
            reason = describe_duplicate(duplicate)
            report.skipped.append(SkippedRow(number, "duplicate", reason, values_by_row[number]))
        for number, reason in outcome.refused:
            report.skipped.append(SkippedRow(number, "error", reason, values_by_row[number]))
        report.imported += outcome.inserted
        progress(len(batch))
    report.skipped.sort(key=lambda skipped: skipped.row)
    return report


def _next_batch(rows: Iterator[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    return [row for _, row in zip(range(BATCH), rows, strict=False)]


def write_report(path: Path, headers: Sequence[str], skipped: Sequence[SkippedRow]) -> None:
    path.write_text(report_csv(headers, skipped), encoding="utf-8", newline="")


def report_csv(headers: Sequence[str], skipped: Sequence[SkippedRow]) -> str:
    """One line per row not imported: its number, why, then the row as it was in the file.

    The report is opened in a spreadsheet, where a cell starting with `=`, `+`, `-` or `@`
    runs as a formula (`=HYPERLINK(…)` sends a click anywhere): defusedcsv quotes those
    with a leading apostrophe, and cells starting with a tab or carriage return get one too.
    """
    out = io.StringIO(newline="")
    writer = defused_csv.writer(out)
    writer.writerow(["row", "skipped", "reason", *map(_inert, headers)])
    for row in skipped:
        writer.writerow([row.row, row.kind, _inert(row.reason), *map(_inert, row.values)])
    return out.getvalue()


def _inert(cell: str) -> str:
    """defusedcsv leaves cells starting with a tab or CR alone; spreadsheets don't."""
    return f"'{cell}" if cell[:1] in ("\t", "\r") else cell


def default_report_path(source: Path) -> Path:
    """leads.csv -> leads.errors.csv, beside it, where the rep will look."""
    return source.with_name(f"{source.stem}.errors.csv")
