"""One database, many workspaces: a second workspace holding a copy of the first's data, with
the same user ids, changes nothing any read of the first returns.

Slack user ids are unique per workspace only, so a query that filters by user and forgets the
team still finds the right rep in a test with one workspace. This copies everything the first
workspace has, row for row, into a second one with the same users, and compares every read
the commands, the digest, the weekly picture and the App Home make.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from bot import ids
from bot.rules.prospects import ListFilter
from storage import digest as digest_store
from storage import home as home_store
from storage import insights as insights_store
from storage import prospects as prospect_store
from storage import queries
from storage import scripts as script_store
from storage.models import Base, ProcessedEventRow
from tests.slack import SlackHarness

TEAM, COPY = "T1", "T2"
REPS = ("U1", "U2")
CHICAGO = ZoneInfo("America/Chicago")


def say(slack: SlackHarness, command: str, text: str, user: str) -> None:
    reply = slack.command(command, text, user=user)
    assert reply.status == 200 and ":warning:" not in reply.text, reply.text


def fill_first_workspace(slack: SlackHarness) -> None:
    """Last week and this week's calls, an owed call returned in time and one still open,
    drafts, facts, a profile, a snooze, settings: what a working team leaves behind."""
    start = slack.clock.now
    slack.clock.now = start - timedelta(days=7)
    for user in REPS:
        say(slack, ids.LOGCALL, "Jane Doe vm phone:+1 312 555 0100 value:$12k", user=user)
        say(slack, ids.LOGCALL, "Raj Patel noanswer phone:+1 415 555 0132", user=user)
    slack.clock.now = start
    for user in REPS:
        say(slack, ids.LOGCALL, "Jane Doe inbound called about the quote", user=user)
        slack.clock.now = start + timedelta(hours=1)
        say(slack, ids.LOGCALL, "Jane Doe connected returned her call", user=user)
        say(slack, ids.LOGCALL, "Raj Patel inbound left a message", user=user)
        say(slack, ids.LOGCALL, "Wu Chen meeting phone:+1 212 555 0143", user=user)
        say(slack, ids.LOGCALL, "Ana Ruiz dnc", user=user)
        say(slack, ids.PROSPECT, 'add Bo Kim phone:+1 303 555 0142 note:"from the expo"', user=user)
        say(slack, ids.PROSPECT, "snooze Bo Kim 1w", user=user)
        say(slack, ids.PROSPECT, "add Cy Young email:cy@young.example", user=user)
        say(slack, ids.VMSCRIPT, 'profile phone:312-555-0199 benefit:"more meetings"', user=user)
        say(slack, ids.VMSCRIPT, "facts add we cut no-shows 30%", user=user)
        say(slack, ids.VMSCRIPT, "Raj Patel", user=user)
        say(slack, ids.DIGEST, "time 8:15", user=user)
        slack.clock.now = start
    say(slack, ids.DIGEST, "weekly off", user="U2")
    slack.clock.now = start + timedelta(hours=2)


def copy_workspace(session: Session, source: str, target: str) -> None:
    """Every row of `source`, under `target` with the same user ids and new row ids."""
    new_ids: dict[str, dict[int, int]] = {}
    references = {"prospect_id": "prospects", "inbound_call_id": "call_logs"}
    for table in Base.metadata.sorted_tables:
        if "team_id" not in table.c:
            continue
        rows = session.execute(select(table).where(table.c.team_id == source)).mappings().all()
        new_ids[table.name] = {}
        for row in rows:
            values: dict[str, Any] = dict(row) | {"team_id": target}
            for column, parent in references.items():
                if values.get(column) is not None:
                    values[column] = new_ids[parent][values[column]]
            if table is ProcessedEventRow.__table__:
                values["event_id"] = f"{target}:{values['event_id']}"
            old_id = values.pop("id", None)
            inserted = session.execute(insert(table).values(values))
            if old_id is not None:
                new_ids[table.name][old_id] = inserted.inserted_primary_key[0]


def every_read(session: Session, slack: SlackHarness) -> dict[str, object]:
    now = slack.clock.now
    reads: dict[str, object] = {
        "digest_inputs": digest_store.digest_inputs(session, [(TEAM, u) for u in REPS], now),
        "digest_recipients": [
            r for r in digest_store.digest_recipients(session) if r.team_id == TEAM
        ],
        "weekly_recipients": [
            r for r in insights_store.weekly_recipients(session) if r.team_id == TEAM
        ],
        "week_reports": insights_store.week_reports(session, TEAM, now),
        "team_dials": insights_store.team_dials(session, TEAM, now - timedelta(days=30), now),
        "window_learning": insights_store.window_learning(session, TEAM),
        "rules": prospect_store.workspace_rules(session, TEAM),
    }
    for user in REPS:
        reads[f"{user} plan"] = digest_store.rep_digest_plan(session, TEAM, user, CHICAGO, now)
        reads[f"{user} home"] = home_store.home_reads(session, TEAM, user, CHICAGO, now)
        reads[f"{user} profile"] = script_store.rep_profile(session, TEAM, user)
        reads[f"{user} facts"] = script_store.list_facts(session, TEAM, user)
        reads[f"{user} rep"] = queries.rep_and_rules(session, TEAM, user)
        reads[f"{user} matching"] = [
            row.id for row in queries.prospects_matching(session, TEAM, user, "a", 20)
        ]
        for which in ListFilter:
            listing = prospect_store.list_prospects(session, TEAM, user, which, now, CHICAGO)
            reads[f"{user} list {which.value}"] = listing
        for name in ("Jane Doe", "Raj Patel", "Wu Chen", "Bo Kim"):
            row = prospect_store.prospect_by_name(session, TEAM, user, name)
            assert row is not None
            reads[f"{user} {name}"] = prospect_store.prospect_record(session, TEAM, row)
            reads[f"{user} {name} deleting"] = prospect_store.deletion_preview(session, TEAM, row)
            reads[f"{user} {name} history"] = queries.call_history(session, TEAM, row.id)
            reads[f"{user} {name} facts used"] = script_store.used_facts(
                session, TEAM, user, row.id
            )
            reads[f"{user} {name} found"] = queries.to_prospect(
                queries.find_prospect(session, TEAM, user, name, None)  # type: ignore[arg-type]
            )
    return reads


def test_a_copy_of_a_workspace_with_the_same_users_changes_no_read_of_the_first(
    slack: SlackHarness, engine: Engine
) -> None:
    fill_first_workspace(slack)
    with slack.session_factory() as session:
        before = every_read(session, slack)
    # The data set is what it should be, so the comparison below compares something.
    assert before["U1 list owed"].total == 1  # type: ignore[attr-defined]
    assert before["week_reports"]["U1"].this_week.return_calls_in_time == 1  # type: ignore[index]
    assert before["U1 Raj Patel"].drafts  # type: ignore[attr-defined]

    with slack.session_factory.begin() as session:
        copy_workspace(session, TEAM, COPY)
    with slack.session_factory() as session:
        after = every_read(session, slack)
        copied = prospect_store.prospect_by_name(session, COPY, "U1", "Jane Doe")
        assert copied is not None and copied.id != before["U1 Jane Doe"].prospect.id  # type: ignore[attr-defined]

    for read, value in before.items():
        assert plain(after[read]) == plain(value), read


def plain(value: object) -> object:
    """Rows as their column values, so two reads compare by what they say."""
    if isinstance(value, Base):
        return {column.key: getattr(value, column.key) for column in value.__table__.columns}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value
