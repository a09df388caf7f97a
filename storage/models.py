"""Tables. Every row carries the Slack team_id so one database serves many workspaces."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.grammar.logcall import MAX_NAME
from bot.rules.schedule import DEFAULT_DAYS, DEFAULT_TIME

NAME_KEY_LENGTH = 3 * MAX_NAME
"""A name's casefold, spacing collapsed: a character casefolds to at most three ("ß" to "ss",
"ΐ" to three), so any name a rep may type fits."""

MAX_RECORDING_URL = 1000
"""Aircall's and Twilio's recording links are signed URLs of a few hundred characters."""

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


NOT_KNOWN = datetime(1970, 1, 1, tzinfo=UTC)
"""A prospect's `due_at` while its standing is not known: before every digest, so the next
one to read the rep works it out from the calls and writes it back."""


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back aware datetimes, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Workspace(Base):
    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cadence_rules: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    window_learning: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """Whether call windows are ranked from the team's own dials, or by experience alone."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When Slack said the app was uninstalled: the worker forgets the workspace once the
    grace period (PHONETAG_UNINSTALL_GRACE_DAYS) has passed, unless it was installed again."""


class RepRow(Base):
    __tablename__ = "reps"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    cell: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    company: Mapped[str | None] = mapped_column(String(200))
    benefit: Mapped[str | None] = mapped_column(Text)
    desk_hours: Mapped[str | None] = mapped_column(String(11))
    """When the rep is at their desk for return calls, "09:00-12:00" on their own clock."""
    working_day: Mapped[str | None] = mapped_column(String(11))
    """When the rep makes calls, "07:00-19:00" on their clock; NULL is the default day."""
    partners: Mapped[str | None] = mapped_column(String(200))
    """Firms the rep refers callers to when the need is not theirs, as typed."""
    digest_time: Mapped[str] = mapped_column(String(5), default=DEFAULT_TIME)
    digest_days: Mapped[str] = mapped_column(String(40), default=DEFAULT_DAYS)
    digest_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_when_empty: Mapped[bool] = mapped_column(Boolean, default=False)
    weekly_time: Mapped[str | None] = mapped_column(
        String(5), default="15:00", server_default="15:00"
    )
    """When the Friday picture comes, on the rep's clock; NULL when the rep turned it off."""
    home_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the rep first opened the App Home; until then there is no Home to keep fresh."""
    crm_owner_id: Mapped[str | None] = mapped_column(String(64))
    """The rep's user in the workspace's CRM, matched by their Slack email."""
    crm_owner_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the CRM last said it has no user with the rep's email: asked again a day later,
    not on every push."""
    reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """Whether follow-ups and owed return calls are nudged by DM at their minute."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProspectRow(Base):
    __tablename__ = "prospects"
    __table_args__ = (
        Index("ix_prospects_owner_name", "team_id", "owner_id", "name_key", unique=True),
        Index("ix_prospects_owner_phone", "team_id", "owner_id", "phone"),
        Index("ix_prospects_crm_id", "team_id", "crm_id"),
        Index("ix_prospects_due", "team_id", "owner_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_LENGTH))
    company: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    cell: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    tz: Mapped[str | None] = mapped_column(String(64))
    tz_inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    deal_value: Mapped[int | None] = mapped_column(BigInteger)
    referrer: Mapped[str | None] = mapped_column(String(200))
    connection_note: Mapped[str | None] = mapped_column(Text)
    """The rep's private note: never read aloud or sent."""
    hook: Mapped[str | None] = mapped_column(Text)
    """A talking point drafts may use ("their Q1 rollout")."""
    status: Mapped[str] = mapped_column(String(20), default="active")
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    crm_id: Mapped[str | None] = mapped_column(String(64))
    """The contact (HubSpot) or Lead/Contact (Salesforce) this prospect is in the CRM."""
    crm_object: Mapped[str | None] = mapped_column(String(20))
    """Which kind of CRM record `crm_id` names: contact or lead."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stage: Mapped[str | None] = mapped_column(String(20))
    """The relationship stage (`bot.rules.relationship.Stage`) as of the last write; None
    while not known (`due_at` is then NOT_KNOWN): see `storage.standing`."""
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=NOT_KNOWN)
    """When the digest next needs the prospect (`bot.insights.standing`); None for never."""
    standing_version: Mapped[int] = mapped_column(Integer, default=0)
    """Counts the changes to what the standing is worked out from, so a digest writing back
    a standing it worked out does not overwrite one written since."""
    listed_in: Mapped[str | None] = mapped_column(String(20))
    """Where the digest lists the prospect from `due_at` (`bot.insights.digest_plan.
    StoredListing`): a section, or "window"; None when not listed then, or not known."""
    listed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When that listing may change by time alone; None for never."""
    listed_callback_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    listed_last_dial_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    listed_next_try: Mapped[datetime | None] = mapped_column(UTCDateTime)

    calls: Mapped[list[CallLogRow]] = relationship(
        back_populates="prospect", order_by="CallLogRow.at", passive_deletes=True
    )


class CallLogRow(Base):
    __tablename__ = "call_logs"
    __table_args__ = (
        Index("ix_call_logs_prospect_at", "team_id", "prospect_id", "at"),
        # ON DELETE CASCADE finds children by the foreign key alone, and PostgreSQL indexes
        # only the referenced side: without these, deleting a prospect or undoing a call
        # scans the whole child table.
        Index("ix_call_logs_prospect_id", "prospect_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    rep_user_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undo_snapshot: Mapped[dict[str, object] | None] = mapped_column(JSON)
    """What Undo puts back: the prospect's fields before this call (or that the call created
    the prospect) and the owed return calls it closed. NULL for calls logged before Undo."""
    crm_id: Mapped[str | None] = mapped_column(String(64))
    """The call's record in the CRM once pushed: what Undo deletes there."""
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    """How long the call lasted, when a phone system told us (NULL for a typed call)."""
    recording_url: Mapped[str | None] = mapped_column(String(MAX_RECORDING_URL))
    """The phone system's recording of the call, pushed to the CRM with it."""

    prospect: Mapped[ProspectRow] = relationship(back_populates="calls")


class OwedReturnCallRow(Base):
    """An inbound call: the rep owes a return call within 24 hours."""

    __tablename__ = "owed_return_calls"
    __table_args__ = (
        Index("ix_owed_open", "team_id", "rep_user_id", "returned_at"),
        # Every dial closes its prospect's open ones; undo and cascades find them by call.
        Index("ix_owed_prospect_open", "prospect_id", "returned_at"),
        Index("ix_owed_inbound_call_id", "inbound_call_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    rep_user_id: Mapped[str] = mapped_column(String(32))
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    inbound_call_id: Mapped[int] = mapped_column(ForeignKey("call_logs.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the rep snoozed its reminder to; NULL: RETURN_CALL_WARNING before `due_at`."""


class RepFactRow(Base):
    """One short "commercial" about the rep's business; each voicemail reveals a new one."""

    __tablename__ = "rep_facts"
    __table_args__ = (Index("ix_rep_facts_rep", "team_id", "user_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DraftRow(Base):
    """What was already said to a prospect, so the next draft says something new."""

    __tablename__ = "drafts"
    __table_args__ = (
        Index("ix_drafts_prospect", "team_id", "prospect_id", "created_at"),
        Index("ix_drafts_prospect_id", "prospect_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    rep_user_id: Mapped[str] = mapped_column(String(32))
    prospect_id: Mapped[int | None] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    fact_used: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    promised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When a voicemail said it would try again: the follow-up once the voicemail is logged."""


class DeliveryRow(Base):
    """One scheduled DM to one rep on one local day, claimed before posting so it goes once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("team_id", "rep_user_id", "kind", "local_date"),
        Index("ix_deliveries_team_kind_day", "team_id", "kind", "local_date"),
        Index("ix_deliveries_local_date", "local_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    rep_user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When `claimed_by` took the day, on the database's clock."""
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The claim holds until then (the database's clock), renewed while its post is in
    flight; only a lapsed lease is taken over. NULL once the day's outcome is written."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Posts that went to Slack; reading the DM for an earlier one is not an attempt."""
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Rounds that ended FAILED or UNKNOWN: the wait before the next grows with them."""
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """A FAILED or UNKNOWN day is tried again from then (the rounds' clock)."""
    channel: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PreparedDigestRow(Base):
    """A rep's daily digest built in the minutes before it is due, so the tick at the minute
    only posts it: its message and a fingerprint of what it was built from. Any tick on any
    host may post it; one whose data changed since is rebuilt. Deleted once the day settles."""

    __tablename__ = "prepared_digests"
    __table_args__ = (
        UniqueConstraint("team_id", "rep_user_id", "local_date"),
        Index("ix_prepared_digests_digest_at", "digest_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    rep_user_id: Mapped[str] = mapped_column(String(32))
    local_date: Mapped[date] = mapped_column(Date)
    digest_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """The instant the digest is due, the `now` it was built for."""
    fingerprint: Mapped[str] = mapped_column(String(64))
    """What the digest was built from: the database's hash of the rep's rows on PostgreSQL,
    a hash of the rep's digest inputs as read on SQLite (`storage.prepared_digests`)."""
    message: Mapped[dict[str, object]] = mapped_column(JSON)
    """The Block Kit message; empty for a day with nothing due that posts nothing."""
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessedEventRow(Base):
    """Slack retries an event it thinks we missed, and a signed command or click can be sent
    again by whoever copied it: the first delivery claims its id (or its signature)."""

    __tablename__ = "processed_events"
    __table_args__ = (Index("ix_processed_events_received_at", "received_at"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CrmConnectionRow(Base):
    """A workspace's CRM: which one, its credentials (Fernet-encrypted) and the pull's state.

    `lease_*` let one worker at a time send a workspace's outbox, so its calls reach the CRM
    in the order they were logged however many processes tick.
    """

    __tablename__ = "crm_connections"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    credentials: Mapped[str | None] = mapped_column(Text)
    """Encrypted JSON; NULL when the credentials come from the environment."""
    account_id: Mapped[str | None] = mapped_column(String(64))
    """HubSpot's portal id or Salesforce's instance URL: what record links are built on."""
    web_url: Mapped[str | None] = mapped_column(String(200))
    connected_by: Mapped[str | None] = mapped_column(String(32))
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sync_cursor: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The newest last-modified time pulled so far: the next pull asks only for later ones."""
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_error: Mapped[str | None] = mapped_column(String(300))
    last_push_error: Mapped[str | None] = mapped_column(String(300))
    """Why calls are waiting, in the rep's words; NULL once the CRM takes them again."""
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    auth_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the admin who connected was told by DM that the CRM refused its credentials:
    told once, until a reconnect clears it."""
    auth_refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the CRM last refused the credentials: the tick leaves the workspace alone for
    a while rather than knock every minute; a reconnect or a delivered call clears it."""
    dispositions: Mapped[str | None] = mapped_column(Text)
    """JSON: our outcome -> the CRM's own call outcome an admin mapped it to (a HubSpot
    disposition id, a Salesforce CallDisposition text); unmapped outcomes use the defaults."""


class CrmOAuthStateRow(Base):
    """An OAuth connect in flight: the `state` an admin's browser carries to the CRM and back.

    Only its SHA-256 is kept; it binds the flow to the workspace and the admin who started
    it, expires, and is deleted when used, so it works once.
    """

    __tablename__ = "crm_oauth_states"
    __table_args__ = (Index("ix_crm_oauth_states_expires_at", "expires_at"),)

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))
    code_verifier: Mapped[str | None] = mapped_column(String(128))
    """PKCE's secret half (Salesforce), sent with the code when it is exchanged."""
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CrmOutboxRow(Base):
    """A call to push to the CRM, or a pushed one to delete, written with the call itself.

    No foreign key to the call: an undone call is gone, and its delete must still be sent.
    """

    __tablename__ = "crm_outbox"
    __table_args__ = (
        Index("ix_crm_outbox_team_status", "team_id", "status", "id"),
        Index("ix_crm_outbox_call", "team_id", "call_id"),
        Index("ix_crm_outbox_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    rep_user_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(20))
    call_id: Mapped[int] = mapped_column(Integer)
    crm_id: Mapped[str | None] = mapped_column(String(64))
    """What was created (push), or what to delete (delete)."""
    outcome: Mapped[str | None] = mapped_column(String(20))
    """A delete's undone outcome: with the call id it names the record to look for when
    the push's answer was lost."""
    response_url: Mapped[str | None] = mapped_column(String(500))
    """Where the rep's /logcall reply can be followed up with "also logged in HubSpot"."""
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HomeRedrawRow(Base):
    """A rep's App Home to redraw, left for the redraw loop (`bot.runtime.home_redraws`).

    One row per rep however many calls ask: the loop takes a row once the rep's changes have
    paused a moment (or have gone on for a while), so a burst of calls ends in one redraw.
    """

    __tablename__ = "home_redraws"
    __table_args__ = (Index("ix_home_redraws_wanted_at", "wanted_at"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    wanted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When the first change still undrawn was saved."""
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When the latest change still undrawn was saved."""


class PhoneAccountRow(Base):
    """A phone system connected to a workspace by an admin (`/prospect phone`).

    `token` is the webhook token (Aircall) or auth token (Twilio), Fernet-encrypted like the
    CRM's credentials; NULL when the environment's token serves this workspace.
    """

    __tablename__ = "phone_accounts"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    vendor: Mapped[str] = mapped_column(String(20), primary_key=True)
    token: Mapped[str | None] = mapped_column(Text)
    connected_by: Mapped[str] = mapped_column(String(32))
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PhoneEventRow(Base):
    """One call a phone system told us about, keyed by the vendor's own call id, so the
    same call delivered twice (or as several events) is acted on once."""

    __tablename__ = "phone_events"
    __table_args__ = (UniqueConstraint("vendor", "vendor_call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    vendor: Mapped[str] = mapped_column(String(20))
    vendor_call_id: Mapped[str] = mapped_column(String(64))
    rep_user_id: Mapped[str] = mapped_column(String(32))
    prospect_id: Mapped[int | None] = mapped_column(
        ForeignKey("prospects.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(32))
    """The other party's number, E.164."""
    direction: Mapped[str] = mapped_column(String(10))
    answered: Mapped[bool] = mapped_column(Boolean)
    machine: Mapped[bool] = mapped_column(Boolean, default=False)
    """Answering-machine detection said a machine picked up."""
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int] = mapped_column(Integer)
    recording_url: Mapped[str | None] = mapped_column(String(MAX_RECORDING_URL))
    status: Mapped[str] = mapped_column(String(20))
    """asked (the rep has the buttons), logged, matched (a call typed by hand), offered
    (an unknown caller, "Save as prospect?")."""
    call_log_id: Mapped[int | None] = mapped_column(
        ForeignKey("call_logs.id", ondelete="SET NULL"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SuppressionRow(Base):
    """Someone who asked not to be called and was then erased: a keyed hash of one of their
    numbers or of their email, nothing readable, so that an import, a CRM pull or a /logcall
    cannot bring them back (see storage.privacy)."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("team_id", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(10))
    """phone or email: which detail the digest was made from."""
    digest: Mapped[str] = mapped_column(String(64))
    """HMAC-SHA256, hex, of the workspace, the kind and the E.164 number or lower-cased email."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
