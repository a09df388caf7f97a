"""JSON log lines that never carry a Slack or CRM token or our signing secret.

Log pipelines keep lines for months and many people can read them; a leaked bot token lets
anyone post as the app, so secrets are masked where the line is written, whoever logged it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

MASK = "[redacted]"
SLACK_TOKEN = re.compile(r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]+")
CRM_TOKEN = re.compile(
    # HubSpot private-app tokens, and Salesforce session ids (org id, "!", the secret).
    r"\bpat-[a-z0-9]+-[A-Za-z0-9-]+|\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]+"
)
_STANDARD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message"}


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

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

    def redact(self, text: str) -> str:
        text = SLACK_TOKEN.sub(MASK, text)
        text = CRM_TOKEN.sub(MASK, text)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


def configure_logging(level: int, secrets: Iterable[str | None]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
