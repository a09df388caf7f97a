"""/logcall end to end: signed request in, ephemeral Block Kit out, rows in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import ids
from storage.models import CallLogRow, OwedReturnCallRow, ProspectRow, RepRow, Workspace
from tests.blockkit import assert_valid_message
from tests.slack import SlackHarness


def count(slack: SlackHarness, model: type) -> int:
    with slack.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def logcall(slack: SlackHarness, text: str, **who: str):  # type: ignore[no-untyped-def]
    reply = slack.command(ids.LOGCALL, text, **who)
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert_valid_message(reply.json)
    return reply


def test_first_voicemail_creates_the_prospect_and_states_the_cadence(slack: SlackHarness) -> None:
    reply = logcall(
        slack,
        'Jane Doe vm phone:+1 212 555 0143 value:$12k next:"tue 8am" left msg about the bid',
    )
    assert "Voicemail left" in reply.text
    assert "New prospect added" in reply.text
    assert "1 of 3" in reply.text
    assert "left msg about the bid" in reply.text
    with slack.session_factory() as session:
        prospect = session.scalars(select(ProspectRow)).one()
        assert (prospect.phone, prospect.tz, prospect.deal_value) == (
            "+12125550143",
            "America/New_York",
            12000,
        )
        assert prospect.follow_up_at is not None


def test_known_prospect_is_matched_by_name_in_any_case_and_counts_voicemails(
    slack: SlackHarness,
) -> None:
    logcall(slack, "Jane Doe vm phone:+1 212 555 0143")
    slack.clock.now += timedelta(days=2)
    logcall(slack, "jane DOE vm")
    slack.clock.now += timedelta(days=2)
    third = logcall(slack, "JANE doe voicemail")
    assert count(slack, ProspectRow) == 1
    assert count(slack, CallLogRow) == 3
    assert "email" in third.text.lower()
    assert "lay off" in third.text.lower()


def test_the_workspace_cadence_rules_decide_the_reply(slack: SlackHarness) -> None:
    logcall(slack, "Jane Doe vm phone:+1 212 555 0143")
    with slack.session_factory.begin() as session:
        session.get_one(Workspace, "T1").cadence_rules = {"voicemail_cap": 2}
    slack.clock.now += timedelta(days=2)
    second = logcall(slack, "Jane Doe vm")
    assert "2 voicemails in 10 days: lay off calls" in second.text


def test_known_prospect_is_matched_by_phone(slack: SlackHarness) -> None:
    logcall(slack, "Jane Doe vm phone:+1 212 555 0143")
    logcall(slack, "Janet Doe noanswer phone:(212) 555-0143")
    assert count(slack, ProspectRow) == 1


def test_the_name_typed_wins_over_another_prospects_phone(slack: SlackHarness) -> None:
    logcall(slack, "Jane Doe vm phone:+1 212 555 0143")
    logcall(slack, "Ann Lee vm phone:+1 312 555 0100")
    logcall(slack, "Ann Lee connected phone:+1 212 555 0143")  # Ann's new number is Jane's old one
    with slack.session_factory() as session:
        calls = session.execute(
            select(ProspectRow.name, func.count(CallLogRow.id))
            .join(CallLogRow, CallLogRow.prospect_id == ProspectRow.id)
            .group_by(ProspectRow.name)
            .order_by(ProspectRow.name)
        ).all()
        ann = session.scalars(select(ProspectRow).where(ProspectRow.name == "Ann Lee")).one()
    assert [tuple(row) for row in calls] == [("Ann Lee", 2), ("Jane Doe", 1)]
    assert (ann.phone, ann.status) == ("+12125550143", "active")


def test_reply_shows_the_window_on_both_clocks(slack: SlackHarness) -> None:
    slack.standin.users["U1"] = {"tz": "America/Los_Angeles", "real_name": "Rita Rep"}
    reply = logcall(slack, "Jane Doe noanswer phone:+1 212 555 0143")
    # 11:00 in New York on Monday: the next try is tomorrow, not at midday (the last try's
    # part of the day) and not before 8:30 (4 a.m. for a Pacific rep): after 5:30 it is.
    assert "tomorrow 5:30–6:30 PM EST (2:30–3:30 PM your time)" in reply.text


def test_toll_free_number_falls_back_to_the_reps_zone_and_says_so(slack: SlackHarness) -> None:
    reply = logcall(slack, "Acme Desk noanswer phone:+1 800 555 0199")
    assert "time zone is unknown" in reply.text


def test_inbound_call_owes_a_return_call_within_24_hours(slack: SlackHarness) -> None:
    reply = logcall(slack, "Jane Doe inbound phone:+1 212 555 0143")
    assert "return the call" in reply.text.lower()
    with slack.session_factory() as session:
        owed = session.scalars(select(OwedReturnCallRow)).one()
        assert owed.due_at == slack.clock.now + timedelta(hours=24)
        assert owed.returned_at is None
    slack.clock.now += timedelta(hours=3)
    logcall(slack, "Jane Doe connected")
    with slack.session_factory() as session:
        assert session.scalars(select(OwedReturnCallRow)).one().returned_at == slack.clock.now


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Jane Doe left a message", "Jane Doe left a message"),
        ("vm", "vm"),
        ("Jane Doe vm phone:12", "12"),
        ("Jane Doe vm value:lots", "lots"),
        ('Jane Doe vm next:"last friday"', "last friday"),
        ('Jane Doe vm next:"yesterday 9am"', "yesterday 9am"),
        ('Jane Doe vm next:"blurg"', "blurg"),
        ("Jane Doe vm tz:Mars/Olympus", "Mars/Olympus"),
        ('Jane "Doe vm', "Jane"),
    ],
)
def test_bad_input_quotes_the_problem_and_writes_nothing(
    slack: SlackHarness, text: str, quoted: str
) -> None:
    reply = logcall(slack, text)
    assert quoted in reply.text
    assert ":warning:" in reply.text
    for model in (ProspectRow, CallLogRow, RepRow):
        assert count(slack, model) == 0


@pytest.mark.parametrize("text", ["help", "HELP"])
def test_help_prints_usage(slack: SlackHarness, text: str) -> None:
    reply = logcall(slack, text)
    assert "connected" in reply.text and "next:" in reply.text
    assert count(slack, CallLogRow) == 0


def test_user_text_is_escaped_so_nobody_is_pinged(slack: SlackHarness) -> None:
    # Slack sends real mentions and links bracketed, and what the rep typed as `<`, `&`,
    # `>` escaped: the first are read as their text, the second as typed.
    reply = logcall(
        slack,
        '"<!channel> &amp; <@U999> &lt;!here&gt;" vm company:"<https://evil|Acme>" hi <!here>',
    )
    body = reply.body
    for raw in ("<!channel>", "<@U999>", "<!here>", "<https://evil|Acme>"):
        assert raw not in body
    assert "@channel &amp; @U999 &lt;!here&gt;" in reply.text
    with slack.session_factory() as session:
        (stored,) = session.scalars(select(ProspectRow)).all()
    assert (stored.name, stored.company) == ("@channel & @U999 <!here>", "Acme")


def test_team_b_never_sees_or_matches_team_a_prospect(slack: SlackHarness) -> None:
    logcall(slack, "Jane Doe vm phone:+1 212 555 0143", team="TA", user="U1")
    logcall(slack, "Jane Doe vm phone:+1 212 555 0143", team="TA", user="U1")
    reply_b = logcall(slack, "Jane Doe vm phone:+1 212 555 0143", team="TB", user="U1")
    assert "New prospect added" in reply_b.text
    assert "1 of 3" in reply_b.text
    with slack.session_factory() as session:
        teams = sorted(session.scalars(select(ProspectRow.team_id)).all())
    assert teams == ["TA", "TB"]


def test_another_rep_in_the_same_team_gets_their_own_prospect(slack: SlackHarness) -> None:
    logcall(slack, "Jane Doe vm", user="U1")
    reply = logcall(slack, "Jane Doe vm", user="U2")
    assert "New prospect added" in reply.text


def test_unexpected_failure_answers_plainly_and_saves_nothing(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("handlers.call_logging.cadence_state", explode)
    reply = slack.command(ids.LOGCALL, "Jane Doe vm")
    assert reply.status == 200
    assert "nothing was saved" in reply.json["text"]
    assert "disk on fire" not in reply.body
    assert count(slack, CallLogRow) == 0


def test_the_next_window_skips_the_prospects_public_holiday(slack: SlackHarness) -> None:
    slack.clock.now = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # Wed 7 p.m. in New York
    us = slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    # Their before-8:30 window, from 8:00 when a Chicago rep's day starts at 7:00.
    assert "Fri 8:00–8:30 AM EST" in us.text and "tomorrow" not in us.text
    canada = slack.command(ids.LOGCALL, "Raj Patel vm phone:+1 416 555 0143")
    assert "tomorrow 8:00–8:30 AM EST" in canada.text
