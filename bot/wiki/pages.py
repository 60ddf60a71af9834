"""Read and write ``wiki_pages/``: one Markdown file per wiki page, YAML front matter on top.

Front matter keys: ``page`` (wiki page name, default: the file's path without ``.md``),
``title``, ``reason`` (default edit reason), ``listed`` (bool), ``permlevel`` (0 use the
subreddit's wiki permissions, 1 approved editors only, 2 moderators only). An absent
``listed`` or ``permlevel`` is None: not managed, the wiki keeps its own setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bot.errors import InputError
from bot.fileio import atomic_write_text
from bot.limits import MAX_REASON_CHARS, page_name_problem
from bot.yamlfile import expect_mapping, input_error, parse_yaml, unknown_keys, wrong_value

PAGE_NAME_RE = re.compile(r"^[a-z0-9_\-]+(/[a-z0-9_\-]+)*$")
FRONT_MATTER_KEYS = {"page", "title", "reason", "listed", "permlevel"}
_DELIMITER = "---"
T = TypeVar("T")


@dataclass(frozen=True)
class PageSource:
    """One page file: its settings and its Markdown body."""

    path: Path
    name: str
    title: str
    reason: str | None
    listed: bool | None  # None: not in the front matter, the wiki's setting is kept
    permlevel: int | None
    body: str
    body_line: int
    front_matter: str


def page_name_for(path: Path, root: Path) -> str:
    """The default wiki page name of a file: its path below ``root`` without ``.md``."""
    return path.relative_to(root).with_suffix("").as_posix().lower()


def parse_page(
    path: Path, text: str, *, root: Path, problems: list[InputError] | None = None
) -> PageSource:
    """Parse a page file; raise ``InputError`` as ``file:line: problem``.

    With a ``problems`` list, every problem of the front matter is appended there instead
    (defaults stand in for bad values), and only a file that cannot be split raises.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != _DELIMITER:
        raise InputError(
            "missing front matter: start the file with a '---' line, "
            "the page settings, and another '---' line",
            path=path,
            line=1,
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == _DELIMITER)
    except StopIteration:
        raise InputError(
            "front matter is not closed: add a '---' line after the page settings",
            path=path,
            line=1,
        ) from None
    front_matter = "\n".join(lines[1:end])
    found: list[InputError] = []

    def attempt(parse: Callable[[], T], default: T) -> T:
        try:
            return parse()
        except InputError as exc:
            if problems is None:
                raise
            found.append(exc)
            return default

    data = _front_matter_data(path, front_matter, problems=found if problems is not None else None)
    body = "\n".join(lines[end + 1 :])
    default_name = page_name_for(path, root)
    name = data.get("page", default_name)
    page = PageSource(
        path=path,
        name=attempt(
            lambda: _check_name(path, name, _key_line(front_matter, "page")), default_name
        ),
        title=attempt(lambda: _string(path, data, "title", front_matter), None) or str(name),
        reason=attempt(lambda: _reason(path, data, front_matter), None),
        listed=attempt(lambda: _listed(path, data, front_matter), None),
        permlevel=attempt(lambda: _permlevel(path, data, front_matter), None),
        body=body,
        body_line=end + 2,
        front_matter=front_matter,
    )
    if problems is not None:
        problems.extend(found)
    return page


def load_page(path: Path, *, root: Path, problems: list[InputError] | None = None) -> PageSource:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; save the file as UTF-8", path=path, line=1) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    return parse_page(path, text, root=root, problems=problems)


def page_files(root: Path) -> list[Path]:
    """All ``*.md`` files below ``root``, sorted (README.md files are documentation)."""
    if not root.is_dir():
        raise InputError("wiki pages folder not found; set wiki_pages_dir in the config", path=root)
    return sorted(p for p in root.rglob("*.md") if p.name.lower() != "readme.md")


def load_pages(root: Path) -> list[PageSource]:
    """Load every page; raise ``InputError`` on the first bad file or a duplicate name."""
    pages, problems = load_pages_collecting(root)
    if problems:
        raise problems[0]
    return pages


def load_pages_collecting(root: Path) -> tuple[list[PageSource], list[InputError]]:
    """Load every page, collecting every error of every file instead of stopping."""
    pages: list[PageSource] = []
    problems: list[InputError] = []
    by_name: dict[str, PageSource] = {}
    for path in page_files(root):
        try:
            page = load_page(path, root=root, problems=problems)
        except InputError as exc:
            problems.append(exc)
            continue
        if page.name in by_name:
            line = _key_line(page.front_matter, "page") or 1
            problems.append(
                InputError(
                    f"page name {page.name!r} is also used by "
                    f"{by_name[page.name].path}; give each file its own page name",
                    path=path,
                    line=line,
                )
            )
            continue
        by_name[page.name] = page
        pages.append(page)
    return pages, problems


def write_page_body(page: PageSource, body: str) -> None:
    """Replace a page file's body, keeping its front matter text exactly."""
    text = f"{_DELIMITER}\n{page.front_matter}\n{_DELIMITER}\n{body}"
    atomic_write_text(page.path, text)


def write_page_settings(page: PageSource, *, listed: bool, permlevel: int) -> PageSource:
    """Set ``listed`` and ``permlevel`` in a page file's front matter, keeping the rest."""
    lines = page.front_matter.split("\n") if page.front_matter else []
    for key, value in (("listed", "true" if listed else "false"), ("permlevel", str(permlevel))):
        line = _key_line(page.front_matter, key)
        if line is None:
            lines.append(f"{key}: {value}")
        else:
            old = lines[line - 2]
            comment = old[old.index("#") :] if "#" in old else ""
            lines[line - 2] = f"{key}: {value}" + (f"  {comment}" if comment else "")
    front_matter = "\n".join(lines)
    body = _body_on_disk(page.path)  # a loaded source may have let go of its body
    atomic_write_text(page.path, f"{_DELIMITER}\n{front_matter}\n{_DELIMITER}\n{body}")
    return replace(page, front_matter=front_matter, listed=listed, permlevel=permlevel)


def _body_on_disk(path: Path) -> str:
    """The Markdown body of a page file as it is on disk now (after its front matter)."""
    text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == _DELIMITER)
    return "\n".join(lines[end + 1 :])


def new_page_file(root: Path, *, name: str, body: str, listed: bool, permlevel: int) -> Path:
    """Create ``<root>/<name>.md`` for a page that exists only on the wiki."""
    if problem := page_name_problem(name):  # never a path outside root
        raise InputError(f"wiki page {name!r} not written: {problem}", path=root)
    path = root / f"{name}.md"
    front = yaml.safe_dump(
        {"page": name, "title": name, "listed": listed, "permlevel": permlevel}, sort_keys=False
    ).rstrip("\n")
    atomic_write_text(path, f"{_DELIMITER}\n{front}\n{_DELIMITER}\n{body}")
    return path


# --- validation helpers -------------------------------------------------------------------


def _front_matter_data(
    path: Path, front_matter: str, *, problems: list[InputError] | None = None
) -> dict[str, Any]:
    file = str(path)
    data = parse_yaml(front_matter, file=file, key="front matter", first_line=2, error=input_error)
    data = expect_mapping(
        {} if data is None else data,
        file=file,
        key="front matter",
        expected="'key: value' lines",
        line=2,
        error=input_error,
    )
    faults = unknown_keys(
        data,
        FRONT_MATTER_KEYS,
        file=file,
        prefix="front matter.",
        line_of=lambda key: _key_line(front_matter, key) or 2,
    )
    if faults and problems is None:
        raise input_error(faults[0])
    if problems is not None:
        problems.extend(input_error(fault) for fault in faults)
    return {key: value for key, value in data.items() if key in FRONT_MATTER_KEYS}


def _key_line(front_matter: str, key: str) -> int | None:
    for index, line in enumerate(front_matter.split("\n")):
        if re.match(rf"^\s*{re.escape(key)}\s*:", line):
            return index + 2
    return None


def _fail(path: Path, front_matter: str, key: str, expected: str, value: object) -> InputError:
    line = _key_line(front_matter, key) or 2
    return input_error(
        wrong_value(
            file=str(path), key=f"front matter.{key}", expected=expected, value=value, line=line
        )
    )


def _check_name(path: Path, name: object, line: int | None) -> str:
    if not isinstance(name, str) or not PAGE_NAME_RE.match(name):
        raise InputError(
            f"front matter.page: expected a wiki page name of "
            f"lowercase letters, digits, '_', '-' and '/', got {name!r}",
            path=path,
            line=line or 2,
        )
    return name


def _string(path: Path, data: dict[str, Any], key: str, front_matter: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, front_matter, key, "a non-empty string", value)
    return value.strip()


def _reason(path: Path, data: dict[str, Any], front_matter: str) -> str | None:
    reason = _string(path, data, "reason", front_matter)
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        raise _fail(
            path,
            front_matter,
            "reason",
            f"at most {MAX_REASON_CHARS} characters",
            f"{len(reason)} characters",
        )
    return reason


def _listed(path: Path, data: dict[str, Any], front_matter: str) -> bool | None:
    if "listed" not in data:
        return None
    value = data["listed"]
    if not isinstance(value, bool):
        raise _fail(path, front_matter, "listed", "true or false", value)
    return value


def _permlevel(path: Path, data: dict[str, Any], front_matter: str) -> int | None:
    if "permlevel" not in data:
        return None
    value = data["permlevel"]
    if isinstance(value, bool) or value not in (0, 1, 2):
        raise _fail(
            path,
            front_matter,
            "permlevel",
            "0 (subreddit wiki rules), 1 (approved editors) or 2 (moderators only)",
            value,
        )
    return int(value)


_FRONT_KEY = re.compile(rf"^\s*({'|'.join(sorted(FRONT_MATTER_KEYS))})\s*:")
_YAML_LINE = re.compile(r"^\s*([A-Za-z_][\w-]*\s*:.*|#.*|)$")


def pasted_front_matter(text: str) -> tuple[int, int] | None:
    """(first, last) 1-based lines of a front-matter block inside Markdown text, if any.

    A page file copied whole into the wiki editor, or into another file's body, brings
    its ``---`` / ``key: value`` / ``---`` block along; Reddit would publish it as text.
    """
    lines = text.split("\n")
    for start, line in enumerate(lines):
        if line.strip() != _DELIMITER:
            continue
        for end in range(start + 1, min(len(lines), start + 20)):
            inner = lines[end]
            if inner.strip() == _DELIMITER:
                block = lines[start + 1 : end]
                if any(_FRONT_KEY.match(b) for b in block):
                    return start + 1, end + 1
                break
            if not _YAML_LINE.match(inner):
                break
    return None
