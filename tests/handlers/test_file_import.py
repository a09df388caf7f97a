"""A CRM export shared in the DM with Phone Tag: imported for the rep who shared it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from bot.runtime.slack_standin import FILE_DOWNLOAD, UPLOAD_URL, SlackStandIn
from bot.services.file_download import DownloadPolicy
from bot.services.prospect_import import BATCH
from storage.models import ProspectRow
from storage.prospects import ProspectImport
from tests.handlers.interactions import count
from tests.slack import Clock, SlackHarness

EXPORT = (
    "First Name,Last Name,Company,Phone,Email,Lead Source\n"
    "Jane,Doe,Acme,+1 212 555 0143,jane@acme.example,Webinar\n"
    "Raj,Patel,Globex,(312) 555-0188,raj@globex.example,\n"
    "Bad,Phone,Initech,555,,\n"
    "Jane,Doe,Acme,212-555-0143,,\n"
)


def share(
    slack: SlackHarness,
    name: str,
    content: bytes,
    *,
    user: str = "U1",
    team: str = "T1",
    channel_type: str = "im",
    described: dict[str, Any] | None = None,
    **extra: Any,
) -> None:
    """`described` changes what files.info says of the file; `extra` goes into the event."""
    shared = slack.standin.share_file(name, content, **(described or {}))
    event = {
        "type": "message",
        "subtype": "file_share",
        "user": user,
        "channel": f"D{user}",
        "channel_type": channel_type,
        "text": "",
        "ts": f"{len(slack.standin.calls) + 1}.000100",
        "files": [{"id": shared["id"], "name": name}],
        **extra,
    }
    assert slack.event(event, team=team).status == 200


def said(slack: SlackHarness) -> str:
    """The DM's last word: the "Importing…" message as last updated, or the last post."""
    calls = slack.standin.calls_to("chat.update") or slack.standin.calls_to("chat.postMessage")
    return str(calls[-1].args["text"])


def test_a_csv_shared_in_the_dm_becomes_the_reps_prospects_with_a_report(
    slack: SlackHarness,
) -> None:
    share(slack, "leads.csv", EXPORT.encode())
    with slack.session_factory() as session:
        rows = session.scalars(select(ProspectRow).order_by(ProspectRow.name)).all()
    assert [(r.team_id, r.owner_id, r.name, r.phone) for r in rows] == [
        ("T1", "U1", "Jane Doe", "+12125550143"),
        ("T1", "U1", "Raj Patel", "+13125550188"),
    ]
    assert [r.tz for r in rows] == ["America/New_York", "America/Chicago"]
    assert "Imported 2 prospects from *leads.csv*" in said(slack)
    assert "Skipped 1 already in your prospects and 1 with errors" in said(slack)
    assert "Lead Source" in said(slack)  # a column we don't use is named, not silently lost
    (complete,) = slack.standin.calls_to("files.completeUploadExternal")
    assert complete.args["channel_id"] == "DU1"
    (upload,) = slack.standin.calls_to(UPLOAD_URL)
    report = list(csv.reader(io.StringIO(upload.args["data"].decode())))
    assert [(row[0], row[1]) for row in report[1:]] == [("4", "error"), ("5", "duplicate")]
    assert "555" in report[1][2]
    # The file was fetched with the bot's token, as Slack's private URLs require.
    (download,) = slack.standin.calls_to(FILE_DOWNLOAD)
    assert download.token


def test_sharing_the_same_file_again_adds_nothing(slack: SlackHarness) -> None:
    share(slack, "leads.csv", EXPORT.encode())
    share(slack, "leads.csv", EXPORT.encode())
    assert count(slack, ProspectRow) == 2
    assert "Imported 0 prospects" in said(slack)


def test_a_file_that_is_not_a_csv_is_refused_and_nothing_is_read(slack: SlackHarness) -> None:
    share(slack, "deck.pdf", b"%PDF-1.7 not a spreadsheet")
    assert "share a CSV export from your CRM" in said(slack) and "*deck.pdf*" in said(slack)
    assert slack.standin.calls_to(FILE_DOWNLOAD) == []
    assert count(slack, ProspectRow) == 0


def test_a_csv_without_a_name_column_is_explained(slack: SlackHarness) -> None:
    share(slack, "numbers.csv", b"Phone,Email\n+1 212 555 0143,a@b.example\n")
    assert said(slack).startswith(":warning: Nothing was imported.")
    assert "name" in said(slack).lower()
    assert count(slack, ProspectRow) == 0


def test_a_file_that_is_not_utf8_says_how_to_save_it(slack: SlackHarness) -> None:
    share(slack, "latin.csv", "Name,Phone\nJosé Núñez,+1 212 555 0143\n".encode("latin-1"))
    assert "Save it as “CSV UTF-8”" in said(slack)
    assert count(slack, ProspectRow) == 0


def test_a_file_too_big_for_slack_import_points_to_the_command_line(
    engine: Engine, standin: SlackStandIn, clock: Clock
) -> None:
    standin.clear()
    policy = DownloadPolicy(allowed_url=standin.files_url, max_bytes=100)
    slack = SlackHarness(engine, standin, clock, downloads=policy)
    share(slack, "huge.csv", EXPORT.encode())
    assert "`phonetag import`" in said(slack)
    assert slack.standin.calls_to(FILE_DOWNLOAD) == []
    assert count(slack, ProspectRow) == 0


def test_user_text_in_a_file_name_is_escaped(slack: SlackHarness) -> None:
    share(slack, "<!channel>.pdf", b"x")
    assert "<!channel>" not in said(slack) and "&lt;!channel&gt;" in said(slack)


def test_files_in_channels_and_from_bots_are_left_alone(slack: SlackHarness) -> None:
    share(slack, "leads.csv", EXPORT.encode(), channel_type="channel")
    share(slack, "leads.csv", EXPORT.encode(), bot_id="B0OTHER")
    # Our own report, shared back into the DM, must not be imported in turn.
    share(slack, "leads.errors.csv", EXPORT.encode(), user=slack.standin.bot_user_id)
    assert slack.standin.calls_to("chat.postMessage") == []
    assert count(slack, ProspectRow) == 0


def test_a_file_slack_will_not_describe_gets_a_retry_hint(slack: SlackHarness) -> None:
    slack.standin.fail_next("files.info", error="file_not_found", status=200)
    share(slack, "leads.csv", EXPORT.encode())
    assert "couldn't open that file (file_not_found)" in said(slack)
    assert count(slack, ProspectRow) == 0


def test_an_outage_mid_import_says_so_and_sharing_again_finishes_it(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "".join(f"Prospect {i:03d},+1 312 555 {i:04d}\n" for i in range(BATCH + 100))
    export = f"Name,Phone\n{rows}".encode()
    add_batch = ProspectImport.add_batch
    batches: list[int] = []

    def failing_second_batch(self: ProspectImport, *args: Any) -> Any:
        batches.append(1)
        if len(batches) == 2:
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        return add_batch(self, *args)

    monkeypatch.setattr(ProspectImport, "add_batch", failing_second_batch)
    share(slack, "leads.csv", export)
    assert "database stopped answering" in said(slack) and "Share the file again" in said(slack)
    assert count(slack, ProspectRow) == BATCH  # the first batch was committed

    monkeypatch.setattr(ProspectImport, "add_batch", add_batch)
    share(slack, "leads.csv", export)
    assert "Imported 100 prospects" in said(slack)
    assert f"Skipped {BATCH:,} already in your prospects" in said(slack)
    assert count(slack, ProspectRow) == BATCH + 100
