"""Text the database will store, through the real app on SQLite and PostgreSQL.

PostgreSQL refuses a NUL byte SQLite takes, so a NUL in a name, note, company or fact was
"something went wrong" on one database and saved on the other. Now every command, form and
import row refuses it with the place it is, on both, and writes nothing. Names whose casefold
is longer than themselves (`ß` is `ss`) are stored and matched on both.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot import ids
from bot.blocks.logcall import NOTES
from bot.grammar import logcall as logcall_grammar
from storage.models import CallLogRow, ProspectRow, RepFactRow, RepRow
from tests.handlers.interactions import count, logcall_values, submit, views
from tests.handlers.test_file_import import said, share
from tests.slack import SlackHarness


@pytest.mark.parametrize(
    ("command", "text"),
    [
        (ids.LOGCALL, "Jane\x00 Doe vm"),
        (ids.LOGCALL, "Jane Doe vm left a message\x00"),
        (ids.LOGCALL, 'Jane Doe vm company:"Acme\x00"'),
        (ids.PROSPECT, "add Jane Doe note:nul\x00here"),
        (ids.VMSCRIPT, 'profile company:"Acme\x00"'),
        (ids.VMSCRIPT, "facts add we are fast\x00"),
    ],
)
def test_a_nul_is_refused_and_nothing_is_written(
    slack: SlackHarness, command: str, text: str
) -> None:
    reply = slack.command(command, text)
    assert reply.status == 200
    assert "character (U+" in reply.text and "Nothing was saved" in reply.text
    for table in (ProspectRow, CallLogRow, RepRow, RepFactRow):
        assert count(slack, table) == 0


def test_a_value_the_checks_miss_is_told_apart_from_an_outage(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were a NUL to slip past the grammar, PostgreSQL's refusal is not called an outage:
    retrying the same text would fail the same way."""
    if slack.engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores a NUL")
    monkeypatch.setattr(logcall_grammar, "unstorable_text", lambda text, what: None)
    reply = slack.command(ids.LOGCALL, "Jane\x00 Doe vm")
    assert "database refused part of that text" in reply.text
    assert "not answering" not in reply.text
    assert count(slack, ProspectRow) == 0 and count(slack, CallLogRow) == 0


def test_names_that_grow_when_casefolded_are_stored_and_matched(slack: SlackHarness) -> None:
    # 120 characters that casefold to 240 ("ß" → "ss") and to 360 ("ΐ" → three).
    for name in ("ß" * 120, "ΐ" * 120):
        assert "New prospect added" in slack.command(ids.LOGCALL, f"{name} vm").text
    # Capital sharp s casefolds to "ss" too: the same name, as matching reads it.
    again = slack.command(ids.LOGCALL, f"{'ẞ' * 120} vm")
    assert "New prospect added" not in again.text
    with slack.session_factory() as session:
        keys = sorted(len(key) for key in session.scalars(select(ProspectRow.name_key)))
    assert keys == [240, 360]
    assert count(slack, CallLogRow) == 3


def test_a_form_field_with_a_nul_is_answered_in_the_form(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, "")
    (view,) = views(slack, "views.open")
    values = logcall_values(prospect="new:Jane Doe", outcome="voicemail", notes="left\x00 msg")
    reply = submit(slack, view, values)
    assert reply.json["response_action"] == "errors"
    assert "U+0000" in reply.json["errors"][NOTES]  # type: ignore[index]
    assert count(slack, ProspectRow) == 0 and count(slack, CallLogRow) == 0

    # JSON carries half a surrogate pair as "\ud800"; no database encodes it.
    named = submit(slack, view, logcall_values(prospect="new:Jane\ud800", outcome="voicemail"))
    assert "broken character (U+D800)" in named.json["errors"]["prospect"]  # type: ignore[index]
    assert count(slack, ProspectRow) == 0


def test_the_edit_form_refuses_a_nul_in_any_field(slack: SlackHarness) -> None:
    slack.command(ids.PROSPECT, "add Jane Doe company:Acme")
    slack.command(ids.PROSPECT, "edit Jane Doe")
    (view,) = views(slack, "views.open")
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        element = block["element"]
        if element["type"] == "plain_text_input":
            typed = (
                "Acme\x00 Corp" if block["block_id"] == "company" else element.get("initial_value")
            )
            values[block["block_id"]] = {element["action_id"]: {"value": typed}}
        else:
            values[block["block_id"]] = {
                element["action_id"]: {"selected_option": element["initial_option"]}
            }
    reply = submit(slack, view, values)
    assert "U+0000" in reply.json["errors"]["company"]  # type: ignore[index]
    with slack.session_factory() as session:
        assert session.scalars(select(ProspectRow.company)).one() == "Acme"


def test_an_import_row_with_a_nul_is_reported_and_the_good_rows_go_in(
    slack: SlackHarness,
) -> None:
    rows = [f"Prospect {i},+1 312 555 {i:04d}" for i in range(50)]
    rows.insert(25, "Bad\x00 Row,+1 312 555 9999")
    share(slack, "leads.csv", ("Name,Phone\n" + "\n".join(rows) + "\n").encode())
    assert "Imported 50 prospects" in said(slack)
    assert "1 with errors" in said(slack)
    with slack.session_factory() as session:
        names = set(session.scalars(select(ProspectRow.name)))
    assert len(names) == 50 and not any("Bad" in name for name in names)


def test_slacks_escaping_is_undone_so_a_typed_name_matches_the_imported_one(
    slack: SlackHarness,
) -> None:
    share(slack, "leads.csv", b"Name,Email\nTom & Jerry,tom@cartoons.example\n")
    # Slack sends what the rep typed with `&` escaped, and the email as a mailto link.
    reply = slack.command(
        ids.LOGCALL, "Tom &amp; Jerry vm email:<mailto:tom@cartoons.example|tom@cartoons.example>"
    )
    assert "New prospect added" not in reply.text
    assert "Tom &amp; Jerry" in reply.text  # escaped once on the way out, not twice
    with slack.session_factory() as session:
        (prospect,) = session.scalars(select(ProspectRow)).all()
        (call,) = session.scalars(select(CallLogRow)).all()
    assert prospect.name == "Tom & Jerry" and call.prospect_id == prospect.id
