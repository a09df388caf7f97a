"""Starting the servers under test as separate processes, as production runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.runtime.slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "bench-signing-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listened on {port} within {seconds} s")


def cli_environment(database_url: str, standin: SlackStandIn) -> dict[str, str]:
    """What `python -m bot …` needs to run against this database and the Slack stand-in."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_API_URL": standin.base_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
    }


def _environment(env: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "PYTHONPATH": str(ROOT),
        **env,
    }


@contextmanager
def server(args: list[str], env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """Yields (port, pid) of a server started with `python -m ...args` and stops it after.

    `{port}` in the arguments becomes the free port picked for it (also in $PORT).
    """
    port = free_port()
    with started([arg.format(port=port) for arg in args], {"PORT": str(port), **env}) as process:
        wait_for_port(port, process)
        yield port, process.pid


@contextmanager
def started(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m ...args` running beside the test (a server, or a worker that listens on
    nothing), stopped after."""
    process = subprocess.Popen(
        [sys.executable, "-m", *args],
        env=_environment(env),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)
