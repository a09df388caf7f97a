"""Signed /logcall load against a running server: throughput, latency percentiles, memory."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass

from bot.runtime.signing import event_body, signed_headers, slash_command_body

COMMAND_LINES = (
    "{name} vm phone:+1 312 555 {n:04d} value:$12k left msg about the bid",
    "{name} noanswer",
    '{name} callback next:"tomorrow 9am" said call back after lunch',
    "{name} connected value:$40k demo next week",
    "{name} gatekeeper asked for the best time",
)


@dataclass(frozen=True)
class LoadResult:
    clients: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


CALLS_PER_PROSPECT = 5
"""About as many as a prospect gets before the cadence moves them to email."""


def bench_rep(run: str, index: int) -> tuple[str, str]:
    """(team_id, user_id) of the rep behind load client `index` in one run: four workspaces.

    Each run has reps of its own, so every run reads data of the same size instead of the
    histories earlier runs piled onto the same prospects.
    """
    return f"T{run}X{index % 4}", f"U{run}X{index}"


def prepare_reps(port: int, secret: str, run: str, reps: int, *, open_home: bool) -> None:
    """Each client's rep pauses their daily digest, and may open the App Home.

    A new rep's digest is due at once, and `serve` would build and post it in the middle of
    the load: the digest tick is measured on its own. With the Home open, every call the rep
    logs asks for a redraw.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for index in range(reps):
        team_id, user_id = bench_rep(run, index)
        body = slash_command_body(
            "/digest",
            "pause",
            team_id=team_id,
            user_id=user_id,
            response_url="http://127.0.0.1:9/unused",
            trigger_id="bench",
        )
        _post(connection, body, signed_headers(secret, body))
        if open_home:
            event = {"type": "app_home_opened", "user": user_id, "tab": "home"}
            body = event_body(
                event, team_id=team_id, event_id=f"Ev{run}X{index}", event_time=int(time.time())
            )
            _post(connection, body, signed_headers(secret, body, content_type="application/json"))
    connection.close()


def _post(connection: http.client.HTTPConnection, body: str, headers: dict[str, str]) -> None:
    connection.request("POST", "/slack/events", body, headers)
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"the bench's setup request got {response.status}")


def run_load(port: int, secret: str, run: str, clients: int, per_client: int) -> LoadResult:
    latencies: list[float] = []
    prospects = max(1, per_client // CALLS_PER_PROSPECT)
    errors = 0
    lock = threading.Lock()

    def client(index: int) -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        failed = 0
        for i in range(per_client):
            text = COMMAND_LINES[i % len(COMMAND_LINES)].format(
                name=f"Prospect {index}-{i % prospects}", n=(index * 97 + i) % 10000
            )
            team_id, user_id = bench_rep(run, index)
            body = slash_command_body(
                "/logcall",
                text,
                team_id=team_id,
                user_id=user_id,
                response_url="http://127.0.0.1:9/unused",
                trigger_id="bench",
            )
            started = time.perf_counter()
            connection.request("POST", "/slack/events", body, signed_headers(secret, body))
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            failed += response.status != 200
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return LoadResult(clients, len(latencies), errors, elapsed, cuts[49] * 1000, cuts[98] * 1000)


def peak_memory_mib(pid: int) -> float:
    """VmHWM is the resident high-water mark the kernel keeps for each process; a server with
    workers (gunicorn) is counted with all of them."""
    with open(f"/proc/{pid}/status") as status:
        own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return own + sum(peak_memory_mib(int(child)) for child in children.read().split())
