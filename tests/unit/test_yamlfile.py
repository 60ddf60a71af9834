"""Every file people edit reports a fault in one shape: ``file[:line]: key: problem; fix``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import EXIT_FAILED, EXIT_USAGE, ConfigError, InputError, WikibotError
from bot.learning.featurise import load_cues
from bot.replies.model import load_model
from bot.replies.rules import load_rules
from bot.wiki.pages import load_page
from conftest import FIXTURE_RULES


@dataclass(frozen=True)
class Kind:
    """A kind of file, a syntax error and a misspelt key in it, and how it is loaded."""

    name: str  # the file's name
    syntax_error: str  # text with a syntax error on line ``syntax_line``
    syntax_line: int
    misspelt: str  # text with a misspelt key ``key`` (meant: ``meant``)
    key: str
    meant: str
    load: Callable[[Path], object]
    error: type[WikibotError]  # the caller's own exception class (its exit code)
    duplicate: str = ""  # YAML text giving ``duplicate_key`` twice, the second on line 3
    duplicate_key: str = ""


RULES = FIXTURE_RULES.read_text()
KINDS = {
    "config": Kind(
        "bot.yaml",
        "target: sandbox\nschedule: [oops\n",
        2,
        "target: sandbox\nschedule:\n  sync_intervall: 5m\n",
        "schedule.sync_intervall",
        "sync_interval",
        lambda path: load_settings(path, environ={}),
        ConfigError,
        "schedule:\n  sync: true\n  sync: false\n",
        "schedule.sync",
    ),
    "reply rules": Kind(
        "replies.yaml",
        "threshold: 0.5: high\n" + RULES,
        1,
        RULES + "treshold: 0.5\n",
        "treshold",
        "threshold",
        load_rules,
        ConfigError,
        "# moderators' knobs\nthreshold: 0.99\nthreshold: 0.05\n" + RULES,
        "threshold",
    ),
    "front matter": Kind(
        "faq.md",
        "---\ntitle: FAQ\nlisted: [yes\n---\nBody\n",
        3,
        "---\ntitle: FAQ\nlisted: true\npermlvl: 2\n---\nBody\n",
        "front matter.permlvl",
        "permlevel",
        lambda path: load_page(path, root=path.parent),
        InputError,
        "---\nlisted: true\nlisted: false\n---\nBody\n",
        "front matter.listed",
    ),
    "model file": Kind(
        "model.json",
        '{"format": "wikibot-reply-model/1",\n "intent": {,\n "features": {}}\n',
        2,
        '{"format": "wikibot-reply-model/1", "featurse": {}}',
        "featurse",
        "features",
        load_model,
        ConfigError,
    ),
    "training cues": Kind(
        "cues.yaml",
        "cues:\n  - name: x\n    pattern: [oops\n",
        3,
        "cue:\n  - name: x\n    pattern: x\n",
        "cue",
        "cues",
        load_cues,
        ConfigError,
        "cues:\n  - name: x\n    name: y\n    pattern: x\n",
        "cues[0].name",
    ),
}


def _fault(path: Path, kind: Kind, text: str) -> WikibotError:
    path.write_text(text)
    with pytest.raises(kind.error) as info:
        kind.load(path)
    return info.value


def _shape(path: Path) -> re.Pattern[str]:
    """``file[:line]: [key: ]problem; what to do``, on one line."""
    return re.compile(rf"{re.escape(str(path))}(:\d+)?: [^\n;]+; [^\n]+")


@pytest.mark.parametrize("kind", KINDS)
def test_a_yaml_syntax_error_is_one_line_naming_the_file_line_and_what_to_do(
    tmp_path: Path, kind: str
) -> None:
    path, file = tmp_path / KINDS[kind].name, KINDS[kind]
    error = _fault(path, file, file.syntax_error)
    message = str(error)
    assert _shape(path).fullmatch(message), message
    assert message.startswith(f"{path}:{file.syntax_line}: "), message
    if kind == "front matter":  # the part of the file, as the key paths below start
        assert message.startswith(f"{path}:3: front matter: YAML syntax error"), message
    expected_exit = EXIT_FAILED if isinstance(error, InputError) else EXIT_USAGE
    assert error.exit_code == expected_exit


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_key_is_one_line_naming_the_file_and_key_and_the_close_one(
    tmp_path: Path, kind: str
) -> None:
    path, file = tmp_path / KINDS[kind].name, KINDS[kind]
    message = str(_fault(path, file, file.misspelt))
    assert _shape(path).fullmatch(message), message
    line = "" if kind == "model file" else r":\d+"  # JSON: no line; YAML: the key's line
    assert re.match(rf"{re.escape(str(path))}{line}: {file.key}: unknown key", message), message
    if kind == "model file":  # written by `replies train`: restoring it is what helps
        assert "restore the file from git" in message
    else:
        assert f"did you mean {file.meant}?" in message


@pytest.mark.parametrize("kind", [name for name, kind in KINDS.items() if kind.duplicate])
def test_a_key_given_twice_is_refused_naming_the_file_line_and_key(
    tmp_path: Path, kind: str
) -> None:
    path, file = tmp_path / KINDS[kind].name, KINDS[kind]
    message = str(_fault(path, file, file.duplicate))
    assert _shape(path).fullmatch(message), message
    assert message.startswith(f"{path}:3: {file.duplicate_key}: given twice (first on line 2)")


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_that_is_not_utf8_says_to_save_it_as_utf8(tmp_path: Path, kind: str) -> None:
    path, file = tmp_path / KINDS[kind].name, KINDS[kind]
    path.write_bytes(b"title: caf\xe9\n")  # Latin-1
    with pytest.raises(file.error) as info:
        file.load(path)
    assert _shape(path).fullmatch(str(info.value)), info.value
    assert "save the file as UTF-8" in str(info.value)


@pytest.mark.parametrize("kind", ["config", "reply rules", "model file", "training cues"])
def test_a_file_under_the_current_directory_is_named_relative_to_it(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path, file = tmp_path / "config" / KINDS[kind].name, KINDS[kind]
    path.parent.mkdir()
    message = str(_fault(path.resolve(), file, file.misspelt))
    shown = re.escape(str(Path("config", file.name)))
    line = "" if kind == "model file" else r":\d+"  # JSON: no line; YAML: the key's line
    assert re.match(rf"{shown}{line}: {re.escape(file.key)}: ", message), message
