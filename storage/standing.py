"""Each prospect's stored standing: its relationship stage and when the digest next needs it.

The values are `bot.insights.standing`'s, worked out from every call. A logged call stores
them in the statement that updates its prospect (`logbook.log_call`). Every other change to
what they are worked out from (a prospect's details, snooze or follow-up, an undone call,
a CRM pull, the rep's zone, the workspace's rules) *forgets* them instead: the stage goes
to None and `due_at` to NOT_KNOWN, before every digest, so the next digest to read the rep
works them out from the calls as it always did and writes them back (`write_back`).

`standing_version` counts those changes. A digest writes back only where the version is
still the one it read, so a standing it worked out from calls read before a change never
overwrites the change's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from bot.insights.digest_plan import Section, StoredListing
from bot.insights.standing import Standing
from storage.models import NOT_KNOWN, ProspectRow

BUMPED = ProspectRow.standing_version + 1
FORGOTTEN: Mapping[str, Any] = {
    "stage": None,
    "due_at": NOT_KNOWN,
    "listed_in": None,
    "standing_version": BUMPED,
}
"""The values of a prospect whose standing is not known (an UPDATE's `values`)."""


@dataclass(frozen=True)
class WorkedOut:
    """A standing the digest worked out for a prospect it read at `version`."""

    team_id: str
    prospect_id: int
    version: int
    standing: Standing


WINDOW = "window"
"""`listed_in` of a prospect listed in a window to call in."""
STANDING_COLUMNS = (
    "stage",
    "due_at",
    "listed_in",
    "listed_until",
    "listed_callback_due",
    "listed_last_dial_at",
    "listed_next_try",
)
"""The columns a standing is stored in, but the version."""


def stored(standing: Standing) -> dict[str, object]:
    """The columns a standing is stored in (with `standing_version` bumped by the writer)."""
    listing = standing.listing
    if listing is None:
        return dict.fromkeys(STANDING_COLUMNS) | {
            "stage": standing.stage.value,
            "due_at": standing.due_at,
        }
    return {
        "stage": standing.stage.value,
        "due_at": standing.due_at,
        "listed_in": WINDOW if listing.section is None else listing.section.value,
        "listed_until": listing.until,
        "listed_callback_due": listing.callback_due,
        "listed_last_dial_at": listing.last_dial_at,
        "listed_next_try": listing.next_try,
    }


def listing_of(row: Any) -> StoredListing | None:
    """The listing stored on a prospect row (or a row of its columns), if any."""
    if row.listed_in is None or row.due_at is None:
        return None
    return StoredListing(
        None if row.listed_in == WINDOW else Section(row.listed_in),
        row.due_at,
        row.listed_until,
        callback_due=row.listed_callback_due,
        last_dial_at=row.listed_last_dial_at,
        next_try=row.listed_next_try,
    )


def forget(session: Session, team_id: str, prospect_ids: Iterable[int]) -> None:
    """The standing of these prospects is not known any more: something it is worked out
    from changed."""
    ids = list(prospect_ids)
    if ids:
        _forget_where(session, ProspectRow.team_id == team_id, ProspectRow.id.in_(ids))


def forget_row(row: ProspectRow) -> None:
    """`forget` for a prospect loaded in the session, changed through its attributes."""
    row.stage = None
    row.due_at = NOT_KNOWN
    row.listed_in = None
    row.standing_version = BUMPED  # type: ignore[assignment]


def forget_rep(session: Session, team_id: str, owner_id: str) -> None:
    """Every prospect of the rep: their day starts on another clock now."""
    _forget_where(session, ProspectRow.team_id == team_id, ProspectRow.owner_id == owner_id)


def forget_workspace(session: Session, team_id: str) -> None:
    """Every prospect of the workspace: its cadence rules changed."""
    _forget_where(session, ProspectRow.team_id == team_id)


def _forget_where(session: Session, *where: Any) -> None:
    session.execute(
        update(ProspectRow)
        .where(*where)
        .values(FORGOTTEN)
        .execution_options(synchronize_session=False)
    )


_WRITE_BACK = (
    update(ProspectRow)
    .where(
        ProspectRow.team_id == bindparam("w_team_id"),
        ProspectRow.id == bindparam("w_id"),
        ProspectRow.standing_version == bindparam("w_version"),
    )
    .values({name: bindparam(f"w_{name}") for name in STANDING_COLUMNS})
)


def write_back(session: Session, worked_out: Iterable[WorkedOut]) -> None:
    """Store standings the digest worked out, one statement for all of them; a prospect
    changed since it was read keeps what the change wrote."""
    rows = [
        {
            "w_team_id": item.team_id,
            "w_id": item.prospect_id,
            "w_version": item.version,
            **{f"w_{name}": value for name, value in stored(item.standing).items()},
        }
        for item in worked_out
    ]
    if rows:
        session.connection().execute(_WRITE_BACK, rows)
