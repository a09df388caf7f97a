"""The digest morning as production runs it: every rep's digest due on the same minute, built
ahead by the preparation tick, then posted by the minute's tick against a Slack that answers
each post in 150 ms and holds each workspace to Slack's posting limits.

Reps come in workspaces of 500 (`bench.digest_data`). The Slack stand-in enforces about one
message a second per channel with a short burst and a budget of WORKSPACE_BUDGET messages a
second in each workspace, answering 429 with Retry-After beyond them; the tick paces each
workspace to the same budget (PHONETAG_SLACK_POSTS_PER_SECOND).

Each tick runs in a process of its own (as `phonetag worker` would), against PostgreSQL and
the stand-in in this process. Reported per size: the preparation's CPU per rep (built ahead)
and the minute's (posting, and checking each prepared digest is still current); the lower
bound the limits allow for the last post (the largest workspace's posts at its budget, after
its burst, plus one answer); the last post's time from the digest minute against 1.2× that
bound; the latest any digest was posted after its rep's digest time (all are due at the
minute, so the two are one here) against 60 s; and the largest tick process's peak memory.

`--processes N` runs each tick as `phonetag worker --processes N` does, in N processes at
once, each with its share; CPU is then every process's summed (what a rep costs the box).

    python -m bench.digest_tick [--processes N] [REPS ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bench.digest_data import REPS_PER_TEAM, TICK_AT, load
from bot.runtime.slack_standin import PostingLimits, SlackStandIn, team_of_token
from storage.db import make_engine, upgrade
from tests.postgres import ThrowawayPostgres

REPO = Path(__file__).resolve().parents[1]
SLACK_LATENCY = 0.15
"""Seconds the stand-in takes to answer each post, about what Slack takes."""
WORKSPACE_BUDGET = 10.0
"""Messages a second Slack lets the app post in one workspace, in the bench. Slack documents a
workspace-wide limit on chat.postMessage beside one message a second per channel, without a
number (https://api.slack.com/docs/rate-limits); 10 a second lets a 500-rep workspace's
morning go out within a minute."""
LIMITS = PostingLimits(per_channel=1.0, channel_burst=3, per_workspace=WORKSPACE_BUDGET)
BOUND_FACTOR = 1.2
LATEST_AFTER_DUE_S = 60.0
PEAK_TARGET_MIB = 300.0


@dataclass(frozen=True)
class TickResult:
    reps: int
    prospects: int
    call_logs: int
    sent: int
    from_prepared: int
    """Of `sent`, posted as prepared ahead (no build at the minute)."""
    prepared: int
    lower_bound_s: float
    """The earliest the last digest could be posted from the minute, under the limits."""
    last_post_s: float
    """From the digest minute (the minute tick's start) to the last digest's answer."""
    latest_after_due_s: float
    """The most any rep waited past their digest time for their digest."""
    prepare_cpu_seconds: float
    minute_cpu_seconds: float
    prepare_build_seconds: float
    minute_build_seconds: float
    peak_mib: float
    """The largest tick process's, preparation or minute."""
    refused: int = 0
    """Posts the stand-in answered with 429."""
    processes: int = 1

    @property
    def prepare_cpu_ms_per_rep(self) -> float:
        return self.prepare_cpu_seconds / max(1, self.prepared) * 1000

    @property
    def minute_cpu_ms_per_rep(self) -> float:
        return self.minute_cpu_seconds / max(1, self.sent) * 1000

    @property
    def build_ms_per_rep(self) -> float:
        """Building ahead, per rep prepared (reading and planning, CPU and waits)."""
        return self.prepare_build_seconds / max(1, self.prepared) * 1000

    @property
    def bound_ratio(self) -> float:
        return self.last_post_s / self.lower_bound_s if self.lower_bound_s else 0.0


def lower_bound(reps_per_workspace: Sequence[int], limits: PostingLimits, latency: float) -> float:
    """The earliest the last post can be answered: a workspace's posts beyond its burst go at
    its budget, one channel (one rep's DM) each, so the largest workspace sets the time;
    then one answer's latency."""
    if not reps_per_workspace or limits.per_workspace is None:
        return latency
    largest = max(reps_per_workspace)
    return max(0, largest - limits.workspace_burst) / limits.per_workspace + latency


def run(sizes: list[int], processes: Sequence[int] = (1,)) -> list[TickResult]:
    """Each size is loaded once and ticked with each number of processes in turn."""
    results: list[TickResult] = []
    postgres = ThrowawayPostgres()
    url = postgres.start()
    engine = make_engine(url)
    upgrade(engine)
    loaded = 0
    try:
        with SlackStandIn() as standin:
            for size in sizes:
                load(url, size - loaded, TICK_AT)
                loaded = size
                for count in processes:
                    results.append(_measure(engine, url, standin, size, count))
    finally:
        engine.dispose()
        postgres.stop()
    return results


def _measure(
    engine: Engine, url: str, standin: SlackStandIn, size: int, processes: int
) -> TickResult:
    """The preparation tick, then the minute's, in `processes` processes, from nothing sent
    and nothing prepared."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM deliveries"))
        connection.execute(text("DELETE FROM prepared_digests"))
        counts = [
            connection.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("prospects", "call_logs")
        ]
    standin.clear()
    prepared = _tick(url, standin.base_url, "prepare", processes)
    standin.delay("chat.postMessage", SLACK_LATENCY)
    standin.limit_posting(LIMITS)
    minute = _tick(url, standin.base_url, "minute", processes)
    started = min(t["started_at"] for t in minute)
    posts = standin.calls_to("chat.postMessage")
    answered = [c for c in posts if c.answered_ok]
    last = max((c.at for c in answered), default=started) + SLACK_LATENCY - started
    per_team = Counter(team_of_token(c.token, standin.team_id) for c in answered)
    result = TickResult(
        size,
        counts[0] or 0,
        counts[1] or 0,
        len(answered),
        sum(t["from_prepared"] for t in minute),
        sum(t["built"] for t in prepared),
        lower_bound(list(per_team.values()), LIMITS, SLACK_LATENCY),
        last,
        # Every rep's digest time is the minute the tick starts on.
        last,
        sum(t["cpu_seconds"] for t in prepared),
        sum(t["cpu_seconds"] for t in minute),
        sum(t["build_seconds"] for t in prepared),
        sum(t["build_seconds"] for t in minute),
        max(t["peak_mib"] for t in [*prepared, *minute]),
        len(posts) - len(answered),
        processes,
    )
    summaries = "; ".join(
        f"{t['summary']} [{t['seconds']:.1f} s, peak {t['peak_mib']:.0f} MiB]"
        for t in [*prepared, *minute]
    )
    print(row(result), f"({summaries})", flush=True)
    return result


def _tick(url: str, api_url: str, mode: str, processes: int) -> list[dict[str, Any]]:
    """Each tick process's JSON; one process runs without a share, as before shares."""
    shares = [[str(index), str(processes)] for index in range(processes)] if processes > 1 else [[]]
    running = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.digest_tick_run",
                url,
                api_url,
                mode,
                str(WORKSPACE_BUDGET),
                *share,
            ],
            cwd=REPO,
            env=os.environ,
            stdout=subprocess.PIPE,
            text=True,
        )
        for share in shares
    ]
    outputs = [process.communicate()[0] for process in running]
    if any(process.returncode for process in running):
        raise RuntimeError(f"a tick process failed: {outputs}")
    return [json.loads(output.strip().splitlines()[-1]) for output in outputs]


def row(result: TickResult) -> str:
    return (
        f"| {result.reps:,} | {result.processes} | {result.prospects:,} | {result.call_logs:,} | "
        f"{result.sent:,} ({result.from_prepared:,} as prepared) | "
        f"{result.prepare_cpu_ms_per_rep:.1f} | {result.minute_cpu_ms_per_rep:.1f} | "
        f"{result.lower_bound_s:.1f} | {result.last_post_s:.1f} ({result.bound_ratio:.2f}×) | "
        f"{result.latest_after_due_s:.1f} | {result.refused:,} | {result.peak_mib:.0f} |"
    )


HEADER = (
    "| reps | processes | prospects | call logs | digests sent | CPU ms per rep ahead | "
    "CPU ms per rep at the minute | lower bound s | last post s (× bound) | "
    "latest after digest time s | 429s | peak MiB |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)


def verdicts(results: list[TickResult]) -> list[str]:
    """Against the targets, at the largest size, for each number of processes."""
    size = max(r.reps for r in results)
    lines = [
        f"- Digest limits in the bench: Slack answers in {SLACK_LATENCY * 1000:.0f} ms, "
        f"{LIMITS.per_channel:g} message a second per channel (burst {LIMITS.channel_burst}), "
        f"{WORKSPACE_BUDGET:g} a second per workspace (burst {LIMITS.workspace_burst}), "
        f"{REPS_PER_TEAM} reps per workspace, every digest due on the same minute."
    ]
    for largest in (r for r in results if r.reps == size):
        ran = f"{largest.processes} process" + ("es" if largest.processes > 1 else "")
        bound = BOUND_FACTOR * largest.lower_bound_s
        lines += [
            f"- {ran}: last of {largest.sent:,} digests posted {largest.last_post_s:.1f} s "
            f"after the minute; the limits allow {largest.lower_bound_s:.1f} s (target ≤ "
            f"{BOUND_FACTOR}× = {bound:.1f} s: {_met(largest.last_post_s <= bound)})",
            f"- {ran}: latest digest {largest.latest_after_due_s:.1f} s after its rep's digest "
            f"time (target ≤ {LATEST_AFTER_DUE_S:.0f} s: "
            f"{_met(largest.latest_after_due_s <= LATEST_AFTER_DUE_S)})",
            f"- {ran}: CPU per rep {largest.prepare_cpu_ms_per_rep:.1f} ms built ahead, "
            f"{largest.minute_cpu_ms_per_rep:.1f} ms at the minute "
            f"({largest.from_prepared:,} of {largest.sent:,} posted as prepared)",
            f"- {ran}: tick peak memory {largest.peak_mib:.0f} MiB per process "
            f"(target ≤ {PEAK_TARGET_MIB:.0f}: {_met(largest.peak_mib <= PEAK_TARGET_MIB)})",
        ]
    return lines


def _met(met: bool) -> str:
    return "met" if met else "missed"


if __name__ == "__main__":
    options = argparse.ArgumentParser(prog="python -m bench.digest_tick")
    options.add_argument("reps", type=int, nargs="*", default=[100])
    options.add_argument("--processes", default="1", help="tick processes at once, or several: 1,2")
    chosen = options.parse_args()
    print(HEADER)
    results = run(chosen.reps, [int(n) for n in chosen.processes.split(",")])
    print("\n".join(verdicts(results)))
