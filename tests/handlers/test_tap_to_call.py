"""Tap to call in every surface a rep reads on the phone: replies, lists, the record, drafts,
the digest and the App Home all link the number as `tel:` in E.164 (Block Kit validated)."""

from __future__ import annotations

import json

import pytest

from bot import ids
from tests.blockkit import assert_valid_message
from tests.handlers.interactions import open_home, views
from tests.slack import SlackHarness

DESK = "<tel:+12125550143|212-555-0143>"
CELL = "<tel:+12125550199|212-555-0199>"


@pytest.fixture
def jane(slack: SlackHarness) -> SlackHarness:
    slack.command(ids.VMSCRIPT, 'profile name:"Sam Lee" phone:+1 312 555 0100')
    slack.command(ids.PROSPECT, "add Jane Doe phone:+1 212 555 0143 cell:212-555-0199")
    return slack


@pytest.mark.parametrize(
    ("command", "text", "links"),
    [
        (ids.LOGCALL, "Jane Doe noanswer", [DESK]),
        (ids.PROSPECT, "show Jane Doe", [DESK, CELL]),
        (ids.PROSPECT, "list", [DESK]),
        (ids.VMSCRIPT, "Jane Doe", [DESK]),
        (ids.VMSCRIPT, "profile", ["<tel:+13125550100|312-555-0100>"]),
        (ids.DIGEST, "now", [DESK]),
    ],
)
def test_replies_link_every_number(
    jane: SlackHarness, command: str, text: str, links: list[str]
) -> None:
    reply = jane.command(command, text)

    assert reply.status == 200
    assert_valid_message(reply.json)
    for link in links:
        assert link in reply.text


def test_the_app_home_links_the_numbers_of_todays_list(jane: SlackHarness) -> None:
    open_home(jane)

    (home,) = views(jane, "views.publish")
    assert DESK in json.dumps(home)
