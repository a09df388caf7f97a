"""Log lines are JSON and never carry tokens or the signing secret."""

from __future__ import annotations

import json
import logging
import sys

from bot.runtime.logs import JsonFormatter

SECRET = "8f14e45fceea167a5a36dedd4bea2543"


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
