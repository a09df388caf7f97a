"""The phone DMs: the one-tap question, the return-call notice and the unknown caller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import ids
from bot.blocks.phone import (
    build_call_question,
    build_return_call_notice,
    build_unknown_caller,
    describe_duration,
)
from bot.rules.calls import Outcome, Prospect
from bot.services.phone.port import QUICK_OUTCOMES
from tests.blockkit import assert_valid_message

CHICAGO = ZoneInfo("America/Chicago")
AT = datetime(2026, 11, 23, 16, 42, tzinfo=UTC)  # 10:42 AM in Chicago
JANE = Prospect(id=3, name="Jane <Doe>", company="Acme & Co", phone="+13125550100")


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "0 s"),
        (59, "59 s"),
        (60, "1 min"),
        (134, "2 min 14 s"),
        (3600, "1 h"),
        (3780, "1 h 3 min"),
    ],
)
def test_durations_as_a_rep_says_them(seconds: int, said: str) -> None:
    assert describe_duration(seconds) == said


def test_the_question_names_the_call_and_escapes_the_prospect() -> None:
    message = build_call_question(7, JANE, "outbound", AT, 134, QUICK_OUTCOMES, CHICAGO)
    assert_valid_message(message)
    assert message["text"] == (
        "Call with Jane &lt;Doe&gt; (Acme &amp; Co) · 2 min 14 s · outbound · 10:42 AM"
        " — how did it go?"
    )
    actions = message["blocks"][-1]["elements"]  # type: ignore[index]
    assert [a["action_id"] for a in actions] == [
        *(f"{ids.PHONE_LOG}:{o.value}" for o in QUICK_OUTCOMES),
        ids.PHONE_MORE,
    ]
    assert {a["value"] for a in actions} == {"7"}
    assert Outcome.VOICEMAIL in QUICK_OUTCOMES


def test_return_call_due_tomorrow_says_tomorrow() -> None:
    notice = build_return_call_notice(JANE, AT, AT + timedelta(hours=24), CHICAGO)
    assert_valid_message(notice)
    assert "called at 10:42 AM; call back by tomorrow 10:42 AM" in str(notice["text"])
    later = build_return_call_notice(JANE, AT, AT + timedelta(hours=72), CHICAGO)
    assert "call back by Thu Nov 26, 10:42 AM CST" in str(later["text"])


def test_unknown_caller_is_offered_with_the_number_to_dial() -> None:
    offer = build_unknown_caller(9, "+13035550100", AT, CHICAGO)
    assert_valid_message(offer)
    assert "tel:+13035550100" in str(offer["blocks"])
