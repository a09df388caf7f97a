"""`phonetag serve` and gunicorn's `create()` build the app with `serving_app`: the phone
systems' paths are mounted beside Slack's edge, and Slack's paths stay behind it."""

from __future__ import annotations

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest
from sqlalchemy import Engine

from bot.config import Settings
from bot.runtime.web import serving_app
from bot.services.context import Services
from storage.db import make_session_factory
from tests.slack import SIGNING_SECRET

pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


def post(
    engine: Engine, path: str, body: bytes, content_type: str
) -> tuple[int, dict[str, object]]:
    settings = Settings(
        database_url=str(engine.url),
        slack_bot_token="xoxb-test",
        slack_signing_secret=SIGNING_SECRET,
        aircall_webhook_token="the-token",
    )
    app = serving_app(settings, engine, Services(make_session_factory(engine), settings=settings))
    environ: dict[str, object] = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD="POST",
        PATH_INFO=path,
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(len(body)),
    )
    environ["wsgi.input"] = io.BytesIO(body)
    status: list[int] = []
    answer = b"".join(app(environ, lambda line, headers, *_: status.append(int(line[:3]))))
    return status[0], json.loads(answer)


def test_the_phone_paths_are_checked_by_their_own_edge(engine: Engine) -> None:
    status, body = post(engine, "/phone/aircall", b'{"token": "wrong"}', "application/json")
    assert (status, body["error"]) == (401, "token does not match")
    status, body = post(engine, "/phone/aircall", b'{"token": "the-token"}', "application/json")
    assert status == 200


def test_slacks_paths_still_need_slacks_signature(engine: Engine) -> None:
    status, body = post(engine, "/slack/events", b'{"token": "the-token"}', "application/json")
    assert status == 401 and "timestamp" in str(body["error"])
