"""Playing Slack in tests: signed HTTP requests into the real WSGI app, replies decoded."""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.config import Settings
from bot.runtime.app import create_app
from bot.runtime.signing import event_body, signed_headers, slash_command_body
from bot.runtime.slack_standin import SlackStandIn
from bot.runtime.web import wsgi_app
from bot.services.context import HOME_SETTLE_SECONDS, Job, PerWorkspace, Services
from bot.services.crm.connections import AdapterFactory
from bot.services.crm.http import CrmHttp
from bot.services.file_download import DownloadPolicy
from handlers.home import redraw_waiting_homes
from storage.db import make_session_factory

# Monday 23 November 2026, 10:00 in Chicago: a working morning.
MONDAY_MORNING = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"


def logcall_body(response_url: str, text: str = "Jane Doe vm") -> str:
    """One /logcall from U1 in T1 as Slack posts it, for tests that sign or mangle it."""
    return slash_command_body(
        ids.LOGCALL,
        text,
        team_id="T1",
        user_id="U1",
        response_url=response_url,
        trigger_id="13345224609.738474920.8088930838",
    )


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def json(self) -> dict[str, object]:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """Everything the rep would read in the reply, blocks and fallback alike."""
        payload = self.json
        parts = [str(payload.get("text", ""))]
        parts += [json.dumps(block, ensure_ascii=False) for block in payload.get("blocks", [])]
        return "\n".join(parts)


def run_in_place(team_id: str, job: Job) -> None:
    job()


class SlackHarness:
    def __init__(
        self,
        engine: Engine,
        standin: SlackStandIn,
        clock: Clock,
        *,
        oauth: bool = False,
        imports: PerWorkspace | None = None,
        downloads: DownloadPolicy | None = None,
        crm_adapters: AdapterFactory | None = None,
        crm_http: CrmHttp | None = None,
        **settings_overrides: Any,
    ):
        self.engine = engine
        self.standin = standin
        self.clock = clock
        self.session_factory: sessionmaker[Session] = make_session_factory(engine)
        settings = Settings(
            database_url=str(engine.url),
            slack_bot_token=None if oauth else BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=standin.base_url,
            slack_client_id="111.222" if oauth else None,
            slack_client_secret="oauth-client-secret" if oauth else None,
        )
        self.settings = settings = replace(settings, **settings_overrides)
        services = Services(
            self.session_factory,
            clock,
            imports=imports or run_in_place,
            downloads=downloads or DownloadPolicy(allowed_url=standin.files_url),
            settings=settings,
            crm_adapters=crm_adapters,
            crm_http=crm_http or CrmHttp(),
        )
        self.app = create_app(settings, services)
        self.services = services
        self.wsgi = wsgi_app(self.app, engine, SIGNING_SECRET, services=services)
        self._triggers = itertools.count(1)

    def redraw_homes(self) -> int:
        """One pass of the App Home redraw loop, as `serve`'s background thread (or the
        worker) runs it once the settle time has passed; how many Homes it took."""
        settled = self.clock() + timedelta(seconds=HOME_SETTLE_SECONDS)
        client = WebClient(token=BOT_TOKEN, base_url=self.standin.base_url)
        return redraw_waiting_homes(replace(self.services, clock=lambda: settled), lambda _: client)

    def post(self, body: str, headers: dict[str, str], path: str = "/slack/events") -> Reply:
        environ: dict[str, object] = {}
        setup_testing_defaults(environ)
        raw = body.encode()
        environ.update(
            REQUEST_METHOD="POST",
            PATH_INFO=path,
            CONTENT_LENGTH=str(len(raw)),
            CONTENT_TYPE=headers.get("Content-Type", "application/x-www-form-urlencoded"),
        )
        environ["wsgi.input"] = io.BytesIO(raw)
        for name, value in headers.items():
            if name.lower() != "content-type":
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        return self._call(environ)

    def get(self, path: str, query: str = "", headers: dict[str, str] | None = None) -> Reply:
        environ: dict[str, object] = {}
        setup_testing_defaults(environ)
        environ.update(REQUEST_METHOD="GET", PATH_INFO=path, QUERY_STRING=query)
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        return self._call(environ)

    def _call(self, environ: dict[str, object]) -> Reply:
        captured: dict[str, object] = {}

        def start_response(status: str, headers: list[tuple[str, str]], *_: object) -> None:
            captured["status"] = int(status.split()[0])
            captured["headers"] = {name.lower(): value for name, value in headers}

        chunks = self.wsgi(environ, start_response)
        body = b"".join(chunks).decode()
        return Reply(int(captured["status"]), body, captured["headers"])  # type: ignore[arg-type]

    def command(self, command: str, text: str, *, user: str = "U1", team: str = "T1") -> Reply:
        return self.post(*self.signed_command(command, text, user=user, team=team))

    def signed_command(
        self, command: str, text: str, *, user: str = "U1", team: str = "T1"
    ) -> tuple[str, dict[str, str]]:
        """A slash command's body and headers as Slack would post them, for `post`."""
        body = slash_command_body(
            command,
            text,
            team_id=team,
            user_id=user,
            response_url=self.standin.response_url(f"{team}-{user}"),
            trigger_id=self._trigger_id("trigger"),
        )
        return body, signed_headers(SIGNING_SECRET, body)

    def interaction(self, payload: dict[str, object]) -> Reply:
        if "trigger_id" in payload:
            payload = {**payload, "trigger_id": self._trigger_id(str(payload["trigger_id"]))}
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, signed_headers(SIGNING_SECRET, body))

    def _trigger_id(self, prefix: str) -> str:
        """Slack gives every command and interaction its own trigger_id, so two identical
        clicks in one second are two requests, not a replay of one."""
        return f"{prefix}-{next(self._triggers)}"

    def event(
        self, event: dict[str, object], *, team: str = "T1", headers: dict[str, str] | None = None
    ) -> Reply:
        body = event_body(
            event,
            team_id=team,
            event_id=f"Ev{abs(hash(json.dumps(event))) % 10**10}",
            event_time=int(self.clock.now.timestamp()),
        )
        signed = signed_headers(SIGNING_SECRET, body, content_type="application/json")
        return self.post(body, {**signed, **(headers or {})})
