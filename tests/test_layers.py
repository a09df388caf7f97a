"""The layers in pyproject.toml hold, and `lint-imports` catches a pure module breaking them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Runs the real command on `tree`, importing its `bot` rather than the installed one."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def copy_of_the_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "bot", tree / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    for package in ("handlers", "storage"):
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tree)
    return tree


def test_the_tree_keeps_its_layers(tmp_path: Path) -> None:
    result = lint_imports(copy_of_the_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_pure_rule_that_reaches_for_the_database_fails_the_build(tmp_path: Path) -> None:
    tree = copy_of_the_tree(tmp_path)
    cadence = tree / "bot" / "rules" / "cadence.py"
    cadence.write_text(cadence.read_text() + "\nimport sqlalchemy  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "Pure packages touch neither Slack's clients nor the database BROKEN" in result.stdout
    assert "bot.rules.cadence -> sqlalchemy" in result.stdout


def test_a_rule_that_imports_the_storage_layer_breaks_the_layers(tmp_path: Path) -> None:
    tree = copy_of_the_tree(tmp_path)
    windows = tree / "bot" / "rules" / "windows.py"
    windows.write_text(windows.read_text() + "\nimport storage.queries  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "nothing imports upward BROKEN" in result.stdout


def test_storage_that_imports_a_handler_breaks_the_layers(tmp_path: Path) -> None:
    """The three root packages keep one order: storage sits below handlers."""
    tree = copy_of_the_tree(tmp_path)
    queries = tree / "storage" / "queries.py"
    queries.write_text(queries.read_text() + "\nimport handlers.reps  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "nothing imports upward BROKEN" in result.stdout
    assert "storage.queries -> handlers.reps" in result.stdout
