"""The module maps in README.md ("Where things live") and docs/DESIGN.md ("Modules") name
exactly the modules in the tree: adding, moving or removing one without its line fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import REPO

# In a map's text: a folder followed by "(" opens that folder for the names inside the
# parentheses (``replies/ (run.py, labels.py)``); any other "(" keeps the current folder.
TOKEN = re.compile(
    r"(?P<sub>\b[A-Za-z_][\w-]*/)\s*\(|(?P<module>\b(?:\w+/)*\w+\.py)\b|(?P<open>\()|(?P<close>\))"
)


def modules_in(text: str, *, folder: str) -> set[str]:
    """The module paths that ``text`` names, each relative to ``folder`` (``bot/cli/``) or to
    the subfolder whose parentheses it stands in."""
    stack = [folder]
    found: set[str] = set()
    for match in TOKEN.finditer(text.replace("`", "")):
        if match["sub"]:
            stack.append(stack[-1] + match["sub"])
        elif match["module"]:
            found.add(stack[-1] + match["module"])
        elif match["open"]:
            stack.append(stack[-1])
        elif len(stack) > 1:
            stack.pop()
    return found


def is_bare_package(path: Path) -> bool:
    """An ``__init__.py`` that holds only a docstring, imports and dunder names: the folder
    itself, which a map names; one with code of its own is a module the map must name."""
    if path.name != "__init__.py":
        return False
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Assign) and all(
            isinstance(target, ast.Name) and target.id.startswith("__") for target in node.targets
        ):
            continue
        return False
    return True


def modules_on_disk(*roots: str) -> set[str]:
    return {
        path.relative_to(REPO).as_posix()
        for root in roots
        for path in (REPO / root).rglob("*.py")
        if not is_bare_package(path)
    }


def section(markdown: str, heading: str) -> str:
    """The text below ``heading`` up to the next heading of the same or a higher level."""
    level, _, _ = heading.partition(" ")
    start = markdown.index(f"\n{heading}\n")
    rest = markdown[start + len(heading) + 2 :]
    end = re.search(rf"^#{{1,{len(level)}}} ", rest, re.MULTILINE)
    return rest[: end.start() if end else len(rest)]


def readme_map() -> set[str]:
    """The modules the README's map names. The map is a fenced block of entries: a name at
    column 0 (a top folder) or 2 (in the folder above), then its job; deeper lines continue
    the entry above. A folder entry's ``.py`` names are in that folder."""
    text = section((REPO / "README.md").read_text(), "### Where things live")
    block = text.split("```")[1]
    entries: list[tuple[str, str]] = []  # (folder the entry's names live in, its text)
    top = ""
    for line in block.splitlines()[1:]:
        indent = len(line) - len(line.lstrip())
        if not line.strip():
            continue
        if indent > 2:
            folder, entry = entries[-1]
            entries[-1] = (folder, f"{entry} {line.strip()}")
            continue
        name, _, job = line.strip().partition(" ")
        parent = "" if indent == 0 else top
        if name.endswith("/"):
            if indent == 0:
                top = name
            entries.append((parent + name, job))
        else:
            entries.append((parent, line.strip()))
    return {module for folder, entry in entries for module in modules_in(entry, folder=folder)}


def design_map() -> set[str]:
    """The modules DESIGN.md's module table names: a row's first cell names modules
    (``reddit/gateway.py``) or a folder (``cli/``) whose modules its second cell names."""
    text = section((REPO / "docs" / "DESIGN.md").read_text(), "## Modules")
    found: set[str] = set()
    for row in re.findall(r"^\|(.+)\|\s*$", text, re.MULTILINE):
        first, _, rest = row.partition("|")
        names = re.findall(r"`([^`]+)`", first)
        if len(names) == 1 and names[0].endswith("/"):
            found |= modules_in(rest, folder=f"bot/{names[0]}")
        else:
            found |= modules_in(first, folder="bot/")
    return found


def test_map_parser_reads_nested_folders_and_plain_parentheses() -> None:
    text = "server.py, store.py (world.py), replies/ (run.py, data.py), common.py (options)"
    assert modules_in(text, folder="bot/cli/") == {
        "bot/cli/server.py",
        "bot/cli/store.py",
        "bot/cli/world.py",
        "bot/cli/replies/run.py",
        "bot/cli/replies/data.py",
        "bot/cli/common.py",
    }


def test_readme_map_names_every_module_of_bot_and_bench() -> None:
    named = readme_map()
    on_disk = modules_on_disk("bot", "bench")
    assert "bot/replies/classify.py" in named  # the parser reads the map at all
    missing = sorted(on_disk - named)
    assert not missing, f"README's map (Where things live) does not name {missing}"
    stale = sorted(m for m in named if m.startswith(("bot/", "bench/")) and m not in on_disk)
    assert not stale, f"README's map names {stale}, not in the tree"


def test_design_module_table_names_every_module_of_bot() -> None:
    named = design_map()
    on_disk = modules_on_disk("bot")
    assert "bot/reddit/gateway.py" in named  # the parser reads the table at all
    missing = sorted(on_disk - named)
    assert not missing, f"DESIGN.md's module table does not name {missing}"
    stale = sorted(named - on_disk)
    assert not stale, f"DESIGN.md's module table names {stale}, not in the tree"
