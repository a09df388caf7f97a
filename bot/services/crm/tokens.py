"""The CRMs' token endpoints: exchanging an OAuth code, and refreshing access tokens.

HubSpot's access tokens live 30 minutes and are refreshed before they run out (`fresh`);
Salesforce names no lifetime, so its token is refreshed when Salesforce says the session
is invalid. A refused refresh is an admin's to fix: only reconnecting helps.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import requests

from bot.config import Settings
from bot.services.crm.http import CrmHttp
from bot.services.crm.port import CrmAuthRejected, CrmError, CrmKind, CrmUnavailable

REFRESH_AHEAD = timedelta(minutes=10)
"""A HubSpot token with less left than this is refreshed before a lease's work (a lease
lasts at most five minutes), so no request meets an expired one."""
NOT_CONFIGURED = "The operator has not set up {label}'s app for Phone Tag (see docs/crm.md)."


class OAuthProblem(CrmError):
    """A connect or refresh that can't go ahead; `message` says what to do."""


def fresh(
    settings: Settings, kind: CrmKind, credentials: Mapping[str, str], now: datetime
) -> dict[str, str]:
    """The credentials with a HubSpot access token good for the next ten minutes at least.

    Raises CrmAuthRejected when HubSpot refuses the refresh token (the app was uninstalled):
    only an admin's reconnect helps then.
    """
    current = dict(credentials)
    expires = current.get("expires_at")
    if kind is not CrmKind.HUBSPOT or "refresh_token" not in current or not expires:
        return current
    if datetime.fromtimestamp(int(expires), now.tzinfo) - now > REFRESH_AHEAD:
        return current
    return hubspot_tokens(
        settings, now, grant_type="refresh_token", refresh_token=current["refresh_token"]
    )


def hubspot_tokens(settings: Settings, now: datetime, **form: str) -> dict[str, str]:
    """POST {HUBSPOT_API_URL}/oauth/v1/token through HubSpot's own client."""
    if not settings.hubspot_oauth:
        raise OAuthProblem(NOT_CONFIGURED.format(label="HubSpot"))
    from hubspot import HubSpot
    from hubspot.oauth import ApiException
    from urllib3.exceptions import HTTPError

    client = HubSpot(host=settings.hubspot_api_url)
    try:
        answer = client.oauth.tokens_api.create(
            client_id=settings.hubspot_client_id,
            client_secret=settings.hubspot_client_secret,
            _request_timeout=(3.05, 10.0),
            **form,
        )
    except ApiException as error:
        if error.status is not None and error.status >= 500:
            raise CrmUnavailable(
                f"HubSpot answered {error.status}: it is having trouble."
            ) from None
        raise CrmAuthRejected(
            f"HubSpot refused the connection ({_hubspot_reason(error.body)}): the admin"
            " who connected it can reconnect with /prospect crm."
        ) from None
    except HTTPError as error:
        raise CrmUnavailable(f"HubSpot is not answering ({type(error).__name__}).") from None
    expires_at = now + timedelta(seconds=int(answer.expires_in or 0))
    return {
        "access_token": str(answer.access_token),
        "refresh_token": str(answer.refresh_token or form.get("refresh_token") or ""),
        "expires_at": str(int(expires_at.timestamp())),
    }


def salesforce_tokens(settings: Settings, http: CrmHttp, **form: str) -> dict[str, str]:
    """POST {SALESFORCE_LOGIN_URL}/services/oauth2/token. A refresh answers without a new
    refresh token: the one given is kept. The `instance_url` it names must be Salesforce's."""
    if not settings.salesforce_oauth:
        raise OAuthProblem(NOT_CONFIGURED.format(label="Salesforce"))
    login = http.salesforce_url(settings.salesforce_login_url)
    body = {
        "client_id": settings.salesforce_client_id or "",
        "client_secret": settings.salesforce_client_secret or "",
        **form,
    }
    try:
        answer = http.session().post(
            f"{login}/services/oauth2/token", data=body, headers={"Accept": "application/json"}
        )
    except requests.RequestException as error:
        raise CrmUnavailable(f"Salesforce is not answering ({type(error).__name__}).") from None
    found = _json(answer)
    if answer.status_code >= 500 or answer.status_code in (301, 302, 303, 307, 308):
        raise CrmUnavailable(f"Salesforce answered {answer.status_code}.")
    if answer.status_code != 200 or "access_token" not in found:
        reason = str(found.get("error_description") or found.get("error") or answer.status_code)
        raise CrmAuthRejected(
            f"Salesforce refused the connection ({reason[:100]}): the admin who connected it"
            " can reconnect with /prospect crm."
        )
    return {
        "access_token": str(found["access_token"]),
        "refresh_token": str(found.get("refresh_token") or form.get("refresh_token") or ""),
        "instance_url": http.salesforce_url(str(found.get("instance_url") or "")),
    }


def _json(answer: requests.Response) -> dict[str, Any]:
    try:
        found = answer.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _hubspot_reason(body: Any) -> str:
    try:
        found = json.loads(body)
    except (TypeError, ValueError):
        return "no reason given"
    return str(found.get("status") or found.get("message") or "no reason given")[:100]
