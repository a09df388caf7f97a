"""Where HubSpot and Salesforce send an admin's browser back after they approve Phone Tag:
`GET /crm/hubspot/oauth_redirect` and `GET /crm/salesforce/oauth_redirect`.

Not a Slack request (nothing to verify a signature on): the `state` is what binds it to
the admin who asked for the link in Slack. The answer is a short page saying what
happened; never a stack trace, and nothing is saved unless every step held.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bot.services.crm import oauth
from bot.services.crm.port import CrmAuthRejected, CrmError, CrmKind

if TYPE_CHECKING:
    from bot.services.context import Services

logger = logging.getLogger(__name__)

ROUTES = {path: kind for kind, path in oauth.REDIRECT_PATHS.items()}
MAX_PARAMETER = 2000
"""Codes and states are a few hundred characters; anything longer is not from the CRM."""


def oauth_redirect(
    services: Services, kind: CrmKind, query: Mapping[str, list[str]]
) -> tuple[int, str]:
    """(HTTP status, HTML page) for the CRM's redirect."""

    def one(name: str) -> str:
        values = query.get(name) or [""]
        return values[0] if len(values) == 1 and len(values[0]) <= MAX_PARAMETER else ""

    if one("error"):
        reason = one("error_description") or one("error")
        return 400, page(f"{kind.label} did not connect: {reason}. Nothing was saved.")
    state, code = one("state"), one("code")
    if not state or not code:
        return 400, page(f"This is not an answer from {kind.label}. Nothing was saved.")
    try:
        connected = oauth.finish(
            services.session_factory,
            services.settings,
            services.crm_http,
            services.adapters,
            kind,
            state,
            code,
            services.clock(),
        )
    except CrmAuthRejected as problem:
        return 400, page(f"{problem.message} Nothing was saved.")
    except CrmError as problem:
        logger.info("%s connect failed: %s", kind.label, problem.message)
        return 400, page(f"{problem.message} Nothing was saved.")
    except SQLAlchemyError as error:
        # A page for a person, not a 5xx: the browser shows it, and the admin starts over.
        logger.warning("%s connect: the database did not answer: %s", kind.label, error)
        return 400, page(
            f"Phone Tag's database did not answer, so {kind.label} is not connected and nothing"
            " was saved. Ask for a new link with /prospect crm in Slack and try again."
        )
    return 200, page(
        f"Connected to {kind.label} (account {connected.account.account_id}). Each rep's"
        f" contacts come in within a minute, and every call logged from now on goes to"
        f" {kind.label}. You can close this tab and go back to Slack."
    )


def page(text: str) -> str:
    return f"<!doctype html><meta charset=utf-8><title>Phone Tag</title><p>{html.escape(text)}</p>"
