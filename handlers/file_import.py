"""A CRM export shared in the rep's DM with Phone Tag, imported as `phonetag import` imports
it: every row imported, skipped as a duplicate, or listed in a report posted back as a file.

Runs behind the event's ack, on its workspace's queue: Slack wants events answered in 3
seconds and a big export takes longer to fetch and import. The file is fetched only from
Slack's file host (see `file_download`), checked whole before a row is written, and capped
at MAX_ROWS rows.
"""

from __future__ import annotations

import tempfile
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks.mrkdwn import escape
from bot.services.file_download import DOWNLOAD_FAILURES, DownloadPolicy, DownloadRefused, download
from bot.services.prospect_import import (
    ImportReport,
    UnreadableFile,
    check_export,
    report_csv,
    run_import,
)
from bot.services.weekly_delivery import UPLOAD_FAILURES, failure_reason

if TYPE_CHECKING:
    from bot.services.context import Services

MAX_ROWS = 50_000
"""A quarter's worth of leads for a team; past it the import would hold its queue for minutes,
and `phonetag import` takes any size."""
_IN_MEMORY_BYTES = 1024 * 1024
"""A download bigger than this waits on disk, not in memory."""


def import_shared_file(
    services: Services, client: WebClient, team_id: str, user_id: str, channel: str, file_id: str
) -> None:
    """Import the file into the sharer's prospects and say in the DM how it went."""
    try:
        info: dict[str, Any] = client.files_info(file=file_id)["file"]
    except SlackApiError as error:
        reason = error.response.get("error")
        client.chat_postMessage(
            channel=channel, text=f":warning: I couldn't open that file ({reason}). Share it again?"
        )
        return
    name = str(info.get("name") or "the file")
    refusal = _refusal(info, name, services.downloads)
    if refusal is not None:
        client.chat_postMessage(channel=channel, text=refusal)
        return
    working = client.chat_postMessage(
        channel=channel, text=f":inbox_tray: Importing *{escape(name)}*…"
    )

    def say(text: str) -> None:
        client.chat_update(channel=working["channel"], ts=working["ts"], text=text)

    with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY_BYTES) as spool:
        try:
            download(str(info["url_private_download"]), client.token, services.downloads, spool)
            export = check_export(spool, name, MAX_ROWS)  # type: ignore[arg-type]
        except (DownloadRefused, UnreadableFile) as problem:
            say(f":warning: Nothing was imported. {escape(problem.message)}")
            return
        except DOWNLOAD_FAILURES as failed:
            say(
                f":warning: Slack didn't hand me the file ({failure_reason(failed)})."
                " Share it again?"
            )
            return
        try:
            report = run_import(
                services.session_factory,
                export,
                team_id,
                user_id,
                services.clock(),
                suppression_key=services.suppression_key,
            )
        except SQLAlchemyError:
            say(
                ":warning: Our database stopped answering, so the import stopped part way."
                " Share the file again in a minute: rows already imported are skipped, the"
                " rest go in."
            )
            return
    summary = import_summary(report, name, export.columns.ignored)
    say(summary)
    if report.skipped:
        stem = PurePosixPath(name).stem or "import"
        try:
            client.files_upload_v2(
                channel=channel,
                content=report_csv(export.headers, report.skipped).encode(),
                filename=f"{stem}.errors.csv",
                title=f"Rows of {name} not imported",
            )
        except UPLOAD_FAILURES as failed:
            say(
                summary + f"\n_The report of skipped rows didn't upload ({failure_reason(failed)});"
                " `phonetag import` on the same file writes it too._"
            )


def import_summary(report: ImportReport, name: str, ignored: tuple[str, ...]) -> str:
    lines = [
        f":white_check_mark: Imported {report.imported:,} "
        f"prospect{'' if report.imported == 1 else 's'} from *{escape(name)}*."
    ]
    if report.skipped:
        lines.append(
            f"Skipped {report.duplicates:,} already in your prospects and {report.errors:,}"
            " with errors: the report below lists each row and why."
        )
    if ignored:
        lines.append(f"_Columns I don't use: {escape(', '.join(ignored))}._")
    return "\n".join(lines)


def _refusal(info: dict[str, Any], name: str, policy: DownloadPolicy) -> str | None:
    if info.get("filetype") != "csv" and not name.casefold().endswith(".csv"):
        return (
            f"To import prospects, share a CSV export from your CRM here; *{escape(name)}*"
            " isn't one. Save the sheet as “CSV UTF-8” and drop it in this chat."
        )
    if not info.get("url_private_download"):
        return (
            f"Slack gave me no way to download *{escape(name)}*, so nothing was imported."
            " Upload the CSV file itself here (not a link to it) and I'll import it."
        )
    if int(info.get("size") or 0) > policy.max_bytes:
        return (
            f"*{escape(name)}* is over {policy.max_bytes // 1024 // 1024} MB. Split it, or ask"
            " an admin to run `phonetag import` with it."
        )
    return None
