"""Who the acting rep is. A first-time rep's zone comes from Slack's users.info."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Row
from sqlalchemy.orm import Session, sessionmaker

from storage import queries

logger = logging.getLogger(__name__)

FALLBACK_TZ = "UTC"


@dataclass(frozen=True)
class ActingRep:
    team_id: str
    user_id: str
    tz: ZoneInfo
    name: str
    home_opened: bool = False
    """Whether they have ever opened the App Home: until they do, there is none to refresh."""
    stored: bool = False
    """Whether their row was there when read, so writes need not ensure it again."""
    stored_rules: Mapping[str, object] | None = None
    """Their workspace's cadence overrides as stored, read with the row; None until the
    workspace has one."""
    crm_connected: bool = False
    """Whether their workspace had a CRM connection when read (the environment's CRM aside),
    so a logged call queues its push only where there is somewhere to push it."""


def acting_rep(
    session_factory: sessionmaker[Session], client: WebClient, team_id: str, user_id: str
) -> ActingRep:
    """Reads only: the row is written with the rep's first accepted command, never on bad input."""
    with session_factory() as session:
        found = stored_rep(session, team_id, user_id)
    return found or new_rep(client, team_id, user_id)


def stored_rep(session: Session, team_id: str, user_id: str) -> ActingRep | None:
    """The rep as stored, read in the caller's transaction; None for a first-time rep."""
    found = queries.rep_and_rules(session, team_id, user_id)
    return rep_from_row(team_id, user_id, found) if found is not None else None


def rep_from_row(team_id: str, user_id: str, found: Row[Any]) -> ActingRep:
    """From the columns `queries.REP_AND_RULES_COLUMNS` names."""
    return ActingRep(
        team_id,
        user_id,
        ZoneInfo(found.tz),
        found.name,
        home_opened=found.home_opened_at is not None,
        stored=True,
        stored_rules=found.cadence_rules,
        crm_connected=bool(found.crm_connected),
    )


def new_rep(client: WebClient, team_id: str, user_id: str) -> ActingRep:
    """A first-time rep, their zone and name from Slack's profile (nothing is stored yet)."""
    tz, name = _slack_profile(client, user_id)
    return ActingRep(team_id, user_id, ZoneInfo(tz), name)


class SlackLeftOut(RuntimeError):
    """Slack answered `ok` without what we asked for: nothing is saved and the rep is told."""

    for_the_rep = (
        ":warning: Slack did not tell us who you are just now, so nothing was saved."
        " Please try again."
    )


SLACK_UNREACHABLE = (SlackApiError, OSError)
"""What a Web API call raises when Slack said no (a 429 included: it is not waited out inside
a request) or could not be reached in time (URLError and timeouts are OSErrors)."""


def _failure(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error"))
    return type(error).__name__


def _slack_profile(client: WebClient, user_id: str) -> tuple[str, str]:
    """A first-time rep's zone and name; without an answer the call is still logged, in UTC."""
    try:
        user = client.users_info(user=user_id).get("user")
    except SLACK_UNREACHABLE as error:
        logger.warning("users.info failed for %s: %s", user_id, _failure(error))
        return FALLBACK_TZ, ""
    if not isinstance(user, Mapping):
        raise SlackLeftOut(f"users.info for {user_id} answered ok without a user")
    return slack_zone(user) or FALLBACK_TZ, slack_name(user)


def workspace_admin(client: WebClient, user_id: str) -> bool | None:
    """Whether Slack says this user is a workspace admin or owner, asked each time so a
    demoted admin loses the right at once; None when Slack could not say, which every
    admin-only action takes for a no."""
    try:
        user = client.users_info(user=user_id).get("user")
    except SLACK_UNREACHABLE as error:
        logger.warning("users.info failed for %s: %s", user_id, _failure(error))
        return None
    if not isinstance(user, Mapping):
        return None
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


NOT_ASKED = "I couldn't ask Slack whether you are a workspace admin, so nothing changed; try again."


def slack_zone(user: Mapping[str, Any]) -> str | None:
    """The zone of a Slack user object (users.info, user_change), if set and one we know."""
    tz = user.get("tz")
    if not isinstance(tz, str) or not tz:
        return None
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return tz


def slack_name(user: Mapping[str, Any]) -> str:
    return str(user.get("real_name") or user.get("name") or "")


def interaction_rep_ids(body: Mapping[str, Any]) -> tuple[str, str]:
    """(team_id, user_id) of whoever clicked or submitted. Org-wide installs send no `team`,
    only the user's own team."""
    user = body["user"]
    team = body.get("team") or {}
    return str(team.get("id") or user["team_id"]), str(user["id"])
