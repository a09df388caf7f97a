"""`phonetag export --team T [--out FILE]` through the real CLI entry, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.runtime.cli import main
from storage import privacy
from storage.db import make_session_factory
from tests.storage.test_privacy import fill_workspace


def test_export_writes_the_workspaces_rows_with_a_progress_bar(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with make_session_factory(engine).begin() as session:
        fill_workspace(session, "T1")
        fill_workspace(session, "T2")
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    out = tmp_path / "t1.json"
    assert main(["export", "--team", "T1", "--out", str(out)]) == 0
    export = json.loads(out.read_text(encoding="utf-8"))
    assert export["team_id"] == "T1"
    assert set(export["tables"]) == {table.name for table in privacy.team_tables()}
    assert all(row["team_id"] == "T1" for rows in export["tables"].values() for row in rows)
    written = sum(len(rows) for rows in export["tables"].values())
    stderr = capsys.readouterr().err
    assert "exporting" in stderr and f"exported {written} rows of T1" in stderr


def test_export_to_standard_output(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with make_session_factory(engine).begin() as session:
        fill_workspace(session, "T1")
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert main(["export", "--team", "T9"]) == 0
    export = json.loads(capsys.readouterr().out)
    assert export["team_id"] == "T9" and all(rows == [] for rows in export["tables"].values())
