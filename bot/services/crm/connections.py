"""Which CRM a workspace uses and how to reach it: stored credentials, sealed with Fernet
under PHONETAG_SECRET_KEY, or a single-workspace install's environment variables.

Credentials are checked with one cheap read before they are saved, so a typo is answered
in the form, never found out by a rep whose calls stop reaching the CRM.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.services.crm.http import CrmHttp
from bot.services.crm.port import CrmAccount, CrmError, CrmKind, CrmPort
from bot.services.crm.tokens import salesforce_tokens
from storage import crm as crm_store

Credentials = Mapping[str, str]
AdapterFactory = Callable[[CrmKind, Credentials], CrmPort]
"""Builds the adapter for a kind and its credentials; tests hand in one that trusts their
stand-ins' certificate authority."""

MAKE_KEY = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
NO_SECRET_KEY = (
    "Phone Tag can't store CRM credentials yet: the operator must set PHONETAG_SECRET_KEY"
    f" (make one with {MAKE_KEY}) and restart. Nothing was saved."
)


class SecretKeyProblem(CrmError):
    """No key, or one Fernet can't use: connecting is refused, nothing is stored."""


@dataclass(frozen=True)
class WorkspaceCrm:
    """A workspace's CRM, ready to talk to."""

    adapter: CrmPort
    account: CrmAccount | None

    @property
    def label(self) -> str:
        return self.adapter.kind.label


@functools.lru_cache(maxsize=8)
def default_adapters(settings: Settings, http: CrmHttp | None = None) -> AdapterFactory:
    """Adapters are kept per set of credentials for the life of the process (one factory
    per settings), so their connection pools are reused from tick to tick. `http` is the
    test suite's way to its TLS stand-in; production passes none."""
    reach = http or CrmHttp()

    @functools.lru_cache(maxsize=64)
    def cached(kind: CrmKind, frozen: frozenset[tuple[str, str]]) -> CrmPort:
        return build_adapter(settings, reach, kind, dict(frozen))

    def build(kind: CrmKind, credentials: Credentials) -> CrmPort:
        return cached(kind, frozenset(credentials.items()))

    return build


def build_adapter(
    settings: Settings, http: CrmHttp, kind: CrmKind, credentials: Credentials
) -> CrmPort:
    """One adapter; a Salesforce one connected by OAuth renews its own access token."""
    # The vendors' clients cost a process about 28 MB and half a second to import
    # (measured): a deployment with no CRM never loads them.
    from bot.services.crm.hubspot import HubSpotCrm
    from bot.services.crm.salesforce import SalesforceCrm

    if kind is CrmKind.HUBSPOT:
        return HubSpotCrm(credentials["access_token"], settings.hubspot_api_url)
    refresh_token = credentials.get("refresh_token")

    def renew() -> dict[str, str]:
        assert refresh_token is not None
        return salesforce_tokens(
            settings, http, grant_type="refresh_token", refresh_token=refresh_token
        )

    return SalesforceCrm(
        instance_url=http.salesforce_url(credentials.get("instance_url") or ""),
        access_token=credentials["access_token"],
        refresh_token=refresh_token,
        session=http.session(),
        renew=renew if refresh_token else None,
    )


def credential_box(settings: Settings) -> Fernet:
    """Raises SecretKeyProblem with what the operator should do."""
    if not settings.secret_key:
        raise SecretKeyProblem(NO_SECRET_KEY)
    try:
        return Fernet(settings.secret_key.encode())
    except ValueError:
        raise SecretKeyProblem(
            "PHONETAG_SECRET_KEY is not a Fernet key (32 bytes, url-safe base64);"
            f" make one with {MAKE_KEY}. Nothing was saved."
        ) from None


def env_credentials(settings: Settings) -> tuple[CrmKind, dict[str, str]] | None:
    """A single-workspace install's CRM, from HUBSPOT_* or SALESFORCE_* variables."""
    if settings.hubspot_access_token:
        return CrmKind.HUBSPOT, {"access_token": settings.hubspot_access_token}
    if settings.salesforce_access_token and settings.salesforce_instance_url:
        return CrmKind.SALESFORCE, {
            "instance_url": settings.salesforce_instance_url,
            "access_token": settings.salesforce_access_token,
        }
    return None


def connect(
    session_factory: sessionmaker[Session],
    settings: Settings,
    adapters: AdapterFactory,
    team_id: str,
    admin_user_id: str,
    kind: CrmKind,
    credentials: Credentials,
    now: datetime,
) -> CrmAccount:
    """Check the credentials with one read, then store them sealed.

    Raises SecretKeyProblem before anything is sent, or the adapter's CrmError.
    """
    credential_box(settings)
    account = adapters(kind, credentials).check()
    sealed = seal(settings, credentials)
    with session_factory.begin() as session:
        crm_store.save_connection(
            session,
            team_id,
            kind.value,
            sealed,
            account.account_id,
            account.web_url,
            admin_user_id,
            now,
        )
    return account


def workspace_crm(
    session: Session, settings: Settings, adapters: AdapterFactory, team_id: str
) -> WorkspaceCrm | None:
    """The workspace's own connection first; else the environment's, for every workspace.

    Raises SecretKeyProblem when stored credentials can't be opened (no key, or another
    key than the one that sealed them).
    """
    found = workspace_credentials(session, settings, team_id)
    if found is None:
        return None
    kind, credentials, account = found
    return WorkspaceCrm(adapters(kind, credentials), account)


def workspace_credentials(
    session: Session, settings: Settings, team_id: str
) -> tuple[CrmKind, dict[str, str], CrmAccount | None] | None:
    """The workspace's own credentials, opened; else the environment's. Raises
    SecretKeyProblem as workspace_crm does."""
    row = crm_store.connection(session, team_id)
    account = (
        CrmAccount(row.account_id, row.web_url or "")
        if row is not None and row.account_id
        else None
    )
    if row is not None and row.credentials:
        box = credential_box(settings)
        try:
            credentials = json.loads(box.decrypt(row.credentials.encode()))
        except InvalidToken:
            raise SecretKeyProblem(
                "The stored CRM credentials can't be opened with this PHONETAG_SECRET_KEY"
                " (was it changed?). An admin can reconnect with /prospect crm."
            ) from None
        return CrmKind(row.kind), credentials, account
    from_env = env_credentials(settings)
    if from_env is None:
        return None
    kind, credentials = from_env
    return kind, credentials, account


def seal(settings: Settings, credentials: Credentials) -> str:
    return credential_box(settings).encrypt(json.dumps(dict(credentials)).encode()).decode()
