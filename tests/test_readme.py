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
    (arguments,) = [c for c in phonetag_commands() if "--now" in c]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", *arguments],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        input=typed + "\n:quit\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "phonetag> " + typed in result.stdout
    assert (tmp_path / "phonetag.db").exists()
