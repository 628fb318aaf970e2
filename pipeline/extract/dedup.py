"""Duplicate detection: exact (same normalised body) and near-duplicate (MinHash over word shingles).

Signatures are stored with each loaded article; LSH bands let Postgres find candidates by index
instead of comparing a new document with every article.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from datasketch import MinHash

NUM_PERM = 64
BANDS = 16  # 16 bands of 4 rows: pairs above ~0.5 Jaccard become candidates
ROWS = NUM_PERM // BANDS
SHINGLE = 4  # words
NEAR_DUPLICATE = 0.8  # estimated Jaccard similarity of the shingle sets
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text or "")]


def body_sha256(body: str) -> str:
    """Hash of the words only: whitespace, punctuation and case changes are the same text."""
    return hashlib.sha256(" ".join(_words(body)).encode()).hexdigest()


def signature(body: str) -> list[int]:
    words = _words(body)
    minhash = MinHash(num_perm=NUM_PERM, seed=1)
    shingles = {" ".join(words[i:i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    minhash.update_batch([s.encode() for s in shingles if s])
    return [int(v) for v in minhash.hashvalues]


def bands(sig: Sequence[int]) -> list[tuple[int, int]]:
    """(band number, signed 64-bit hash of the band's rows) for the LSH table."""
    out = []
    for band in range(BANDS):
        rows = ",".join(str(v) for v in sig[band * ROWS:(band + 1) * ROWS])
        digest = hashlib.blake2b(rows.encode(), digest_size=8).digest()
        out.append((band, int.from_bytes(digest, "big", signed=True)))
    return out


def band_hashes(sig: Sequence[int]) -> list[int]:
    return [band_hash for _, band_hash in bands(sig)]


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    if len(a) != len(b) or not a:
        return 0.0
    return sum(x == y for x, y in zip(a, b)) / len(a)
