"""`python -m bench`: measure /logcall over HTTP and write bench/RESULTS.md.

Not a test: numbers depend on the machine, so they are reported, never asserted. A quick
run for a smoke test: `python -m bench --requests 400 --in-process 200 --home-rounds 1
--digest-reps 100 --digest-processes 1 --out /tmp/results.md` (`--out -` prints only).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import digest_tick, home_redraw, logcall_cost
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
from tests.servers import SIGNING_SECRET, server, started

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
CLIENTS = (1, 8, 32)
SERVE = ["bot", "serve", "--port", "{port}"]
FLOOR = ["bench.floor_app"]
WORKERS = 2
WORKER = ["bot", "worker"]
BARE = "bare Bolt app"
FLOOR_SQLITE = "floor app, SQLite"
FLOOR_POSTGRES = "floor app, PostgreSQL"
SERVE_SQLITE = "phonetag serve, SQLite"
SERVE_POSTGRES = "phonetag serve, PostgreSQL"
HOME_OPEN = "phonetag serve, PostgreSQL, Home open"
HOME_OPEN_WORKER = "phonetag serve and worker, PostgreSQL, Home open"
GUNICORN_POSTGRES = f"gunicorn, {WORKERS} workers, PostgreSQL"
FLOOR_OF = {
    SERVE_SQLITE: FLOOR_SQLITE,
    SERVE_POSTGRES: FLOOR_POSTGRES,
    HOME_OPEN: FLOOR_POSTGRES,
    HOME_OPEN_WORKER: FLOOR_POSTGRES,
    GUNICORN_POSTGRES: FLOOR_POSTGRES,
}
"""Each server's yardstick: the floor app on the same database."""
P99_TARGET_MS = 150.0
P50_TARGET_RATIO = 2.0
"""/logcall p50 over HTTP at most this many times the floor app's (issue 26)."""
P50_TARGET_ROWS = (SERVE_SQLITE, SERVE_POSTGRES)
"""`serve` against the floor app on the same server (waitress) and database."""
YARDSTICKS = (BARE, FLOOR_SQLITE, FLOOR_POSTGRES)
"""Rows that are the measure, not the measured: no p99 verdict of their own."""
GUNICORN = [
    *("gunicorn", "--workers", str(WORKERS), "--worker-class", "gthread"),
    *("--threads", str(SERVE_THREADS)),
    *("--bind", "127.0.0.1:{port}", "bot.runtime.web:create()"),
]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--requests", type=int, default=3200, help="requests per level")
    parser.add_argument(
        "--in-process", type=int, default=2000, help="requests for the in-process cost"
    )
    parser.add_argument(
        "--digest-reps", default="100,1000,10000", help="database sizes for the digest tick"
    )
    parser.add_argument(
        "--digest-processes", default="1,2", help="tick processes at once, each size in turn"
    )
    parser.add_argument(
        "--home-rounds", type=int, default=10, help="redraws of every Home for the redraw cost"
    )
    parser.add_argument(
        "--out",
        default=str(RESULTS),
        help="where the report goes (default bench/RESULTS.md; - prints it only)",
    )
    args = parser.parse_args()
    http_rows, memory = _http(args.requests)
    print(logcall_cost.HEADER)
    costs = logcall_cost.run(args.in_process)
    for cost in costs:
        print(logcall_cost.row(cost), flush=True)
    print(home_redraw.HEADER)
    redraws = home_redraw.run(args.home_rounds)
    for redraw in redraws:
        print(home_redraw.row(redraw), flush=True)
    print(digest_tick.HEADER)
    ticks = digest_tick.run(
        [int(n) for n in args.digest_reps.split(",")],
        [int(n) for n in args.digest_processes.split(",")],
    )
    report = _report(http_rows, memory, costs, redraws, ticks)
    if args.out != "-":
        Path(args.out).write_text(report)
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
            sqlite_url = f"sqlite:///{tmp}/bench.db"
            targets = {
                BARE: (["bench.bare_app"], {}, False),
                FLOOR_SQLITE: (FLOOR, {"DATABASE_URL": f"sqlite:///{tmp}/floor.db"}, False),
                SERVE_SQLITE: (SERVE, {"DATABASE_URL": sqlite_url}, False),
                FLOOR_POSTGRES: (FLOOR, {"DATABASE_URL": pg_url}, False),
                SERVE_POSTGRES: (SERVE, {"DATABASE_URL": pg_url}, False),
                GUNICORN_POSTGRES: (GUNICORN, {"DATABASE_URL": pg_url}, False),
                HOME_OPEN: (SERVE, {"DATABASE_URL": pg_url}, True),
                HOME_OPEN_WORKER: (
                    SERVE,
                    {"DATABASE_URL": pg_url, "PHONETAG_WORKER": "separate"},
                    True,
                ),
            }
            for number, (name, (command, env, homes)) in enumerate(targets.items()):
                env = {**env, "SLACK_API_URL": standin.base_url}
                # With PHONETAG_WORKER=separate, `phonetag worker` redraws the Homes, on the
                # same cores as the server.
                beside = WORKER if env.get("PHONETAG_WORKER") == "separate" else None
                with server(command, env) as (port, pid), optional(beside, env):
                    run_load(port, SIGNING_SECRET, f"W{number}", 4, 10)
                    for clients in CLIENTS:
                        run = f"S{number}C{clients}"
                        if name in FLOOR_OF:
                            prepare_reps(port, SIGNING_SECRET, run, clients, open_home=homes)
                        # Untimed: a level's first calls open connections and fill caches.
                        run_load(port, SIGNING_SECRET, run, clients, 2)
                        per_client = max(1, requests // clients)
                        result = run_load(port, SIGNING_SECRET, run, clients, per_client)
                        rows.append((name, result))
                        print(_row(name, result, {}), flush=True)
                    memory[name] = peak_memory_mib(pid)
        finally:
            postgres.stop()
    return rows, memory


@contextmanager
def optional(args: list[str] | None, env: dict[str, str]) -> Iterator[None]:
    """`args` started beside the server, when there are any."""
    if args is None:
        yield
        return
    with started(args, env):
        yield


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


def _commit() -> str:
    found = subprocess.run(
        ["git", "log", "-1", "--format=%h %s"],
        cwd=RESULTS.parent,
        capture_output=True,
        text=True,
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=RESULTS.parent,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return found.stdout.strip()[:90] + (" (with uncommitted changes)" if dirty else "")


def _report(
    rows: list[tuple[str, LoadResult]],
    memory: dict[str, float],
    costs: list[logcall_cost.CostResult],
    redraws: list[home_redraw.RedrawResult],
    ticks: list[digest_tick.TickResult],
) -> str:
    by_name = {(name, r.clients): r for name, r in rows}
    machine = _machine()
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine}.",
        f"Commit: {_commit()}.",
        "Numbers are from one run; PostgreSQL, the load and the servers share the cores.",
        "",
        "Load generator: Python threads on the same machine, one keep-alive connection each,",
        "signed `/logcall` requests of five real-looking kinds.",
        f"Servers: waitress with {SERVE_THREADS} threads, or gunicorn with {WORKERS} workers of "
        f"{SERVE_THREADS} threads each. `serve` ticks in process (no worker configured).",
        "The yardstick is the floor app: Bolt on the same server, whose /logcall handler",
        "inserts one row and commits on the same database (bench/floor_app.py).",
        "Each client is a different rep, new at each level, with their daily digest paused (the",
        "digest tick is measured below) and two untimed calls first; and",
        f"each prospect gets about {CALLS_PER_PROSPECT} calls, so every level reads data of the "
        "same size.",
        f'In "{HOME_OPEN}" every rep has opened the App Home first, so each logged call also',
        "leaves a row in `home_redraws` for `serve`'s redraw loop, a thread of its own that",
        "draws each rep's Home (a digest plan, a week's count and views.publish) once the rep",
        "has paused a second, as in production for reps who use the Home; elsewhere the reps",
        "never opened it.",
        f'"{HOME_OPEN_WORKER}" is the same with PHONETAG_WORKER=separate and `phonetag worker`',
        "running beside `serve` on the same cores: the worker's loop draws the Homes instead.",
        "",
        "## /logcall over HTTP",
        "",
        "p50 × floor: the row's p50 over the floor app's on the same database at the same",
        "number of clients (the floor app runs on waitress, as `serve` does).",
        "",
        "| server | clients | requests | errors | req/s | p50 ms | p99 ms | p50 × floor |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *(_row(name, result, by_name) for name, result in rows),
        "",
        f"Against the targets of issue 26, on this machine ({machine}):",
        "",
        *_verdicts(rows, by_name),
        "",
        "## /logcall server cost in-process (the real WSGI app, signed requests, no HTTP)",
        "",
        "Measured with `python -m bench.logcall_cost`; with the Home open, what a call costs",
        "`serve`: the row it leaves for the redraw loop (the redraws are measured below).",
        "",
        logcall_cost.HEADER,
        *(logcall_cost.row(cost) for cost in costs),
        "",
        *logcall_cost.verdicts(costs),
        "",
        "## App Home redraw cost (the redraw loop, in-process)",
        "",
        f"Measured with `python -m bench.home_redraw`: {home_redraw.REPS} reps who each logged "
        f"{home_redraw.HISTORY} calls, then one call",
        "each before every pass of the redraw loop; CPU of the loop's own thread (the Slack",
        "stand-in's threads are not counted) and SQL statements, per Home drawn.",
        "",
        home_redraw.HEADER,
        *(home_redraw.row(redraw) for redraw in redraws),
        "",
        "## The digest morning (PostgreSQL, every digest due on one minute, built ahead, "
        "Slack's posting limits on)",
        "",
        "Each rep has 200 prospects and 2,000 call logs, in workspaces of 500. The preparation",
        "tick builds every digest in the minutes before; the minute's tick posts them against",
        "the Slack stand-in, which answers each post in 150 ms and holds each workspace to",
        f"{digest_tick.WORKSPACE_BUDGET:.0f} messages a second and each channel to about one (429",
        "with Retry-After beyond). Each tick runs in its own process, as `phonetag worker`",
        "runs it; with 2 processes, as `phonetag worker --processes 2` runs it (CPU summed over",
        "both). PostgreSQL, the stand-in and the ticks share the same two cores.",
        "",
        digest_tick.HEADER,
        *(digest_tick.row(tick) for tick in ticks),
        "",
        *digest_tick.verdicts(ticks),
        "",
        "## Peak memory (resident high-water mark after the load, all workers counted)",
        "",
        *(f"- {name}: {mib:.0f} MiB" for name, mib in memory.items()),
        "",
    ]
    return "\n".join(lines)


def _row(name: str, result: LoadResult, by_name: dict[tuple[str, int], LoadResult]) -> str:
    floor = by_name.get((FLOOR_OF.get(name, ""), result.clients))
    ratio = f"{result.p50_ms / floor.p50_ms:.2f}" if floor else ""
    return (
        f"| {name} | {result.clients} | {result.requests} | {result.errors} | "
        f"{result.rps:.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | {ratio} |"
    )


def _verdicts(
    rows: list[tuple[str, LoadResult]], by_name: dict[tuple[str, int], LoadResult]
) -> list[str]:
    """p50 at most twice the floor's for `serve` at one client (the issue's measure: one
    keep-alive client, so the ratio is the server's own work, not its queueing), and p99
    under the target at the most clients in every row that is not a yardstick."""
    verdicts = []
    for name, r in rows:
        floor = by_name.get((FLOOR_OF.get(name, ""), r.clients))
        if name in P50_TARGET_ROWS and r.clients == 1 and floor is not None:
            ratio = r.p50_ms / floor.p50_ms
            verdicts.append(
                f"- {name}, 1 client: p50 {r.p50_ms:.2f} ms, {ratio:.2f}× the floor app's "
                f"{floor.p50_ms:.2f} ms (target ≤ {P50_TARGET_RATIO:g}×: "
                f"{_met(ratio <= P50_TARGET_RATIO)})"
            )
        if name not in YARDSTICKS and r.clients == max(CLIENTS):
            verdicts.append(
                f"- {name}, {r.clients} clients: p99 {r.p99_ms:.0f} ms (target < "
                f"{P99_TARGET_MS:.0f} ms: {_met(r.p99_ms < P99_TARGET_MS)})"
            )
    return verdicts


def _met(met: bool) -> str:
    return "met" if met else "missed"


if __name__ == "__main__":
    main()
