"""What every fuzzed request is checked against, and the workspace the fuzzing runs in.

One SQLite workspace per test module, seeded with prospects and calls of the acting rep, of
another rep and of another workspace, so fuzzed ids hit owned, foreign and missing rows.
Each request is observed as Slack would see it: the HTTP reply, every call the app made to
Slack's Web API and response_urls, any error that reached the central handler, and whether
the database changed at all.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot import ids
from bot.runtime.app import SOMETHING_WENT_WRONG
from bot.runtime.slack_standin import RESPONSE_URL, RecordedCall
from storage.models import Base, CallLogRow, ProspectRow
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.slack import Reply, SlackHarness

# Stable in CI: the same examples every run, no example database between runs.
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TRACEBACK = "Traceback (most recent call last)"

# Who acts: the seeded owner, a teammate, the same user id in another workspace, and an
# org-wide install's payload that names no `team`.
OWNER = ("U1", "T1")
ACTORS = [OWNER, ("U2", "T1"), ("U1", "T2"), ("U9", "T9")]

# Text that has broken parsers elsewhere: quotes of every kind, Slack's escapes and
# mentions, digits that are digits only to Unicode, numbers no column holds.
NASTY = [
    "",
    " ",
    "\n",
    "\t",
    '"',
    "'",
    "“",
    "”",
    "\\",
    ":",
    "0",
    "-1",
    "²",
    "١٢",
    "𝟗",
    "99999999999999999999",
    "9" * 40,
    "1e309",
    "NaN",
    "<!channel>",
    "<@U2>",
    "<#C123|sales>",
    "<mailto:a@b.co|a@b.co>",
    "&amp;",
    "\x00",
    "\u202e",
    "😀",
    "x" * 300,
]
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))


ROLES = ("own_prospects", "other_prospects", "own_calls", "other_calls")
# A seeded row's id, written as a placeholder the workspace fills in when the request is
# sent: the rows change as accepted fuzz deletes and re-adds them, and hypothesis needs
# the same draws to mean the same thing every time.
_SEEDED_ID = re.compile(r"«(?P<role>[a-z_]+)#(?P<index>\d+)»")


def _seeded(roles: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda role, index: f"«{role}#{index}»", st.sampled_from(roles), st.integers(0, 9)
    )


SEEDED_ID = _seeded(ROLES)
OWN_ROW = _seeded(("own_prospects", "own_calls"))

# What a button value or private_metadata may carry in place of an id.
IDS_LIKE = st.one_of(
    SEEDED_ID,
    st.sampled_from(NASTY),
    st.integers(min_value=-5, max_value=60).map(str),
    st.integers(min_value=2**31 - 2, max_value=2**80).map(str),
    st.text(alphabet="0123456789²³¹٠١٢३४𝟗 -+", max_size=25),
    st.text(max_size=12),
)


@dataclass
class Seeded:
    """Ids as strings, the way they travel through Slack."""

    own_prospects: list[str]
    other_prospects: list[str]
    own_calls: list[str]
    other_calls: list[str]


# (actor, prospect name, command that brings them back): a call each, one without calls.
SEEDS = [
    (OWNER, "jane doe", ids.LOGCALL, '"Jane Doe" vm phone:+1 312 555 0100 value:$12k left msg'),
    (OWNER, "raj patel", ids.LOGCALL, '"Raj Patel" inbound phone:+1 646 555 0199 pricing'),
    (OWNER, "bob roe", ids.PROSPECT, 'add "Bob Roe" email:bob@acme.com company:Acme tz:CT'),
    (("U2", "T1"), "teammate lead", ids.LOGCALL, '"Teammate Lead" vm phone:+1 415 555 0133'),
    (("U1", "T2"), "other workspace", ids.LOGCALL, '"Other Workspace" connected'),
]


Snapshot = dict[str, list[tuple[object, ...]]]
"""Every table's rows, by table name."""


@dataclass
class Observed:
    """One request as Slack saw it."""

    reply: Reply
    calls: list[RecordedCall]
    errors: list[logging.LogRecord]
    before: Snapshot
    after: Snapshot

    @property
    def wrote(self) -> bool:
        return self.after != self.before

    def touched_outside(self, team: str) -> list[str]:
        """Tables where a row of a workspace other than `team` appeared, changed or went:
        what an accepted action must never do, whoever sent it."""
        return [
            table
            for table in self.before
            if _rows_outside(self.before, table, team) != _rows_outside(self.after, table, team)
        ]

    def posted_texts(self) -> list[str]:
        return [json.dumps(call.args, ensure_ascii=False, default=repr) for call in self.calls]

    @property
    def response_urls(self) -> list[dict[str, Any]]:
        return [call.args for call in self.calls if call.method == RESPONSE_URL]

    def refused_in_a_message(self) -> bool:
        """A :warning: reply below the clicked message: a refusal, never with a write."""
        return any(":warning:" in json.dumps(message) for message in self.response_urls)

    def assert_handled(self) -> None:
        """Nothing escaped to the central error handler, and Slack would accept every reply."""
        assert self.reply.status == 200, self.reply
        assert not self.errors, [
            f"{record.getMessage()}: {record.exc_info[1]!r}" if record.exc_info else record.msg
            for record in self.errors
        ]
        for text in [self.reply.body, *self.posted_texts()]:
            assert SOMETHING_WENT_WRONG not in text
            assert TRACEBACK not in text
        for call in self.calls:
            if call.method == RESPONSE_URL:
                assert_valid_message(call.args)
            elif call.method in ("views.open", "views.publish", "views.update", "views.push"):
                assert_valid_view(call.args["view"])
            elif call.method == "chat.postMessage":
                assert_valid_message(call.args)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class FuzzWorkspace:
    slack: SlackHarness
    seeded: Seeded = field(init=False)
    _errors: _Errors = field(default_factory=_Errors)
    _views: Iterator[int] = field(default_factory=lambda: iter(range(10**9)))

    def __post_init__(self) -> None:
        logging.getLogger().addHandler(self._errors)
        self.reseed()

    def close(self) -> None:
        logging.getLogger().removeHandler(self._errors)

    def reseed(self) -> None:
        """Bring back whatever accepted fuzz deleted, so ids keep pointing at real rows."""
        with self.slack.session_factory() as session:
            present = set(
                session.execute(
                    select(ProspectRow.owner_id, ProspectRow.team_id, ProspectRow.name_key)
                ).all()
            )
        for (user, team), name, command, text in SEEDS:
            if (user, team, name) not in present:
                self.slack.command(command, text, user=user, team=team)
        with self.slack.session_factory() as session:
            prospects = session.execute(
                select(ProspectRow.id, ProspectRow.owner_id, ProspectRow.team_id)
            ).all()
            calls = session.execute(
                select(CallLogRow.id, CallLogRow.rep_user_id, CallLogRow.team_id)
            ).all()
        self.seeded = Seeded(
            own_prospects=[str(p) for p, *actor in prospects if tuple(actor) == OWNER],
            other_prospects=[str(p) for p, *actor in prospects if tuple(actor) != OWNER],
            own_calls=[str(c) for c, *actor in calls if tuple(actor) == OWNER],
            other_calls=[str(c) for c, *actor in calls if tuple(actor) != OWNER],
        )

    def resolve(self, payload: Any) -> Any:
        """The payload with every seeded-id placeholder replaced by that row's id now."""
        if isinstance(payload, dict):
            return {key: self.resolve(value) for key, value in payload.items()}
        if isinstance(payload, list):
            return [self.resolve(value) for value in payload]
        if isinstance(payload, str):
            return _SEEDED_ID.sub(self._seeded_id, payload)
        return payload

    def _seeded_id(self, match: re.Match[str]) -> str:
        rows: list[str] = getattr(self.seeded, match["role"])
        return rows[int(match["index"]) % len(rows)] if rows else "0"

    def next_view_id(self) -> str:
        return f"VFUZZ{next(self._views)}"

    def snapshot(self) -> Snapshot:
        """Every row, less each request's claim on its own signature (the replay guard's
        bookkeeping, written for good requests and bad alike)."""
        with self.slack.session_factory() as session:
            return {
                table.name: sorted(
                    (
                        tuple(row)
                        for row in session.execute(select(table)).all()
                        if not str(row[0]).startswith("sig:")
                    ),
                    key=repr,
                )
                for table in Base.metadata.sorted_tables
            }

    def interact(self, payload: dict[str, Any]) -> Observed:
        """A click, submission or type-ahead, seeded ids filled in, as Slack would send it."""
        resolved = self.resolve(payload)
        return self.observe(lambda: self.slack.interaction(resolved))

    def observe(self, send: Any) -> Observed:
        """Run `send()` (one request) and record everything it caused."""
        self.slack.standin.clear()
        self._errors.records.clear()
        before = self.snapshot()
        reply = send()
        calls = list(self.slack.standin.calls)
        return Observed(reply, calls, list(self._errors.records), before, self.snapshot())


def _rows_outside(snapshot: Snapshot, table: str, team: str) -> list[tuple[object, ...]]:
    """The table's rows that belong to another workspace (every table with a team_id)."""
    columns = Base.metadata.tables[table].columns
    if "team_id" not in columns:
        return []
    at = list(columns.keys()).index("team_id")
    return [row for row in snapshot[table] if row[at] != team]


def who(user: str, team: str) -> dict[str, Any]:
    """The acting user as an interaction payload names them; T9 plays an org-wide install."""
    actor: dict[str, Any] = {
        "user": {"id": user, "team_id": team, "username": user.lower(), "name": user.lower()},
        "api_app_id": "A0PHONETAG",
        "token": "unused",
    }
    actor["team"] = None if team == "T9" else {"id": team, "domain": "phonetag"}
    return actor
