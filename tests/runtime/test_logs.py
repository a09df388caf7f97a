"""Log lines are text for people at a terminal, JSON for the rest, and never carry tokens or
the signing secret."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.runtime.logs import JsonFormatter, configure_logging
from bot.runtime.signing import signed_headers
from tests.slack import SlackHarness

SECRET = "8f14e45fceea167a5a36dedd4bea2543"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure_logging replaces the root handlers; pytest's own capture must come back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def format_record(message: str, *args: object, **extra: object) -> dict[str, object]:
    record = logging.LogRecord("phonetag", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return json.loads(JsonFormatter([SECRET, None]).format(record))


def test_lines_are_json_with_level_logger_and_extra_fields() -> None:
    line = format_record("digest sent to %s", "U1", team_id="T1")
    assert line["message"] == "digest sent to U1"
    assert (line["level"], line["logger"], line["team_id"]) == ("info", "phonetag", "T1")


def test_tokens_and_the_signing_secret_are_masked_wherever_they_appear() -> None:
    line = format_record(
        "calling with %s and %s", "xoxb-1234-5678-abcdEFGH", SECRET, header="xapp-1-A0-99-zz"
    )
    text = json.dumps(line)
    for leaked in ("xoxb-1234-5678-abcdEFGH", SECRET, "xapp-1-A0-99-zz"):
        assert leaked not in text
    assert line["message"] == "calling with [redacted] and [redacted]"


def test_exceptions_are_kept_but_masked() -> None:
    try:
        raise RuntimeError(f"bad token xoxp-42-secret-{SECRET}")
    except RuntimeError:
        record = logging.LogRecord("phonetag", logging.ERROR, __file__, 1, "boom", (), None)
        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter([SECRET]).format(record))
    assert "RuntimeError" in line["error"]
    assert SECRET not in line["error"] and "xoxp-42" not in line["error"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def logged(stream: io.StringIO, format_choice: str | None = None) -> str:
    configure_logging(logging.INFO, [SECRET], format_choice, stream)
    try:
        raise ValueError("it broke")
    except ValueError:
        logging.getLogger("phonetag").exception("tick failed with %s", "xoxb-1-2-abc")
    return stream.getvalue()


def test_a_terminal_gets_lines_for_people_with_the_traceback_as_python_prints_it() -> None:
    text = logged(Terminal())

    first, *traceback = text.splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ERROR phonetag: tick failed with \[redacted\]", first
    )
    assert traceback[0] == "Traceback (most recent call last):"
    assert traceback[-1] == "ValueError: it broke"


def test_anything_else_gets_json_and_the_setting_decides_over_the_guess() -> None:
    piped = logged(io.StringIO())
    assert json.loads(piped)["message"] == "tick failed with [redacted]"
    assert json.loads(logged(Terminal(), "json"))["level"] == "error"
    assert logged(io.StringIO(), "text").splitlines()[-1] == "ValueError: it broke"


def test_the_log_format_setting_takes_json_or_text_only() -> None:
    assert Settings.from_env({"PHONETAG_LOG_FORMAT": "Text"}).log_format == "text"
    assert Settings.from_env({}).log_format is None
    with pytest.raises(ValueError, match="PHONETAG_LOG_FORMAT must be json or text"):
        Settings.from_env({"PHONETAG_LOG_FORMAT": "xml"})


def test_a_refused_signature_says_which_setting_to_check(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = "command=%2Flogcall&text=hi"
    headers = signed_headers("the-secret-before-it-was-rotated", body)

    with caplog.at_level(logging.INFO, logger="phonetag.edge"):
        reply = slack.post(body, headers)

    assert reply.status == 401
    (line,) = [r for r in caplog.records if r.name == "phonetag.edge"]
    assert line.levelno == logging.WARNING
    assert "check SLACK_SIGNING_SECRET" in line.getMessage()
    assert "SLACK_SIGNING_SECRET" not in reply.body
