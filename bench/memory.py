"""The reply model's load time and the peak memory of real processes: one that loads the
model (and one that does not), ``wikibot plan`` over a large synced wiki, and ``run --once``
and ``status`` with nothing to classify.

Peaks are VmHWM read by the measured process itself: ru_maxrss of a child would include the
forking benchmark's own pages.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.cpu import timed
from bench.world import REPO, Bench, VirtualClock, cli_environ, virtual_time
from bot.replies.encoder import Encoder
from bot.replies.model import DEFAULT_PATH, load_model
from bot.wiki.workspace import load_workspace

_MEASURED_MODEL = """
import re, sys
from pathlib import Path
import bot.cli
from bot.replies.classify import classify
from bot.replies.rules import load_rules
if sys.argv[1] == "model":
    rules = load_rules(Path(sys.argv[2]))
    classify(title="How do I get into machine learning?", body="Where to start?", rules=rules)
status = Path("/proc/self/status").read_text()
print(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""


def model_footprint(*, repeats: int) -> dict[str, Any]:
    """Load time of the shipped reply model, and the memory a process needs with it."""
    rules_file = REPO / "config" / "replies.yaml"

    def load_all() -> None:
        model = load_model(DEFAULT_PATH)
        assert model.embedding is not None
        Encoder(model.embedding.spec)  # the ONNX session and the WordPiece vocabulary

    load = timed(load_all, repeats=repeats)

    def peak_mb(mode: str) -> float:
        done = subprocess.run(
            [sys.executable, "-c", _MEASURED_MODEL, mode, str(rules_file)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        return round(int(done.stdout.strip()) / 1024, 1)

    with_model, without = peak_mb("model"), peak_mb("none")
    return {
        "load_cpu_seconds": load["median"],
        "load_min": load["min"],
        "load_max": load["max"],
        "file_mb": round(DEFAULT_PATH.stat().st_size / 2**20, 2),
        "features": len(load_model(DEFAULT_PATH).features),
        "peak_rss_mb_with_model": with_model,
        "peak_rss_mb_without_model": without,
    }


# ``wikibot`` in a fresh interpreter that reports its own peak resident memory.
_MEASURED_CLI = """
import re, sys
from pathlib import Path
from bot.cli import main
sys.argv = ["wikibot", "--config", *sys.argv[1:]]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
peak = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
print(f"exit={code} peak_rss_kb={peak}", file=sys.stderr)
"""


def cli_peak(config: Path, *args: str) -> tuple[int, float]:
    """Run ``wikibot --config CONFIG ARGS`` as a real process: its exit code and peak MB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED_CLI, str(config), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env=cli_environ(),
    )
    found = re.search(r"exit=(\d+) peak_rss_kb=(\d+)", done.stderr)
    assert found, done.stderr
    return int(found.group(1)), round(int(found.group(2)) / 1024, 1)


def idle_memory() -> dict[str, Any]:
    """Peak memory of processes with nothing to classify: ``run --once`` with no new post,
    and ``status``, beside the ``run --once`` that answers the seeded posts."""
    bench = Bench(5)
    try:
        busy = cli_peak(bench.config_path, "run", "--once")  # publishes, answers seeded posts
        idle = cli_peak(bench.config_path, "run", "--once")  # nothing new since
        status = cli_peak(bench.config_path, "status")
    finally:
        bench.close()
    return {
        "run_once_with_posts_mb": busy[1],
        "run_once_idle_mb": idle[1],
        "status_mb": status[1],
        "exit_codes": [busy[0], idle[0], status[0]],
    }


def plan_memory(*, pages: int = 1000, page_chars: int = 100_000) -> dict[str, Any]:
    """Peak resident memory of ``wikibot plan`` (a real process) over a synced wiki."""
    clock = VirtualClock()
    with virtual_time(clock):
        bench = Bench(pages, page_chars=page_chars, clock=clock)
    try:
        with virtual_time(clock):
            bench.sync()
        read_started = time.perf_counter()
        load_workspace(bench.settings)
        read_seconds = time.perf_counter() - read_started
        exit_code, peak_mb = cli_peak(bench.config_path, "plan", "--no-diff")
        return {
            "pages": pages,
            "page_chars": page_chars,
            "exit_code": exit_code,
            "peak_rss_mb": peak_mb,
            "read_and_render_seconds": round(read_seconds, 2),
        }
    finally:
        bench.close()
