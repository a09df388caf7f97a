"""Connecting a workspace's CRM with OAuth: HubSpot's authorization-code flow and
Salesforce's web-server flow with PKCE, and keeping their access tokens fresh.

An admin gets a link from `/prospect crm`; its `state` is random, stored only as its
SHA-256 with the workspace and the admin, lives ten minutes and works once. The CRM sends
the browser back to `{PHONETAG_PUBLIC_URL}/crm/<crm>/oauth_redirect` with a code, which is
exchanged for tokens (`tokens`), checked with one read, and stored sealed like any
credentials.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.services.crm.connections import AdapterFactory, credential_box, seal
from bot.services.crm.http import CrmHttp
from bot.services.crm.port import CrmAccount, CrmKind
from bot.services.crm.tokens import (
    NOT_CONFIGURED,
    OAuthProblem,
    hubspot_tokens,
    salesforce_tokens,
)
from storage import crm as crm_store

STATE_LIFETIME = timedelta(minutes=10)
"""Long enough to sign in to the CRM and approve; short enough that a link left in a
channel's history is dead."""
HUBSPOT_SCOPES = (
    "oauth",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.owners.read",
    "crm.objects.deals.read",
    "crm.objects.companies.read",
)
"""The least the features need: contacts in and out (HubSpot files calls under the
contacts scopes), owners to match reps, deals and companies to read amounts and associate
calls, and `oauth` for the account details."""
SALESFORCE_SCOPES = "api refresh_token"
REDIRECT_PATHS = {
    CrmKind.HUBSPOT: "/crm/hubspot/oauth_redirect",
    CrmKind.SALESFORCE: "/crm/salesforce/oauth_redirect",
}


@dataclass(frozen=True)
class Connected:
    kind: CrmKind
    account: CrmAccount
    team_id: str
    admin_user_id: str


def configured(settings: Settings, kind: CrmKind) -> bool:
    return settings.hubspot_oauth if kind is CrmKind.HUBSPOT else settings.salesforce_oauth


def redirect_uri(settings: Settings, kind: CrmKind) -> str:
    return f"{settings.public_url}{REDIRECT_PATHS[kind]}"


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def start(
    session_factory: sessionmaker[Session],
    settings: Settings,
    http: CrmHttp,
    team_id: str,
    user_id: str,
    kind: CrmKind,
    now: datetime,
) -> str:
    """The authorize URL an admin opens; raises OAuthProblem when the app isn't set up."""
    if not configured(settings, kind):
        raise OAuthProblem(NOT_CONFIGURED.format(label=kind.label))
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64) if kind is CrmKind.SALESFORCE else None
    with session_factory.begin() as session:
        crm_store.save_oauth_state(
            session,
            _state_hash(state),
            team_id,
            user_id,
            kind.value,
            verifier,
            now + STATE_LIFETIME,
            now,
        )
    if kind is CrmKind.HUBSPOT:
        query = {
            "client_id": settings.hubspot_client_id,
            "redirect_uri": redirect_uri(settings, kind),
            "scope": " ".join(HUBSPOT_SCOPES),
            "state": state,
        }
        return f"{settings.hubspot_app_url}/oauth/authorize?{urlencode(query)}"
    assert verifier is not None
    query = {
        "response_type": "code",
        "client_id": settings.salesforce_client_id,
        "redirect_uri": redirect_uri(settings, kind),
        "scope": SALESFORCE_SCOPES,
        "state": state,
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
    }
    login = http.salesforce_url(settings.salesforce_login_url)
    return f"{login}/services/oauth2/authorize?{urlencode(query)}"


def finish(
    session_factory: sessionmaker[Session],
    settings: Settings,
    http: CrmHttp,
    adapters: AdapterFactory,
    kind: CrmKind,
    state: str,
    code: str,
    now: datetime,
) -> Connected:
    """The redirect's second half: the state is used up first (even if the rest fails,
    it can't be replayed), then the code is exchanged, the tokens checked and sealed."""
    credential_box(settings)
    with session_factory.begin() as session:
        flow = crm_store.take_oauth_state(session, _state_hash(state))
    if flow is None or flow.kind != kind.value:
        raise OAuthProblem(
            "This link was already used or is not one Phone Tag made."
            " Run /prospect crm in Slack for a new one."
        )
    if flow.expires_at < now:
        raise OAuthProblem("This link has expired. Run /prospect crm in Slack for a new one.")
    if kind is CrmKind.HUBSPOT:
        credentials = hubspot_tokens(
            settings,
            now,
            grant_type="authorization_code",
            code=code,
            redirect_uri=redirect_uri(settings, kind),
        )
    else:
        credentials = salesforce_tokens(
            settings,
            http,
            grant_type="authorization_code",
            code=code,
            redirect_uri=redirect_uri(settings, kind),
            code_verifier=flow.code_verifier or "",
        )
    account = adapters(kind, credentials).check()
    sealed = seal(settings, credentials)
    with session_factory.begin() as session:
        crm_store.save_connection(
            session,
            flow.team_id,
            kind.value,
            sealed,
            account.account_id,
            account.web_url,
            flow.user_id,
            now,
        )
    return Connected(kind, account, flow.team_id, flow.user_id)
