"""Snooze buttons carry "fu:<id>" or "owed:<id>": anything else is refused plainly, on both
databases, and an accepted snooze moves only the rep's own follow-up."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import ids
from handlers.clicks import NOT_YOURS
from storage.models import ProspectRow
from tests.handlers.interactions import click
from tests.slack import SlackHarness


def follow_ups(slack: SlackHarness) -> dict[tuple[str, str], object]:
    with slack.session_factory() as session:
        return {
            (row.team_id, row.name): row.follow_up_at
            for row in session.scalars(select(ProspectRow))
        }


def answer(slack: SlackHarness) -> str:
    return str(slack.standin.calls_to("response_url")[-1].args)


@pytest.fixture
def two_workspaces(slack: SlackHarness) -> SlackHarness:
    slack.command(ids.LOGCALL, 'Jane Doe vm next:"tomorrow 9am"')
    slack.command(ids.LOGCALL, 'Omar Other vm next:"tomorrow 9am"', user="U7", team="T7")
    slack.standin.clear()
    return slack


def prospect_id(slack: SlackHarness, name: str) -> int:
    with slack.session_factory() as session:
        return session.scalars(select(ProspectRow.id).where(ProspectRow.name == name)).one()


@pytest.mark.parametrize(
    "value",
    ["fu:²", "fu:١٢", "fu:9999999999", "fu:2147483648", "fu:0", "fu:-1", "fu:", "fu:1x", "zz:1"],
)
def test_a_value_that_names_no_row_is_refused_and_changes_nothing(
    two_workspaces: SlackHarness, value: str
) -> None:
    before = follow_ups(two_workspaces)
    click(two_workspaces, ids.REMINDER_SNOOZE_HOUR, value)
    assert NOT_YOURS in answer(two_workspaces)
    assert follow_ups(two_workspaces) == before


def test_another_workspaces_follow_up_is_refused(two_workspaces: SlackHarness) -> None:
    before = follow_ups(two_workspaces)
    other = prospect_id(two_workspaces, "Omar Other")
    click(two_workspaces, ids.REMINDER_SNOOZE_HOUR, f"fu:{other}")
    assert NOT_YOURS in answer(two_workspaces)
    assert follow_ups(two_workspaces) == before


def test_an_accepted_snooze_moves_only_the_reps_own_follow_up(
    two_workspaces: SlackHarness,
) -> None:
    before = follow_ups(two_workspaces)
    own = prospect_id(two_workspaces, "Jane Doe")
    click(two_workspaces, ids.REMINDER_SNOOZE_HOUR, f"fu:{own}")
    assert "Jane Doe" in answer(two_workspaces)
    after = follow_ups(two_workspaces)
    assert after[("T1", "Jane Doe")] != before[("T1", "Jane Doe")]
    assert after[("T7", "Omar Other")] == before[("T7", "Omar Other")]
