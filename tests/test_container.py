"""`Dockerfile` and `compose.yaml` name only commands the CLI has and settings `Settings` reads.

No container is built here (no registry, no daemon): what can drift is checked instead, the
way a reader would, against the real parser, gunicorn's own option parser and `Settings`.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from gunicorn.config import Config

from bot.config import Settings
from bot.runtime.cli import _parser

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = (REPO / "Dockerfile").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load((REPO / "compose.yaml").read_text())
SAMPLES = {"SLACK_BOT_TOKEN": "xoxb-1-sample", "SLACK_SIGNING_SECRET": "sample-secret"}
"""Values for `${…}` settings the operator supplies."""


def instructions(name: str) -> list[str]:
    return re.findall(rf"^{name}\s+(.+)$", DOCKERFILE, flags=re.M)


def dockerfile_entrypoint() -> list[str]:
    (entrypoint,) = instructions("ENTRYPOINT")
    return list(json.loads(entrypoint))


def phonetag_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in COMPOSE["services"].items() if s.get("image") == "phonetag"}


def is_read_by_settings(name: str, value: str) -> bool:
    """Setting it changes what `Settings.from_env` builds, or is refused by name."""
    try:
        return Settings.from_env({name: value}) != Settings.from_env({})
    except ValueError as refused:
        return name in str(refused)


def test_the_image_is_slim_runs_as_a_user_and_starts_phonetag() -> None:
    (base,) = instructions("FROM")
    assert re.fullmatch(r"python:3\.1[1-9]-slim", base)
    users = instructions("USER")
    assert users and users[-1] not in {"root", "0"}
    assert dockerfile_entrypoint() == ["phonetag"]
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert "phonetag" in scripts
    (command,) = instructions("CMD")
    # With no command given, the container prints the CLI's help and exits 0.
    with pytest.raises(SystemExit) as shown:
        _parser().parse_args(json.loads(command))
    assert shown.value.code == 0


def test_the_image_copies_what_the_package_is_built_from() -> None:
    for copied in instructions("COPY"):
        *sources, _ = shlex.split(copied)
        for source in sources:
            assert (REPO / source).exists(), source


def test_every_setting_the_image_and_compose_name_is_a_setting() -> None:
    named: dict[str, str] = {}
    for line in instructions("ENV"):
        named |= dict(re.findall(r"(\w+)=(\S+)", line))
    for service in COMPOSE["services"].values():
        if service.get("image") == "phonetag":
            named |= {k: str(v) for k, v in (service.get("environment") or {}).items()}
    ours = {k: v for k, v in named.items() if not k.startswith(("PYTHON", "PIP_"))}
    assert {"DATABASE_URL", "SLACK_BOT_TOKEN", "PHONETAG_LOG_FORMAT"} <= set(ours)
    for name, value in ours.items():
        given = SAMPLES.get(name, "sample") if value.startswith("${") else value
        assert is_read_by_settings(name, given), f"{name} is not a Settings variable"


@pytest.mark.parametrize("name", sorted(phonetag_services()))
def test_every_service_runs_a_command_that_exists(name: str) -> None:
    service = phonetag_services()[name]
    entrypoint = service.get("entrypoint") or dockerfile_entrypoint()
    command = [str(part) for part in service.get("command") or []]
    if entrypoint == ["phonetag"]:
        _parser().parse_args(command)
        return
    assert entrypoint == ["gunicorn"]
    parsed = Config().parser().parse_args(command)
    (app,) = parsed.args
    module, _, factory = app.partition(":")
    assert factory.endswith("()")
    assert callable(getattr(importlib.import_module(module), factory.removesuffix("()")))


def test_compose_runs_postgres_migrations_once_then_gunicorn_and_the_worker() -> None:
    services = COMPOSE["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for runner in ("web", "worker"):
        waits_for = services[runner]["depends_on"]["migrate"]["condition"]
        assert waits_for == "service_completed_successfully"
    assert services["worker"]["command"] == ["worker"]
    assert services["web"]["entrypoint"] == ["gunicorn"]
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgresql://")
