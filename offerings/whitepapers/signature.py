"""MinHash signatures of whitepapers and their locality-sensitive band keys.

128 permutations in 64 bands of 2 rows: two whitepapers whose shingle sets have a Jaccard
similarity of 0.2 share a band with a probability of 92%, at 0.1 of 48%, at 0.02 of 2.5%. That
is generous on purpose: a whitepaper that copies a third of another can be much longer or
shorter, so its Jaccard similarity stays low; the exact alignment that follows decides.
"""

from __future__ import annotations

import numpy as np
from datasketch import MinHash

PERMUTATIONS = 128
ROWS = 2
BANDS = PERMUTATIONS // ROWS
SEED = 16  # fixed: every signature in the index must use the same permutations and scheme
SCHEME = "affine32"
_EMPTY = MinHash(num_perm=PERMUTATIONS, seed=SEED, hashfunc=int, scheme=SCHEME)


def minhash(keys: list[int] | set[int]) -> np.ndarray:
    """The MinHash values (uint32) of a set of 64-bit shingle keys."""
    signature = MinHash(
        num_perm=PERMUTATIONS,
        seed=SEED,
        hashfunc=int,
        permutations=_EMPTY.permutations,
        scheme=SCHEME,
    )
    if keys:
        signature.update_batch([key & 0xFFFFFFFF for key in keys])
    return signature.hashvalues.astype("<u4")


def band_keys(values: np.ndarray) -> list[int]:
    """One signed 64-bit key per band: its two 32-bit values side by side (no hash needed)."""
    packed = values.astype("<u4").view("<i8")
    return [int(key) for key in packed]


def to_bytes(values: np.ndarray) -> bytes:
    return values.astype("<u4").tobytes()


def from_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(bytes(raw), dtype="<u4")
