"""The README as a newcomer follows it: short, its commands real, its links there.

Chosen over building a fresh virtualenv per run (minutes, and a package index): the set-up
command is checked to be the one that installs the package and starts the console, every
`.venv/bin/phonetag …` line is parsed by the real CLI parser, the console starts as written,
and every file and doc the README names exists.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bot.runtime.cli import _parser

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def phonetag_commands() -> list[list[str]]:
    """Each `.venv/bin/phonetag …` in the README, as its argument list."""
    found = re.findall(r"\.venv/bin/phonetag ([a-z][^`\n&]*)", README)
    return [shlex.split(text.replace("…", "x")) for text in found]


def console_block() -> list[str]:
    """The walkthrough's lines, exactly as the README gives them to paste."""
    (block,) = re.findall(r"```\n(help\n.*?)```", README, flags=re.S)
    return block.splitlines()


def run_console(tmp_path: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    """`phonetag console` as the walkthrough starts it, in an empty folder, `lines` pasted."""
    (arguments,) = [c for c in phonetag_commands() if "--now" in c]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *arguments],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_readme_is_short_enough_to_finish() -> None:
    assert len(README.splitlines()) < 150


def test_the_set_up_command_installs_and_starts_the_console() -> None:
    first = shell_blocks()[0].strip()
    assert first == (
        "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/phonetag console"
    )
    assert shell_blocks()[1].strip() == "bash scripts/test.sh"
    assert (REPO / "scripts" / "test.sh").is_file()


def test_every_phonetag_command_in_the_readme_parses() -> None:
    commands = phonetag_commands()
    assert {c[0] for c in commands} >= {"console", "socket", "serve", "db"}
    for arguments in commands:
        _parser().parse_args(arguments)


def test_every_file_and_doc_the_readme_names_exists() -> None:
    linked = set(re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", README))
    assert "manifest.yml" in linked
    missing = {path for path in linked if not (REPO / path).exists()}
    assert missing == set()


def test_phonetag_help_lists_the_commands() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], cwd=REPO, capture_output=True, text=True
    )
    assert shown.returncode == 0
    for command in ("console", "serve", "socket", "digest", "db", "import"):
        assert command in shown.stdout


@pytest.mark.parametrize("typed", ["help", "/logcall Jane Doe vm phone:+1 312 555 0100"])
def test_the_console_runs_as_the_walkthrough_starts_it(tmp_path: Path, typed: str) -> None:
    result = run_console(tmp_path, [typed, ":quit"])

    assert result.returncode == 0, result.stderr
    assert "phonetag> " + typed in result.stdout
    assert f"Your data is kept in {(tmp_path / 'phonetag.db').resolve()}" in result.stdout
    assert (tmp_path / "phonetag.db").exists()


def test_the_walkthrough_block_pasted_as_is_does_what_the_prose_says(tmp_path: Path) -> None:
    """Only what stays put while drafts' wording changes is asserted: the digest's heading,
    the reminder reaching Jane's number, the form taking every answer, "You are now"."""
    result = run_console(tmp_path, console_block())
    assert result.returncode == 0, result.stderr
    out = result.stdout

    def between(start: str, end: str | None) -> str:
        part = out[out.index("phonetag> " + start) :]
        return part[: part.index("phonetag> " + end)] if end else part

    form = between("/logcall\n", ":click 1")
    assert form.count("Logged") == 1 and "Bob Roe" in form
    for refused in ("not one of the choices", "needs fixing", "Form closed", "not a date"):
        assert refused not in form
    assert "Follow-up set for Thu Dec 3, 9:00 AM" in form
    assert "Undone" in between(":click 1", "/prospect list due")
    digest = between(":now 2026-12-01 07:00", ":now 2026-12-01 08:00")
    assert "Who to call today, Tue Dec 1" in digest
    assert "Jane Doe" in digest and "Bob Roe" not in digest, "Undo did not take Bob out"
    reminder = between(":now 2026-12-01 08:00", ":as U0222 Europe/London")
    assert "[chat.postMessage → U0CONSOLE]" in reminder
    assert "Jane Doe" in reminder and "312-555-0100" in reminder
    assert "You are now U0222 in Europe/London." in between(":as U0222", None)


def test_the_prose_says_what_the_console_says_about_enter() -> None:
    from bot.runtime.console import FORM_HINT

    assert "Enter keeps what is shown" in FORM_HINT
    assert "Enter\nkeeps what is shown" in README or "Enter keeps what is shown" in README
