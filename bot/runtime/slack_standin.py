"""A stand-in for Slack's Web API on loopback.

`phonetag console` points the real Bolt app at it so a rep can try every command without a
Slack workspace, and the tests use it as their fake Slack: the app keeps its real `WebClient`
(Bolt copies the client's settings per request, so mocks break) and the tests read back what
was sent. Only the standard library, so the console works in a bare install.

Faults are injected on demand because the interesting bugs live in the unhappy paths: rate
limits, users who left the workspace, Slack having a bad minute, slow answers.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import itertools
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

logger = logging.getLogger(__name__)

RESPONSE_URL = "response_url"
"""`RecordedCall.method` of a post to a `response_url` (Bolt's `respond`)."""

UPLOAD_URL = "upload_url"
"""`RecordedCall.method` of the file bytes `files_upload_v2` posts to its upload URL."""
FILE_DOWNLOAD = "file_download"
"""`RecordedCall.method` of a GET of a shared file's `url_private_download`."""

DEFAULT_TZ = "America/Chicago"

# Form-encoded clients send these as JSON text; Slack decodes them, and so do we so that tests
# can inspect blocks and views the same way whichever encoding the client chose.
_JSON_ENCODED_ARGS = frozenset({"blocks", "attachments", "view", "files", "metadata"})

# Slack's ts values are seconds with six decimals; an increasing counter keeps them unique and
# sortable, which is what threading and chat.update rely on.
_FIRST_TS_MICROS = 1_700_000_000_000_100
_TS_STEP_MICROS = 100


@dataclass(frozen=True)
class RecordedCall:
    """One request Slack would have received, kept so tests and the console can read it back."""

    method: str
    args: dict[str, Any]
    token: str | None
    answered_ok: bool = True
    path: str = ""
    at: float = 0.0
    """When it arrived (`time.time()`): the digest bench times posts by it."""


@dataclass
class _Fault:
    error: str
    status: int
    retry_after: int | None
    remaining: int | None
    match: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | str | None = None
    """Answered instead of `{"ok": false, "error": ...}`."""
    performed: bool = False
    """Whether the call takes effect all the same (a message posted behind a bad answer)."""

    def applies_to(self, args: Mapping[str, Any]) -> bool:
        return all(args.get(key) == value for key, value in self.match.items())


class _Bucket:
    """A token bucket: `rate` requests a second, up to `burst` at once after a quiet spell."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._at = time.monotonic()

    def wait(self, now: float) -> float:
        """Seconds until a request may pass (0 when it may now); nothing taken."""
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def take(self) -> None:
        self._tokens -= 1


@dataclass(frozen=True)
class PostingLimits:
    """Slack's limits on chat.postMessage, enforced by `SlackStandIn.limit_posting`: about one
    message a second per channel with short bursts, and a budget per workspace (Slack
    publishes no number for it; the caller sets one)."""

    per_channel: float = 1.0
    channel_burst: int = 3
    per_workspace: float | None = None
    """Messages a second in each workspace; None for no workspace budget."""
    workspace_burst: int = 5


_TEAM_IN_TOKEN = re.compile(r"^xox[a-z]-(T[A-Z0-9]+)-")


def team_of_token(token: str | None, default: str) -> str:
    """The workspace a bot token posts in: the stand-in's own installs hand out
    `xoxb-<team>-...`; any other token is the stand-in's one workspace."""
    found = _TEAM_IN_TOKEN.match(token or "")
    return found.group(1) if found else default


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any] | str | bytes
    headers: dict[str, str] = field(default_factory=dict)


class SlackStandIn:
    """Answers Slack Web API calls on loopback and records every one of them.

    Usage::

        with SlackStandIn() as slack:
            client = WebClient(base_url=slack.base_url, token="xoxb-test")
            client.chat_postMessage(channel="U123", text="hi")
            assert slack.calls_to("chat.postMessage")[0].args["text"] == "hi"
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        users: Mapping[str, Mapping[str, Any]] | None = None,
        team_id: str = "T0PHONETAG",
        bot_user_id: str = "U0PHONETAG",
        bot_id: str = "B0PHONETAG",
    ) -> None:
        self.host = host
        self.port = port
        self.users: dict[str, dict[str, Any]] = {uid: dict(u) for uid, u in (users or {}).items()}
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.base_url = ""
        self.files_url = ""
        """Where shared files are served, as Slack serves them from https://files.slack.com/."""
        self.socket_mode_url = ""
        """What `apps.connections.open` hands a Socket Mode client: a test's websocket server."""
        self._root_url = ""
        self._lock = threading.Lock()
        self._calls: list[RecordedCall] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._delays: dict[str, float] = {}
        self._limits: PostingLimits | None = None
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._uploads: dict[str, str] = {}
        self.uploaded: dict[str, bytes] = {}
        """What was sent to each upload URL, by file id: what a DM'd file holds."""
        self._shared: dict[str, tuple[dict[str, Any], bytes]] = {}
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving and return the Web API base URL, e.g. `http://127.0.0.1:PORT/api/`."""
        if self._server is not None:
            return self.base_url
        handler = type("_BoundHandler", (_Handler,), {"standin": self})
        self._server = _Server((self.host, self.port), handler)
        self.port = self._server.server_address[1]
        self._root_url = f"http://{self.host}:{self.port}"
        self.base_url = f"{self._root_url}/api/"
        self.files_url = f"{self._root_url}/files/"
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="slack-standin",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving; delayed answers still pending are cut short rather than waited for."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- reading back ----------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """A snapshot, so a test can iterate while the app is still calling."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def clear(self) -> None:
        """Forget calls, faults, delays and posted messages so one running stand-in can serve
        test after test."""
        with self._lock:
            self._calls.clear()
            self._faults.clear()
            self._delays.clear()
            self._limits = None
            self._buckets.clear()
            self._history.clear()
            self.uploaded.clear()

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages posted to `channel` (a user id reads their DM with the bot), oldest first,
        metadata included: what `conversations.history` would show."""
        with self._lock:
            return list(self._history.get(self._channel_for(channel), []))

    def response_url(self, name: str) -> str:
        """A `response_url` to put in a slash command or action payload; posts are recorded."""
        self._require_started()
        return f"{self._root_url}/response/{name}"

    # -- fault injection -------------------------------------------------------------------

    def share_file(self, name: str, content: bytes, **described: Any) -> dict[str, Any]:
        """A file a user uploaded to Slack, as message events carry it: `files.info` describes
        it and its `url_private_download` serves its bytes to a bearer of a token.

        `described` changes what `files.info` says (a `url_private_download` elsewhere, a
        wrong `size`); None leaves a field out."""
        file_id = self._next_id("F")
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        info = {
            "id": file_id,
            "name": name,
            "title": name,
            "filetype": extension or "text",
            "size": len(content),
            "url_private_download": f"{self.files_url}{file_id}/download/{name}",
        }
        info.update(described)
        info = {key: value for key, value in info.items() if value is not None}
        with self._lock:
            self._shared[file_id] = (info, content)
        return info

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail; a 429 carries `Retry-After`."""
        with self._lock:
            self._faults.setdefault(method, []).append(
                _Fault(error=error, status=status, retry_after=retry_after, remaining=times)
            )

    def answer_next(
        self,
        method: str,
        body: dict[str, Any] | str,
        status: int = 200,
        *,
        performed: bool = False,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls to `method` with exactly `body`: an HTML error page,
        or Slack's `ok` replies that leave out what they should carry. With `performed`, the
        call takes effect all the same, as when a proxy in front of Slack loses the answer to
        a message Slack did post."""
        with self._lock:
            self._faults.setdefault(method, []).append(
                _Fault(
                    error="",
                    status=status,
                    retry_after=None,
                    remaining=times,
                    body=body,
                    performed=performed,
                )
            )

    def fail_for(
        self, method: str, match: Mapping[str, Any], error: str, status: int = 200
    ) -> None:
        """Fail every call to `method` whose args contain `match`, until `clear_faults()`.

        Slack reports most errors as HTTP 200 with `ok: false`, hence the default status.
        """
        with self._lock:
            self._faults.setdefault(method, []).append(
                _Fault(
                    error=error, status=status, retry_after=None, remaining=None, match=dict(match)
                )
            )

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call to `method` only after `seconds`, to drive client timeouts."""
        with self._lock:
            self._delays[method] = seconds

    def limit_posting(self, limits: PostingLimits | None) -> None:
        """Refuse chat.postMessage beyond `limits` (None: no limits, the default) as Slack
        does: HTTP 429, `ratelimited`, and a Retry-After in whole seconds. The workspace is
        told by the token (`team_of_token`)."""
        with self._lock:
            self._limits = limits
            self._buckets.clear()

    def _over_limit(self, args: Mapping[str, Any], token: str | None) -> int | None:
        """Retry-After seconds if this post is beyond the limits; else it is counted."""
        with self._lock:
            limits = self._limits
            if limits is None:
                return None
            team = team_of_token(token, self.team_id)
            buckets = [
                self._bucket(
                    ("channel", f"{team}/{args.get('channel', '')}"),
                    limits.per_channel,
                    limits.channel_burst,
                )
            ]
            if limits.per_workspace is not None:
                buckets.append(
                    self._bucket(("team", team), limits.per_workspace, limits.workspace_burst)
                )
            now = time.monotonic()
            wait = max(bucket.wait(now) for bucket in buckets)
            if wait > 0:
                return max(1, math.ceil(wait))
            for bucket in buckets:
                bucket.take()
            return None

    def _bucket(self, key: tuple[str, str], rate: float, burst: int) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(rate, burst)
        return bucket

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._delays.clear()

    # -- answering -------------------------------------------------------------------------

    def _require_started(self) -> None:
        if self._server is None:
            raise RuntimeError("SlackStandIn is not started; call start() first")

    def _take_fault(self, method: str, args: Mapping[str, Any]) -> _Fault | None:
        with self._lock:
            faults = self._faults.get(method, [])
            for fault in faults:
                if fault.applies_to(args):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            faults.remove(fault)
                    return fault
        return None

    def _answer(self, method: str, args: dict[str, Any], token: str | None, path: str) -> _Answer:
        fault = self._take_fault(method, args)
        if fault is None and method == "chat.postMessage":
            retry_after = self._over_limit(args, token)
            if retry_after is not None:
                fault = _Fault("ratelimited", HTTPStatus.TOO_MANY_REQUESTS, retry_after, None)
        with self._lock:
            self._calls.append(
                RecordedCall(
                    method=method,
                    args=args,
                    token=token,
                    answered_ok=fault is None,
                    path=path,
                    at=time.time(),
                )
            )
            delay = self._delays.get(method, 0.0)
        if delay:
            self._stopping.wait(delay)
        if fault is not None and fault.performed:
            build = self._builders.get(method)
            if build:
                build(self, args)
        if fault is not None and fault.body is not None:
            return _Answer(fault.status, fault.body)
        if fault is not None:
            headers = {}
            if fault.status == HTTPStatus.TOO_MANY_REQUESTS and fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            return _Answer(fault.status, {"ok": False, "error": fault.error}, headers)
        if method == UPLOAD_URL:
            with self._lock:
                self.uploaded[str(args["file_id"])] = bytes(args.get("data", b""))
            return _Answer(HTTPStatus.OK, f"OK - {len(args.get('data', b''))}")
        if method == FILE_DOWNLOAD:
            return self._download(str(args["file_id"]), token)
        if method == "files.info":
            with self._lock:
                shared = self._shared.get(str(args.get("file", "")))
            if shared is None:
                return _Answer(HTTPStatus.OK, {"ok": False, "error": "file_not_found"})
            return _Answer(HTTPStatus.OK, {"ok": True, "file": shared[0]})
        if method == "users.lookupByEmail":
            user_id = self._user_with_email(str(args.get("email", "")))
            if user_id is None:
                return _Answer(HTTPStatus.OK, {"ok": False, "error": "users_not_found"})
            return _Answer(HTTPStatus.OK, {"ok": True, **self._user_info({"user": user_id})})
        build = self._builders.get(method)
        body = build(self, args) if build else {}
        return _Answer(HTTPStatus.OK, {"ok": True, **body})

    def _download(self, file_id: str, token: str | None) -> _Answer:
        with self._lock:
            shared = self._shared.get(file_id)
        if shared is None:
            return _Answer(HTTPStatus.NOT_FOUND, "file not found")
        if not token:
            # Slack answers a download without a token with its sign-in page, not the file.
            return _Answer(HTTPStatus.OK, "<!DOCTYPE html><title>Sign in to Slack</title>")
        return _Answer(HTTPStatus.OK, shared[1])

    def _next_ts(self) -> str:
        micros = _FIRST_TS_MICROS + next(self._ids) * _TS_STEP_MICROS
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    @staticmethod
    def _channel_for(channel: str) -> str:
        """Posting to a user id lands in the DM with the bot, as on real Slack."""
        return "D" + channel if channel[:1] in ("U", "W") else channel

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "text": args.get("text", ""),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in args:
                message[key] = args[key]
        channel = self._channel_for(str(args.get("channel", "")))
        with self._lock:
            self._history.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": ts, "message": message}

    def _conversation_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Newest first, between `oldest` and `latest`, at most `limit` (Slack's default 100,
        most 999); message metadata only with `include_all_metadata`, as Slack documents.
        One page: `has_more` says there are more, and no cursor is offered."""
        channel = str(args.get("channel", ""))
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or "inf")
        inclusive = _truthy(args.get("inclusive"))
        limit = min(int(args.get("limit") or 100), 999)
        with_metadata = _truthy(args.get("include_all_metadata"))

        def in_range(message: dict[str, Any]) -> bool:
            ts = float(message["ts"])
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        with self._lock:
            found = [m for m in reversed(self._history.get(channel, [])) if in_range(m)]
        shown = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in found[:limit]
        ]
        return {
            "messages": shown,
            "has_more": len(found) > limit,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def _update_message(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "channel": args.get("channel", ""),
            "ts": args.get("ts", ""),
            "text": args.get("text", ""),
            "message": {
                "text": args.get("text", ""),
                **{k: args[k] for k in ("blocks",) if k in args},
            },
        }

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def _open_conversation(self, args: dict[str, Any]) -> dict[str, Any]:
        users = args.get("users", "")
        if isinstance(users, list):
            users = ",".join(users)
        return {"channel": {"id": "D" + users.replace(",", "")}}

    def _view(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        echoed = dict(view) if isinstance(view, dict) else {}
        view_id = args.get("view_id") or self._next_id("V")
        return {
            "view": {
                **echoed,
                "id": view_id,
                "team_id": self.team_id,
                "bot_id": self.bot_id,
                "root_view_id": view_id,
                "hash": self._next_ts(),
            }
        }

    def _user_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user", ""))
        overrides = self.users.get(user_id, {})
        tz = overrides.get("tz", DEFAULT_TZ)
        real_name = overrides.get("real_name", f"Rep {user_id}")
        profile = {
            "real_name": real_name,
            "display_name": real_name,
            "email": f"{user_id.lower()}@example.com",
            **overrides.get("profile", {}),
        }
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": user_id.lower(),
            "deleted": False,
            "is_bot": False,
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": _utc_offset_seconds(tz),
            **overrides,
            "profile": profile,
        }
        return {"user": user}

    def _user_with_email(self, email: str) -> str | None:
        """Whose email this is: a user given one in their profile, else the stand-in's
        default `u1@example.com` for U1."""
        for user_id, overrides in self.users.items():
            if str(overrides.get("profile", {}).get("email", "")).lower() == email.lower():
                return user_id
        local, _, domain = email.partition("@")
        if domain != "example.com" or not local.isalnum():
            return None
        user_id = local.upper()
        given = self.users.get(user_id, {}).get("profile", {}).get("email")
        return None if given else user_id

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://phonetag-standin.slack.com/",
            "team": "Phone Tag stand-in",
            "user": "phonetag",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _oauth_access(self, args: dict[str, Any]) -> dict[str, Any]:
        """Completes an install; a code like `team:T123` installs into that workspace."""
        code = str(args.get("code", ""))
        team_id = code.removeprefix("team:") if code.startswith("team:") else self.team_id
        return {
            "app_id": "A0PHONETAG",
            "authed_user": {"id": "U0INSTALLER"},
            "scope": "commands,chat:write,im:write,users:read",
            "token_type": "bot",
            "access_token": f"xoxb-{team_id}-installed",
            "bot_user_id": self.bot_user_id,
            "team": {"id": team_id, "name": f"Team {team_id}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket_mode_url}

    def _files_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        name = args.get("filename") or "file"
        return {"file": {"id": self._next_id("F"), "name": name, "title": args.get("title", name)}}

    def _get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = self._next_id("F")
        with self._lock:
            self._uploads[file_id] = str(args.get("filename", "file"))
        return {"upload_url": f"{self._root_url}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        completed = []
        for item in files if isinstance(files, list) else []:
            with self._lock:
                name = self._uploads.get(item.get("id", ""), "file")
            completed.append(
                {"id": item.get("id"), "name": name, "title": item.get("title") or name}
            )
        return {"files": completed}

    _builders: Mapping[str, Callable[[SlackStandIn, dict[str, Any]], dict[str, Any]]] = {
        "chat.postMessage": _post_message,
        "chat.update": _update_message,
        "chat.postEphemeral": _post_ephemeral,
        "conversations.open": _open_conversation,
        "conversations.history": _conversation_history,
        "views.open": _view,
        "views.update": _view,
        "views.publish": _view,
        "views.push": _view,
        "users.info": _user_info,
        "auth.test": _auth_test,
        "oauth.v2.access": _oauth_access,
        "apps.connections.open": _connections_open,
        "files.upload": _files_upload,
        "files.getUploadURLExternal": _get_upload_url,
        "files.completeUploadExternal": _complete_upload,
    }


def _utc_offset_seconds(tz: str) -> int:
    """Slack reports the offset in force today, so DST shows up the way real users see it."""
    try:
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset is not None else 0


class _Server(ThreadingHTTPServer):
    # A burst of concurrent Bolt listeners overflows the default backlog of 5, and the kernel
    # then retries the refused connections a second later.
    request_queue_size = 128
    daemon_threads = True


class _Handler(BaseHTTPRequestHandler):
    standin: SlackStandIn

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("slack stand-in: " + format, *args)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        prefix, _, rest = url.path.lstrip("/").partition("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if prefix == "api" and rest:
            method = rest
            args = _parse_args(raw, self.headers.get("Content-Type", ""), url.query)
        elif prefix == "response" and rest:
            method = RESPONSE_URL
            args = _parse_args(raw, self.headers.get("Content-Type", ""), url.query)
        elif prefix == "upload" and rest:
            method = UPLOAD_URL
            args = {"file_id": rest, "data": raw}
        elif prefix == "files" and rest:
            method = FILE_DOWNLOAD
            args = {"file_id": rest.partition("/")[0]}
        else:
            self._send(_Answer(HTTPStatus.NOT_FOUND, {"ok": False, "error": "unknown_path"}))
            return
        token = _bearer_token(self.headers.get("Authorization")) or args.get("token")
        self._send(self.standin._answer(method, args, token, url.path))

    def _send(self, answer: _Answer) -> None:
        if isinstance(answer.body, bytes):
            payload, content_type = answer.body, "application/octet-stream"
        elif isinstance(answer.body, str):
            payload, content_type = answer.body.encode(), "text/plain; charset=utf-8"
        else:
            payload, content_type = (
                json.dumps(answer.body).encode(),
                "application/json; charset=utf-8",
            )
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first, which is exactly what a `delay()` test provokes.
            logger.debug("slack stand-in: client hung up before the answer")


def _truthy(value: Any) -> bool:
    """Slack's boolean arguments arrive as JSON booleans or as form text ("true", "1")."""
    return value is True or str(value).lower() in ("true", "1")


def _bearer_token(header: str | None) -> str | None:
    if header and header.startswith("Bearer "):
        return header.removeprefix("Bearer ")
    return None


def _parse_args(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
    args: dict[str, Any] = _flatten(parse_qs(query, keep_blank_values=True))
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "application/json" and raw:
        args.update(json.loads(raw))
        return args
    if mime == "multipart/form-data":
        args.update(_parse_multipart(raw, content_type))
    elif raw:
        args.update(_flatten(parse_qs(raw.decode(), keep_blank_values=True)))
    for key in _JSON_ENCODED_ARGS & args.keys():
        # Undecodable text stays as sent: Slack would reject it, and the test can see why.
        if isinstance(args[key], str):
            with contextlib.suppress(json.JSONDecodeError):
                args[key] = json.loads(args[key])
    return args


def _flatten(values: dict[str, list[str]]) -> dict[str, Any]:
    return {key: items[0] if len(items) == 1 else items for key, items in values.items()}


def _parse_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    """Legacy `files.upload` sends multipart; file parts keep their bytes, fields become text."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    args: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        args[str(name)] = data if part.get_filename() else data.decode()
    return args
