"""When the digest next needs a prospect, at each boundary time can cross on its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.insights.digest_plan import digest_listing
from bot.insights.standing import standing_of
from bot.rules.call_summary import CallSummary
from bot.rules.calls import CallLog, Outcome, Prospect, ProspectStatus
from bot.rules.relationship import Stage

CHICAGO = ZoneInfo("America/Chicago")
MONDAY = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
PROSPECT = Prospect(1, "Ada Moss", tz="America/Chicago", deal_value=12_000)


def _at(days: float, hour: int = 0) -> datetime:
    """Chicago midnight `days` after Monday's, plus `hour`."""
    return datetime(2026, 11, 23, hour, tzinfo=CHICAGO) + timedelta(days=days)


CASES = {
    "a voicemail: the next business day": (
        PROSPECT,
        [CallLog(Outcome.VOICEMAIL, MONDAY)],
        Stage.ATTEMPTING,
        _at(1),
    ),
    "a lay-off ends 30 days after the voicemail that filled the cap": (
        PROSPECT,
        [
            CallLog(Outcome.VOICEMAIL, MONDAY - timedelta(days=4)),
            CallLog(Outcome.VOICEMAIL, MONDAY - timedelta(days=2)),
            CallLog(Outcome.VOICEMAIL, MONDAY),
            CallLog(Outcome.EMAIL, MONDAY + timedelta(hours=1)),
        ],
        Stage.RESTING,
        MONDAY + timedelta(days=30),
    ),
    "a rest after not interested ends on a business day": (
        replace(PROSPECT, status=ProspectStatus.NOT_INTERESTED),
        [CallLog(Outcome.NOT_INTERESTED, MONDAY)],
        Stage.NOT_INTERESTED,
        # 90 days on is Sunday Feb 21: the retry waits for Monday.
        _at(91),
    ),
    "a promised callback is chased from the morning of its day": (
        PROSPECT,
        [CallLog(Outcome.CALLBACK, MONDAY)],
        Stage.PROMISED_CALLBACK,
        _at(3),
    ),
    "a conversation is followed up two business days on": (
        PROSPECT,
        [CallLog(Outcome.CONNECTED, MONDAY)],
        Stage.TALKED,
        _at(2),
    ),
    "a follow-up's day, on the rep's clock": (
        replace(PROSPECT, follow_up_at=_at(6, 15)),
        [CallLog(Outcome.NO_ANSWER, MONDAY)],
        Stage.ATTEMPTING,
        _at(6),
    ),
    "a snooze's end": (
        replace(PROSPECT, snoozed_until=_at(4, 13)),
        [CallLog(Outcome.NO_ANSWER, MONDAY)],
        Stage.ATTEMPTING,
        _at(4, 13),
    ),
    "won: never": (
        replace(PROSPECT, status=ProspectStatus.WON),
        [CallLog(Outcome.WON, MONDAY)],
        Stage.WON,
        None,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_due_at_is_the_first_moment_the_digest_lists_the_prospect(case: str) -> None:
    prospect, calls, stage, due_at = CASES[case]
    standing = standing_of(prospect, calls, MONDAY, CHICAGO)
    assert standing.stage is stage
    assert standing.due_at == due_at
    if due_at is None:
        return
    summary = CallSummary.of(calls)
    assert digest_listing(prospect, summary, due_at, CHICAGO) is not None
    assert digest_listing(prospect, summary, due_at - timedelta(seconds=1), CHICAGO) is None
