"""The local text backend: the production Bolt app, driven by signed requests from a prompt.

A stand-in for Slack's Web API runs on loopback, so no Slack account is needed and every
Web API call the app makes (modals, DMs) is shown as text too. Buttons are numbered and
pressed with `:click N`; a form the app opens is filled in field by field at the prompt and
submitted as Slack would submit it; `:now` moves the clock and runs that minute's digest,
weekly picture and reminders.
"""

from __future__ import annotations

import json
import re
import secrets
import shlex
import time as wall
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import App, BoltRequest
from sqlalchemy import Engine

from bot import ids
from bot.blocks.mrkdwn import escape, plain
from bot.config import Settings
from bot.rules.dates import EXAMPLES, DateError, resolve_when
from bot.runtime.app import create_app, open_database
from bot.runtime.edge import slack_request
from bot.runtime.scheduler import start_digest_scheduler
from bot.runtime.signing import event_body, signed_headers, slash_command_body
from bot.runtime.slack_standin import SlackStandIn
from bot.runtime.startup import EXIT_SETTINGS, StartupError
from bot.runtime.ticks import minute_ticks
from bot.services.context import Services
from bot.services.slack_delivery import team_web_clients
from storage.db import make_session_factory
from storage.models import Base

PROMPT = "phonetag> "
GREETING = (
    "Phone Tag console: type a slash command as in Slack, e.g. /logcall Jane Doe vm.\n"
    "help lists every command; :quit leaves."
)
HELP = """\
Slash commands, as in Slack (add help after one for its usage):
  /logcall Jane Doe vm phone:+1 312 555 0100 next:"thu 8am"   log a call; alone, it opens the form
  /vmscript Jane Doe                        draft the voicemail to leave (or email, screener)
  /prospect list due                        who to call now; also add, edit, show, snooze, delete
  /digest now                               today's digest; /digest reminders off stops reminders
Console commands:
  :click 2                  press button 2 of the last reply (:click 3 1 picks menu option 1)
  :as U0222 Europe/London   act as another Slack user, in their time zone
  :now 2026-12-01 07:30     set the clock (your zone) and run that minute's digest and reminders
  :now                      show the clock
  :reset                    erase the console's data and start fresh
  :quit                     leave"""
FORM_HINT = (
    "Fill in the form: one line per field; Enter keeps what is shown (blank if nothing is),"
    " :cancel closes it."
)
_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>")
_FORM_ELEMENTS = {
    "plain_text_input",
    "static_select",
    "external_select",
    "datetimepicker",
    "datepicker",
}


@dataclass(frozen=True)
class ConsoleUser:
    team_id: str
    user_id: str
    tz: str


class ConsoleClock:
    """The app's clock: real time, or real time running on from a moment the user set."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = 0.0
        if start is not None:
            self.set(start)

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(wall.time() + self._offset, UTC)

    def set(self, moment: datetime) -> None:
        self._offset = moment.timestamp() - wall.time()


class Console:
    def __init__(
        self,
        app: App,
        standin: SlackStandIn,
        signing_secret: str,
        user: ConsoleUser,
        *,
        clock: ConsoleClock | None = None,
        tick: Callable[[datetime], None] = lambda now: None,
        erase: Callable[[], str] | None = None,
    ):
        self.app = app
        self.standin = standin
        self.signing_secret = signing_secret
        self.clock = clock or ConsoleClock()
        self.tick = tick
        self._erase = erase
        self.user = user
        self._zones: dict[str, str] = {}
        self._buttons: list[dict[str, Any]] = []
        self._lines: Iterator[str] = iter(())
        self._out: TextIO | None = None
        self._echo = False
        self._forms_seen = len(standin.calls)
        # Shown up to here: DMs the digest scheduler sent between commands appear with the
        # next reply instead of never.
        self._shown_calls = len(standin.calls)
        self._become(user)

    def _become(self, user: ConsoleUser) -> None:
        self.user = user
        self._zones[user.user_id] = user.tz
        self.standin.users[user.user_id] = {"tz": user.tz, "real_name": user.user_id}

    def run(
        self, lines: Iterable[str], out: TextIO, *, echo: bool = False, prompt: bool = False
    ) -> None:
        """Read commands (and the answers to form prompts) from `lines` until they end.

        At a terminal (`prompt`) each prompt is written before its line is read, one prompt
        at a time: the form's field prompts stand in for `phonetag> ` while it is open.
        `echo` writes each line after its prompt instead, for input that is not a terminal,
        so a transcript reads as if typed."""
        self._lines, self._out, self._echo = iter(lines), out, echo
        out.write(GREETING + "\n")
        while True:
            if prompt:
                out.write(PROMPT)
                out.flush()
            line = next(self._lines, None)
            if line is None:
                return
            line = line.strip()
            if self._echo:
                out.write(PROMPT + line + "\n")
            if line in {":quit", ":q", "exit", "quit"}:
                return
            if line:
                out.write(self.handle(line) + "\n")
                self._fill_open_form()

    def handle(self, line: str) -> str:
        word, _, rest = line.partition(" ")
        if word in {"help", ":help", "?"}:
            return HELP
        if word == ":as":
            return self._switch_user(rest)
        if word == ":now":
            return self._set_clock(rest)
        if word == ":click":
            return self._click(rest)
        if word == ":reset":
            return self.reset()
        if word.startswith("/"):
            if word not in ids.COMMANDS:
                return f"Unknown command {word}: try /logcall, /vmscript, /prospect or /digest."
            return self.slash(word, rest)
        return f"“{word}” is not a command: type a slash command like /logcall, or help."

    def reset(self) -> str:
        if self._erase is None:
            return "This console has nothing to erase."
        self._buttons = []
        return self._erase()

    def slash(self, command: str, text: str) -> str:
        # Escaped as Slack escapes what a rep types, so the commands read it as in Slack.
        body = slash_command_body(
            command,
            escape(text),
            team_id=self.user.team_id,
            user_id=self.user.user_id,
            response_url=self.standin.response_url("console"),
            trigger_id=secrets.token_hex(8),
        )
        return self._send(body, signed_headers(self.signing_secret, body))

    # Replies -----------------------------------------------------------------------------

    def _send(self, body: str, headers: dict[str, str]) -> str:
        response = self.app.dispatch(slack_request(body, headers))
        return self._shown(response.body) or "(no reply)"

    def _shown(self, reply: str = "") -> str:
        """The reply, then everything sent to Slack since the last output, buttons numbered."""
        self._buttons = []
        shown = [render_payload(reply, self._buttons)] if reply else []
        calls = self.standin.calls
        shown += [render_call(c.method, c.args, self._buttons) for c in calls[self._shown_calls :]]
        self._shown_calls = len(calls)
        return "\n".join(part for part in shown if part)

    # Users and the clock -----------------------------------------------------------------

    def _switch_user(self, rest: str) -> str:
        words = shlex.split(rest)
        if not words:
            return f"You are {self.user.user_id} in {self.user.tz}."
        user_id = words[0]
        zone = words[1] if len(words) > 1 else self._zones.get(user_id, self.user.tz)
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return f"“{zone}” is not a time zone: use Area/City, e.g. Europe/London."
        moved = self._zones.get(user_id) not in {None, zone}
        self._become(replace(self.user, user_id=user_id, tz=zone))
        if moved:
            # As Slack tells the app when someone changes zone, so the stored rep follows.
            self._event({"type": "user_change", "user": {"id": user_id, "tz": zone}})
        return f"You are now {user_id} in {zone}."

    def _set_clock(self, rest: str) -> str:
        tz = ZoneInfo(self.user.tz)
        if rest.strip():
            try:
                moment = console_moment(rest, tz)
            except ValueError as problem:
                return str(problem)
            self.clock.set(moment)
            self.tick(moment)
            said = f"The clock is now {_moment_text(moment, tz)}; that minute's ticks ran."
            return "\n".join(part for part in (said, self._shown()) if part)
        return f"The clock says {_moment_text(self.clock(), tz)}."

    def _event(self, event: dict[str, object]) -> None:
        body = event_body(
            {**event, "event_ts": f"{self.clock().timestamp():.6f}"},
            team_id=self.user.team_id,
            event_id="Ev" + secrets.token_hex(6),
            event_time=int(self.clock().timestamp()),
        )
        self.app.dispatch(
            BoltRequest(
                body=body,
                headers=signed_headers(self.signing_secret, body, content_type="application/json"),
            )
        )

    # Buttons -----------------------------------------------------------------------------

    def _click(self, rest: str) -> str:
        words = rest.split()
        if not words or not words[0].isdigit() or not 1 <= int(words[0]) <= len(self._buttons):
            count = len(self._buttons)
            return f"Say which button, 1 to {count}: :click 1." if count else "No buttons to click."
        element = self._buttons[int(words[0]) - 1]
        action: dict[str, Any] = {
            "action_id": element["action_id"],
            "block_id": "console",
            "type": element["type"],
            "action_ts": f"{wall.time():.6f}",
        }
        if element["type"] == "static_select":
            options = element["options"]
            choice = words[1] if len(words) > 1 else self._ask(_numbered(options) + "\n  choice")
            picked = _pick(options, choice)
            if picked is None:
                return f"“{choice}” is not one of the {len(options)} options."
            action["selected_option"] = picked
        else:
            action["value"] = element.get("value")
        reply = self._interaction(
            {
                "type": "block_actions",
                "trigger_id": secrets.token_hex(8),
                "response_url": self.standin.response_url("console"),
                "container": {"type": "message", "message_ts": "1.0", "is_ephemeral": True},
                "channel": {"id": "D" + self.user.user_id, "name": "directmessage"},
                "actions": [action],
            }
        )
        return self._shown(reply) or "(done)"

    def _interaction(self, payload: dict[str, object]) -> str:
        who = {
            "team": {"id": self.user.team_id, "domain": "phonetag"},
            "user": {"id": self.user.user_id, "team_id": self.user.team_id},
            "api_app_id": "A0PHONETAG",
            "token": "unused",
        }
        body = urlencode({"payload": json.dumps({**who, **payload})})
        response = self.app.dispatch(
            BoltRequest(body=body, headers=signed_headers(self.signing_secret, body))
        )
        return response.body

    # Forms -------------------------------------------------------------------------------

    def _fill_open_form(self) -> None:
        """A form the last reply opened is filled in here and submitted, as many times as
        the app sends one back (with errors, or a next step)."""
        view = self._open_form()
        # Slack gives each opened form its own id, and a logged form is claimed by it.
        view_id = f"VCONSOLE{secrets.token_hex(4).upper()}"
        values: dict[str, dict[str, Any]] = {}
        to_fix: set[str] | None = None
        while view is not None and self._out is not None:
            if to_fix is None:
                self._out.write(FORM_HINT + "\n")
            answered = self._prompt_fields(view, to_fix)
            if answered is None:
                self._out.write("Form closed; nothing was submitted.\n")
                return
            values |= answered
            answer = self._interaction(
                {
                    "type": "view_submission",
                    "trigger_id": secrets.token_hex(8),
                    "view": {**view, "id": view_id, "state": {"values": values}},
                }
            )
            reply = json.loads(answer) if answer.strip().startswith("{") else {}
            if reply.get("response_action") == "errors":
                # Only the fields at fault are asked again; the others keep their answers.
                problems = "\n".join(f"  {plain(e)}" for e in reply["errors"].values())
                self._out.write(f"The form needs fixing:\n{problems}\n")
                to_fix = set(reply["errors"])
                continue
            values, to_fix = {}, None
            if reply.get("response_action") in {"update", "push"}:
                shown = render_call("views.update", {"view": reply["view"]}, self._buttons)
                self._out.write(shown + "\n")
            self._out.write(self._shown() + "\n")
            view = self._open_form()

    def _open_form(self) -> dict[str, Any] | None:
        """The newest view shown since the last look, if it has fields to fill."""
        fresh = self.standin.calls[self._forms_seen : self._shown_calls]
        self._forms_seen = max(self._forms_seen, self._shown_calls)
        for call in reversed(fresh):
            if call.method in {"views.open", "views.push", "views.update"}:
                view = _json_field(call.args.get("view")) or {}
                has_fields = any(_is_field(block) for block in view.get("blocks") or [])
                return view if has_fields and view.get("submit") else None
        return None

    def _prompt_fields(
        self, view: dict[str, Any], only: set[str] | None = None
    ) -> dict[str, dict[str, Any]] | None:
        """Each field's state as Slack sends it, asked in turn; `only` these block ids when
        given. None when the user cancels."""
        values: dict[str, dict[str, Any]] = {}
        for block in view.get("blocks") or []:
            if not _is_field(block) or (only is not None and block["block_id"] not in only):
                continue
            element = block["element"]
            label = block["label"]["text"]
            while True:
                if element["type"] == "static_select":
                    self._say(_numbered(element["options"]))
                answer = self._ask(f"  {label}")
                if answer == ":cancel":
                    return None
                try:
                    state = self._field_state(element, answer, view)
                except ValueError as problem:
                    self._say(f"  {problem}")
                    continue
                break
            values[block["block_id"]] = {element["action_id"]: state}
        return values

    def _field_state(self, element: dict[str, Any], answer: str, view: dict[str, Any]) -> Any:
        kind = element["type"]
        state: dict[str, Any] = {"type": kind}
        tz = ZoneInfo(self.user.tz)
        if kind == "plain_text_input":
            state["value"] = answer or element.get("initial_value")
        elif kind in {"static_select", "external_select"}:
            picked = element.get("initial_option")
            if answer and kind == "static_select":
                picked = _pick(element["options"], answer)
            elif answer:
                # Typing a name picks it, as Slack's type-ahead lists it: the exact match,
                # else the first suggestion (a new prospect by that name).
                options = self._suggestions(element, answer, view)
                picked = _pick(options, answer) or (options[0] if options else None)
            if answer and picked is None:
                raise ValueError(f"“{answer}” is not one of the choices")
            if answer:
                self._say(f"  → {picked['text']['text']}")  # type: ignore[index]
            state["selected_option"] = picked
        elif kind == "datetimepicker":
            state["selected_date_time"] = element.get("initial_date_time")
            if answer:
                state["selected_date_time"] = int(_when(answer, self.clock(), tz).timestamp())
        elif kind == "datepicker":
            state["selected_date"] = element.get("initial_date")
            if answer:
                state["selected_date"] = _when(answer, self.clock(), tz).date().isoformat()
        return state

    def _suggestions(
        self, element: dict[str, Any], typed: str, view: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """What Slack's type-ahead would list for `typed`: the app's options load."""
        answer = self._interaction(
            {
                "type": "block_suggestion",
                "action_id": element["action_id"],
                "block_id": "console",
                "value": typed,
                "view": {"id": "VCONSOLE", **view},
                "container": {"type": "view", "view_id": "VCONSOLE"},
            }
        )
        return list(json.loads(answer).get("options") or []) if answer else []

    def _ask(self, prompt: str) -> str:
        if self._out is not None:
            self._out.write(f"{prompt}> ")
            self._out.flush()
        answer = next(self._lines, ":cancel").strip()
        if self._out is not None and self._echo:
            self._out.write(answer + "\n")
        return answer

    def _say(self, text: str) -> None:
        if self._out is not None:
            self._out.write(text + "\n")


def run_console(
    settings: Settings,
    database_url: str,
    *,
    team: str,
    user: str,
    tz: str,
    now: str | None,
    lines: Iterable[str],
    out: TextIO,
    terminal: bool,
) -> int:
    """`phonetag console`: the production app against `database_url` and a Slack stand-in,
    with the digest scheduler running on the console's clock."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise StartupError(f"“{tz}” is not a time zone; use Area/City", EXIT_SETTINGS) from None
    clock = ConsoleClock(console_moment(now, zone) if now else None)
    with SlackStandIn() as standin:
        secret = secrets.token_hex(16)
        # The CRM settings pass through: the console can try a real CRM account.
        console_settings = replace(
            settings,
            database_url=database_url,
            slack_bot_token="xoxb-console",
            slack_signing_secret=secret,
            slack_app_token=None,
            slack_client_id=None,
            slack_client_secret=None,
            slack_api_url=standin.base_url,
        )
        engine = open_database(console_settings)
        session_factory = make_session_factory(engine)
        app = create_app(
            console_settings, Services(session_factory, clock=clock, settings=console_settings)
        )
        clients = team_web_clients(console_settings, engine)
        ticks = minute_ticks(console_settings)

        def tick(moment: datetime) -> None:
            for run in ticks.values():
                run(session_factory, clients, moment)

        console = Console(
            app,
            standin,
            secret,
            ConsoleUser(team, user, tz),
            clock=clock,
            tick=tick,
            erase=lambda: erase_local_data(engine),
        )
        out.write(f"Your data is kept in {where_data_lives(engine)} ({DATA_HINT}).\n")
        if now:
            # What is due at the moment asked for shows with the first reply.
            tick(clock())
        scheduler = start_digest_scheduler(session_factory, clients, clock, ticks)
        try:
            console.run(lines, out, echo=not terminal, prompt=terminal)
        finally:
            scheduler.shutdown(wait=False)
            engine.dispose()
    return 0


DATA_HINT = "--db PATH keeps it elsewhere; :reset erases it"


def where_data_lives(engine: Engine) -> str:
    """The file's full path for SQLite, so the person knows what to delete or back up."""
    if engine.dialect.name == "sqlite" and engine.url.database:
        return str(Path(engine.url.database).resolve())
    return engine.url.render_as_string(hide_password=True)


def erase_local_data(engine: Engine) -> str:
    """`:reset`: every row of a local SQLite file, migrations kept. A console pointed at a
    team's PostgreSQL must not be one typo away from erasing the team's prospects."""
    if engine.dialect.name != "sqlite":
        return f":reset only erases a local SQLite file; {where_data_lives(engine)} is kept."
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    return f"Started fresh: everything in {where_data_lives(engine)} is erased."


def console_moment(text: str, tz: ZoneInfo | None = None) -> datetime:
    """ "2026-12-01 07:30" on the console user's clock, or an ISO instant with its offset."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"“{text.strip()}” is not a time: say e.g. 2026-12-01 07:30") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz) if tz is not None else moment
    return moment


def _when(answer: str, now: datetime, tz: ZoneInfo) -> datetime:
    try:
        return resolve_when(answer, now, tz)
    except DateError:
        raise ValueError(f"“{answer}” is not a date I can read: try {EXAMPLES}") from None


def _moment_text(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return local.strftime("%a %b %-d %Y, %-I:%M %p ") + (local.tzname() or "")


def _is_field(block: dict[str, Any]) -> bool:
    return block.get("type") == "input" and block.get("element", {}).get("type") in _FORM_ELEMENTS


def _numbered(options: list[dict[str, Any]]) -> str:
    return "  " + "  ".join(f"{n}) {o['text']['text']}" for n, o in enumerate(options, 1))


def _pick(options: list[dict[str, Any]], answer: str) -> dict[str, Any] | None:
    """An option by its number, its label or its value, ignoring case."""
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1]
    wanted = answer.casefold()
    for option in options:
        if wanted in {option["text"]["text"].casefold(), str(option.get("value")).casefold()}:
            return option
    return None


def render_payload(body: str, buttons: list[dict[str, Any]] | None = None) -> str:
    try:
        payload = json.loads(body)
    except json.JSONDecodeError:
        return body
    if not isinstance(payload, dict):
        return body
    return render_blocks(payload.get("blocks") or [], buttons) or _text(payload.get("text", ""))


def render_call(
    method: str, args: dict[str, Any], buttons: list[dict[str, Any]] | None = None
) -> str:
    if method in {"chat.postMessage", "chat.postEphemeral", "response_url"}:
        blocks = _json_field(args.get("blocks"))
        return f"[{method} → {args.get('channel', 'you')}]\n" + (
            render_blocks(blocks or [], buttons) or _text(str(args.get("text", "")))
        )
    if method == "files.completeUploadExternal":
        # The picture itself cannot be shown in text; its title says which one came.
        files = _json_field(args.get("files")) or []
        return "\n".join(f"[picture: {f.get('title', 'file')}]" for f in files)
    if method.startswith("views.") and method != "views.publish":
        view = _json_field(args.get("view")) or {}
        title = (view.get("title") or {}).get("text", "")
        return f"[{method}: {title}]\n" + render_blocks(view.get("blocks") or [], buttons)
    return ""


def _json_field(value: object) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _text(mrkdwn: str) -> str:
    """As a reader sees it: links by their label, escapes undone."""
    return plain(_LINK.sub(r"\2", mrkdwn))


def render_blocks(blocks: list[dict[str, Any]], buttons: list[dict[str, Any]] | None = None) -> str:
    """Blocks as text; with `buttons`, every button and menu is numbered and collected there
    so `:click N` can press it."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in {"section", "header"} and "text" in block:
            lines.append(_text(block["text"]["text"]))
        if kind == "section" and "fields" in block:
            lines.extend("  " + _text(f["text"]).replace("\n", " ") for f in block["fields"])
        elif kind == "context":
            lines.extend("  " + _text(e.get("text", "")) for e in block["elements"])
        elif kind == "actions":
            lines.append("  " + " ".join(_control(e, buttons) for e in block["elements"]))
        elif kind == "input":
            lines.append(f"  {block['label']['text']}: {_field_value(block['element'])}")
        elif kind == "divider":
            lines.append("  ―――")
    return "\n".join(lines)


def _control(element: dict[str, Any], buttons: list[dict[str, Any]] | None) -> str:
    label = (element.get("text") or element.get("placeholder") or {}).get("text", "")
    if element.get("type") == "static_select":
        label += " ▾"
    if buttons is None:
        return f"[{label}]"
    buttons.append(element)
    return f"[{len(buttons)} {label}]"


def _field_value(element: dict[str, Any]) -> str:
    """What the field holds now, as the form shows it; ____ when empty."""
    if element.get("initial_value"):
        return str(element["initial_value"])
    if element.get("initial_option"):
        return str(element["initial_option"]["text"]["text"])
    if element.get("initial_date_time"):
        moment = datetime.fromtimestamp(int(element["initial_date_time"]), UTC)
        return moment.strftime("%a %b %-d %Y, %H:%M UTC")
    if element.get("initial_date"):
        return date.fromisoformat(element["initial_date"]).strftime("%a %b %-d %Y")
    return "____"
