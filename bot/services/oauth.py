"""Multi-workspace install: Bolt's OAuth flow with tokens kept in our own database."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore
from sqlalchemy import Engine

from bot import ids
from bot.config import Settings
from storage.installations import installation_store, state_store


class NotInstalledError(LookupError):
    """The workspace uninstalled the app or never installed it: nothing can be posted there."""


_CODE = re.compile(r"code: \S+")


class _WithoutTheCode(logging.Filter):
    """Bolt logs a failed exchange with the install's code in it. A code is short-lived, but
    with our client secret it is an install, and log lines live for months."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "oauth.v2.access" in record.msg:
            record.msg = _CODE.sub("code: [redacted]", record.getMessage())
            record.args = ()
        return True


def _oauth_logger() -> logging.Logger:
    oauth_logger = logging.getLogger("phonetag.oauth")
    if not oauth_logger.filters:
        oauth_logger.addFilter(_WithoutTheCode())
    return oauth_logger


def oauth_flow(settings: Settings, engine: Engine, client: WebClient) -> OAuthFlow:
    assert settings.slack_client_id and settings.slack_client_secret
    return OAuthFlow(
        client=client,
        logger=_oauth_logger(),
        settings=OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(ids.BOT_SCOPES),
            installation_store=installation_store(engine, settings.slack_client_id),
            state_store=state_store(engine),
            install_path=ids.INSTALL_PATH,
            redirect_uri_path=ids.OAUTH_REDIRECT_PATH,
        ),
    )


def team_clients(client: WebClient, store: InstallationStore | None) -> Callable[[str], WebClient]:
    """Work outside a request (the digest) needs each workspace's own bot token."""

    def for_team(team_id: str) -> WebClient:
        if store is None:
            return client
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None:
            raise NotInstalledError(team_id)
        return WebClient(
            token=bot.bot_token,
            base_url=client.base_url,
            retry_handlers=client.retry_handlers,
            timeout=client.timeout,
            logger=client.logger,
        )

    return for_team
