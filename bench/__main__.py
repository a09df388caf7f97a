"""`python -m bench`: measure /logcall over HTTP and write bench/RESULTS.md.

Not a test: numbers depend on the machine, so they are reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import digest_tick
from bench.http_load import (
    CALLS_PER_PROSPECT,
    LoadResult,
    peak_memory_mib,
    prepare_reps,
    run_load,
)
from bot.config import SERVE_THREADS
from bot.runtime.slack_standin import SlackStandIn
from tests.postgres import ThrowawayPostgres
from tests.servers import SIGNING_SECRET, server

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
CLIENTS = (1, 8, 32)
SERVE = ["bot", "serve", "--port", "{port}"]
WORKERS = 2
BARE = "bare Bolt app"
HOME_OPEN = "phonetag serve, PostgreSQL, Home open"
P99_TARGET_MS = 150.0
THROUGHPUT_TARGET = 0.5
GUNICORN = [
    *("gunicorn", "--workers", str(WORKERS), "--worker-class", "gthread"),
    *("--threads", str(SERVE_THREADS)),
    *("--bind", "127.0.0.1:{port}", "bot.runtime.web:create()"),
]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--requests", type=int, default=3200, help="requests per level")
    parser.add_argument(
        "--digest-reps", default="100,1000,10000", help="database sizes for the digest tick"
    )
    args = parser.parse_args()
    http_rows, memory = _http(args.requests)
    print(digest_tick.HEADER)
    ticks = digest_tick.run([int(n) for n in args.digest_reps.split(",")])
    report = _report(http_rows, memory, ticks)
    RESULTS.write_text(report)
    print(report)


def _http(requests: int) -> tuple[list[tuple[str, LoadResult]], dict[str, float]]:
    rows: list[tuple[str, LoadResult]] = []
    memory: dict[str, float] = {}
    with SlackStandIn() as standin, tempfile.TemporaryDirectory() as tmp:
        postgres = ThrowawayPostgres()
        pg_url = postgres.start()
        try:
            subprocess.run(
                [sys.executable, "-m", "bot", "db", "upgrade"],
                env={**os.environ, "DATABASE_URL": pg_url},
                check=True,
                capture_output=True,
            )
            targets = {
                BARE: (["bench.bare_app"], {}, False),
                "phonetag serve, SQLite": (
                    SERVE,
                    {"DATABASE_URL": f"sqlite:///{tmp}/bench.db"},
                    False,
                ),
                "phonetag serve, PostgreSQL": (SERVE, {"DATABASE_URL": pg_url}, False),
                f"gunicorn, {WORKERS} workers, PostgreSQL": (
                    GUNICORN,
                    {"DATABASE_URL": pg_url},
                    False,
                ),
                HOME_OPEN: (SERVE, {"DATABASE_URL": pg_url}, True),
            }
            for number, (name, (command, env, homes)) in enumerate(targets.items()):
                env = {**env, "SLACK_API_URL": standin.base_url}
                with server(command, env) as (port, pid):
                    run_load(port, SIGNING_SECRET, f"W{number}", 4, 10)
                    for clients in CLIENTS:
                        run = f"S{number}C{clients}"
                        if name != BARE:
                            prepare_reps(port, SIGNING_SECRET, run, clients, open_home=homes)
                        # Untimed: a level's first calls open connections and fill caches.
                        run_load(port, SIGNING_SECRET, run, clients, 2)
                        per_client = max(1, requests // clients)
                        result = run_load(port, SIGNING_SECRET, run, clients, per_client)
                        rows.append((name, result))
                        print(_row(name, result), flush=True)
                    memory[name] = peak_memory_mib(pid)
        finally:
            postgres.stop()
    return rows, memory


def _row(name: str, result: LoadResult) -> str:
    return (
        f"| {name} | {result.clients} | {result.requests} | {result.errors} | "
        f"{result.rps:.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} |"
    )


def _machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        mem_kib = int(info.readline().split()[1])
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_kib / 1024 / 1024:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def _report(
    rows: list[tuple[str, LoadResult]],
    memory: dict[str, float],
    ticks: list[digest_tick.TickResult],
) -> str:
    bare = {r.clients: r.rps for name, r in rows if name == BARE}
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {_machine()}.",
        "Load generator: Python threads on the same machine, one keep-alive connection each,",
        "signed `/logcall` requests of five real-looking kinds.",
        f"Servers: waitress with {SERVE_THREADS} threads, or gunicorn with {WORKERS} workers of "
        f"{SERVE_THREADS} threads each.",
        "Each client is a different rep, new at each level, with their daily digest paused (the",
        "digest tick is measured below) and two untimed calls first; and",
        f"each prospect gets about {CALLS_PER_PROSPECT} calls, so every level reads data of the "
        "same size.",
        f'In "{HOME_OPEN}" every rep has opened the App Home first, so each logged call also',
        "asks for a redraw behind the ack (a digest plan, a week's count and views.publish),",
        "which waits a second to gather the rep's next calls, as in production for reps who",
        "use the Home; elsewhere the reps never opened it.",
        "",
        "## /logcall over HTTP",
        "",
        "| server | clients | requests | errors | req/s | p50 ms | p99 ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *(_row(name, result) for name, result in rows),
        "",
        "Share of the bare app's throughput:",
        "",
        *(
            f"- {name}, {r.clients} clients: {r.rps / bare[r.clients]:.0%}"
            for name, r in rows
            if name != BARE and r.clients in bare
        ),
        "",
        "Against the targets (p99 under 150 ms at 32 clients, half the bare app's req/s):",
        "",
        *_verdicts(rows, bare),
        "",
        "## Digest tick (PostgreSQL, every rep due, Slack stand-in on loopback)",
        "",
        "Each rep has 200 prospects and 2,000 call logs. The last column compares the time",
        "spent per rep with the one second per message per channel that Slack allows.",
        "",
        digest_tick.HEADER,
        *(digest_tick.row(tick) for tick in ticks),
        "",
        "## Peak memory (resident high-water mark after the load, all workers counted)",
        "",
        *(f"- {name}: {mib:.0f} MiB" for name, mib in memory.items()),
        "",
    ]
    return "\n".join(lines)


def _verdicts(rows: list[tuple[str, LoadResult]], bare: dict[int, float]) -> list[str]:
    top = max(CLIENTS)
    return [
        f"- {name}: p99 {r.p99_ms:.0f} ms ({_met(r.p99_ms < P99_TARGET_MS)}), "
        f"{r.rps / bare[top]:.0%} of the bare app's throughput "
        f"({_met(r.rps >= THROUGHPUT_TARGET * bare[top])})"
        for name, r in rows
        if name != BARE and r.clients == top and top in bare
    ]


def _met(met: bool) -> str:
    return "met" if met else "missed"


if __name__ == "__main__":
    main()
