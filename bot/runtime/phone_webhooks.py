"""`POST /phone/aircall` and `POST /phone/twilio`: phone systems' webhooks, held to the same
edge as Slack's. The body is bounded and must be the vendor's shape (JSON object, or form)
before its token or signature is checked, and nothing is parsed further until that check
passes: a wrong one gets 401 and changes nothing. Whatever happens after, the vendor gets
an answer below 500, so it never hammers us with retries of a call we cannot use.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping

from cryptography.fernet import InvalidToken
from sqlalchemy.exc import SQLAlchemyError

from bot.runtime.edge import Refusal, StartResponse, read_bounded, refuse_payload
from bot.services.context import Services
from bot.services.crm.connections import credential_box
from bot.services.crm.port import CrmError
from bot.services.phone.aircall import Aircall
from bot.services.phone.port import Malformed, PhoneSystem, Unverified
from bot.services.phone.twilio import Twilio
from bot.services.slack_delivery import ClientForTeam
from handlers.phone import receive_call
from storage import phone as phone_store

logger = logging.getLogger("phonetag.phone")

SYSTEMS: dict[str, PhoneSystem] = {"/phone/aircall": Aircall(), "/phone/twilio": Twilio()}
_CONTENT_LENGTH = re.compile(r"[0-9]{1,15}")
_MEDIA_TYPES = {"aircall": "application/json", "twilio": "application/x-www-form-urlencoded"}


class PhoneWebhooks:
    """The WSGI app behind both paths; `clients` gives each workspace's Slack client."""

    def __init__(self, services: Services, clients: ClientForTeam) -> None:
        self._services = services
        self._clients = clients

    def __call__(
        self, environ: dict[str, object], start_response: StartResponse
    ) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "")
        system = SYSTEMS[path]
        raw = _bounded_body(environ, system.vendor)
        if isinstance(raw, Refusal):
            return _answer(start_response, raw.status_line, {"ok": False, "error": raw.reason})
        tokens = self._tokens(system.vendor)
        try:
            delivery, matched = system.read(
                raw, _headers(environ), _url(environ, self._services), list(tokens)
            )
        except Unverified as why:
            logger.info("refused 401 %s: %s", path, why)
            return _answer(start_response, "401 Unauthorized", {"ok": False, "error": str(why)})
        except Malformed as why:
            logger.info("refused 400 %s: %s", path, why)
            return _answer(start_response, "400 Bad Request", {"ok": False, "error": str(why)})
        if delivery.call is None:
            return _answer(start_response, "200 OK", {"ok": True, "done": "nothing to log"})
        teams = tokens[matched]
        if len(teams) != 1:
            done = "no workspace has this phone account" if not teams else "several workspaces"
            return _answer(start_response, "200 OK", {"ok": True, "done": f"ignored: {done}"})
        try:
            done = receive_call(self._services, self._clients(teams[0]), teams[0], delivery.call)
        except Exception:
            # Never a 5xx: the vendor would retry a call we cannot act on, and the rep can
            # still log it by hand.
            logger.exception("a phone call from %s could not be handled", system.vendor)
            return _answer(start_response, "200 OK", {"ok": False, "done": "not handled"})
        logger.info("phone call from %s: %s", system.vendor, done)
        return _answer(start_response, "200 OK", {"ok": True, "done": done})

    def _tokens(self, vendor: str) -> dict[str, list[str]]:
        """Every token that verifies this vendor's webhooks, each with the workspaces it
        serves: stored ones (sealed) serve their workspace; the environment's serves the
        workspaces bound to it with `/prospect phone`, else the one installed workspace."""
        settings = self._services.settings
        env = settings.aircall_webhook_token if vendor == "aircall" else settings.twilio_auth_token
        found: dict[str, list[str]] = {env: []} if env else {}
        try:
            with self._services.session_factory() as session:
                stored = phone_store.accounts(session, vendor)
                only = phone_store.workspaces_with_reps(session) if env else []
        except SQLAlchemyError:
            logger.warning("phone accounts unreadable; only the environment's token is checked")
            return found
        box = None
        for team_id, sealed in stored:
            if sealed is None:
                if env:
                    found[env].append(team_id)
                continue
            try:
                box = box or credential_box(settings)
                found.setdefault(box.decrypt(sealed.encode()).decode(), []).append(team_id)
            except (CrmError, InvalidToken):
                logger.warning("a stored %s token cannot be unsealed (team %s)", vendor, team_id)
        if env and not found[env] and len(only) == 1:
            found[env] = only
        return found


def _bounded_body(environ: dict[str, object], vendor: str) -> bytes | Refusal:
    """The body, once its size and shape are right; no token is looked at yet."""
    if environ.get("REQUEST_METHOD") != "POST":
        return Refusal(400, "only POST")
    length = environ.get("CONTENT_LENGTH")
    content_length = str(length) if length else None
    if content_length and not _CONTENT_LENGTH.fullmatch(content_length):
        return Refusal(400, "Content-Length is not a number")
    stream = environ["wsgi.input"]
    raw = read_bounded(stream, content_length)  # type: ignore[arg-type]
    if raw is None:
        return Refusal(413, "body over the cap")
    if content_length and len(raw) < int(content_length):
        return Refusal(400, "body shorter than announced")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "body is not UTF-8")
    media_type = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    if media_type != _MEDIA_TYPES[vendor]:
        return Refusal(400, f"body is not {_MEDIA_TYPES[vendor]}")
    if vendor == "aircall" and (refusal := refuse_payload(text, media_type)) is not None:
        return refusal
    return raw


def _headers(environ: Mapping[str, object]) -> dict[str, str]:
    return {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }


def _url(environ: Mapping[str, object], services: Services) -> str:
    """The URL the vendor posted to, as it signed it: our public URL when we know it (a
    proxy in front changes what we see), else what the request says."""
    path = str(environ.get("PATH_INFO") or "")
    query = str(environ.get("QUERY_STRING") or "")
    base = services.settings.public_url
    if base is None:
        scheme = str(environ.get("wsgi.url_scheme") or "https")
        base = f"{scheme}://{environ.get('HTTP_HOST') or environ.get('SERVER_NAME')}"
    return f"{base}{path}{'?' + query if query else ''}"


def _answer(start_response: StartResponse, status: str, body: dict[str, object]) -> list[bytes]:
    encoded = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(encoded)))]
    )
    return [encoded]
