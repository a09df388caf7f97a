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


@contextmanager
def server(args: list[str], env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """Yields (port, pid) of a server started with `python -m ...args` and stops it after.

    `{port}` in the arguments becomes the free port picked for it (also in $PORT).
    """
    port = free_port()
    full_env = {
        **os.environ,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "PORT": str(port),
        "PYTHONPATH": str(ROOT),
        **env,
    }
    command = [sys.executable, "-m", *(arg.format(port=port) for arg in args)]
    process = subprocess.Popen(
        command, env=full_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, process)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
