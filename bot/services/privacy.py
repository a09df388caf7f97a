"""A workspace's data out (`phonetag export`, an admin's `/prospect export`) and an
uninstalled workspace forgotten after its grace period (a minute tick).

The export is one JSON object: `{"format", "team_id", "exported_at", "tables": {name: [row,
…]}}`, every table of ours that holds the workspace's rows, written row by row as the
database streams them, so memory stays flat however big the workspace is.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.services.oauth import NotInstalledError
from bot.services.slack_delivery import ClientForTeam
from storage import privacy

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "phonetag-export/1"

GONE = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked"})
"""auth.test errors meaning the app is not installed there: anything else (Slack down, rate
limits) leaves the workspace for the next tick."""


def count_rows(session_factory: sessionmaker[Session], team_id: str) -> int:
    with session_factory() as session:
        return sum(privacy.count_team_rows(session, team_id).values())


def write_export(
    session_factory: sessionmaker[Session],
    team_id: str,
    out: IO[str],
    now: datetime,
    progress: Callable[[int], None] = lambda rows: None,
) -> int:
    """Write the workspace's export to `out`, a page per short transaction, so a big
    workspace never holds the database (or SQLite's one connection) for the whole export;
    returns the rows written. `progress` hears each page's rows. A row changed while the
    export runs is in it as it was when its page was read."""
    written = 0
    head = {"format": EXPORT_FORMAT, "team_id": team_id, "exported_at": now.isoformat()}
    out.write(json.dumps(head)[:-1] + ', "tables": {')
    for number, table in enumerate(privacy.team_tables()):
        out.write(("," if number else "") + f"\n{json.dumps(table.name)}: [")
        after = None
        first = True
        while True:
            with session_factory() as session:
                page = privacy.export_page(session, team_id, table, after)
            for row in page.rows:
                out.write(("" if first else ",") + "\n" + json.dumps(row, ensure_ascii=False))
                first = False
            written += len(page.rows)
            progress(len(page.rows))
            if page.after is None:
                break
            after = page.after
        out.write("]")
    out.write("\n}}\n")
    return written


def send_export(
    session_factory: sessionmaker[Session],
    client: WebClient,
    team_id: str,
    user_id: str,
    now: datetime,
) -> None:
    """An admin's `/prospect export`, behind the ack: spooled to a temporary file (never held
    whole in memory, deleted once sent), then uploaded into their DM with files_upload_v2.
    When Slack refuses the upload the admin is told in the DM, and the file is gone."""
    with tempfile.NamedTemporaryFile("w+", encoding="utf-8", suffix=".json") as spool:
        rows = write_export(session_factory, team_id, spool, now)
        spool.flush()
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        try:
            _upload(client, channel, spool.name, team_id, rows, now)
        except SlackApiError as error:
            logger.warning("export upload for %s failed: %s", team_id, error.response.get("error"))
            client.chat_postMessage(
                channel=channel,
                text=(
                    f":warning: Slack refused the export file ({error.response.get('error')})."
                    " Nothing was kept; run /prospect export again, or ask the operator for"
                    " `phonetag export`."
                ),
            )


def _upload(
    client: WebClient, channel: str, path: str, team_id: str, rows: int, now: datetime
) -> None:
    client.files_upload_v2(
        channel=channel,
        file=path,
        filename=f"phonetag-{team_id}-{now:%Y%m%d}.json",
        title=f"Phone Tag export of {team_id}",
        initial_comment=(
            f"Everything Phone Tag holds for this workspace: {rows} rows. Stored CRM"
            " credentials are left out. docs/privacy.md describes every field."
        ),
    )


@dataclass
class Forgotten:
    """What the forget tick did: team ids and counts only, never anything about people."""

    teams: dict[str, dict[str, int]] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)

    @property
    def acted(self) -> bool:
        return bool(self.teams or self.kept)

    def summary(self) -> str:
        parts = [
            f"forgot uninstalled workspace {team}: {json.dumps(counts, sort_keys=True)}"
            for team, counts in self.teams.items()
        ]
        parts += [f"workspace {team} is installed again: kept" for team in self.kept]
        return "; ".join(parts)


def forget_tick(
    grace: timedelta,
) -> Callable[[sessionmaker[Session], ClientForTeam, datetime], Forgotten]:
    """The minute tick that forgets workspaces uninstalled more than `grace` ago."""

    def tick(
        session_factory: sessionmaker[Session], client_for_team: ClientForTeam, now: datetime
    ) -> Forgotten:
        report = Forgotten()
        with session_factory() as session:
            due = privacy.uninstalled_before(session, now - grace)
        for team_id in due:
            installed = _installed(client_for_team, team_id)
            if installed is None:
                continue
            if installed:
                with session_factory.begin() as session:
                    privacy.keep_installed(session, team_id)
                report.kept.append(team_id)
                continue
            report.teams[team_id] = forget_workspace(session_factory, team_id)
        return report

    return tick


def forget_workspace(session_factory: sessionmaker[Session], team_id: str) -> dict[str, int]:
    """Delete everything the workspace has, a batch per transaction; rows by table."""
    total: dict[str, int] = {}
    while True:
        with session_factory.begin() as session:
            table, count = privacy.forget_batch(session, team_id)
        total[table] = total.get(table, 0) + count
        if table == "workspaces":
            return total


def _installed(client_for_team: ClientForTeam, team_id: str) -> bool | None:
    """Whether the app is installed in the workspace again; None when Slack could not say."""
    try:
        client = client_for_team(team_id)
    except NotInstalledError:
        return False
    try:
        client.auth_test()
    except SlackApiError as error:
        if error.response.get("error") in GONE:
            return False
        logger.info("auth.test for %s failed: %s", team_id, error.response.get("error"))
        return None
    return True
