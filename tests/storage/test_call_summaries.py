"""The database's call summaries are the summaries of every call, so digests built from them
are the digests built from whole histories."""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.insights.digest_plan import ProspectHistory, plan_digest
from bot.rules.call_summary import CallSummary
from bot.rules.calls import CallLog, Outcome
from storage import digest as store
from storage.call_summaries import summaries_of, summary_statement
from storage.db import make_session_factory
from storage.models import CallLogRow
from tests.storage.test_digest import NOW, add_call, add_prospect, add_rep

# Calls within the last 40 days at whole hours, so ties in time happen often.
histories = st.lists(
    st.tuples(st.sampled_from(list(Outcome)), st.integers(min_value=0, max_value=40 * 24)),
    max_size=25,
)
_names = count()


def summaries_in(session: Session, team_id: str, prospect_id: int) -> dict[int, CallSummary]:
    statement = summary_statement(
        CallLogRow.team_id == team_id, CallLogRow.prospect_id == prospect_id
    )
    return dict(summaries_of(session, statement))


def without_notes(summary: CallSummary) -> CallSummary:
    """Summaries from the database leave notes out: no rule reads them."""

    def bare(logs: tuple[CallLog, ...]) -> tuple[CallLog, ...]:
        return tuple(CallLog(log.outcome, log.at, follow_up_at=log.follow_up_at) for log in logs)

    return CallSummary(bare(summary.latest), bare(summary.since_talk))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(calls=histories)
def test_the_database_summary_is_the_summary_of_every_call(
    engine: Engine, calls: list[tuple[Outcome, int]]
) -> None:
    factory = make_session_factory(engine)
    with factory.begin() as session:
        prospect = add_prospect(session, "T1", "U1", f"P{next(_names)}")
        history = []
        # Logged in this order: equal times keep it, as the whole history's sort does.
        for outcome, hours_ago in calls:
            at = NOW - timedelta(hours=hours_ago)
            add_call(session, prospect, outcome.value, at)
            history.append(CallLog(outcome, at, ""))
        prospect_id = prospect.id
    with factory() as session:
        found = summaries_in(session, "T1", prospect_id)
    expected = CallSummary.of(history)
    assert found.get(prospect_id, CallSummary()) == without_notes(expected)


def test_other_workspaces_calls_are_never_summarized(engine: Engine) -> None:
    with make_session_factory(engine).begin() as session:
        prospect = add_prospect(session, "T1", "U1", "Jane")
        add_call(session, prospect, "vm", NOW)
        prospect_id = prospect.id
    with make_session_factory(engine)() as session:
        assert summaries_in(session, "T2", prospect_id) == {}


def test_a_digest_from_the_database_is_the_digest_from_whole_histories(engine: Engine) -> None:
    chicago = ZoneInfo("America/Chicago")
    outcomes = ["vm", "noanswer", "callback", "vm", "email", "connected", "vm", "gatekeeper"]
    histories: dict[str, list[CallLog]] = {}
    with make_session_factory(engine).begin() as session:
        add_rep(session, "T1", "U1")
        for p in range(40):
            name = f"Prospect {p:02}"
            row = add_prospect(session, "T1", "U1", name, tz="America/New_York", deal_value=p * 900)
            histories[name] = []
            for c in range(p % 9):
                outcome = outcomes[(p + c) % len(outcomes)]
                at = NOW - timedelta(days=2 * (p % 9 - c), hours=p % 5)
                add_call(session, row, outcome, at)
                histories[name].append(CallLog(Outcome(outcome), at))
    with make_session_factory(engine)() as session:
        inputs = store.digest_inputs(session, [("T1", "U1")], NOW)[("T1", "U1")]
    from_database = plan_digest(
        rep_tz=chicago, now=NOW, prospects=inputs.prospects, owed_calls=inputs.owed_calls
    )
    whole = [
        ProspectHistory(item.prospect, histories[item.prospect.name]) for item in inputs.prospects
    ]
    from_histories = plan_digest(rep_tz=chicago, now=NOW, prospects=whole, owed_calls=[])
    assert from_database.all_entries == from_histories.all_entries
    assert len(from_database.all_entries) > 10
