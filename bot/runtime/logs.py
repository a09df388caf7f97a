"""Log lines for people on a terminal and JSON for machines, never carrying a Slack or CRM
token or our signing secret.

Someone starting `phonetag serve` in a terminal reads the lines, tracebacks included, as
Python prints them; a log pipeline (anything that is not a terminal: a container, systemd, a
file) wants one JSON object a line. `PHONETAG_LOG_FORMAT=json|text` overrides the guess.

Log pipelines keep lines for months and many people can read them; a leaked bot token lets
anyone post as the app, so secrets are masked where the line is written, whoever logged it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

MASK = "[redacted]"
SLACK_TOKEN = re.compile(r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]+")
CRM_TOKEN = re.compile(
    # HubSpot private-app tokens, and Salesforce session ids (org id, "!", the secret).
    r"\bpat-[a-z0-9]+-[A-Za-z0-9-]+|\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]+"
)
_STANDARD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message"}


class _Redacting(logging.Formatter):
    def __init__(self, secrets: Iterable[str | None] = (), fmt: str | None = None) -> None:
        super().__init__(fmt, datefmt="%Y-%m-%d %H:%M:%S")
        self._secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        text = SLACK_TOKEN.sub(MASK, text)
        text = CRM_TOKEN.sub(MASK, text)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


class JsonFormatter(_Redacting):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(
            {k: v for k, v in vars(record).items() if k not in _STANDARD_FIELDS and k[0] != "_"}
        )
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(line, default=str))


class TextFormatter(_Redacting):
    """`2026-12-01 07:30:00 WARNING phonetag: …`, then the traceback on lines of its own."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def log_format(choice: str | None, stream: TextIO) -> str:
    """The format asked for, else text for a person at a terminal and JSON for the rest."""
    if choice:
        return choice
    return "text" if stream.isatty() else "json"


def configure_logging(
    level: int,
    secrets: Iterable[str | None],
    format_choice: str | None = None,
    stream: TextIO | None = None,
) -> None:
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    chosen = log_format(format_choice, stream)
    handler.setFormatter(JsonFormatter(secrets) if chosen == "json" else TextFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
