"""`serve` answers health checks on threads of their own."""

from __future__ import annotations

import threading
import time
import urllib.request
from typing import Any

from waitress.server import create_server

from bot.runtime.web import HealthApart


def test_health_checks_are_answered_while_every_request_thread_is_busy() -> None:
    """What `serve` runs: with its request threads all held, /healthz still gets a thread."""
    release = threading.Event()

    def app(environ: dict[str, object], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] != "/healthz":
            release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = create_server(app, host="127.0.0.1", port=0, _dispatcher=HealthApart(2))
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    held = [
        threading.Thread(target=urllib.request.urlopen, args=(base + "/slack/events", b"", 10))
        for _ in range(3)
    ]
    try:
        for thread in held:
            thread.start()
        time.sleep(0.3)  # two request threads busy, one request queued behind them
        started = time.monotonic()
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
            assert response.read() == b"ok"
        assert time.monotonic() - started < 1
    finally:
        release.set()
        for thread in held:
            thread.join()
        server.close()
