"""Erasing a person, suppressing one who asked not to be called, exporting and forgetting a
workspace: the queries behind `/prospect erase`, `/prospect export`, `phonetag export` and
the forget tick (see docs/privacy.md).

Every query on a workspace's rows is scoped by its team_id. An erase deletes children
explicitly, not left to ON DELETE CASCADE, which SQLite only honours on connections that
switched foreign keys on.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from bot.rules.calls import Outcome, ProspectStatus
from bot.rules.erasure import Erasure
from storage.db import insert_for
from storage.installations import OAUTH_METADATA
from storage.models import (
    Base,
    CallLogRow,
    CrmOutboxRow,
    DeliveryRow,
    DraftRow,
    OwedReturnCallRow,
    PhoneEventRow,
    ProspectRow,
    SuppressionRow,
    Workspace,
)
from storage.prepared_digests import forget_rep_prepared

_KEY_INFO = b"phonetag suppressions v1"
_NO_SECRET = b"phonetag: no PHONETAG_SECRET_KEY set"
"""Without a secret the digests are still keyed, but with this public constant: anyone who
holds the database could test candidate numbers against them (docs/privacy.md)."""

NOT_EXPORTED = "[encrypted; not exported]"
"""What stands in for stored CRM credentials and phone-system tokens in an export."""
SECRET_COLUMNS = {
    ("crm_connections", "credentials"),
    ("phone_accounts", "token"),
    ("crm_oauth_states", "code_verifier"),
}


def suppression_key(secret_key: str | None) -> bytes:
    """A key of its own for suppressions, derived from PHONETAG_SECRET_KEY with HKDF, so the
    digests say nothing to someone who has the database but not the environment."""
    material = secret_key.encode() if secret_key else _NO_SECRET
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=_KEY_INFO).derive(material)


def suppression_digest(key: bytes, team_id: str, kind: str, value: str) -> str:
    """The workspace is in the message, so one person's digests differ between workspaces."""
    message = "\x00".join((team_id, kind, value)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _digests(
    key: bytes, team_id: str, phones: Iterable[str | None], email: str | None
) -> dict[str, str]:
    """digest → kind, for the numbers (E.164, as stored) and the lower-cased email."""
    found = {suppression_digest(key, team_id, "phone", p): "phone" for p in phones if p}
    if email and email.strip():
        found[suppression_digest(key, team_id, "email", email.strip().lower())] = "email"
    return found


class SuppressionList:
    """A workspace's suppressions, read once for a whole import or pull."""

    def __init__(self, key: bytes, team_id: str, digests: frozenset[str]) -> None:
        self._key = key
        self._team_id = team_id
        self._digests = digests

    @classmethod
    def load(cls, session: Session, team_id: str, key: bytes) -> SuppressionList:
        digests = session.scalars(
            select(SuppressionRow.digest).where(SuppressionRow.team_id == team_id)
        ).all()
        return cls(key, team_id, frozenset(digests))

    def refuses(self, phones: Iterable[str | None], email: str | None) -> bool:
        if not self._digests:
            return False
        return not self._digests.isdisjoint(_digests(self._key, self._team_id, phones, email))


SUPPRESSED = (
    exists()
    .where(
        SuppressionRow.team_id == bindparam("team_id"),
        SuppressionRow.digest.in_(
            [bindparam("phone_digest"), bindparam("cell_digest"), bindparam("email_digest")]
        ),
    )
    .label("suppressed")
)
"""Whether a call's phone, cell or email (parameters from `suppressed_params`) belongs to
someone erased after asking not to be called: a column /logcall's first read carries."""


def suppressed_params(
    key: bytes, team_id: str, phone: str | None, cell: str | None, email: str | None
) -> dict[str, str | None]:
    """The digests SUPPRESSED looks for, as `is_suppressed` makes them; a detail not given
    looks for NULL, which matches nothing."""

    def digest(kind: str, value: str | None) -> str | None:
        return suppression_digest(key, team_id, kind, value) if value else None

    wanted = email.strip().lower() if email and email.strip() else None
    return {
        "phone_digest": digest("phone", phone),
        "cell_digest": digest("phone", cell),
        "email_digest": digest("email", wanted),
    }


def is_suppressed(
    session: Session, team_id: str, key: bytes, phones: Iterable[str | None], email: str | None
) -> bool:
    """One indexed read: whether any of these details belongs to someone erased after asking
    not to be called."""
    wanted = _digests(key, team_id, phones, email)
    if not wanted:
        return False
    found = session.scalar(
        select(SuppressionRow.id)
        .where(SuppressionRow.team_id == team_id, SuppressionRow.digest.in_(wanted))
        .limit(1)
    )
    return found is not None


def erasure(session: Session, team_id: str, prospect_id: int) -> Erasure | None:
    """What an erase of this prospect would take; None when the workspace has no such one."""
    row = session.scalars(
        select(ProspectRow).where(ProspectRow.team_id == team_id, ProspectRow.id == prospect_id)
    ).one_or_none()
    if row is None:
        return None
    calls = session.execute(
        select(CallLogRow.outcome, CallLogRow.notes, CallLogRow.crm_id).where(
            CallLogRow.team_id == team_id, CallLogRow.prospect_id == prospect_id
        )
    ).all()
    # Their owner's digest built ahead may name them.
    forget_rep_prepared(session, team_id, row.owner_id)
    call_ids = _call_ids(session, team_id, prospect_id)
    owed_ids = _owed_ids(session, team_id, prospect_id)
    drafts = session.scalar(
        select(func.count())
        .select_from(DraftRow)
        .where(DraftRow.team_id == team_id, DraftRow.prospect_id == prospect_id)
    )
    pushes = session.scalar(
        select(func.count())
        .select_from(CrmOutboxRow)
        .where(*_outbox_of(team_id, call_ids), CrmOutboxRow.status == "pending")
    )
    sent_reminders = session.scalar(
        select(func.count())
        .select_from(DeliveryRow)
        .where(*_reminders_of(team_id, prospect_id, owed_ids))
    )
    return Erasure(
        prospect_id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        calls=len(calls),
        notes=bool(row.connection_note) + sum(1 for _, notes, _ in calls if notes),
        talking_points=int(bool(row.hook)),
        drafts=int(drafts or 0),
        reminders=int(row.follow_up_at is not None) + len(owed_ids) + int(sent_reminders or 0),
        crm_pushes=int(pushes or 0),
        in_crm=bool(row.crm_id) or any(crm_id for _, _, crm_id in calls),
        asked_not_to_be_called=row.status == ProspectStatus.DNC
        or any(outcome == Outcome.DNC for outcome, _, _ in calls),
    )


def erase_prospect(
    session: Session, team_id: str, prospect_id: int, key: bytes, now: datetime
) -> Erasure | None:
    """Delete the prospect and everything about them in this workspace; if they ever asked
    not to be called, leave their suppression digests. None when there is no such prospect."""
    found = erasure(session, team_id, prospect_id)
    if found is None:
        return None
    row = session.get(ProspectRow, prospect_id)
    assert row is not None
    if found.asked_not_to_be_called:
        for digest, kind in _digests(key, team_id, (row.phone, row.cell), row.email).items():
            session.execute(
                insert_for(session, SuppressionRow)
                .values(team_id=team_id, kind=kind, digest=digest, created_at=now)
                .on_conflict_do_nothing()
            )
    call_ids = _call_ids(session, team_id, prospect_id)
    owed_ids = _owed_ids(session, team_id, prospect_id)
    session.execute(delete(DeliveryRow).where(*_reminders_of(team_id, prospect_id, owed_ids)))
    if call_ids:
        session.execute(delete(CrmOutboxRow).where(*_outbox_of(team_id, call_ids)))
    # The phone system's record of their calls, an unknown caller's included: it holds the number.
    numbers = [number for number in (row.phone, row.cell) if number]
    session.execute(
        delete(PhoneEventRow).where(
            PhoneEventRow.team_id == team_id,
            or_(PhoneEventRow.prospect_id == prospect_id, PhoneEventRow.number.in_(numbers)),
        )
    )
    for model in (OwedReturnCallRow, DraftRow, CallLogRow):
        session.execute(
            delete(model).where(model.team_id == team_id, model.prospect_id == prospect_id)
        )
    session.execute(
        delete(ProspectRow).where(ProspectRow.team_id == team_id, ProspectRow.id == prospect_id)
    )
    return found


def prospects_named(session: Session, team_id: str, key: str) -> list[ProspectRow]:
    """Every rep's prospects of that name key in the workspace (an admin's erase)."""
    return list(
        session.scalars(
            select(ProspectRow)
            .where(ProspectRow.team_id == team_id, ProspectRow.name_key == key)
            .order_by(ProspectRow.id)
        )
    )


def wipe_free_space(engine: Engine) -> None:
    """SQLite: fold the write-ahead log back into the file and empty it, so the deleted rows'
    old page images are not left in `-wal` (secure_delete zeroes them in the file itself).
    PostgreSQL keeps dead row versions until VACUUM: see docs/privacy.md."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.connection.dbapi_connection.execute(  # type: ignore[union-attr]
            "PRAGMA wal_checkpoint(TRUNCATE)"
        )


def _call_ids(session: Session, team_id: str, prospect_id: int) -> list[int]:
    return list(
        session.scalars(
            select(CallLogRow.id).where(
                CallLogRow.team_id == team_id, CallLogRow.prospect_id == prospect_id
            )
        )
    )


def _owed_ids(session: Session, team_id: str, prospect_id: int) -> list[int]:
    return list(
        session.scalars(
            select(OwedReturnCallRow.id).where(
                OwedReturnCallRow.team_id == team_id, OwedReturnCallRow.prospect_id == prospect_id
            )
        )
    )


def _outbox_of(team_id: str, call_ids: list[int]) -> tuple[Any, ...]:
    return (CrmOutboxRow.team_id == team_id, CrmOutboxRow.call_id.in_(call_ids))


def _reminders_of(team_id: str, prospect_id: int, owed_ids: list[int]) -> tuple[Any, ...]:
    """Reminder deliveries are named for what they remind of: "fu:12@0900", "owed:7@1430"."""
    names = [DeliveryRow.kind.like(f"fu:{prospect_id}@%")]
    names += [DeliveryRow.kind.like(f"owed:{owed}@%") for owed in owed_ids]
    return (DeliveryRow.team_id == team_id, or_(*names))


# -- export ---------------------------------------------------------------------------------

EXPORT_BATCH = 500
"""Rows read per transaction: an export of any size holds about this many in memory, and
holds the database (SQLite's one connection and write lock) only as long as a page takes."""


def team_tables() -> list[Table]:
    """Every table of ours that holds a workspace's rows, parents before children."""
    return [table for table in Base.metadata.sorted_tables if "team_id" in table.c]


def count_team_rows(session: Session, team_id: str) -> dict[str, int]:
    return {
        table.name: int(
            session.scalar(
                select(func.count()).select_from(table).where(table.c.team_id == team_id)
            )
            or 0
        )
        for table in team_tables()
    }


@dataclass(frozen=True)
class ExportPage:
    rows: list[dict[str, object]]
    """JSON-ready, encrypted secrets replaced by NOT_EXPORTED."""
    after: tuple[Any, ...] | None
    """The last row's primary key, where the next page starts; None after the last page."""


def export_page(
    session: Session, team_id: str, table: Table, after: tuple[Any, ...] | None
) -> ExportPage:
    """Up to EXPORT_BATCH of a table's rows for the workspace, in primary-key order, after
    the key `after` (keyset paging: each page is one indexed read, however deep)."""
    keys = list(table.primary_key.columns)
    statement = select(table).where(table.c.team_id == team_id)
    if after is not None:
        statement = statement.where(tuple_(*keys) > tuple_(*after))
    found = session.execute(statement.order_by(*keys).limit(EXPORT_BATCH)).all()
    rows = [
        {name: _exported(table.name, name, value) for name, value in row._mapping.items()}
        for row in found
    ]
    last = tuple(found[-1]._mapping[key.name] for key in keys) if found else None
    return ExportPage(rows, last if len(found) == EXPORT_BATCH else None)


def _exported(table: str, column: str, value: object) -> object:
    if value is not None and (table, column) in SECRET_COLUMNS:
        return NOT_EXPORTED
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# -- uninstall and forget -------------------------------------------------------------------


def mark_uninstalled(session: Session, team_id: str, now: datetime) -> None:
    """The grace period starts now (again, if the workspace uninstalled before)."""
    session.execute(
        insert_for(session, Workspace)
        .values(team_id=team_id, cadence_rules={}, created_at=now, uninstalled_at=now)
        .on_conflict_do_update(index_elements=["team_id"], set_={"uninstalled_at": now})
    )


def keep_installed(session: Session, team_id: str) -> None:
    """Installed again within the grace period: nothing is forgotten."""
    session.execute(
        update(Workspace).where(Workspace.team_id == team_id).values(uninstalled_at=None)
    )


def uninstalled_before(session: Session, before: datetime) -> list[str]:
    return list(
        session.scalars(
            select(Workspace.team_id)
            .where(Workspace.uninstalled_at.is_not(None), Workspace.uninstalled_at <= before)
            .order_by(Workspace.team_id)
        )
    )


FORGET_BATCH = 2000
"""Rows deleted per table per transaction: each statement stays far inside the database's
time limit however big the workspace was."""


def forget_batch(session: Session, team_id: str) -> tuple[str, int]:
    """Delete up to FORGET_BATCH of the workspace's rows from the first table, children
    first, that still has some (Slack's stored tokens for it included): (table, rows).

    A parent's rows go only once its children's are gone, so no delete waits on a cascade.
    The `workspaces` row (the uninstall mark) goes last, so a forget cut short carries on
    at the next tick."""
    oauth = [table for table in OAUTH_METADATA.sorted_tables if "team_id" in table.c]
    for table in [*oauth, *reversed(team_tables())]:
        if table.name == Workspace.__tablename__:
            continue
        count = _delete_some(session.connection(), table, team_id)
        if count:
            return table.name, count
    gone = session.execute(delete(Workspace).where(Workspace.team_id == team_id))
    return Workspace.__tablename__, int(gone.rowcount or 0)  # type: ignore[attr-defined]


def _delete_some(connection: Connection, table: Table, team_id: str) -> int:
    keys = list(table.primary_key.columns)
    if len(keys) == 1:
        (key,) = keys
        chosen = select(key).where(table.c.team_id == team_id).limit(FORGET_BATCH)
        statement = delete(table).where(key.in_(chosen.scalar_subquery()))
    else:
        statement = delete(table).where(table.c.team_id == team_id)
    return int(connection.execute(statement).rowcount or 0)
