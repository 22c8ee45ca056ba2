"""Real text for the models the suite trains: a word-level vocabulary over a corpus, and
seeded windows of it.

The vocabulary is the corpus's most frequent lower-cased words and punctuation marks
(regex `\\w+|[^\\w\\s]`), with every other word mapped to <unk>; small enough for a model
a CPU trains in seconds, real enough that text carries the repeated names and phrases
induction heads feed on.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import torch

TOKEN = re.compile(r"\w+|[^\w\s]")
SPECIALS = ("<bos>", "<unk>")  # ids 0 and 1


def words(text: str) -> list[str]:
    """Lower-cased words and punctuation marks of `text`, in order."""
    return TOKEN.findall(text.lower())


def build_vocab(documents: Sequence[str], size: int) -> dict[str, int]:
    """word -> id for the `size - 2` most frequent words (ties broken alphabetically) plus SPECIALS."""
    counts = Counter(w for doc in documents for w in words(doc))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: size - len(SPECIALS)]
    return {**{s: i for i, s in enumerate(SPECIALS)}, **{w: i + len(SPECIALS) for i, (w, _) in enumerate(ranked)}}


def encode(documents: Sequence[str], vocab: dict[str, int]) -> np.ndarray:
    """All documents as one int64 stream of ids, each document preceded by <bos>."""
    unk, ids = vocab["<unk>"], []
    for doc in documents:
        ids.append(vocab["<bos>"])
        ids.extend(vocab.get(w, unk) for w in words(doc))
    return np.asarray(ids, dtype=np.int64)


def windows(stream: np.ndarray, n: int, length: int, gen: torch.Generator) -> torch.Tensor:
    """n windows of `length` consecutive ids at uniformly drawn starts; [n, length] long."""
    starts = torch.randint(len(stream) - length, (n,), generator=gen)
    idx = starts[:, None] + torch.arange(length)
    return torch.as_tensor(stream)[idx]


def split_stream(stream: np.ndarray, held_out: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Training and held-out parts of the stream (the last `held_out` share is held out)."""
    cut = int(len(stream) * (1 - held_out))
    return stream[:cut], stream[cut:]
