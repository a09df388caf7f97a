"""The export round-trips every table a workspace owns; an uninstalled workspace is
forgotten by the worker after its grace period and kept when it installs again; a CSV import
or a CRM pull refuses someone who asked not to be called, row by row."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from bot.config import Settings
from bot.rules.erasure import ASKED_NOT_TO_BE_CALLED
from bot.runtime.slack_standin import SlackStandIn
from bot.runtime.ticks import minute_ticks
from bot.services.crm.connections import WorkspaceCrm
from bot.services.crm.port import CrmContact, CrmRecordRef
from bot.services.crm.sync import pull_contacts
from bot.services.privacy import EXPORT_FORMAT, forget_tick, write_export
from bot.services.prospect_import import check_export, run_import
from bot.services.slack_delivery import team_web_clients
from storage import privacy
from storage.db import make_session_factory
from storage.models import ProspectRow, Workspace
from tests.services.test_oauth import install
from tests.slack import Clock, SlackHarness
from tests.storage.test_privacy import KEY, NOW, fill_workspace, rows_of

GRACE = timedelta(days=30)


@pytest.mark.parametrize("page", [1, 2, privacy.EXPORT_BATCH])
def test_an_export_round_trips_every_table_the_workspace_owns(
    engine: Engine, page: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 1 and 2 rows cut every table (two deliveries: a page exactly full)."""
    monkeypatch.setattr(privacy, "EXPORT_BATCH", page)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        fill_workspace(session, "T1")
        fill_workspace(session, "T2")
    out = io.StringIO()
    seen: list[int] = []
    written = write_export(factory, "T1", out, NOW, seen.append)
    export = json.loads(out.getvalue())
    assert export["format"] == EXPORT_FORMAT and export["team_id"] == "T1"
    tables = export["tables"]
    assert set(tables) == {table.name for table in privacy.team_tables()}
    with factory() as session:
        assert {name: len(rows) for name, rows in tables.items()} == rows_of(session, "T1")
        for table in privacy.team_tables():
            stored = session.execute(
                select(table).where(table.c.team_id == "T1").order_by(*table.primary_key)
            ).mappings()
            for exported, row in zip(tables[table.name], stored, strict=True):
                assert set(exported) == set(row.keys())
                for column, value in row.items():
                    if (table.name, column) in privacy.SECRET_COLUMNS and value is not None:
                        assert exported[column] == privacy.NOT_EXPORTED
                    elif isinstance(value, datetime):
                        assert datetime.fromisoformat(exported[column]) == value
                    elif hasattr(value, "isoformat"):
                        assert exported[column] == value.isoformat()
                    else:
                        assert exported[column] == value
    assert written == sum(seen) == sum(len(rows) for rows in tables.values())
    assert "gAAAA" not in out.getvalue()


@pytest.fixture
def oauth_slack(engine: Engine, standin: SlackStandIn, clock: Clock) -> Iterator[SlackHarness]:
    standin.clear()
    standin.clear_faults()
    yield SlackHarness(engine, standin, clock, oauth=True)


def uninstalled_workspaces(slack: SlackHarness) -> None:
    """T1 and T2 hold data and are installed; T1 then uninstalls, at the clock's time."""
    with slack.session_factory.begin() as session:
        fill_workspace(session, "T1")
        fill_workspace(session, "T2")
    install(slack, "T1")
    install(slack, "T2")
    assert slack.event({"type": "app_uninstalled"}, team="T1").status == 200


def forget_at(slack: SlackHarness, at: datetime) -> str:
    clients = team_web_clients(slack.settings, slack.engine)
    return forget_tick(GRACE)(slack.session_factory, clients, at).summary()


def test_a_workspace_uninstalled_31_days_ago_is_forgotten_29_days_ago_is_kept(
    oauth_slack: SlackHarness,
) -> None:
    uninstalled_workspaces(oauth_slack)
    with oauth_slack.session_factory() as session:
        before = rows_of(session, "T1")
        before_t2 = rows_of(session, "T2")
    assert forget_at(oauth_slack, NOW + timedelta(days=29)) == ""
    with oauth_slack.session_factory() as session:
        assert rows_of(session, "T1") == before
    said = forget_at(oauth_slack, NOW + timedelta(days=31))
    assert said.startswith("forgot uninstalled workspace T1:")
    assert "Jane" not in said and "+1312" not in said
    with oauth_slack.session_factory() as session:
        assert rows_of(session, "T1") == {}
        assert rows_of(session, "T2") == before_t2
    assert forget_at(oauth_slack, NOW + timedelta(days=32)) == ""


def test_reinstalling_within_the_grace_period_keeps_everything(oauth_slack: SlackHarness) -> None:
    uninstalled_workspaces(oauth_slack)
    install(oauth_slack, "T1")
    with oauth_slack.session_factory() as session:
        before = rows_of(session, "T1")
    assert "installed again: kept" in forget_at(oauth_slack, NOW + timedelta(days=31))
    with oauth_slack.session_factory() as session:
        assert rows_of(session, "T1") == before
        workspace = session.get(Workspace, "T1")
        assert workspace is not None and workspace.uninstalled_at is None


def test_with_one_token_auth_test_says_whether_the_app_is_still_there(
    slack: SlackHarness,
) -> None:
    with slack.session_factory.begin() as session:
        fill_workspace(session, "T1")
    slack.event({"type": "app_uninstalled"}, team="T1")
    later = NOW + timedelta(days=31)
    slack.standin.fail_for("auth.test", {}, error="internal_error")
    assert forget_at(slack, later) == ""  # Slack could not say: ask again next tick
    slack.standin.clear_faults()
    slack.standin.fail_for("auth.test", {}, error="invalid_auth")
    assert "forgot uninstalled workspace T1" in forget_at(slack, later)
    slack.standin.clear_faults()
    with slack.session_factory() as session:
        assert rows_of(session, "T1") == {}


def test_the_worker_runs_the_forget_tick_with_the_grace_setting() -> None:
    ticks = minute_ticks(Settings(uninstall_grace_days=7))
    assert "forget uninstalled" in ticks


def test_a_reimport_of_a_suppressed_number_is_refused_per_row_with_the_reason(
    engine: Engine,
) -> None:
    factory = make_session_factory(engine)
    with factory.begin() as session:
        privacy.erase_prospect(session, "T1", fill_workspace(session, "T1"), KEY, NOW)
    csv = (
        "Name,Phone,Email\n"
        "Jane Doe,(312) 555-0100,\n"
        "J. Doe,,JANE@acme.example\n"
        "Somebody Else,(312) 555-0199,\n"
    )
    export = check_export(io.BytesIO(csv.encode()), "leads.csv")
    report = run_import(factory, export, "T1", "U1", NOW, suppression_key=KEY)
    assert report.imported == 1
    assert [(row.row, row.kind, row.reason) for row in report.skipped] == [
        (2, "error", ASKED_NOT_TO_BE_CALLED),
        (3, "error", ASKED_NOT_TO_BE_CALLED),
    ]
    with factory() as session:
        assert session.scalars(select(ProspectRow.name)).all() == ["Somebody Else"]


class _Contacts:
    """A CRM whose rep has two contacts, one of them suppressed."""

    def owner_for_email(self, email: str) -> str:
        return "owner-1"

    def contacts_changed(self, owner: str, since: datetime | None) -> Iterator[CrmContact]:
        for number, (name, phone) in enumerate(
            [("Jane Doe", "+1 312 555 0100"), ("Ann Other", "+1 312 555 0177")]
        ):
            yield CrmContact(CrmRecordRef(str(number), "contact"), name, NOW, phone=phone)


def test_a_crm_pull_skips_someone_who_asked_not_to_be_called(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory.begin() as session:
        privacy.erase_prospect(session, "T1", fill_workspace(session, "T1"), KEY, NOW)
    crm = WorkspaceCrm(adapter=_Contacts(), account=None)  # type: ignore[arg-type]
    report = pull_contacts(factory, crm, "T1", NOW, lambda user: "u1@example.com", KEY)
    assert report.added == 1
    assert report.skipped == [f"Jane Doe: {ASKED_NOT_TO_BE_CALLED}"]
    with factory() as session:
        assert session.scalars(select(ProspectRow.name)).all() == ["Ann Other"]
