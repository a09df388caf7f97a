"""A CRM export shared in the rep's DM with Phone Tag, imported as `phonetag import` imports
it: every row imported, skipped as a duplicate, or listed in a report posted back as a file.

Runs behind the event's ack: Slack wants events answered in 3 seconds and a big export takes
longer to fetch and import.
"""

from __future__ import annotations

import http.client
import urllib.request
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks.mrkdwn import escape
from bot.services.prospect_import import (
    ImportReport,
    UnreadableFile,
    parse_export,
    report_csv,
    run_import,
)
from bot.services.weekly_delivery import UPLOAD_FAILURES, failure_reason

if TYPE_CHECKING:
    from bot.services.context import Services

MAX_BYTES = 20 * 1024 * 1024
"""About 100,000 rows of a CRM export; a bigger file belongs on `phonetag import`."""
DOWNLOAD_SECONDS = 60
DOWNLOAD_FAILURES = (OSError, http.client.HTTPException)
"""urllib's HTTPError and URLError, a timeout, a dropped connection."""


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
    refusal = _refusal(info, name)
    if refusal is not None:
        client.chat_postMessage(channel=channel, text=refusal)
        return
    working = client.chat_postMessage(
        channel=channel, text=f":inbox_tray: Importing *{escape(name)}*…"
    )

    def say(text: str) -> None:
        client.chat_update(channel=working["channel"], ts=working["ts"], text=text)

    try:
        export = parse_export(_download(str(info["url_private_download"]), client.token), name)
    except UnreadableFile as problem:
        say(f":warning: Nothing was imported. {escape(problem.message)}")
        return
    except DOWNLOAD_FAILURES as failed:
        say(f":warning: Slack didn't hand me the file ({failure_reason(failed)}). Share it again?")
        return
    try:
        report = run_import(services.session_factory, export, team_id, user_id, services.clock())
    except SQLAlchemyError:
        say(
            ":warning: Our database is not answering, so nothing was imported."
            " Please share the file again in a minute."
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


def _refusal(info: dict[str, Any], name: str) -> str | None:
    if info.get("filetype") != "csv" and not name.casefold().endswith(".csv"):
        return (
            f"To import prospects, share a CSV export from your CRM here; *{escape(name)}*"
            " isn't one. Save the sheet as “CSV UTF-8” and drop it in this chat."
        )
    if int(info.get("size") or 0) > MAX_BYTES:
        return (
            f"*{escape(name)}* is over {MAX_BYTES // 1024 // 1024} MB. Split it, or ask an admin"
            " to run `phonetag import` with it."
        )
    return None


def _download(url: str, token: str | None) -> bytes:
    """Slack's private file URLs want the bot token as a bearer header."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=DOWNLOAD_SECONDS) as response:
        data: bytes = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UnreadableFile(f"It is over {MAX_BYTES // 1024 // 1024} MB.")
    return data
