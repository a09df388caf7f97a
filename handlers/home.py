"""App Home: the rep's dashboard, published when they open it and after every logged call.

Today's list is the digest's own plan and the week is the weekly picture's own count, so
Home, the morning DM and Friday's DM never disagree.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Row
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot import ids
from bot.blocks.crm import build_crm_home_blocks
from bot.blocks.digest import build_digest_settings
from bot.blocks.home import build_digest_settings_modal, build_home_view
from bot.blocks.logcall import build_logcall_modal
from bot.blocks.scripts import build_profile_modal
from bot.rules.calls import Rep
from bot.rules.schedule import DEFAULT_DAYS, DEFAULT_TIME, DigestSchedule
from bot.services.context import HOME_SETTLE_SECONDS
from bot.services.oauth import NotInstalledError
from bot.services.slack_delivery import ClientForTeam
from handlers.crm import crm_status
from handlers.reps import ActingRep, acting_rep, interaction_rep_ids, rep_from_row
from storage import digest as digest_store
from storage import home as home_store
from storage import queries
from storage import scripts as script_store
from storage.home import DigestSettingsRow

if TYPE_CHECKING:
    from bot.services.context import Services

logger = logging.getLogger(__name__)

HOME_SETTLE = timedelta(seconds=HOME_SETTLE_SECONDS)
HOME_LONGEST_WAIT = timedelta(seconds=5)
"""A rep whose changes never pause for the settle time (calls coming in from a phone system
back to back) still gets their Home redrawn this long after the first of them."""
REDRAW_BATCH = 50
"""Homes taken per transaction: a loop catching up after a pause redraws them in batches
rather than holding a thousand claimed while it draws the first."""
REDRAW_RETRY_SECONDS = 10.0
"""How long a Home whose redraw met a passing fault waits before the next try (a 429 says
its own wait)."""


def register(app: App) -> None:
    app.event("app_home_opened")(handle_home_opened)
    app.action(ids.HOME_LOG_CALL)(handle_home_log_call)
    app.action(ids.HOME_EDIT_PROFILE)(handle_home_edit_profile)
    app.action(ids.HOME_DIGEST_SETTINGS)(handle_home_digest_settings)


def handle_home_opened(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Slack sends this for the Messages tab too; only the Home tab is ours to draw."""
    if event.get("tab") != "home":
        return
    services = context["services"]
    rep = acting_rep(services.session_factory, client, str(body["team_id"]), event["user"])
    now = services.clock()
    if not rep.home_opened:
        with services.session_factory.begin() as session:
            queries.note_home_opened(session, rep.team_id, rep.user_id, rep.tz.key, rep.name, now)
    shown = event.get("view")
    publish_home(services, client, rep, now, shown.get("hash") if isinstance(shown, dict) else None)


def handle_home_log_call(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    rep = _clicker(body, client, context)
    client.views_open(trigger_id=body["trigger_id"], view=build_logcall_modal(rep.tz))


def handle_home_edit_profile(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The /vmscript profile form; its own submission listener saves it."""
    ack()
    rep = _clicker(body, client, context)
    with context["services"].session_factory() as session:
        profile = script_store.rep_profile(session, rep.team_id, rep.user_id)
    profile = profile or Rep(user_id=rep.user_id, tz=rep.tz.key, name=rep.name)
    client.views_open(trigger_id=body["trigger_id"], view=build_profile_modal(profile))


def handle_home_digest_settings(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    services = context["services"]
    rep = _clicker(body, client, context)
    with services.session_factory() as session:
        row = queries.rep_row(session, rep.team_id, rep.user_id)
        digest = DigestSettingsRow.of(row) if row else None
    settings = _settings_blocks(digest, rep, services.clock())
    client.views_open(trigger_id=body["trigger_id"], view=build_digest_settings_modal(settings))


def publish_home(
    services: Services,
    client: WebClient,
    rep: ActingRep,
    now: datetime,
    shown_hash: str | None = None,
) -> None:
    """`shown_hash` is the hash of the view Slack shows the rep, when Slack said (on
    opening): if that is the view we would publish, it is not published again."""
    view = _home_view(services, rep, now)
    digest = hashlib.sha256(json.dumps(view).encode()).hexdigest()
    key = (rep.team_id, rep.user_id)
    if services.homes.shown(key, digest, shown_hash):
        return
    _publish(services, client, rep, view, digest)


def _home_view(services: Services, rep: ActingRep, now: datetime) -> dict[str, Any]:
    with services.session_factory() as session:
        advisor = services.evidence.advisor(session, rep.team_id, rep.user_id, now)
        plan = digest_store.rep_digest_plan(session, rep.team_id, rep.user_id, rep.tz, now, advisor)
        reads = home_store.home_reads(session, rep.team_id, rep.user_id, rep.tz, now)
        crm = crm_status(session, rep)
    crm_blocks = build_crm_home_blocks(crm, rep.tz) if crm is not None else []
    settings = _settings_blocks(reads.digest, rep, now)
    return build_home_view(plan, reads.week, settings, crm_blocks)


def _publish(
    services: Services, client: WebClient, rep: ActingRep, view: dict[str, Any], digest: str
) -> None:
    published = client.views_publish(user_id=rep.user_id, view=view).get("view")
    services.homes.published(
        (rep.team_id, rep.user_id), digest, published.get("hash") if published else None
    )


def refresh_home(
    services: Services, rep: ActingRep, now: datetime, *, queued: bool = False
) -> None:
    """After a call is logged or undone (or a snooze, a digest change): leave the rep's Home
    to be redrawn, one row in `home_redraws`, and never draw it on the request's thread.

    A rep who never opened the Home has none to refresh; opening it draws it fresh, so the
    work, a digest plan and a week's count, is spared for every rep who lives in the DM.
    The redraw loop (`bot.runtime.home_redraws`: in `phonetag worker` when one is
    configured, otherwise in `serve`, `socket` or each gunicorn worker) draws it once the rep
    has paused. `queued`: the change's own transaction wrote the row already, as
    `handlers.call_logging` does; otherwise it is written here, in a transaction of its
    own. The change is saved either way, so a failure here is only logged: the Home catches
    up with the next change or when it is opened.
    """
    if not rep.home_opened or queued:
        return
    try:
        with services.session_factory.begin() as session:
            home_store.want_redraw(session, rep.team_id, rep.user_id, now)
    except SQLAlchemyError as error:
        logger.warning("App Home redraw for %s not queued: %s", rep.user_id, error)


def redraw_waiting_homes(services: Services, client_for_team: ClientForTeam) -> int:
    """The redraw loop's pass: redraws the Homes waiting in `home_redraws` once their reps'
    changes have paused for the settle time (or have gone on for `HOME_LONGEST_WAIT`), and
    says how many it took.

    Homes are taken by deleting their rows, so of several processes only one draws each. A
    redraw that fails on a passing fault (Slack busy, rate limited or unreachable, the
    database down) is left for a later pass: its row is written again, due after a pause.
    Any other failure is logged and dropped, since one rep's broken Home must not cost the
    others theirs, nor be retried every second: it is drawn anew with the rep's next change
    or when they open it.
    """
    drawn = 0
    while True:
        now = services.clock()
        with services.session_factory.begin() as session:
            taken = home_store.take_redraws(
                session, now - HOME_SETTLE, now - HOME_LONGEST_WAIT, REDRAW_BATCH
            )
            reps = home_store.reps_of(session, taken)
        clients = _Clients(client_for_team)
        for team_id, user_id in taken:
            found = reps.get((team_id, user_id))
            if found is not None:
                _redraw(services, clients, team_id, user_id, found, now)
        drawn += len(taken)
        if len(taken) < REDRAW_BATCH:
            return drawn


class _Clients:
    """The batch's Slack client per workspace, each asked for once."""

    def __init__(self, client_for_team: ClientForTeam) -> None:
        self._client_for_team = client_for_team
        self._known: dict[str, WebClient | None] = {}

    def __call__(self, team_id: str) -> WebClient | None:
        if team_id not in self._known:
            try:
                self._known[team_id] = self._client_for_team(team_id)
            except NotInstalledError:
                logger.info("no Home redraw for %s: the app is not installed there", team_id)
                self._known[team_id] = None
        return self._known[team_id]


def _redraw(
    services: Services,
    clients: _Clients,
    team_id: str,
    user_id: str,
    found: Row[Any],
    now: datetime,
) -> None:
    """One Home from the loop: published only if it differs from the one this process last
    published for the rep (a redraw after a change that shows nowhere costs no Slack call)."""
    try:
        client = clients(team_id)
        if client is None:
            return
        rep = rep_from_row(team_id, user_id, found)
        view = _home_view(services, rep, now)
        digest = hashlib.sha256(json.dumps(view).encode()).hexdigest()
        if services.homes.unchanged((rep.team_id, rep.user_id), digest):
            return
        _publish(services, client, rep, view, digest)
    except Exception as error:
        retry = _retry_after(error)
        if retry is None:
            logger.exception("App Home redraw for %s/%s failed", team_id, user_id)
            return
        logger.warning("App Home redraw for %s/%s left for %ss: %s", team_id, user_id, retry, error)
        _want_again(services, team_id, user_id, now + timedelta(seconds=retry))


def _retry_after(error: Exception) -> float | None:
    """Seconds to wait before drawing again after `error`, or None if drawing again would
    only fail again."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        if status == 429:
            return _seconds(error.response.headers.get("Retry-After"))
        return REDRAW_RETRY_SECONDS if status >= 500 else None
    if isinstance(error, OperationalError | OSError):
        # The database down or timing out; Slack unreachable (urllib's errors are OSErrors).
        return REDRAW_RETRY_SECONDS
    return None


def _seconds(retry_after: object) -> float:
    """Slack's Retry-After, or our own wait when it says none that reads."""
    try:
        return max(0.0, float(str(retry_after)))
    except ValueError:
        return REDRAW_RETRY_SECONDS


def _want_again(services: Services, team_id: str, user_id: str, at: datetime) -> None:
    try:
        with services.session_factory.begin() as session:
            home_store.want_redraw(session, team_id, user_id, at)
    except SQLAlchemyError:
        logger.warning("App Home redraw for %s/%s dropped", team_id, user_id)


def _settings_blocks(
    row: DigestSettingsRow | None, rep: ActingRep, now: datetime
) -> list[dict[str, object]]:
    """As `/digest` shows them; a rep who never changed anything gets the defaults."""
    schedule = DigestSchedule.from_settings(
        row.time if row else DEFAULT_TIME,
        row.days if row else DEFAULT_DAYS,
        rep.tz.key,
    )
    reply = build_digest_settings(
        schedule,
        paused=bool(row and row.paused),
        when_empty=bool(row and row.when_empty),
        now=now,
        saved=False,
    )
    return reply["blocks"]  # type: ignore[return-value]


def _clicker(body: dict[str, Any], client: WebClient, context: BoltContext) -> ActingRep:
    team_id, user_id = interaction_rep_ids(body)
    return acting_rep(context["services"].session_factory, client, team_id, user_id)
