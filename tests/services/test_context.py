"""Work after the ack: imports queued per workspace."""

from __future__ import annotations

import threading
import time

import pytest

from bot.services.context import workspace_queues


def test_a_failing_import_is_logged_and_the_next_one_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    imports = workspace_queues()
    done = threading.Event()

    def explode() -> None:
        raise RuntimeError("slack is down")

    imports("T1", explode)
    imports("T1", done.set)
    assert done.wait(5)
    assert "background work after the ack failed" in caplog.text


def test_one_workspaces_import_never_waits_behind_anothers() -> None:
    imports = workspace_queues()
    release = threading.Event()
    ran: list[str] = []
    done = threading.Event()

    def slow_big_file() -> None:
        release.wait(5)
        ran.append("T1 first")

    imports("T1", slow_big_file)
    imports("T1", lambda: ran.append("T1 second"))
    imports("T2", lambda: (ran.append("T2"), done.set()))
    assert done.wait(5), "T2's import waited behind T1's"
    assert ran == ["T2"]  # and T1's second file waits behind T1's first
    release.set()
    deadline = time.monotonic() + 5
    while len(ran) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ran == ["T2", "T1 first", "T1 second"]
