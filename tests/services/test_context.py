"""Work after the ack: a burst of Home refreshes for one rep collapses into the latest one."""

from __future__ import annotations

import threading
import time

import pytest

from bot.services.context import background_runner, workspace_queues


def test_a_refresh_already_waiting_makes_a_second_one_for_the_same_rep_redundant() -> None:
    later = background_runner(threads=1)
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def blocker() -> None:
        started.set()
        release.wait(5)
        ran.append("blocker")

    later(blocker)
    started.wait(5)
    first = later(lambda: ran.append("U1 first"), key=("T1", "U1"))
    second = later(lambda: ran.append("U1 second"), key=("T1", "U1"))
    other = later(lambda: ran.append("U2"), key=("T1", "U2"))
    assert second is None
    release.set()
    for future in (first, other):
        future.result(5)  # type: ignore[union-attr]
    assert ran == ["blocker", "U1 first", "U2"]

    # Once the waiting refresh has run, a new change gets a refresh of its own.
    later(lambda: ran.append("U1 again"), key=("T1", "U1")).result(5)  # type: ignore[union-attr]
    assert ran[-1] == "U1 again"


def test_calls_logged_while_a_refresh_settles_share_it_even_when_nothing_else_is_queued() -> None:
    later = background_runner(settle=1.0)
    ran: list[str] = []
    first = later(lambda: ran.append("U1 first"), key=("T1", "U1"))
    time.sleep(0.1)  # an idle runner without the settle would have started the first by now
    assert later(lambda: ran.append("U1 second"), key=("T1", "U1")) is None
    first.result(5)  # type: ignore[union-attr]
    assert ran == ["U1 first"]


def test_a_failing_job_is_logged_and_the_next_one_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    later = background_runner(threads=1)

    def explode() -> None:
        raise RuntimeError("slack is down")

    later(explode).result(5)  # type: ignore[union-attr]
    assert "background work after the ack failed" in caplog.text
    done: list[bool] = []
    later(lambda: done.append(True)).result(5)  # type: ignore[union-attr]
    assert done == [True]


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
