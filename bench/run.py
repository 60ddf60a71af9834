"""wikibot benchmark: API cost, load, CPU time, memory and start-up beside their goals.

    python bench/run.py            # the table
    python bench/run.py --json     # one JSON object (today's keys kept, new ones added)

Exits 1 when a goal is missed. One module per thing measured: ``api_cost`` (requests per
sync cycle and reply poll), ``load`` (the daemon on virtual time), ``cpu`` (planning, diffs,
the classifier), ``memory`` (the reply model, peak memory of real processes), ``startup``
(the CLI's start-up time); ``world`` builds the sandbox and the bot's objects they share,
``report`` holds the goals and the table.

API figures count requests in the sandbox's request log (token requests excluded). The
sandbox enforces Reddit's budget: 1,000 requests per 10-minute window (100/min).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# ``python bench/run.py`` puts bench/ first on sys.path; the repository instead, so that
# ``bench`` and ``bot`` import as packages and no bench module can shadow another module.
if sys.path[0] == str(REPO / "bench"):
    sys.path[0] = str(REPO)

from bench import api_cost, cpu, load, memory, startup  # noqa: E402
from bench.report import goals, print_table  # noqa: E402


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Every figure, and which goals they meet."""
    repeats: int = args.repeats
    minutes: float = args.virtual_minutes
    s5, s50 = api_cost.sync_costs(5), api_cost.sync_costs(50)
    s200 = api_cost.sync_costs(200, naive=False)
    s1000 = api_cost.sync_costs(1000, naive=False)
    results: dict[str, Any] = {
        "sync_5_pages": s5,
        "sync_50_pages": s50,
        "sync_200_pages": s200,
        "sync_1000_pages": s1000,
        "first_push_200_pages": api_cost.first_push_cost(200),
        "reply_poll_idle": api_cost.reply_poll_cost(),
        "steady_state": load.steady_state(minutes=minutes, load=load.Load()),
        "steady_state_busy": load.steady_state(minutes=minutes, load=load.BUSY),
        "backfill": load.backfill(),
        "classifier": cpu.classifier_throughput(repeats=repeats),
        "reply_model": memory.model_footprint(repeats=repeats),
        **cpu.plan_timings(repeats=repeats),
        "plan_memory_1000_pages": memory.plan_memory(),
        "idle_memory": memory.idle_memory(),
        "startup": startup.startup_times(repeats=repeats),
    }
    results["goals"] = goals(results)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--virtual-minutes",
        type=float,
        default=120.0,
        help="virtual minutes of each steady-state run",
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="repeats of each timing and start-up row"
    )
    parser.add_argument(
        "--log", action="store_true", help="show the bot's warnings (the load runs provoke some)"
    )
    args = parser.parse_args()
    if not args.log:  # the steady-state runs edit pages on the wiki on purpose: drift warnings
        logging.getLogger("bot").addHandler(logging.NullHandler())
        logging.getLogger("bot").propagate = False
    results = measure(args)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)
    return 0 if all(results["goals"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
