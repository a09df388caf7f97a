"""The local text backend: the production Bolt app, driven by signed requests from a prompt.

A stand-in for Slack's Web API runs on loopback, so no Slack account is needed and every
Web API call the app makes (modals, DMs) is shown as text too.
"""

from __future__ import annotations

import json
import secrets
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TextIO

from slack_bolt import App

from bot.blocks.mrkdwn import plain
from bot.runtime.edge import slack_request
from bot.runtime.signing import signed_headers, slash_command_body
from bot.runtime.slack_standin import SlackStandIn

PROMPT = "phonetag> "
HELP = (
    "Type a slash command as in Slack, e.g. /logcall Jane Doe vm phone:+1 312 555 0100\n"
    ":as USER [Area/City] switches who you are; :quit leaves."
)


@dataclass(frozen=True)
class ConsoleUser:
    team_id: str
    user_id: str
    tz: str


class Console:
    def __init__(self, app: App, standin: SlackStandIn, signing_secret: str, user: ConsoleUser):
        self.app = app
        self.standin = standin
        self.signing_secret = signing_secret
        self.user = user
        # Shown up to here: DMs the digest scheduler sent between commands appear with the
        # next reply instead of never.
        self._shown_calls = len(standin.calls)
        self._become(user)

    def _become(self, user: ConsoleUser) -> None:
        self.user = user
        self.standin.users[user.user_id] = {"tz": user.tz, "real_name": user.user_id}

    def run(self, lines: Iterable[str], out: TextIO) -> None:
        out.write(HELP + "\n")
        for line in lines:
            line = line.strip()
            if line in {":quit", ":q", "exit"}:
                return
            if line:
                out.write(self.handle(line) + "\n")

    def handle(self, line: str) -> str:
        if line.startswith(":as"):
            return self._switch_user(line)
        if not line.startswith("/"):
            return HELP
        command, _, text = line.partition(" ")
        return self.slash(command, text)

    def slash(self, command: str, text: str) -> str:
        body = slash_command_body(
            command,
            text,
            team_id=self.user.team_id,
            user_id=self.user.user_id,
            response_url=self.standin.response_url("console"),
            trigger_id=secrets.token_hex(8),
        )
        response = self.app.dispatch(slack_request(body, signed_headers(self.signing_secret, body)))
        calls = self.standin.calls
        shown = [render_payload(response.body)] if response.body else []
        shown += [render_call(call.method, call.args) for call in calls[self._shown_calls :]]
        self._shown_calls = len(calls)
        return "\n".join(part for part in shown if part) or "(no reply)"

    def _switch_user(self, line: str) -> str:
        words = shlex.split(line)[1:]
        if not words:
            return f"You are {self.user.user_id} in {self.user.tz}."
        changed = replace(
            self.user, user_id=words[0], tz=words[1] if len(words) > 1 else self.user.tz
        )
        self._become(changed)
        return f"You are now {changed.user_id} in {changed.tz}."


def render_payload(body: str) -> str:
    try:
        payload = json.loads(body)
    except json.JSONDecodeError:
        return body
    return render_blocks(payload.get("blocks") or []) or plain(payload.get("text", ""))


def render_call(method: str, args: dict[str, object]) -> str:
    if method in {"chat.postMessage", "chat.postEphemeral", "response_url"}:
        blocks = _json_field(args.get("blocks"))
        return f"[{method} → {args.get('channel', 'you')}]\n" + (
            render_blocks(blocks) or plain(str(args.get("text", "")))
        )
    if method.startswith("views."):
        view = _json_field(args.get("view")) or {}
        title = (view.get("title") or {}).get("text", "")
        return f"[{method}: {title}]\n" + render_blocks(view.get("blocks") or [])
    return ""


def _json_field(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def render_blocks(blocks: list[dict[str, object]]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in {"section", "header"} and "text" in block:
            lines.append(plain(block["text"]["text"]))  # type: ignore[index]
        if kind == "section" and "fields" in block:
            lines.extend("  " + plain(f["text"]).replace("\n", " ") for f in block["fields"])  # type: ignore[union-attr,index,attr-defined]
        elif kind == "context":
            lines.extend("  " + plain(e.get("text", "")) for e in block["elements"])  # type: ignore[union-attr,attr-defined]
        elif kind == "actions":
            labels = [e["text"]["text"] for e in block["elements"] if "text" in e]  # type: ignore[index,union-attr,operator]
            lines.append("  " + " ".join(f"[{label}]" for label in labels))
        elif kind == "input":
            lines.append(f"  {block['label']['text']}: ____")  # type: ignore[index]
        elif kind == "divider":
            lines.append("  ―――")
    return "\n".join(lines)
