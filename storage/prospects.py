"""The rep's prospect list: add, edit, show, list, snooze, delete and bulk import.

Every query is scoped by team_id and owner: user ids are only unique within a workspace,
and a rep only ever sees or changes their own prospects, even when a button or a form
hands us another id. Lists and imports are set-based: a fixed number of queries whatever
the number of prospects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from bot.insights.digest_plan import Section
from bot.rules.cadence import CadenceRules, cadence_state
from bot.rules.calls import CallLog, Outcome, Prospect, ProspectStatus
from bot.rules.prospects import (
    DraftUse,
    Duplicate,
    DuplicateIndex,
    KnownProspect,
    ListedProspect,
    ListFilter,
    ProspectFields,
)
from storage import digest as digest_store
from storage import queries
from storage import standing as standing_store
from storage.models import (
    CallLogRow,
    DraftRow,
    OwedReturnCallRow,
    ProspectRow,
    Workspace,
)

LIST_LIMIT = 40
"""Entries one list reply shows: one block each keeps it inside Slack's 50 blocks."""

RECENT_DRAFTS = 5

_STATUS_FILTERS: dict[ListFilter, ProspectStatus] = {
    ListFilter.ACTIVE: ProspectStatus.ACTIVE,
    ListFilter.WON: ProspectStatus.WON,
    ListFilter.LOST: ProspectStatus.LOST,
    ListFilter.NOT_INTERESTED: ProspectStatus.NOT_INTERESTED,
    ListFilter.WRONG: ProspectStatus.WRONG_NUMBER,
    ListFilter.DNC: ProspectStatus.DNC,
}


@dataclass(frozen=True)
class ProspectRecord:
    """What `/prospect show` needs: the prospect, their calls and what was already said."""

    prospect: Prospect
    tz_inferred: bool
    history: list[CallLog]
    drafts: list[DraftUse]
    rules: CadenceRules


@dataclass(frozen=True)
class ProspectList:
    entries: list[ListedProspect]
    total: int


@dataclass(frozen=True)
class DeletedProspect:
    name: str
    calls: int
    drafts: int


@dataclass(frozen=True)
class ImportCandidate:
    """A validated CSV row, numbered as a spreadsheet shows it (the header is row 1)."""

    row: int
    fields: ProspectFields


@dataclass(frozen=True)
class BatchOutcome:
    inserted: int
    duplicates: list[tuple[int, Duplicate]]
    refused: list[tuple[int, str]]
    """(row, why) for each row the database itself would not take."""


def prospect_by_name(
    session: Session, team_id: str, owner_id: str, name: str
) -> ProspectRow | None:
    return queries.find_prospect(session, team_id, owner_id, name, None)


def add_prospect(
    session: Session, team_id: str, owner_id: str, fields: ProspectFields, now: datetime
) -> ProspectRow | Duplicate:
    """Insert the prospect unless the rep already has them; then nothing is written."""
    duplicate = _duplicate_of(session, team_id, owner_id, fields, ignore_id=None)
    if duplicate is not None:
        return duplicate
    row = ProspectRow(
        team_id=team_id, owner_id=owner_id, created_at=now, **prospect_columns(fields)
    )
    session.add(row)
    session.flush()
    return row


def update_prospect(
    session: Session, team_id: str, owner_id: str, prospect_id: int, fields: ProspectFields
) -> ProspectRow | Duplicate | None:
    """Replace every detail with `fields` (an empty one clears it). None when the rep does
    not own the prospect; a Duplicate when the new details are another prospect's."""
    row = queries.own_prospect(session, team_id, owner_id, prospect_id)
    if row is None:
        return None
    duplicate = _duplicate_of(session, team_id, owner_id, fields, ignore_id=prospect_id)
    if duplicate is not None:
        return duplicate
    for column, value in prospect_columns(fields).items():
        setattr(row, column, value)
    standing_store.forget_row(row)
    session.flush()
    return row


def snooze(
    session: Session, team_id: str, owner_id: str, prospect_id: int, until: datetime | None
) -> ProspectRow | None:
    """Keep the prospect off lists and digests until `until` (None wakes them now).

    None when the rep does not own the prospect in this workspace: nothing changes.
    """
    row = queries.own_prospect(session, team_id, owner_id, prospect_id)
    if row is None:
        return None
    row.snoozed_until = until
    standing_store.forget_row(row)
    session.flush()
    return row


def delete_prospect(
    session: Session, team_id: str, owner_id: str, prospect_id: int
) -> DeletedProspect | None:
    """Delete the prospect with their calls, owed return calls and drafts.

    Children are deleted explicitly rather than left to ON DELETE CASCADE, which SQLite
    only honours on connections that switched foreign keys on.
    """
    row = queries.own_prospect(session, team_id, owner_id, prospect_id)
    if row is None:
        return None
    calls, drafts = _counts(session, team_id, prospect_id)
    for model in (OwedReturnCallRow, DraftRow, CallLogRow):
        session.execute(
            delete(model).where(model.team_id == team_id, model.prospect_id == prospect_id)
        )
    session.delete(row)
    session.flush()
    return DeletedProspect(row.name, calls, drafts)


def deletion_preview(session: Session, team_id: str, row: ProspectRow) -> DeletedProspect:
    """What a delete would take with it, for the confirmation."""
    calls, drafts = _counts(session, team_id, row.id)
    return DeletedProspect(row.name, calls, drafts)


def prospect_record(session: Session, team_id: str, row: ProspectRow) -> ProspectRecord:
    drafts = session.execute(
        select(DraftRow.kind, DraftRow.created_at, DraftRow.fact_used)
        .where(
            DraftRow.team_id == team_id,
            DraftRow.rep_user_id == row.owner_id,
            DraftRow.prospect_id == row.id,
        )
        .order_by(DraftRow.created_at.desc(), DraftRow.id.desc())
        .limit(RECENT_DRAFTS)
    ).all()
    return ProspectRecord(
        prospect=queries.to_prospect(row),
        tz_inferred=row.tz_inferred,
        history=queries.call_history(session, team_id, row.id),
        drafts=[DraftUse(kind, at, fact) for kind, at, fact in drafts],
        rules=workspace_rules(session, team_id),
    )


def workspace_rules(session: Session, team_id: str) -> CadenceRules:
    """Read-only: a workspace that never logged a call has the default rules."""
    found = session.get(Workspace, team_id)
    return CadenceRules.from_mapping(found.cadence_rules if found else {})


def list_prospects(
    session: Session,
    team_id: str,
    owner_id: str,
    which: ListFilter,
    now: datetime,
    rep_tz: ZoneInfo,
    limit: int = LIST_LIMIT,
) -> ProspectList:
    """The rep's prospects under `which`, at most `limit` of them, and how many in all.

    `due` is exactly what `/digest now` would list at this moment (the digest's own
    planner decides), so the two never disagree about who to call today.
    """
    match which:
        case ListFilter.DUE:
            entries = _due(session, team_id, owner_id, now, rep_tz)
        case ListFilter.OWED:
            entries = _owed(session, team_id, owner_id)
        case ListFilter.LAID_OFF:
            entries = _laid_off(session, team_id, owner_id, now, rep_tz)
        case _:
            return _by_status(session, team_id, owner_id, _STATUS_FILTERS.get(which), limit)
    return ProspectList(entries[:limit], len(entries))


class ProspectImport:
    """A bulk import into one rep's prospects, batch by batch, each batch in the session the
    caller commits it with.

    The rep's phones, emails and names are read once when it starts, and each batch is one
    multi-row insert, so 10,000 rows cost a handful of statements. Rows that duplicate a
    stored prospect, or an earlier row of the same file, are skipped: importing the same
    file twice adds nothing.
    """

    def __init__(self, session: Session, team_id: str, owner_id: str, now: datetime) -> None:
        self._team_id = team_id
        self._owner_id = owner_id
        self._now = now
        known = session.execute(
            select(
                ProspectRow.id,
                ProspectRow.name,
                ProspectRow.name_key,
                ProspectRow.phone,
                ProspectRow.cell,
                ProspectRow.email,
            ).where(*_owned(team_id, owner_id))
        ).all()
        self._index = DuplicateIndex(KnownProspect(*found) for found in known)

    def add_batch(self, session: Session, candidates: Iterable[ImportCandidate]) -> BatchOutcome:
        """Insert the new ones, all at once under a savepoint; when the database refuses that,
        one by one under a savepoint each, so a row it refuses leaves the others in (and is
        nobody's duplicate).

        Raises what the database raises when it is not answering: that is no row's fault.
        """
        batch = list(candidates)
        duplicates, fresh = self._sort_out(batch)
        rows = [values for _, _, values in fresh]
        if not rows or _inserted(session, rows) is None:
            return BatchOutcome(len(rows), duplicates, [])
        for _, known, _ in fresh:
            self._index.discard(known)
        duplicates, refused, inserted = [], [], 0
        for candidate in batch:
            duplicate, one = self._sort_out([candidate])
            duplicates += duplicate
            for row, known, values in one:
                problem = _inserted(session, [values])
                if problem is None:
                    inserted += 1
                else:
                    self._index.discard(known)
                    refused.append((row, problem))
        return BatchOutcome(inserted, duplicates, refused)

    def _sort_out(
        self, candidates: list[ImportCandidate]
    ) -> tuple[list[tuple[int, Duplicate]], list[tuple[int, KnownProspect, dict[str, object]]]]:
        """Duplicates of what the rep has (or an earlier row), and the rest, remembered."""
        duplicates: list[tuple[int, Duplicate]] = []
        fresh: list[tuple[int, KnownProspect, dict[str, object]]] = []
        for candidate in candidates:
            known = known_prospect(candidate.fields, row=candidate.row)
            duplicate = self._index.find(known)
            if duplicate is not None:
                duplicates.append((candidate.row, duplicate))
                continue
            self._index.add(known)
            values = {
                "team_id": self._team_id,
                "owner_id": self._owner_id,
                "created_at": self._now,
                **prospect_columns(candidate.fields),
            }
            fresh.append((candidate.row, known, values))
        return duplicates, fresh


def _inserted(session: Session, rows: list[dict[str, object]]) -> str | None:
    """None once `rows` are in; otherwise why the database refused them (and none went in)."""
    try:
        with session.begin_nested():
            session.execute(insert(ProspectRow), rows)
    except (OperationalError, InterfaceError):
        raise
    except IntegrityError:
        return "A prospect with this name was saved while the import ran, so it was not imported."
    except (DBAPIError, UnicodeEncodeError):
        # The rows are checked as the commands check them; this is what slips past that.
        return (
            "The database refused this row (a character or a length it can't store),"
            " so it was not imported."
        )
    return None


def _owned(team_id: str, owner_id: str) -> tuple[ColumnElement[bool], ...]:
    return ProspectRow.team_id == team_id, ProspectRow.owner_id == owner_id


def prospect_columns(fields: ProspectFields) -> dict[str, object]:
    """A prospect's row values from what the rep (or a CSV, or the CRM) says of them."""
    tz, inferred = fields.zone()
    return {
        "name": fields.name,
        "name_key": queries.name_key(fields.name),
        "company": fields.company,
        "phone": fields.phone,
        "cell": fields.cell,
        "email": fields.email,
        "tz": tz,
        "tz_inferred": inferred,
        "deal_value": fields.deal_value,
        "referrer": fields.referrer,
        "connection_note": fields.connection_note,
        "hook": fields.hook,
        "status": fields.status.value,
    }


def known_prospect(fields: ProspectFields, row: int | None = None) -> KnownProspect:
    """A newcomer as the duplicate index sees it."""
    return KnownProspect(
        None,
        fields.name,
        queries.name_key(fields.name),
        fields.phone,
        fields.cell,
        fields.email,
        row,
    )


def _duplicate_of(
    session: Session,
    team_id: str,
    owner_id: str,
    fields: ProspectFields,
    ignore_id: int | None,
) -> Duplicate | None:
    """Only the rows sharing a key with `fields` are read, then matched as an import would."""
    phones = [number for number in (fields.phone, fields.cell) if number]
    matches: list[ColumnElement[bool]] = [ProspectRow.name_key == queries.name_key(fields.name)]
    if phones:
        matches += [ProspectRow.phone.in_(phones), ProspectRow.cell.in_(phones)]
    if fields.email:
        matches.append(func.lower(ProspectRow.email) == fields.email.casefold())
    candidates = session.execute(
        select(
            ProspectRow.id,
            ProspectRow.name,
            ProspectRow.name_key,
            ProspectRow.phone,
            ProspectRow.cell,
            ProspectRow.email,
        )
        .where(*_owned(team_id, owner_id), or_(*matches))
        .order_by(ProspectRow.id)
    ).all()
    index = DuplicateIndex(KnownProspect(*found) for found in candidates)
    return index.find(known_prospect(fields), ignore_id=ignore_id)


def _counts(session: Session, team_id: str, prospect_id: int) -> tuple[int, int]:
    calls = session.scalar(
        select(func.count())
        .select_from(CallLogRow)
        .where(CallLogRow.team_id == team_id, CallLogRow.prospect_id == prospect_id)
    )
    drafts = session.scalar(
        select(func.count())
        .select_from(DraftRow)
        .where(DraftRow.team_id == team_id, DraftRow.prospect_id == prospect_id)
    )
    return calls or 0, drafts or 0


def _by_status(
    session: Session, team_id: str, owner_id: str, status: ProspectStatus | None, limit: int
) -> ProspectList:
    where = [*_owned(team_id, owner_id)]
    if status is not None:
        where.append(ProspectRow.status == status.value)
    total = session.scalar(select(func.count()).select_from(ProspectRow).where(*where)) or 0
    rows = session.scalars(
        select(ProspectRow)
        .where(*where)
        .order_by(ProspectRow.name_key, ProspectRow.id)
        .limit(limit)
    ).all()
    return ProspectList([ListedProspect(queries.to_prospect(row)) for row in rows], total)


def _due(
    session: Session, team_id: str, owner_id: str, now: datetime, rep_tz: ZoneInfo
) -> list[ListedProspect]:
    plan = digest_store.rep_digest_plan(session, team_id, owner_id, rep_tz, now)
    return [
        ListedProspect(
            entry.prospect,
            window=entry.window,
            return_due=entry.due_at if entry.section is Section.RETURN_CALLS else None,
            rule=entry.state.rule if entry.state and entry.window is None else None,
        )
        for entry in plan.all_entries
    ]


def _owed(session: Session, team_id: str, owner_id: str) -> list[ListedProspect]:
    """Open return calls, the oldest due first; one line per prospect however many they made."""
    rows = session.execute(
        select(ProspectRow, OwedReturnCallRow.due_at)
        .join(
            OwedReturnCallRow,
            and_(
                OwedReturnCallRow.prospect_id == ProspectRow.id,
                OwedReturnCallRow.team_id == ProspectRow.team_id,
            ),
        )
        .where(
            *_owned(team_id, owner_id),
            OwedReturnCallRow.rep_user_id == owner_id,
            OwedReturnCallRow.returned_at.is_(None),
        )
        .order_by(OwedReturnCallRow.due_at, ProspectRow.id)
    ).all()
    listed: dict[int, ListedProspect] = {}
    for row, due_at in rows:
        listed.setdefault(row.id, ListedProspect(queries.to_prospect(row), return_due=due_at))
    return list(listed.values())


def _laid_off(
    session: Session, team_id: str, owner_id: str, now: datetime, rep_tz: ZoneInfo
) -> list[ListedProspect]:
    """Active prospects resting after the voicemail cap: two queries, then the cadence."""
    active = (*_owned(team_id, owner_id), ProspectRow.status == ProspectStatus.ACTIVE.value)
    rows = session.scalars(select(ProspectRow).where(*active)).all()
    histories: dict[int, list[CallLog]] = defaultdict(list)
    for prospect_id, outcome, at, notes, follow_up_at in session.execute(
        select(
            CallLogRow.prospect_id,
            CallLogRow.outcome,
            CallLogRow.at,
            CallLogRow.notes,
            CallLogRow.follow_up_at,
        )
        .join(
            ProspectRow,
            (ProspectRow.id == CallLogRow.prospect_id)
            & (ProspectRow.team_id == CallLogRow.team_id),
        )
        .where(*active)
    ):
        histories[prospect_id].append(CallLog(Outcome(outcome), at, notes, follow_up_at))
    rules = workspace_rules(session, team_id)
    listed = []
    for row in rows:
        state = cadence_state(histories[row.id], row.deal_value, now, rep_tz, rules)
        if state.laid_off_until is not None:
            listed.append(
                ListedProspect(
                    queries.to_prospect(row), laid_off_until=state.laid_off_until, rule=state.rule
                )
            )
    return sorted(listed, key=lambda entry: (entry.laid_off_until, entry.prospect.name.casefold()))
