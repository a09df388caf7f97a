"""Writing a logged call: the prospect it is about, the call itself and what it owes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.cadence import CadenceRules
from bot.calls import CLOSING_OUTCOMES, OUTBOUND_DIALS, CallLog, Outcome, Prospect, ProspectStatus
from bot.grammar import LogCallRequest
from bot.phones import timezone_for_phone
from storage import queries
from storage.models import CallLogRow, OwedReturnCallRow, ProspectRow


@dataclass(frozen=True)
class LoggedCall:
    call_id: int
    prospect: Prospect
    prospect_created: bool
    tz_inferred: bool
    history: list[CallLog]
    rules: CadenceRules


def log_call(
    session: Session,
    team_id: str,
    rep_user_id: str,
    request: LogCallRequest,
    follow_up_at: datetime | None,
    now: datetime,
) -> LoggedCall:
    rules = CadenceRules.from_mapping(queries.workspace(session, team_id, now).cadence_rules)
    row = queries.find_prospect(session, team_id, rep_user_id, request.prospect_name, request.phone)
    created = row is None
    if row is None:
        row = ProspectRow(
            team_id=team_id,
            owner_id=rep_user_id,
            name=request.prospect_name,
            name_key=queries.name_key(request.prospect_name),
            status=ProspectStatus.ACTIVE,
            tz_inferred=False,
            created_at=now,
        )
        session.add(row)
    _apply_details(row, request)
    row.follow_up_at = follow_up_at
    if request.outcome in CLOSING_OUTCOMES:
        row.status = CLOSING_OUTCOMES[request.outcome]
    elif request.outcome is Outcome.WRONG:
        row.status = ProspectStatus.WRONG_NUMBER
    elif request.phone and row.status == ProspectStatus.WRONG_NUMBER:
        row.status = ProspectStatus.ACTIVE
    session.flush()

    call = CallLogRow(
        team_id=team_id,
        prospect_id=row.id,
        rep_user_id=rep_user_id,
        at=now,
        outcome=request.outcome.value,
        notes=request.notes,
        follow_up_at=follow_up_at,
    )
    session.add(call)
    session.flush()
    if request.outcome in OUTBOUND_DIALS:
        queries.close_owed_return_calls(session, team_id, row.id, now)
    if request.outcome is Outcome.INBOUND:
        session.add(
            OwedReturnCallRow(
                team_id=team_id,
                rep_user_id=rep_user_id,
                prospect_id=row.id,
                inbound_call_id=call.id,
                due_at=now + rules.return_call_within,
            )
        )
        session.flush()
    return LoggedCall(
        call_id=call.id,
        prospect=queries.to_prospect(row),
        prospect_created=created,
        tz_inferred=row.tz_inferred,
        history=queries.call_history(session, team_id, row.id),
        rules=rules,
    )


def _apply_details(row: ProspectRow, request: LogCallRequest) -> None:
    """Options given on the line update the prospect; a phone's zone fills a missing tz."""
    for field in ("phone", "cell", "email", "company", "referrer"):
        value = getattr(request, field)
        if value is not None:
            setattr(row, field, value)
    if request.deal_value is not None:
        row.deal_value = request.deal_value
    if request.tz is not None:
        row.tz, row.tz_inferred = request.tz, False
    elif (row.tz is None or row.tz_inferred) and (row.phone or row.cell):
        inferred = timezone_for_phone(row.phone or row.cell or "")
        row.tz, row.tz_inferred = inferred, inferred is not None
