"""Whitepaper text as words: normalised tokens with their place in the text, and shingles."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

WORD = re.compile(r"\w+")
SHINGLE_WORDS = 5  # a shingle is five consecutive words
SAMPLE_EVERY = 8  # one shingle in eight (by hash) is kept for document frequencies


@dataclass(frozen=True)
class Words:
    """The words of a text (lower case) and where each starts and ends in it."""

    text: str
    tokens: list[str]
    starts: list[int]
    ends: list[int]

    def excerpt(self, start: int, stop: int, *, limit: int = 240) -> str:
        """The original text of words start..stop-1, cut to `limit` characters."""
        if start >= stop:
            return ""
        quoted = " ".join(self.text[self.starts[start] : self.ends[stop - 1]].split())
        return quoted if len(quoted) <= limit else quoted[: limit - 1].rstrip() + "…"


def words(text: str) -> Words:
    tokens, starts, ends = [], [], []
    for match in WORD.finditer(text):
        tokens.append(match.group().lower())
        starts.append(match.start())
        ends.append(match.end())
    return Words(text, tokens, starts, ends)


def shingle_key(tokens: list[str]) -> int:
    """A signed 64-bit hash of a run of words (stable across processes, unlike hash())."""
    digest = hashlib.blake2b(" ".join(tokens).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def shingle_keys(tokens: list[str]) -> list[int]:
    """The key of each shingle, by its first word's position."""
    width = SHINGLE_WORDS
    return [shingle_key(tokens[i : i + width]) for i in range(len(tokens) - width + 1)]


def sampled(keys) -> set[int]:
    return {key for key in keys if key % SAMPLE_EVERY == 0}
