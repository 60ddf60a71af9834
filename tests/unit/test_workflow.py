"""The moderators' GitHub workflow (deploy/github/wiki-sync.yml): it does the job, actionlint
and zizmor find nothing, and the Reddit credentials reach only the steps that run wikibot."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO

WORKFLOW = REPO / "deploy" / "github" / "wiki-sync.yml"
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
SECRET = re.compile(r"\$\{\{\s*secrets\.")


def tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN))
    assert path, f"{name} is installed by the test extra"
    return path


def jobs(text: str) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(text)
    return dict(data["jobs"])


def secret_holders(text: str) -> list[str]:
    """Where the workflow hands out a secret: 'job/step name', or the level above a step."""
    data = yaml.safe_load(text)
    holders = ["workflow env"] if SECRET.search(yaml.safe_dump(data.get("env", {}))) else []
    for name, job in data["jobs"].items():
        if SECRET.search(yaml.safe_dump({k: v for k, v in job.items() if k != "steps"})):
            holders.append(f"{name} (job level)")
        for step in job["steps"]:
            if SECRET.search(yaml.safe_dump(step)):
                holders.append(f"{name}/{step.get('name', step.get('uses'))}")
    return holders


def workflow_problems(text: str) -> list[str]:
    """What the issue-20 review asks of the workflow, as one list of problems."""
    problems = []
    for name, job in jobs(text).items():
        secrets = any(h.startswith(f"{name}/") for h in secret_holders(text))
        if secrets and not job.get("environment"):
            problems.append(f"{name}: secrets outside a GitHub Environment")
        for step in job["steps"]:
            label = f"{name}/{step.get('name', step.get('uses'))}"
            uses = step.get("uses")
            if uses and not PINNED.match(uses):
                problems.append(f"{label}: {uses} is not pinned by commit")
            checkout = uses and uses.startswith("actions/checkout@")
            if checkout and (step.get("with") or {}).get("persist-credentials") is not False:
                problems.append(f"{label}: persist-credentials is not false")
            conditions = f"{job.get('if', '')} {step.get('if', '')}"
            if (
                uses
                and uses.startswith("actions/cache/")
                and "pull_request" in conditions
                and "pull_request.head.repo.full_name == github.repository" not in conditions
            ):
                problems.append(f"{label}: a fork's pull request gets the state cache")
            if SECRET.search(yaml.safe_dump(step)) and not (
                step.get("run", "").startswith("wikibot ") and not uses
            ):
                problems.append(f"{label}: a secret reaches a step that does not run wikibot")
    problems.extend(
        f"{holder}: secrets for every step" for holder in secret_holders(text) if "/" not in holder
    )
    if jobs(text)["publish"].get("environment") != "reddit":
        problems.append("publish: not in the protected environment 'reddit'")
    lookup = next(
        s["run"] for s in jobs(text)["plan"]["steps"] if "plan comment" in s.get("name", "")
    )
    if 'select(.user.login == "github-actions[bot]")' not in lookup:
        problems.append("plan: the comment is found by its marker alone, not its author")
    return problems


def test_workflow_runs_check_plan_publish_and_the_daemon_once() -> None:
    text = WORKFLOW.read_text()
    assert {"pull_request", "push", "schedule"} <= set(yaml.safe_load(text)[True])  # `on:`
    assert "wikibot check" in text and "--format markdown" in text
    assert 'wikibot push --reason "$REASON"' in text and "wikibot run --once" in text
    assert "<!-- wikibot-plan -->" in text
    assert secret_holders(text) == [
        "plan/Plan",
        "publish/Publish",
        "run-once/Replies and drift alerts",
    ]


def test_workflow_gives_secrets_only_to_wikibot_steps_in_environments() -> None:
    assert workflow_problems(WORKFLOW.read_text()) == []


def test_workflow_review_catches_each_weakness() -> None:
    """The checks above on the workflow as it was before issue 20, and one change at a time."""
    text = WORKFLOW.read_text()
    secrets = "".join(
        f"  {key}: ${{{{ secrets.{key} }}}}\n" for key in ("REDDIT_CLIENT_ID", "REDDIT_PASSWORD")
    )
    weakened = {
        "workflow env": text.replace("env:\n  WIKIBOT_TARGET", f"env:\n{secrets}  WIKIBOT_TARGET"),
        "not pinned": text.replace(
            "actions/checkout@11d5960a326750d5838078e36cf38b85af677262", "actions/checkout@v4", 1
        ),
        "persist-credentials": text.replace("persist-credentials: false", "", 1),
        "environment": text.replace("    environment: reddit  #", "    #", 1),
        "author": text.replace('select(.user.login == "github-actions[bot]")', ".", 1),
        "fork": text.replace("      && github.event.pull_request.head.repo.full_name", "#", 1),
        "install step": text.replace(
            "run: python -m pip install -q -e .",
            "run: python -m pip install -q -e .\n"
            "        env:\n          TOKEN: ${{ secrets.REDDIT_PASSWORD }}",
            1,
        ),
    }
    for change, variant in weakened.items():
        assert variant != text, change
        assert workflow_problems(variant) != [], change


def test_actionlint_and_zizmor_find_nothing(tmp_path: Path) -> None:
    for command in ([tool("actionlint"), "-no-color"], [tool("zizmor"), "--offline"]):
        result = subprocess.run(
            [*command, str(WORKFLOW)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("linter", "old", "new"),
    [
        # actionlint: an undefined context
        ("actionlint", "${{ steps.pr.outputs.reason }}", "${{ step.pr.outputs.reason }}"),
        # zizmor: a pull request's title expanded inside a shell script, an unpinned action
        (
            "zizmor",
            'run: wikibot plan --format markdown > "$RUNNER_TEMP/plan.md"',
            'run: echo "${{ github.event.pull_request.title }}"',
        ),
        ("zizmor", "checkout@11d5960a326750d5838078e36cf38b85af677262", "checkout@v4"),
    ],
)
def test_the_linters_do_find_mistakes(tmp_path: Path, linter: str, old: str, new: str) -> None:
    text = WORKFLOW.read_text()
    assert old in text
    broken = tmp_path / "wiki-sync.yml"
    broken.write_text(text.replace(old, new))
    command = [tool("actionlint"), "-no-color"] if linter == "actionlint" else [tool("zizmor")]
    if linter == "zizmor":
        command.append("--offline")
    result = subprocess.run([*command, str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode != 0, result.stdout + result.stderr
