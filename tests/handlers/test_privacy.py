"""/prospect erase and /prospect export through the real app, on both databases: what an
erase takes (and leaves no trace of), who may erase or export, and what a suppressed person
meets when they come back through /logcall."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text, update

from bot import ids
from bot.blocks.modals import FIELD
from bot.blocks.privacy import CONFIRM
from storage.models import (
    Base,
    CallLogRow,
    DeliveryRow,
    DraftRow,
    OwedReturnCallRow,
    ProspectRow,
    SuppressionRow,
)
from tests.blockkit import assert_valid_view
from tests.handlers.interactions import count, open_home, submit, views
from tests.slack import SlackHarness

NAME = "Zyxwv Quorra"
PHONE = "+13125550199"
EMAIL = "zq@quorra.example"
CONFIRMED = {CONFIRM: {FIELD: {"type": "plain_text_input", "value": " Erase "}}}
TRACES = ("Zyxwv", "Quorra", "quorra", "5550199", "555 0199")


def seed(slack: SlackHarness, *, user: str = "U1", team: str = "T1", outcome: str = "dnc") -> int:
    """A prospect with every kind of thing an erase must take: a private note, a talking
    point, calls with notes (one inbound, so a return call is owed), a follow-up and a
    reminder delivery; and their last outcome."""
    added = slack.command(
        ids.PROSPECT,
        f'add {NAME} phone:+1 312 555 0199 email:{EMAIL} note:"met Zyxwv at the expo"'
        ' hook:"Quorra Q1 rollout"',
        user=user,
        team=team,
    )
    assert "Added" in added.text or NAME in added.text, added.text
    for line in (
        f"{NAME} inbound Zyxwv called about Quorra pricing",
        f'{NAME} vm next:"thu 9am" left msg for Zyxwv',
        f"{NAME} {outcome} Zyxwv asked us to stop",
    ):
        reply = slack.command(ids.LOGCALL, line, user=user, team=team)
        assert reply.status == 200, reply.body
    with slack.session_factory.begin() as session:
        prospect_id = session.scalar(
            select(ProspectRow.id).where(ProspectRow.team_id == team, ProspectRow.owner_id == user)
        )
        assert prospect_id is not None
        session.add(
            DraftRow(
                team_id=team,
                rep_user_id=user,
                prospect_id=prospect_id,
                kind="voicemail",
                text=f"Hi Zyxwv, about Quorra: call me back at {PHONE}",
                created_at=slack.clock.now,
            )
        )
        session.add(
            DeliveryRow(
                team_id=team,
                rep_user_id=user,
                kind=f"fu:{prospect_id}@0900",
                local_date=slack.clock.now.date(),
                status="sent",
            )
        )
    return prospect_id


def someone_else(slack: SlackHarness, *, team: str, user: str) -> None:
    reply = slack.command(
        ids.LOGCALL, "Ada Lovelace vm phone:+1 312 555 0142", user=user, team=team
    )
    assert reply.status == 200


def erase_form(slack: SlackHarness, name: str = NAME, *, user: str = "U1") -> dict[str, Any]:
    slack.standin.clear()
    reply = slack.command(ids.PROSPECT, f"erase {name}", user=user)
    assert "Confirm erasing" in reply.text, reply.text
    (call,) = slack.standin.calls_to("views.open")
    view = dict(call.args["view"])
    assert_valid_view(view)
    return view


def view_text(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def test_the_form_names_everything_that_will_go_and_erases_nothing_itself(
    slack: SlackHarness,
) -> None:
    seed(slack)
    view = erase_form(slack)
    said = view_text(view)
    assert NAME in said
    assert "3 calls" in said and "4 notes" in said and "1 talking point" in said
    assert "1 draft" in said and "0 pending CRM pushes" in said
    assert "asked not to be called" in said
    assert count(slack, ProspectRow) == 1 and count(slack, CallLogRow) == 3


def test_an_erase_leaves_no_trace_of_the_person_in_the_database(
    slack: SlackHarness, engine: Engine
) -> None:
    seed(slack)
    someone_else(slack, team="T1", user="U1")
    someone_else(slack, team="T2", user="U1")
    before_t2 = team_rows(engine, "T2")
    view = erase_form(slack)
    reply = submit(slack, view, CONFIRMED)
    done = reply.json
    assert done["response_action"] == "update"
    assert_valid_view(done["view"])  # type: ignore[arg-type]
    said = view_text(done["view"])  # type: ignore[arg-type]
    assert f"Erased *{NAME}*" in said and "3 calls" in said
    assert "do-not-call list" in said

    for model in (CallLogRow, OwedReturnCallRow, DraftRow):
        assert count(slack, model) == 2 if model is CallLogRow else count(slack, model) == 0
    with slack.session_factory() as session:
        names = set(session.scalars(select(ProspectRow.name)))
        reminders = session.scalar(
            select(func.count()).select_from(DeliveryRow).where(DeliveryRow.kind.like("fu:%"))
        )
        suppressed = session.scalars(select(SuppressionRow.kind).order_by(SuppressionRow.kind))
        assert sorted(suppressed) == ["email", "phone"]
    assert names == {"Ada Lovelace"} and reminders == 0
    assert team_rows(engine, "T2") == before_t2
    assert traces_left(engine) == []


def test_an_erase_of_someone_who_never_said_dnc_keeps_no_suppression(slack: SlackHarness) -> None:
    seed(slack, outcome="notinterested")
    reply = submit(slack, erase_form(slack), CONFIRMED)
    assert "do-not-call" not in reply.body
    assert count(slack, SuppressionRow) == 0 and count(slack, ProspectRow) == 0
    again = slack.command(ids.LOGCALL, f"{NAME} vm phone:+1 312 555 0199")
    assert "Voicemail left" in again.text


def test_a_suppressed_number_or_email_is_refused_by_logcall_and_nothing_is_stored(
    slack: SlackHarness,
) -> None:
    seed(slack)
    submit(slack, erase_form(slack), CONFIRMED)
    for line in ("Z Q vm phone:+1 (312) 555-0199", f"Zed vm email:{EMAIL.upper()}"):
        reply = slack.command(ids.LOGCALL, line)
        assert "this person asked not to be called" in reply.text
    assert count(slack, ProspectRow) == 0 and count(slack, CallLogRow) == 0
    # Another workspace never heard of them: its reps log as usual.
    other = slack.command(ids.LOGCALL, "Z Q vm phone:+1 312 555 0199", team="T2")
    assert "Voicemail left" in other.text


def test_nothing_is_erased_until_the_word_is_typed(slack: SlackHarness) -> None:
    seed(slack)
    view = erase_form(slack)
    for typed in (None, "", "yes", "erase them"):
        values = {CONFIRM: {FIELD: {"type": "plain_text_input", "value": typed}}}
        reply = submit(slack, view, values)
        assert "Type erase to erase them" in reply.json["errors"][CONFIRM]  # type: ignore[index]
    assert still_there(slack) and count(slack, CallLogRow) == 3


def test_what_went_to_the_crm_is_said_to_stay_there(slack: SlackHarness) -> None:
    prospect_id = seed(slack)
    with slack.session_factory.begin() as session:
        session.execute(
            update(ProspectRow).where(ProspectRow.id == prospect_id).values(crm_id="9001")
        )
    view = erase_form(slack)
    assert "stays there" in view_text(view)
    assert "stays there" in submit(slack, view, CONFIRMED).body


def test_an_admin_erases_another_reps_prospect(slack: SlackHarness) -> None:
    seed(slack, user="U2")
    slack.standin.users["U9"] = {"is_admin": True}
    view = erase_form(slack, user="U9")
    assert "<@U2>" in view_text(view)
    submit(slack, view, CONFIRMED, user="U9")
    assert count(slack, ProspectRow) == 0


def test_a_rep_who_is_not_an_admin_cannot_erase_another_reps_prospect(slack: SlackHarness) -> None:
    seed(slack, user="U2")
    reply = slack.command(ids.PROSPECT, f"erase {NAME}")
    assert "no prospect named" in reply.text
    assert slack.standin.calls_to("views.open") == []
    assert count(slack, ProspectRow) == 1


def test_when_slack_cannot_say_who_is_an_admin_nothing_is_erased(slack: SlackHarness) -> None:
    seed(slack, user="U2")
    slack.standin.users["U9"] = {"is_admin": True}
    someone_else(slack, team="T1", user="U9")  # known, so the admin check is the one asked
    slack.standin.fail_next("users.info", error="internal_error", status=200)
    reply = slack.command(ids.PROSPECT, f"erase {NAME}", user="U9")
    assert "couldn't ask Slack" in reply.text
    assert still_there(slack)


def test_a_replayed_form_from_a_rep_who_may_not_erase_is_refused(slack: SlackHarness) -> None:
    seed(slack)
    view = erase_form(slack)
    reply = submit(slack, view, CONFIRMED, user="U2")
    assert "owner or a workspace admin" in reply.json["errors"][CONFIRM]  # type: ignore[index]
    slack.standin.users["U2"] = {"is_admin": True}
    someone_else(slack, team="T1", user="U2")
    slack.standin.fail_next("users.info", error="internal_error", status=200)
    assert "couldn't ask Slack" in submit(slack, view, CONFIRMED, user="U2").body
    other_team = submit(slack, view, CONFIRMED, team="T2")
    assert "gone already" in other_team.json["errors"][CONFIRM]  # type: ignore[index]
    assert still_there(slack) and count(slack, CallLogRow) == 4


def test_an_admins_export_arrives_as_a_file_in_their_dm(slack: SlackHarness) -> None:
    seed(slack)
    someone_else(slack, team="T2", user="U1")
    slack.standin.users["U9"] = {"is_owner": True}
    reply = slack.command(ids.PROSPECT, "export", user="U9")
    assert "arrives as a file in our DM" in reply.text
    (completed,) = slack.standin.calls_to("files.completeUploadExternal")
    assert completed.args["channel_id"].endswith("U9")
    (content,) = slack.standin.uploaded.values()
    export = json.loads(content)
    assert export["team_id"] == "T1"
    assert [row["name"] for row in export["tables"]["prospects"]] == [NAME]
    assert len(export["tables"]["call_logs"]) == 3


def test_only_admins_export(slack: SlackHarness) -> None:
    seed(slack)
    assert "Only workspace admins" in slack.command(ids.PROSPECT, "export").text
    slack.standin.fail_next("users.info", error="internal_error", status=200)
    assert "couldn't ask Slack" in slack.command(ids.PROSPECT, "export").text
    assert slack.standin.uploaded == {}


def still_there(slack: SlackHarness) -> bool:
    with slack.session_factory() as session:
        return session.scalar(select(ProspectRow.id).where(ProspectRow.name == NAME)) is not None


def team_rows(engine: Engine, team_id: str) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.scalar(
                select(func.count()).select_from(table).where(table.c.team_id == team_id)
            )
            or 0
            for table in Base.metadata.sorted_tables
            if "team_id" in table.c
        }


def traces_left(engine: Engine) -> list[str]:
    """Where the erased person can still be read: the SQLite file and its WAL byte by byte,
    or every PostgreSQL table's rows as text."""
    if engine.dialect.name == "sqlite":
        database = Path(str(engine.url.database))
        found = []
        for path in (database, database.with_name(database.name + "-wal")):
            if path.exists():
                content = path.read_bytes()
                found += [f"{path.name}: {t}" for t in TRACES if t.encode() in content]
        return found
    found = []
    with engine.connect() as connection:
        tables = connection.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).all()
        for table in tables:
            for trace in TRACES:
                hits = connection.scalar(
                    text(f'SELECT count(*) FROM "{table}" t WHERE t::text ILIKE :pattern'),
                    {"pattern": f"%{trace}%"},
                )
                if hits:
                    found.append(f"{table}: {trace}")
    return found


def test_the_owners_home_is_drawn_again_without_them(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, f"{NAME} inbound phone:+1 312 555 0199")
    open_home(slack)
    assert NAME in json.dumps(views(slack, "views.publish")[-1])
    submit(slack, erase_form(slack), CONFIRMED)
    assert slack.redraw_homes() == 1
    assert NAME not in json.dumps(views(slack, "views.publish")[-1])


def test_an_export_slack_refuses_is_said_in_the_dm(slack: SlackHarness) -> None:
    seed(slack)
    slack.standin.users["U1"] = {"is_admin": True}
    slack.standin.fail_next("files.getUploadURLExternal", error="not_allowed", status=200)
    slack.command(ids.PROSPECT, "export")
    (told,) = slack.standin.calls_to("chat.postMessage")
    assert "Slack refused the export file (not_allowed)" in told.args["text"]
    assert slack.standin.uploaded == {}


def test_an_admin_erases_every_reps_record_of_the_name_in_one_form(slack: SlackHarness) -> None:
    seed(slack, user="U2")
    seed(slack, user="U3", outcome="vm")
    someone_else(slack, team="T1", user="U2")
    slack.standin.users["U9"] = {"is_admin": True}
    view = erase_form(slack, user="U9")
    said = view_text(view)
    assert "<@U2>'s prospect" in said and "<@U3>'s prospect" in said
    tampered = {**view, "private_metadata": view["private_metadata"] + ",x"}
    assert "gone already" in submit(slack, tampered, CONFIRMED, user="U9").body
    assert count(slack, ProspectRow) == 3
    done = submit(slack, view, CONFIRMED, user="U9").body
    assert done.count(f"Erased *{NAME}*") == 2
    with slack.session_factory() as session:
        assert session.scalars(select(ProspectRow.name)).all() == ["Ada Lovelace"]


def test_prospect_add_refuses_a_suppressed_number(slack: SlackHarness) -> None:
    seed(slack)
    submit(slack, erase_form(slack), CONFIRMED)
    reply = slack.command(ids.PROSPECT, f"add Someone cell:+1 312 555 0199 email:{EMAIL}")
    assert "Not added: this person asked not to be called" in reply.text
    assert count(slack, ProspectRow) == 0
