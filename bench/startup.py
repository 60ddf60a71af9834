"""Start-up time of the command line: real ``wikibot`` processes (``--help``, ``status``, and
``plan`` against a small synced sandbox world) beside a bare ``python -c pass`` from the
same interpreter. Wall time (what a user waits) and the child's CPU time, median of repeats
taken in turns after one warm-up round."""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.world import REPO, Bench, cli_environ

# What the ``wikibot`` console script runs.
_WIKIBOT = "from bot.entry import main; main()"
COMMANDS = ("python_bare", "help", "status", "plan")


def _argv(name: str, config: Path) -> list[str]:
    if name == "python_bare":
        return [sys.executable, "-c", "pass"]
    if name == "help":
        return [sys.executable, "-c", _WIKIBOT, "--help"]
    return [sys.executable, "-c", _WIKIBOT, "--config", str(config), name]


def _run(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process; a failing command is a broken benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        argv, capture_output=True, text=True, check=False, cwd=REPO, env=cli_environ()
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{' '.join(argv[3:])} exited {done.returncode}: {last}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _ms(seconds: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "min_ms": round(min(seconds) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


def startup_times(*, repeats: int, pages: int = 5) -> dict[str, Any]:
    """Each command's wall time (median, min, max in ms), CPU ms and ms over bare Python."""
    bench = Bench(pages)
    try:
        bench.sync()  # a synced world: ``plan`` reads the revisions listing, finds no change
        argvs = {name: _argv(name, bench.config_path) for name in COMMANDS}
        for argv in argvs.values():  # warm-up: bytecode compiled, files in the page cache
            _run(argv)
        walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
        cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(repeats):  # in turns, so a busy moment slows every command alike
            for name, argv in argvs.items():
                wall, cpu = _run(argv)
                walls[name].append(wall)
                cpus[name].append(cpu)
    finally:
        bench.close()
    result: dict[str, Any] = {"repeats": repeats, "pages": pages}
    bare = statistics.median(walls["python_bare"])
    for name in COMMANDS:
        result[name] = {
            **_ms(walls[name]),
            "cpu_ms": round(statistics.median(cpus[name]) * 1000, 1),
            "over_bare_ms": round((statistics.median(walls[name]) - bare) * 1000, 1),
        }
    return result
