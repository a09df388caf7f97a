"""Start-up checks: each mistake an operator can make before the first request, in one line.

A first start is where a newcomer meets every setting at once; a traceback there reads as a
bug in the app, while one line naming the setting and where to fix it gets them running. Each
kind of mistake has its own exit code, so a supervisor or a script can tell them apart:

    0  done
    1  the command ran and failed (a database error, a tick that failed)
    2  a setting or an argument is missing, malformed or unsupported
    3  Slack refused a token
    4  Slack could not be reached
    5  the address to listen on is taken or not ours to use

Slack's client library is imported only here, inside the checks, so `phonetag --help` stays
quick.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.config import Settings

logger = logging.getLogger("phonetag")

EXIT_FAILED = 1
EXIT_SETTINGS = 2
EXIT_SLACK_REFUSED = 3
EXIT_SLACK_UNREACHABLE = 4
EXIT_ADDRESS_UNUSABLE = 5

SLACK_TIMEOUT_SECONDS = 5
SLACK_RETRIES = 2
"""A start-up call to Slack is tried three times at most, a few seconds in all: enough for a
blip, and a Slack that stays away is then said in one line rather than retried for half a
minute."""

_SLACK_SDK_AT_START = logging.getLogger("phonetag.startup.slack_sdk")
"""slack_sdk logs each failed try at error level; the check says the outcome in one line."""
_SLACK_SDK_AT_START.disabled = True

WHERE_TOKENS_ARE = "the README's “Install in Slack” says where each token is"
_KINDS = {"xoxb-": "a bot token", "xapp-": "an app-level token", "xoxp-": "a user token"}
_BELONGS_IN = {"xoxb-": "SLACK_BOT_TOKEN", "xapp-": "SLACK_APP_TOKEN"}
_EXPECTED = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}


class StartupError(Exception):
    """A mistake said in one line, with the exit code its kind has."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def require(needed: Mapping[str, str | None]) -> None:
    """Every missing variable in one line, so a first start is fixed in one go."""
    missing = [name for name, value in needed.items() if not value]
    if missing:
        raise StartupError(
            f"set {', '.join(missing)} in the environment "
            "(the README's “Install in Slack” says where each one is)",
            EXIT_SETTINGS,
        )


def check_token_kinds(tokens: Mapping[str, str | None]) -> None:
    """Tokens are told apart by their prefix: a swapped pair, a user token or a pasted
    fragment is caught before Slack is asked. Only the prefix is ever repeated back."""
    problems = [
        problem
        for name, token in tokens.items()
        if token and (problem := _token_problem(name, token)) is not None
    ]
    if problems:
        raise StartupError("; ".join(problems) + f" ({WHERE_TOKENS_ARE})", EXIT_SETTINGS)


def _token_problem(name: str, token: str) -> str | None:
    wanted = _EXPECTED[name]
    if token.startswith(wanted):
        return None
    prefix = next((p for p in _KINDS if token.startswith(p)), None)
    if prefix is None:
        return f"{name} does not look like {_KINDS[wanted]}: it should start with {wanted}"
    if prefix in _BELONGS_IN:
        return f"{name} holds {_KINDS[prefix]} ({prefix}…), which belongs in {_BELONGS_IN[prefix]}"
    return f"{name} holds {_KINDS[prefix]} ({prefix}…); use {_KINDS[wanted]} ({wanted}…)"


def check_bot_token(settings: Settings, *, slack_required: bool) -> None:
    """One `auth.test` at start: a wrong bot token is said now, not as Bolt's "installation
    is no longer available" on every request. When Slack cannot be reached, `serve` starts
    all the same (it answers Slack, it need not call it to start) and only `socket`, which
    cannot work without Slack, stops."""
    from slack_sdk.errors import SlackApiError

    client = _start_up_client(settings, settings.slack_bot_token)
    try:
        answer = client.auth_test()
    except SlackApiError as refused:
        raise _refusal("SLACK_BOT_TOKEN", "Bot User OAuth Token (xoxb-…)", refused) from None
    except OSError as unreachable:
        if slack_required:
            raise _unreachable(settings, unreachable) from None
        logger.warning(
            "could not reach Slack at %s to check SLACK_BOT_TOKEN (%s); starting anyway",
            settings.slack_api_url,
            _reason(unreachable),
        )
        return
    logger.info("Slack knows the bot token: %s in %s", answer.get("user"), answer.get("team"))


def socket_mode_url(settings: Settings) -> str:
    """The websocket address Slack hands our app-level token (`apps.connections.open`),
    asked once here so a refused or unreachable Slack is one line, not Bolt's retries and
    traceback."""
    from slack_sdk.errors import SlackApiError

    client = _start_up_client(settings, None)
    try:
        answer = client.apps_connections_open(app_token=str(settings.slack_app_token))
    except SlackApiError as refused:
        raise _refusal("SLACK_APP_TOKEN", "app-level token (xapp-…)", refused) from None
    except OSError as unreachable:
        raise _unreachable(settings, unreachable) from None
    return str(answer["url"])


def unreachable_socket(error: Exception) -> StartupError:
    """Slack handed out a websocket address that could not be opened."""
    return StartupError(
        f"could not open Slack's Socket Mode connection ({_reason(error)}): "
        "check the network or a proxy between here and Slack",
        EXIT_SLACK_UNREACHABLE,
    )


def unusable_address(error: OSError, host: str, port: int) -> StartupError:
    """`serve` (or any listener) that cannot bind: which address, and what to change."""
    if error.errno == errno.EADDRINUSE:
        said = f"{host}:{port} is already in use: stop what holds it or pick another --port"
    elif error.errno == errno.EACCES:
        said = f"{host}:{port} needs privileges to listen on: pick a --port above 1023"
    elif error.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
        said = f"{host} is not an address of this machine: try --host 0.0.0.0 or 127.0.0.1"
    else:
        said = f"cannot listen on {host}:{port} ({error.strerror or error})"
    return StartupError(said, EXIT_ADDRESS_UNUSABLE)


def _start_up_client(settings: Settings, token: str | None) -> WebClient:
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_SECONDS,
        logger=_SLACK_SDK_AT_START,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=SLACK_RETRIES, error_types=[OSError])
        ],
    )


def _refusal(setting: str, what: str, refused: Exception) -> StartupError:
    response = getattr(refused, "response", None)
    status = getattr(response, "status_code", 200)
    error = response.get("error") if response is not None else None
    if status >= 500 or status == 429 or not error:
        # Slack (or a proxy in front of it) answered, but not as Slack answers a token.
        return StartupError(
            f"Slack did not answer properly (HTTP {status}) when asked about {setting}; "
            "try again in a minute",
            EXIT_SLACK_UNREACHABLE,
        )
    return StartupError(
        f"Slack refused {setting} ({error}): copy the {what} again ({WHERE_TOKENS_ARE})",
        EXIT_SLACK_REFUSED,
    )


def _unreachable(settings: Settings, error: Exception) -> StartupError:
    return StartupError(
        f"Slack is unreachable at {settings.slack_api_url} ({_reason(error)}; tried "
        f"{SLACK_RETRIES + 1} times): check the network, a proxy, or SLACK_API_URL",
        EXIT_SLACK_UNREACHABLE,
    )


def _reason(error: Exception) -> str:
    """urllib's "<urlopen error [Errno 111] Connection refused>" as "Connection refused"."""
    reason = getattr(error, "reason", None) or error
    return getattr(reason, "strerror", None) or str(reason) or type(error).__name__
