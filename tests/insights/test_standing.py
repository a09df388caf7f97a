"""When the digest next needs a prospect, at each boundary time can cross on its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks.digest import SHOWN_AT_MOST, build_digest_message
from bot.insights.digest_plan import ProspectHistory, digest_listing, plan_digest
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


# Calls up to 40 days before the standing is worked out, at whole hours, so ties happen.
_calls = st.lists(
    st.tuples(st.sampled_from(list(Outcome)), st.integers(min_value=0, max_value=40 * 24)),
    max_size=12,
)
_prospects = st.lists(
    st.tuples(
        _calls,
        st.sampled_from((None, "America/Denver", "America/New_York", "Europe/Berlin")),
        st.sampled_from((None, 5_000, 12_000, 40_000)),
        st.sampled_from((ProspectStatus.ACTIVE, ProspectStatus.NOT_INTERESTED)),
        st.one_of(st.none(), st.integers(min_value=-3 * 24, max_value=10 * 24)),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    prospects=_prospects,
    rep_zone=st.sampled_from(("America/Chicago", "America/New_York", "Europe/London")),
    later=st.integers(min_value=0, max_value=20 * 24 * 4),
)
def test_a_digest_placed_by_stored_listings_is_the_digest_from_every_call(
    prospects: list[
        tuple[list[tuple[Outcome, int]], str | None, int | None, ProspectStatus, int | None]
    ],
    rep_zone: str,
    later: int,
) -> None:
    """Placed by the listings stored at MONDAY, with the cadence state worked out only for
    the entries a message can show, the message `later` quarter hours on is the one
    planned from every prospect's calls: same entries, same order, same rule quoted."""
    rep_tz = ZoneInfo(rep_zone)
    now = MONDAY + timedelta(minutes=15 * later)
    from_calls, from_stored = [], []
    for n, (calls, tz, value, status, follow_up) in enumerate(prospects):
        prospect = Prospect(
            n,
            f"Prospect {n}",
            tz=tz,
            deal_value=value,
            status=status,
            follow_up_at=None if follow_up is None else MONDAY + timedelta(hours=follow_up),
        )
        history = [CallLog(outcome, MONDAY - timedelta(hours=ago)) for outcome, ago in calls]
        listing = standing_of(prospect, history, MONDAY, rep_tz).listing
        from_calls.append(ProspectHistory(prospect, history))
        from_stored.append(ProspectHistory(prospect, history, listing))
    plan = partial(plan_digest, rep_tz=rep_tz, now=now, owed_calls=[])
    expected = build_digest_message(plan(prospects=from_calls))
    assert build_digest_message(plan(prospects=from_stored, states_for=SHOWN_AT_MOST)) == expected
