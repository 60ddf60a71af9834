"""Project hygiene: lint, the deploy recipes parse, the README's commands are real."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (Path(sys.prefix) / "bin" / "ruff").exists(),
    reason="ruff not installed",
)
def test_ruff_lint_and_format_are_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.prefix) / "bin" / "ruff")
    for args in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        result = subprocess.run(
            [ruff, *args], cwd=REPO, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_systemd_unit_parses_and_runs_the_daemon() -> None:
    unit = configparser.ConfigParser(strict=True, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(REPO / "deploy" / "wikibot.service")
    exec_start = unit["Service"]["ExecStart"]
    assert exec_start.endswith("wikibot --config /opt/wikibot/config/bot.yaml run")
    assert unit["Service"]["KillSignal"] == "SIGTERM"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_containerfile_installs_the_project_and_runs_the_daemon() -> None:
    lines = [
        line.split(maxsplit=1)
        for line in (REPO / "deploy" / "Containerfile").read_text().splitlines()
        if line and not line.startswith(("#", " "))
    ]
    instructions = [parts[0] for parts in lines]
    assert instructions[0] == "FROM" and "python:3.11" in lines[0][1]
    assert ["RUN", "pip install --no-cache-dir ."] in lines
    assert ["CMD", '["run"]'] in lines and "STOPSIGNAL" in instructions


def test_readme_quickstart_commands_exist() -> None:
    readme = (REPO / "README.md").read_text()
    assert (
        "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/wikibot run --once"
    ) in readme
    assert (
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && "
        ".venv/bin/python -m pytest"
    ) in readme


def test_only_the_gateway_imports_praw() -> None:
    offenders = []
    for path in (REPO / "bot").rglob("*.py"):
        text = path.read_text()
        if path.name != "reddit.py" and ("import praw" in text or "import prawcore" in text):
            offenders.append(str(path))
    assert offenders == []
