"""A throwaway PostgreSQL cluster, so the storage tests also run against the production engine.

SQLite hides the differences that bite in production (time zones, locking, `ON CONFLICT`), so
the storage suite runs against a real server. Durability is switched off because the cluster
is deleted after the run anyway, and that makes it start and write several times faster.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

SUPERUSER = "phonetag"
DATABASE = "phonetag"

# PostgreSQL refuses to run as root; tests on CI and in containers often are root.
UNPRIVILEGED_USER_ENV = "PHONETAG_PG_USER"
DEFAULT_UNPRIVILEGED_USER = "nobody"

_START_ATTEMPTS = 3


class ThrowawayPostgres:
    """One PostgreSQL cluster in a temporary directory, listening on loopback only.

    Usage::

        pg = ThrowawayPostgres()
        url = pg.start()  # postgresql+psycopg://phonetag@127.0.0.1:PORT/phonetag
        other_url = pg.create_database("storage_tests")
        pg.stop()
    """

    def __init__(self) -> None:
        self.url: str | None = None
        self.port: int | None = None
        self._bin_dir = _find_bin_dir()
        self._run_as = _unprivileged_user() if os.geteuid() == 0 else None
        self._root: Path | None = None

    def available(self) -> bool:
        """Whether `start()` can work here: binaries found and, as root, a user to drop to."""
        return self.unavailable_reason() is None

    def unavailable_reason(self) -> str | None:
        """Why `start()` cannot work here, for the skip or failure message; None if it can."""
        if self._bin_dir is None:
            return "initdb and pg_ctl not found on PATH or in /usr/lib/postgresql/*/bin"
        if os.geteuid() == 0 and (self._run_as is None or shutil.which("runuser") is None):
            return (
                "running as root needs `runuser` and an unprivileged user "
                f"(${UNPRIVILEGED_USER_ENV}, default {DEFAULT_UNPRIVILEGED_USER!r})"
            )
        return None

    def start(self) -> str:
        """Create and start the cluster; returns the SQLAlchemy URL of database `phonetag`."""
        if self.url is not None:
            return self.url
        reason = self.unavailable_reason()
        if reason is not None:
            raise RuntimeError(f"PostgreSQL is not available: {reason}")
        self._root = Path(tempfile.mkdtemp(prefix="phonetag-pg-"))
        atexit.register(self.stop)
        if self._run_as is not None:
            # mkdtemp makes a 0700 root directory; the server user must own everything in it.
            os.chown(self._root, self._run_as.pw_uid, self._run_as.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self._data_dir),
            "-A",
            "trust",
            "-U",
            SUPERUSER,
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        self._start_server()
        self.url = self.create_database(DATABASE)
        return self.url

    def create_database(self, name: str) -> str:
        """Create an empty database, so a test module can own one; returns its SQLAlchemy URL."""
        if self.port is None:
            raise RuntimeError("ThrowawayPostgres is not started; call start() first")
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Kill the server without a checkpoint and delete the cluster; safe to call twice."""
        atexit.unregister(self.stop)
        if self._root is None:
            return
        if self.port is not None:
            self._run("pg_ctl", "stop", "-D", str(self._data_dir), "-m", "immediate", check=False)
        shutil.rmtree(self._root, ignore_errors=True)
        self._root = None
        self.port = None
        self.url = None

    @property
    def _data_dir(self) -> Path:
        assert self._root is not None
        return self._root / "data"

    def _start_server(self) -> None:
        # The free port is only reserved until we close the probe socket, so another process
        # can take it first; a retry with a fresh port covers that race.
        for attempt in range(1, _START_ATTEMPTS + 1):
            port = _free_loopback_port()
            if self._pg_ctl_start(port, check=attempt == _START_ATTEMPTS).returncode == 0:
                self.port = port
                return

    def pause(self) -> None:
        """Stop the server but keep its data: a database outage for robustness tests.

        A fast (clean) stop, because with synchronous_commit off an immediate one may lose
        the last commits, which is not the outage being played.
        """
        self._run("pg_ctl", "stop", "-w", "-D", str(self._data_dir), "-m", "fast")

    def resume(self) -> None:
        """Start the paused server again on the same port, as a database coming back would."""
        assert self.port is not None
        self._pg_ctl_start(self.port, check=True)

    def freeze(self) -> None:
        """SIGSTOP the postmaster and every backend: a server that accepts connections and
        never answers, the outage no timeout on the server's side can end."""
        self._signal_all(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal_all(signal.SIGCONT)

    def _signal_all(self, signum: signal.Signals) -> None:
        postmaster = int((self._data_dir / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
        ).stdout.split()
        for pid in [postmaster, *map(int, children)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def _pg_ctl_start(self, port: int, *, check: bool) -> subprocess.CompletedProcess[str]:
        assert self._root is not None
        log = self._root / "postgres.log"
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {self._root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        return self._run(
            "pg_ctl",
            "start",
            "-w",
            "-D",
            str(self._data_dir),
            "-l",
            str(log),
            "-o",
            options,
            check=check,
            log=log,
        )

    def _run(
        self, tool: str, *args: str, check: bool = True, log: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        assert self._bin_dir is not None and self._root is not None
        command = [str(self._bin_dir / tool), *args]
        if self._run_as is not None:
            command = ["runuser", "-u", self._run_as.pw_name, "--", *command]
        # cwd inside the cluster dir: the dropped user may not be able to read the caller's cwd.
        result = subprocess.run(
            command, cwd=self._root, capture_output=True, text=True, timeout=120, check=False
        )
        if check and result.returncode != 0:
            server_log = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
            raise RuntimeError(
                f"{tool} failed ({result.returncode}): {result.stdout}{result.stderr}{server_log}"
            )
        return result


def require_postgres() -> ThrowawayPostgres:
    """A not-yet-started cluster, or skip; under CI=true a missing PostgreSQL fails instead.

    CI must not go green by silently skipping the production database engine.
    """
    postgres = ThrowawayPostgres()
    reason = postgres.unavailable_reason()
    if reason is not None:
        reason = f"PostgreSQL unavailable: {reason}"
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(f"{reason} (CI=true requires the PostgreSQL tests)", pytrace=False)
        pytest.skip(reason)
    return postgres


def _find_bin_dir() -> Path | None:
    """PATH first, then Debian's versioned layout, newest version first."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(Path(path).parent.name) if Path(path).parent.name.isdigit() else 0,
        reverse=True,
    )
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _unprivileged_user() -> pwd.struct_passwd | None:
    name = os.environ.get(UNPRIVILEGED_USER_ENV, DEFAULT_UNPRIVILEGED_USER)
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
