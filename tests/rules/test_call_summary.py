"""A prospect's call summary answers every rule as all of their calls do, so the digest can
read summaries from the database instead of whole histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.insights.digest_plan import ProspectHistory, plan_digest
from bot.rules.cadence import CadenceRules, cadence_state
from bot.rules.call_summary import CallSummary
from bot.rules.calls import CallLog, Outcome, Prospect

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")
# A tight cadence, so short histories reach caps, spent budgets and rests.
TIGHT = CadenceRules(voicemail_cap=2, budget_at_reference=2, budget_per_tenfold=1.0)

# Calls at whole hours over 50 days, so ties in time happen often; some agree a next call.
calls = st.lists(
    st.tuples(
        st.sampled_from(list(Outcome)),
        st.integers(min_value=0, max_value=50 * 24),
        st.sampled_from([None, -48, 30]),
    ),
    max_size=20,
)


def history_of(found: list[tuple[Outcome, int, int | None]]) -> list[CallLog]:
    return [
        CallLog(
            outcome,
            NOW - timedelta(hours=hours_ago),
            follow_up_at=None if next_in is None else NOW + timedelta(hours=next_in),
        )
        for outcome, hours_ago, next_in in found
    ]


@settings(max_examples=300, deadline=None)
@given(found=calls, deal_value=st.sampled_from([None, 0, 900, 40_000]))
def test_the_cadence_of_a_summary_is_the_cadence_of_every_call(
    found: list[tuple[Outcome, int, int | None]], deal_value: int | None
) -> None:
    history = history_of(found)
    for rules in (CadenceRules(), TIGHT):
        whole = cadence_state(history, deal_value, NOW, CHICAGO, rules)
        summarized = cadence_state(CallSummary.of(history), deal_value, NOW, CHICAGO, rules)
        assert summarized == whole
        assert summarized.rule == whole.rule


@settings(max_examples=100, deadline=None)
@given(histories=st.lists(calls, min_size=1, max_size=6))
def test_a_digest_from_summaries_is_the_digest_from_every_call(
    histories: list[list[tuple[Outcome, int, int | None]]],
) -> None:
    prospects = [
        Prospect(id=n, name=f"Prospect {n}", tz="America/New_York", deal_value=1_000 * n)
        for n in range(len(histories))
    ]
    whole = [ProspectHistory(p, history_of(h)) for p, h in zip(prospects, histories, strict=True)]
    summarized = [ProspectHistory(item.prospect, CallSummary.of(item.history)) for item in whole]
    plans = [
        plan_digest(rep_tz=CHICAGO, now=NOW, prospects=items, owed_calls=[], rules=TIGHT)
        for items in (whole, summarized)
    ]
    assert plans[0] == plans[1]
