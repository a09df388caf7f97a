"""What /vmscript keeps: the rep's profile, their numbered commercials, and every draft.

Facts are numbered by their order (oldest first), counting from 1, and the numbers close
up after a removal: `facts list` always shows 1..n, and `facts remove N` takes the N shown
by the latest list. The `position` column only orders them; its values may have gaps.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, ScalarSelect, bindparam, func, select
from sqlalchemy.orm import Session

from bot.drafts.scripts import Draft
from bot.rules.calls import Outcome, Rep
from storage import queries
from storage.models import CallLogRow, DraftRow, RepFactRow, RepRow

PROFILE_FIELDS = (
    "name",
    "company",
    "phone",
    "cell",
    "email",
    "benefit",
    "desk_hours",
    "partners",
    "working_day",
)


PROFILE = (
    RepRow.user_id,
    RepRow.tz,
    RepRow.name,
    RepRow.company,
    RepRow.phone,
    RepRow.cell,
    RepRow.email,
    RepRow.benefit,
    RepRow.desk_hours,
    RepRow.partners,
    RepRow.working_day,
)
"""The columns `queries.to_rep` reads: a gatekeeper's call drafts a screener, and every
logged call's reply proposes times inside the rep's calling day."""
_PROFILE = select(*PROFILE).where(
    RepRow.team_id == bindparam("team_id"), RepRow.user_id == bindparam("user_id")
)


def rep_profile(session: Session, team_id: str, user_id: str) -> Rep | None:
    row = (
        session.connection()
        .execute(_PROFILE, {"team_id": team_id, "user_id": user_id})
        .one_or_none()
    )
    return queries.to_rep(row) if row is not None else None


def update_profile(
    session: Session,
    team_id: str,
    user_id: str,
    *,
    tz: str,
    slack_name: str,
    changes: Mapping[str, str | None],
    now: datetime,
) -> Rep:
    """Apply `changes` (field -> value, None clears it) to the rep's profile.

    A first-time rep's row is created with their Slack zone and name, which the changes
    may then override.
    """
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    row = queries.ensure_rep(session, team_id, user_id, tz, slack_name, now)
    for field, value in changes.items():
        setattr(row, field, value if field != "name" else value or "")
    session.flush()
    return queries.to_rep(row)


def list_facts(session: Session, team_id: str, user_id: str) -> list[str]:
    """The rep's facts in the order voicemails reveal them; index + 1 is the shown number."""
    return [row.text for row in _fact_rows(session, team_id, user_id)]


def add_fact(session: Session, team_id: str, user_id: str, text: str, now: datetime) -> list[str]:
    """Append a fact at the end of the series; returns the list as `facts list` shows it."""
    last = session.scalar(
        select(func.max(RepFactRow.position)).where(
            RepFactRow.team_id == team_id, RepFactRow.user_id == user_id
        )
    )
    session.add(
        RepFactRow(
            team_id=team_id,
            user_id=user_id,
            position=(last or 0) + 1,
            text=text,
            created_at=now,
        )
    )
    session.flush()
    return list_facts(session, team_id, user_id)


def remove_fact(session: Session, team_id: str, user_id: str, number: int) -> str | None:
    """Delete the fact shown as `number`; returns its text, or None when there is no such one.

    Drafts that already used it keep their copy of the text, so the prospects who heard it
    never hear it again even if the rep adds it back.
    """
    rows = _fact_rows(session, team_id, user_id)
    if not 1 <= number <= len(rows):
        return None
    removed = rows[number - 1]
    session.delete(removed)
    session.flush()
    return removed.text


SAYING_OUTCOMES = tuple(
    o.value
    for o in (
        Outcome.VOICEMAIL,
        Outcome.EMAIL,
        Outcome.CONNECTED,
        Outcome.MEETING,
        Outcome.CALLBACK,
    )
)
"""Calls that carried a message: a draft before one of them was said (or sent). A dial
nobody answered, or a screener who put nobody through, said nothing of it."""


def used_facts(session: Session, team_id: str, user_id: str, prospect_id: int) -> set[str]:
    """Facts this prospect has heard from this rep: those of drafts followed by a call that
    carried a message. Previewing a draft twice uses nothing up."""
    said_after = (
        select(CallLogRow.id)
        .where(
            CallLogRow.team_id == team_id,
            CallLogRow.prospect_id == prospect_id,
            CallLogRow.outcome.in_(SAYING_OUTCOMES),
            CallLogRow.at > DraftRow.created_at,
        )
        .exists()
    )
    return set(
        session.scalars(
            select(DraftRow.fact_used).where(
                DraftRow.team_id == team_id,
                DraftRow.rep_user_id == user_id,
                DraftRow.prospect_id == prospect_id,
                DraftRow.fact_used.is_not(None),
                said_after,
            )
        ).all()
    )


def record_draft(
    session: Session,
    team_id: str,
    user_id: str,
    prospect_id: int | None,
    draft: Draft,
    now: datetime,
) -> None:
    """Keep what was drafted so the next draft to this prospect says something new.

    `prospect_id` is None for the wrong-number talk track, which is for a stranger.
    """
    session.add(
        DraftRow(
            team_id=team_id,
            rep_user_id=user_id,
            prospect_id=prospect_id,
            kind=draft.kind.value,
            text=draft.text,
            fact_used=draft.fact_used,
            created_at=now,
            promised_at=draft.promised_at,
        )
    )
    session.flush()


PROMISE_KEPT_FOR = timedelta(hours=12)
"""A voicemail logged this long after its draft still keeps the draft's promise: the rep
drafts, dials within the hour or the afternoon, and logs."""


def latest_promise(prospect_id: ColumnElement[int]) -> ScalarSelect[datetime | None]:
    """The time the latest voicemail drafted for the prospect `prospect_id` names promised
    to try again, when it was drafted within PROMISE_KEPT_FOR of `now`: a scalar subquery
    on the parameters team_id, user_id, promise_since (now - PROMISE_KEPT_FOR) and now, so
    /logcall's first read can carry it for the prospect it finds."""
    return (
        select(DraftRow.promised_at)
        .where(
            DraftRow.team_id == bindparam("team_id"),
            DraftRow.rep_user_id == bindparam("user_id"),
            DraftRow.prospect_id == prospect_id,
            DraftRow.kind == "voicemail",
            DraftRow.created_at >= bindparam("promise_since"),
            DraftRow.created_at <= bindparam("now"),
        )
        .order_by(DraftRow.created_at.desc(), DraftRow.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def promise_params(now: datetime) -> dict[str, datetime]:
    return {"now": now, "promise_since": now - PROMISE_KEPT_FOR}


def still_ahead(promised: datetime | None, now: datetime) -> datetime | None:
    """A promise is kept only while its time is ahead."""
    return promised if promised is not None and promised > now else None


_PROMISED = select(latest_promise(bindparam("prospect_id")))


def promised_time(
    session: Session, team_id: str, user_id: str, prospect_id: int, now: datetime
) -> datetime | None:
    """The time the latest voicemail drafted for this prospect promised to try again, when
    it was drafted within PROMISE_KEPT_FOR and the time is still ahead."""
    promised = (
        session.connection()
        .execute(
            _PROMISED,
            {"team_id": team_id, "user_id": user_id, "prospect_id": prospect_id}
            | promise_params(now),
        )
        .scalar()
    )
    return still_ahead(promised, now)


INTRODUCTION = "introduction"
"""The draft kind an asked-for introduction is kept under: something said to the prospect."""


def record_introduction(
    session: Session, team_id: str, user_id: str, prospect_id: int, ask: str, now: datetime
) -> None:
    """The rep asked this prospect for an introduction; the weekly picture counts these."""
    session.add(
        DraftRow(
            team_id=team_id,
            rep_user_id=user_id,
            prospect_id=prospect_id,
            kind=INTRODUCTION,
            text=ask,
            fact_used=None,
            created_at=now,
        )
    )
    session.flush()


def _fact_rows(session: Session, team_id: str, user_id: str) -> list[RepFactRow]:
    return list(
        session.scalars(
            select(RepFactRow)
            .where(RepFactRow.team_id == team_id, RepFactRow.user_id == user_id)
            .order_by(RepFactRow.position, RepFactRow.id)
        ).all()
    )
