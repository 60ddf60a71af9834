"""Project hygiene: lint, the deploy recipes parse, the README's commands are real."""

from __future__ import annotations

import ast
import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from conftest import REPO, Scenario


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


class SystemdUnit(configparser.ConfigParser):
    """A systemd unit file: its keys are case-sensitive (``ExecStart``)."""

    def __init__(self) -> None:
        super().__init__(strict=True, interpolation=None)
        self.read(REPO / "deploy" / "wikibot.service")

    def optionxform(self, optionstr: str) -> str:
        return optionstr


def test_systemd_unit_parses_and_runs_the_daemon() -> None:
    unit = SystemdUnit()
    exec_start = unit["Service"]["ExecStart"]
    assert exec_start.endswith("wikibot --config /opt/wikibot/config/bot.yaml run")
    assert unit["Service"]["KillSignal"] == "SIGTERM"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_readme_systemd_recipe_creates_what_the_unit_assumes() -> None:
    service = SystemdUnit()["Service"]
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("**systemd**") :]
    recipe = section[section.index("```sh") : section.index("```", section.index("```sh") + 5)]
    user, home = service["User"], service["WorkingDirectory"]
    venv = service["ExecStart"].split()[0].removesuffix("/bin/wikibot")
    assert re.search(rf"^sudo useradd --system .*\b{user}$", recipe, flags=re.MULTILINE)
    assert f"sudo git clone <this repository's URL> {home}\n" in recipe
    assert f"sudo python3 -m venv {venv}\n" in recipe
    assert f"sudo {venv}/bin/pip install -q -e {home}\n" in recipe
    for folder in service["ReadWritePaths"].split():  # created or handed to the user
        assert f"-o {user} -g {user} -m 750 {folder}\n" in recipe or (
            f"chown -R {user}:{user} {folder}\n" in recipe
        ), folder
    env_file = service["EnvironmentFile"]
    assert f"sudo install -d -m 750 {Path(env_file).parent}\n" in recipe
    assert f"sudo install -m 600 /dev/null {env_file}" in recipe
    assert f"sudo cp {home}/deploy/wikibot.service /etc/systemd/system/\n" in recipe


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


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports (``import x.y``, ``from x.y import z``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_only_the_gateway_imports_praw() -> None:
    gateway = REPO / "bot" / "reddit"
    importers = {
        path.relative_to(REPO).as_posix()
        for path in (REPO / "bot").rglob("*.py")
        if imported_packages(path) & {"praw", "prawcore"}
    }
    assert importers, "the check finds no import of praw at all"
    assert sorted(p for p in importers if not (REPO / p).is_relative_to(gateway)) == []


def bot_module_name(path: Path) -> str:
    """``bot/replies/classify.py`` -> ``bot.replies.classify``; a package is its folder."""
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def bot_import_graph() -> dict[str, set[str]]:
    """Each module of ``bot/`` -> the modules of ``bot/`` it imports, anywhere in it (inside
    functions and ``TYPE_CHECKING`` blocks too), with the packages that importing runs."""
    paths = {bot_module_name(path): path for path in (REPO / "bot").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        named: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                named.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                named.add(base)
                named.update(f"{base}.{alias.name}" for alias in node.names)
        graph[module] = {
            prefix
            for name in named
            for prefix in (".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 2))
            if prefix in paths and prefix != module
        }
    return graph


def import_chain(graph: dict[str, set[str]], start: str, forbidden: str) -> list[str] | None:
    """The shortest chain of imports from ``start`` to a module inside the package ``forbidden``."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        module = queue.pop(0)
        for imported in sorted(graph[module]):
            if imported in paths:
                continue
            paths[imported] = [*paths[module], imported]
            if imported.startswith(forbidden + "."):
                return paths[imported]
            queue.append(imported)
    return None


def test_the_run_time_reply_package_imports_nothing_from_the_learning_side() -> None:
    """``bot/replies/`` (what the daemon, ``replies scan`` and ``replies test`` run), the
    daemon's scheduler and its jobs import no module of ``bot/learning/`` (dataset, training,
    evaluation, baselines, vectors), directly or through any other module of ``bot/``; the
    learning side may import the run time, never the reverse. (The CLI registers ``train``
    and ``eval``, which import learning inside themselves: ``--help`` loading none of it is
    checked by the process test below.)"""
    graph = bot_import_graph()
    run_time = sorted(m for m in graph if m == "bot.replies" or m.startswith("bot.replies."))
    jobs = sorted(m for m in graph if m.startswith("bot.jobs."))
    roots = [*run_time, *jobs, "bot.scheduler"]
    assert {"bot.replies.classify", "bot.replies.watch", "bot.replies.terms"} <= set(run_time)
    # the walk sees imports at all: the learning side reaches the run time through them
    assert import_chain(graph, "bot.learning.evaluate", "bot.replies") is not None
    crossings = {
        root: " -> ".join(chain)
        for root in roots
        if (chain := import_chain(graph, root, "bot.learning")) is not None
    }
    assert crossings == {}


MAX_MODULE_LINES = 400
# The sandbox's HTTP server: one table of routes for every endpoint it serves (DESIGN).
LONG_MODULES_ALLOWED = {"bot/sandbox/server.py"}


def test_no_module_is_longer_than_a_maintainer_can_read_at_once() -> None:
    """Every module of ``bot/`` and ``bench/`` stays under 400 lines (one job a module); a
    module that grows past it is split along a seam, not squeezed."""
    long_modules = {
        str(path.relative_to(REPO)): lines
        for folder in ("bot", "bench")
        for path in sorted((REPO / folder).rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert set(long_modules) == LONG_MODULES_ALLOWED, long_modules


def test_every_api_path_the_gateway_reads_comes_from_endpoints() -> None:
    """No path is built by hand beside ``ENDPOINTS`` (bot/reddit/endpoints.py)."""
    api_path = re.compile(r"^/?(r|api|user|message|comments|wiki)/")
    built_by_hand = []
    modules = sorted((REPO / "bot" / "reddit").glob("*.py"))
    assert REPO / "bot" / "reddit" / "gateway.py" in modules
    for path in modules:
        if path.name == "endpoints.py":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        docstrings = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        built_by_hand += [
            f"{path.name}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and api_path.match(node.value)
        ]
    assert built_by_hand == []


_LOADED_REDDIT_MODULES = """
import sys
from bot.cli import main
sys.argv = ["wikibot", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
heavy = ("praw", "prawcore", "numpy", "scipy", "sklearn", "onnxruntime")
print(sorted(m for m in sys.modules if m.split(".")[0] in heavy
             or m == "bot.sandbox.server" or m.startswith("bot.learning")), file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("command", "shows"),
    [
        (("--help",), "replies train"),
        (("status",), "Pages:"),
        (("preview", "index"), "<title>How to get into Machine Learning</title>"),
        (("check",), "0 error(s)"),
    ],
)
def test_offline_commands_load_no_praw(
    offline: Scenario, command: tuple[str, ...], shows: str
) -> None:
    """``status`` promises never to call Reddit, ``preview`` only renders a file and
    ``check`` only reads the project's files (pages, replies.yaml, the model file): in a
    fresh interpreter none loads praw, prawcore or the sandbox server; nor does ``--help``,
    nor numpy, scikit-learn, onnxruntime or any of bot/learning/ (commands import them
    inside their functions)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIKIBOT_", "REDDIT_"))}
    result = subprocess.run(
        [sys.executable, "-c", _LOADED_REDDIT_MODULES, "--config", str(offline.config), *command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert shows in result.stdout
    assert result.stderr.splitlines()[-1] == "[]"


def test_help_lists_every_command_with_a_one_line_summary(offline: Scenario) -> None:
    from bot.cli import cli

    def walk(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
        found = []
        for name, command in sorted(group.commands.items()):
            found.append((f"{prefix}{name}", command))
            if isinstance(command, click.Group):
                found.extend(walk(command, f"{prefix}{name} "))
        return found

    top = offline.run_cli("--help")
    assert top.code == 0
    commands = walk(cli, "")
    assert {"replies train", "replies label", "replies feedback", "sandbox fault"} <= {
        path for path, _ in commands
    }
    for path, command in commands:
        summary = command.get_short_help_str(limit=200)
        assert summary and "\n" not in summary, f"{path} has no one-line summary"
        line = re.search(rf"^  {re.escape(path)} {{2,}}(\S.*)$", top.out, flags=re.MULTILINE)
        assert line is not None, f"wikibot --help does not list {path!r}"
        assert summary.startswith(line.group(1).removesuffix("...")), path
        assert offline.run_cli(*path.split(), "--help").code == 0, path
