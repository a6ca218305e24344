"""Exact passage alignment: which runs of words two texts share, wherever they sit.

Anchors are runs of ANCHOR_WORDS identical words; each is extended as far as both texts agree.
Order does not matter (shuffled paragraphs are found), and a light edit only splits a passage.
Runs close together are merged into passages; short ones are dropped as chance.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

ANCHOR_WORDS = 8
MERGE_GAP = 3  # runs at most this many words apart (an edited word or two) form one passage
MIN_PASSAGE_WORDS = 12
MAX_ANCHOR_PLACES = 8  # a phrase repeated more often in one text is not a useful anchor


@dataclass(frozen=True)
class Run:
    a_start: int
    b_start: int
    length: int


@dataclass(frozen=True)
class Passage:
    """Words start..stop-1 of one text, with the longest run inside it that the other text
    shares (`other_start`, `other_length` in the other text)."""

    start: int
    stop: int
    other_start: int
    other_length: int

    @property
    def length(self) -> int:
        return self.stop - self.start


def anchor_index(tokens: list[str]) -> dict[tuple[str, ...], list[int]]:
    """Where each run of ANCHOR_WORDS words of a text starts (the first few places)."""
    places: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for start in range(len(tokens) - ANCHOR_WORDS + 1):
        found = places[tuple(tokens[start : start + ANCHOR_WORDS])]
        if len(found) < MAX_ANCHOR_PLACES:
            found.append(start)
    return places


def shared_runs(a: list[str], a_index: dict[tuple[str, ...], list[int]], b: list[str]) -> list[Run]:
    """The maximal runs of words text b shares with text a (indexed by anchor_index)."""
    runs = []
    position, end = 0, len(b) - ANCHOR_WORDS + 1
    while position < end:
        places = a_index.get(tuple(b[position : position + ANCHOR_WORDS]))
        if not places:
            position += 1
            continue
        best = None
        for place in places:
            length = ANCHOR_WORDS
            while (
                place + length < len(a)
                and position + length < len(b)
                and a[place + length] == b[position + length]
            ):
                length += 1
            if best is None or length > best.length:
                best = Run(place, position, length)
        runs.append(best)
        position += best.length
    return runs


def passages(runs: list[Run], *, side: str) -> list[Passage]:
    """Runs merged into passages on one side ("a" or "b"), longest run kept for quoting."""
    spans = sorted(
        (
            (run.a_start, run.b_start, run.length)
            if side == "a"
            else (run.b_start, run.a_start, run.length)
        )
        for run in runs
    )
    merged: list[Passage] = []
    for start, other, length in spans:
        stop = start + length
        last = merged[-1] if merged else None
        if last is not None and start <= last.stop + MERGE_GAP:
            keep = (other, length) if length > last.other_length else None
            merged[-1] = Passage(
                last.start,
                max(last.stop, stop),
                keep[0] if keep else last.other_start,
                keep[1] if keep else last.other_length,
            )
        else:
            merged.append(Passage(start, stop, other, length))
    return [passage for passage in merged if passage.length >= MIN_PASSAGE_WORDS]
