"""The console as a newcomer drives it: a whole session typed on stdin into `phonetag console`."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import termios
from pathlib import Path
from select import select as wait_readable

from sqlalchemy import select

from bot import ids
from bot.config import Settings
from bot.runtime.console import PROMPT, erase_local_data
from bot.runtime.console import run_console as run_console_in_process
from storage.models import ProspectRow
from tests.slack import SlackHarness

REPO = Path(__file__).resolve().parents[2]

SESSION = [
    "help",
    "/foo",
    '/logcall Jane Doe vm phone:+1 312 555 0100 next:"tomorrow 8am"',
    # The form, field by field: prospect, outcome (skipped), notes, follow-up (one it cannot
    # read first), deal value, phone; then the outcome the app asks for again.
    "/logcall",
    "Bob Roe",
    "",
    "left a message about the bid",
    "not a date",
    "thu 9am",
    "$12k",
    "+1 206 555 0111",
    "Voicemail left",
    ":click 1",
    ":as U0BOB Not/AZone",
    ":as U0BOB Europe/London",
    "/digest",
    ":as U0CONSOLE",
    "/digest",
    ":now 2026-12-01 07:30",
    ":now 2026-12-01 08:00",
    ":now 2026-12-04 15:00",
    ":quit",
]


def run_console(tmp_path: Path, lines: list[str]) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--now", "2026-11-30 10:00"],
        cwd=REPO,
        env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}"},
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def after(output: str, marker: str) -> str:
    return output[output.index(marker) :]


def test_a_newcomer_session_from_help_to_tomorrows_digest_and_reminder(tmp_path: Path) -> None:
    out = run_console(tmp_path, SESSION)

    # help lists every command with an example; an unknown one gets one line.
    for example in ("/logcall Jane Doe vm", "/vmscript Jane Doe", "/prospect list due"):
        assert example in out
    assert "/digest now" in out and ":click 2" in out and ":now 2026-12-01 07:30" in out
    assert "Unknown command /foo: try /logcall, /vmscript, /prospect or /digest.\n" in out

    # The one-liner's reply, with its numbered buttons and the number as read.
    assert "Logged *Voicemail left* with *Jane Doe*" in out
    assert "[1 Undo] [2 Draft voicemail] [3 Set follow-up]" in out

    # The form shows its fields, takes them one by one, re-asks a bad date, and submits.
    form = after(out, "[views.open: Log a call]")
    assert "  Outcome: ____" in form and "  Deal value: ____" in form
    assert "  Prospect> Bob Roe\n  → ➕ New prospect: Bob Roe" in form
    assert "“not a date” is not a date I can read" in form
    assert "The form needs fixing:\n  Pick how the call went.\n" in form
    assert form.count("  Phone> ") == 1
    logged = after(form, "[chat.postMessage → U0CONSOLE]")
    assert "Logged *Voicemail left* with *Bob Roe*" in logged
    assert "Follow-up set for Thu Dec 3, 9:00 AM CST" in logged

    # Undo is button 1 of that confirmation.
    assert "Undone: *Voicemail left* with *Bob Roe*" in after(logged, "phonetag> :click 1")

    # Zones are checked, each user keeps their own, and the rep's settings show it.
    assert "“Not/AZone” is not a time zone: use Area/City, e.g. Europe/London." in out
    assert "You are now U0BOB in Europe/London." in out
    assert "(Europe/London)" in after(out, "You are now U0BOB in Europe/London.")
    back = after(out, "You are now U0CONSOLE in America/Chicago.")
    assert "(America/Chicago)" in back

    # Tomorrow morning: the clock moves and the digest comes, with Jane and her number.
    tomorrow = after(out, "The clock is now Tue Dec 1 2026, 7:30 AM CST")
    assert "Who to call today, Tue Dec 1" in tomorrow
    assert "*Jane Doe* · 312-555-0100" in tomorrow
    assert "Bob Roe" not in tomorrow.split("phonetag>")[0]
    # At 8:00 the follow-up Jane's call set comes as a reminder.
    reminder = after(out, "The clock is now Tue Dec 1 2026, 8:00 AM CST")
    assert "Time to call *Jane Doe* · 312-555-0100" in reminder
    assert "[1 Log call] [2 Draft voicemail] [3 Snooze 1 h] [4 Snooze till tomorrow]" in reminder
    # Friday 15:00: the weekly picture, numbers then the heatmap.
    friday = after(out, "The clock is now Fri Dec 4 2026, 3:00 PM CST")
    assert "Your week so far" in friday and "[picture: Your week of Nov 30]" in friday


def logcall_form(name: str, phone: str) -> list[str]:
    """The form's prompts in order: prospect, outcome, notes, follow-up, deal value, phone."""
    return ["/logcall", name, "Voicemail left", "", "", "", phone]


def test_two_forms_in_one_session_are_both_logged(tmp_path: Path) -> None:
    out = run_console(
        tmp_path,
        logcall_form("Ann Lee", "+1 206 555 0111")
        + logcall_form("Ben Ode", "+1 206 555 0112")
        + [":quit"],
    )
    assert "Logged *Voicemail left* with *Ann Lee*" in out
    assert "Logged *Voicemail left* with *Ben Ode*" in out


def test_at_a_terminal_each_field_has_one_prompt(tmp_path: Path) -> None:
    """At a terminal the console writes its own prompts: while the form is open, the
    field's prompt is the only one (it used to be followed by a stray `phonetag> `)."""
    shown = io.StringIO()
    run_console_in_process(
        Settings(),
        f"sqlite:///{tmp_path / 'console.db'}",
        team="T0CONSOLE",
        user="U0CONSOLE",
        tz="America/Chicago",
        now="2026-11-30 10:00",
        lines=iter([*logcall_form("Ann Lee", "+1 206 555 0111"), ":quit"]),
        out=shown,
        terminal=True,
    )
    out = shown.getvalue()

    assert out.count(PROMPT) == 2, out  # before /logcall, and before :quit
    for field in ("Prospect", "Outcome", "Notes", "Follow-up", "Deal value", "Phone"):
        assert out.count(f"  {field}> ") == 1
    assert f"> {PROMPT}" not in out
    assert "Logged *Voicemail left* with *Ann Lee*" in out


AGAIN = ["/prospect list", ":quit"]


def test_the_data_is_where_the_console_says_and_reset_starts_fresh(tmp_path: Path) -> None:
    elsewhere = tmp_path / "mine" / "phonetag-trial.db"
    elsewhere.parent.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(elsewhere)],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        input="\n".join(
            ["/logcall Jane Doe vm phone:+1 312 555 0100", "/prospect list", ":reset", *AGAIN]
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"Your data is kept in {elsewhere} (--db PATH")
    assert elsewhere.exists() and not (tmp_path / "phonetag.db").exists()
    before, after_reset = out.split("phonetag> :reset")
    assert "312-555-0100" in before.split("phonetag> /prospect list")[1]
    assert after_reset.startswith(f"\nStarted fresh: everything in {elsewhere} is erased.")
    assert "312-555-0100" not in after_reset


def test_reset_erases_only_a_local_sqlite_file(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 312 555 0100")

    said = erase_local_data(slack.engine)

    with slack.session_factory() as session:
        left = session.scalars(select(ProspectRow.name)).all()
    if slack.engine.dialect.name == "sqlite":
        assert said.startswith("Started fresh") and left == []
    else:
        assert said.startswith(":reset only erases a local SQLite file") and left == ["Jane Doe"]


def test_in_a_real_terminal_the_form_asks_with_its_own_prompts_only(tmp_path: Path) -> None:
    """The process on a pseudo-terminal (echo off, so only what the console writes shows):
    `phonetag> ` once per command, a field's prompt alone while the form is open."""
    controller, terminal = pty.openpty()
    attributes = termios.tcgetattr(terminal)
    attributes[3] &= ~termios.ECHO
    termios.tcsetattr(terminal, termios.TCSANOW, attributes)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--now", "2026-11-30 10:00"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        stdin=terminal,
        stdout=terminal,
        stderr=subprocess.DEVNULL,
    )
    os.close(terminal)
    typed = [*logcall_form("Ann Lee", "+1 206 555 0111"), ":quit"]
    os.write(controller, ("\n".join(typed) + "\n").encode())
    shown = b""
    while True:
        ready, _, _ = wait_readable([controller], [], [], 60)
        try:
            chunk = os.read(controller, 65536) if ready else b""
        except OSError:  # the console exited and closed its end
            chunk = b""
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=30)
    os.close(controller)
    out = shown.decode().replace("\r\n", "\n")

    assert process.returncode == 0, out
    assert out.count(PROMPT) == 2, out
    for field in ("Prospect", "Outcome", "Notes", "Follow-up", "Deal value", "Phone"):
        assert out.count(f"  {field}> ") == 1, out
    assert f"> {PROMPT}" not in out
    assert "Logged *Voicemail left* with *Ann Lee*" in out
