"""Text detector benchmark: the guaranteed-returns and whitepaper-section detectors on ordinary
text and on 100,000 pathological characters (no database, no Django).

    python -m bench.text_detectors [--chars 100000] [--repeats 5]

Prints the best of `repeats` runs, in milliseconds, for each input.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from diligence.text import guaranteed_return_claims, whitepaper_sections

# Sentences of the kind whitepapers and descriptions hold, promises and disclaimers alike.
ORDINARY = (
    "The protocol settles trades between verified members within two blocks. "
    "Token holders receive an estimated 8% APY from staking; returns are not guaranteed. "
    "Join the presale today and enjoy guaranteed 30% monthly on every token! "
    "Our roadmap: Q3 2025 testnet, Q1 2026 mainnet, then the DAO. "
    "The team of 12 engineers previously built payment systems at two banks.\n\n"
    "Use of proceeds: 40% development, 25% marketing, 20% liquidity, 15% legal. "
)


def _shapes(chars: int) -> dict[str, str]:
    return {
        "ordinary text": (ORDINARY * (chars // len(ORDINARY) + 1))[:chars],
        "digits": "1" * chars,
        "digits and spaces": "1 " * (chars // 2),
        "percent signs": "%" * chars,
        "repeated cue word": "guaranteed " * (chars // 11),
        "repeated multipliers": "10x " * (chars // 4),
        "one long word": "chief " + "a" * chars,
    }


def _best(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"{'input':24} {'claims ms':>10} {'sections ms':>12}")
    for name, text in _shapes(args.chars).items():
        claims = _best(lambda text=text: guaranteed_return_claims(text), args.repeats)
        sections = _best(lambda text=text: whitepaper_sections(text), args.repeats)
        print(f"{name:24} {claims:10.1f} {sections:12.1f}")


if __name__ == "__main__":
    main()
