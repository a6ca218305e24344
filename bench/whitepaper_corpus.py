"""Synthetic whitepaper texts with known copying, for the copied-whitepaper tests and benchmark.

Words are made-up syllable strings, so two independent texts share only chance phrases; a
"copy" takes a known share of another text's paragraphs verbatim, shuffled or lightly edited.
"""

from __future__ import annotations

import random

SYLLABLES = [a + b for a in "bdfgklmnprstvz" for b in ("a", "e", "i", "o", "u", "ai", "ou")]


class Corpus:
    def __init__(self, seed: int = 7, vocabulary: int = 3000) -> None:
        self.random = random.Random(seed)
        chooser = self.random
        self.words = sorted(
            {
                "".join(chooser.choice(SYLLABLES) for _ in range(chooser.randint(2, 4)))
                for _ in range(vocabulary)
            }
        )

    def paragraph(self, sentences: int = 5) -> str:
        out = []
        for _ in range(sentences):
            words = self.random.choices(self.words, k=self.random.randint(12, 18))
            out.append(" ".join(words).capitalize() + ".")
        return " ".join(out)

    def paragraphs(self, count: int) -> list[str]:
        return [self.paragraph() for _ in range(count)]

    def edited(self, paragraph: str, every: int = 12) -> str:
        """Replace about one word in `every` with another (a light rewording)."""
        words = paragraph.split()
        for index in range(self.random.randrange(every), len(words), every):
            words[index] = self.random.choice(self.words)
        return " ".join(words)

    def copy_of(
        self, source: list[str], share: float, *, total: int, shuffle=False, edit=False
    ) -> list[str]:
        """A text of `total` paragraphs of which `share` come from `source`."""
        taken = source[: max(1, round(share * total))]
        if edit:
            taken = [self.edited(paragraph) for paragraph in taken]
        own = self.paragraphs(total - len(taken))
        text = taken + own
        if shuffle:
            self.random.shuffle(text)
        return text
