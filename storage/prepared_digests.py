"""Digests built ahead of their minute: stored per rep and local date until the day settles.

Any tick on any host may prepare or post one, so they live in the database, not in a
worker's memory; a tick reads and writes them a batch at a time, so its memory is bounded
by the batch, not the morning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, text, tuple_
from sqlalchemy.orm import Session

from storage import standing as standing_store
from storage.db import insert_for
from storage.digest import DeliveryKey, DigestInputs, DigestRecipient
from storage.models import PreparedDigestRow


@dataclass(frozen=True)
class PreparedDigest:
    key: DeliveryKey
    digest_at: datetime
    """The instant it is due: the `now` it was planned for."""
    fingerprint: str
    message: dict[str, object]
    """Empty when nothing is due and the rep did not ask for empty digests."""


KEYS_PER_STATEMENT = 500
"""Keys looked up at once: SQLite takes a bounded number of parameters per statement."""


def _of(keys: Collection[DeliveryKey]) -> ColumnElement[bool]:
    return tuple_(
        PreparedDigestRow.team_id, PreparedDigestRow.rep_user_id, PreparedDigestRow.local_date
    ).in_([(key.team_id, key.rep_user_id, key.local_date) for key in keys])


_DERIVED = [*standing_store.STANDING_COLUMNS, "standing_version"]
"""The prospect columns a marker leaves out: the standing, derived from the others."""


def digest_fingerprint(recipient: DigestRecipient, inputs: DigestInputs) -> str:
    """A hash of everything a rep's digest is planned from but the instant and the learned
    windows (kept for minutes anyway): their prospects and calls, owed calls, the
    workspace's rules and the rep's own settings, as read. Equal fingerprints, equal digest:
    planning is a pure function of them. Every field of these frozen dataclasses takes part
    through its repr, so a field added later is fingerprinted too; the lists (prospects,
    owed calls) in sorted order, as the database hands rows back in no fixed order (two
    reads of the same rows on PostgreSQL differ, its scans starting where another is)."""
    parts = [repr(recipient)]
    for field in fields(inputs):
        value = getattr(inputs, field.name)
        if isinstance(value, list):
            parts.append(f"{field.name}=[{','.join(sorted(map(repr, value)))}]")
        else:
            parts.append(f"{field.name}={value!r}")
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()


_MARKERS = text(
    """
    SELECT r.team_id, r.user_id, md5(concat_ws('|',
        r::text,
        (SELECT w::text FROM workspaces w WHERE w.team_id = r.team_id),
        (SELECT string_agg((to_jsonb(p) - CAST(:derived AS text[]))::text, ',' ORDER BY p.id)
            FROM prospects p
            WHERE p.team_id = r.team_id AND p.owner_id = r.user_id),
        (SELECT count(*) || ':' || coalesce(max(c.id), 0)
            FROM prospects p JOIN call_logs c
                ON c.team_id = p.team_id AND c.prospect_id = p.id
            WHERE p.team_id = r.team_id AND p.owner_id = r.user_id),
        (SELECT string_agg(o::text, ',' ORDER BY o.id) FROM owed_return_calls o
            WHERE o.team_id = r.team_id AND o.rep_user_id = r.user_id)
    )) AS marker
    FROM reps r
    JOIN unnest(CAST(:teams AS text[]), CAST(:users AS text[])) AS wanted(team_id, user_id)
        ON r.team_id = wanted.team_id AND r.user_id = wanted.user_id
    """
)
"""On PostgreSQL, a marker of every row a rep's digest is read from, hashed by the database:
the rep's row (zone, calling day, digest settings), their workspace's (cadence rules), their
prospects' whole rows but their stored standing (`storage.standing`: worked out from the
rest, and written back by the very read that prepares a digest), how many calls those
prospects have and the newest one's id (calls are added and undone, never edited in ways a
digest reads), and their owed calls' rows.
A write to any of them changes it. Any column added to these tables is covered; a new table
the digest reads must be added here."""


def data_markers(
    session: Session, reps: Collection[tuple[str, str]]
) -> dict[tuple[str, str], str] | None:
    """Each rep's `_MARKERS`, in one statement, the hashing done by the database and not
    this process: what a tick at the minute compares instead of reading and fingerprinting
    the rep's data. None on SQLite (no md5; its deployments are small): the caller
    fingerprints what it reads instead (`digest_fingerprint`)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    if not reps:
        return {}
    teams, users = zip(*reps, strict=True)
    rows = session.execute(
        _MARKERS, {"teams": list(teams), "users": list(users), "derived": _DERIVED}
    ).all()
    return {(row.team_id, row.user_id): "db:" + row.marker for row in rows}


_DUE = (
    PreparedDigestRow.team_id,
    PreparedDigestRow.rep_user_id,
    PreparedDigestRow.local_date,
    PreparedDigestRow.digest_at,
)
"""A prepared digest's day and the instant it was prepared for."""


def prepared_keys(session: Session, keys: Collection[DeliveryKey]) -> dict[DeliveryKey, datetime]:
    """Of `keys`, those already prepared, with the instant each was prepared for."""
    wanted = sorted(keys)
    found: dict[DeliveryKey, datetime] = {}
    for start in range(0, len(wanted), KEYS_PER_STATEMENT):
        rows = session.execute(
            select(*_DUE).where(_of(wanted[start : start + KEYS_PER_STATEMENT]))
        ).all()
        found.update({DeliveryKey(*row[:3]): row.digest_at for row in rows})
    return found


def prepared_digests(
    session: Session, keys: Collection[DeliveryKey]
) -> dict[DeliveryKey, PreparedDigest]:
    """The stored digests of `keys` (one statement for a batch)."""
    if not keys:
        return {}
    rows = session.execute(
        select(*_DUE, PreparedDigestRow.fingerprint, PreparedDigestRow.message).where(_of(keys))
    ).all()
    found = {}
    for row in rows:
        key = DeliveryKey(row.team_id, row.rep_user_id, row.local_date)
        found[key] = PreparedDigest(key, row.digest_at, row.fingerprint, row.message or {})
    return found


def store_prepared(
    session: Session, prepared: Iterable[PreparedDigest], built_at: datetime
) -> None:
    """Insert or replace each rep's prepared digest for its day, in one statement."""
    values = [
        {
            "team_id": p.key.team_id,
            "rep_user_id": p.key.rep_user_id,
            "local_date": p.key.local_date,
            "digest_at": p.digest_at,
            "fingerprint": p.fingerprint,
            "message": p.message,
            "built_at": built_at,
        }
        for p in prepared
    ]
    if not values:
        return
    insert = insert_for(session, PreparedDigestRow).values(values)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["team_id", "rep_user_id", "local_date"],
            set_={
                column: insert.excluded[column]
                for column in ("digest_at", "fingerprint", "message", "built_at")
            },
        )
    )


def forget_prepared(session: Session, keys: Collection[DeliveryKey]) -> None:
    """The days settled: their prepared digests are not needed again."""
    wanted = sorted(keys)
    for start in range(0, len(wanted), KEYS_PER_STATEMENT):
        session.execute(
            delete(PreparedDigestRow)
            .where(_of(wanted[start : start + KEYS_PER_STATEMENT]))
            .execution_options(synchronize_session=False)
        )


def forget_rep_prepared(session: Session, team_id: str, rep_user_id: str) -> None:
    """A rep's prepared digests, whatever the day (a prospect of theirs was erased)."""
    session.execute(
        delete(PreparedDigestRow).where(
            PreparedDigestRow.team_id == team_id, PreparedDigestRow.rep_user_id == rep_user_id
        )
    )


def prune_prepared(session: Session, before: datetime) -> int:
    """Forget digests due before `before` that no tick settled (a paused rep, a day given up)."""
    deleted = session.execute(
        delete(PreparedDigestRow)
        .where(PreparedDigestRow.digest_at < before)
        .execution_options(synchronize_session=False)
    )
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]
