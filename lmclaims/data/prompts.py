"""Fixed-length prompts of real text, drawn deterministically from the run seed."""

from __future__ import annotations

import numpy as np
import torch

from lmclaims.errors import UserInputError


def tokenize_documents(tokenizer, documents: tuple[str, ...]) -> list[np.ndarray]:
    """Token ids of each document, without special tokens."""
    encoded = tokenizer(list(documents), add_special_tokens=False)["input_ids"]
    return [np.asarray(ids, dtype=np.int64) for ids in encoded]


def bos_id(tokenizer) -> int | None:
    return getattr(tokenizer, "bos_token_id", None)


def sample_windows(tokens: list[np.ndarray], n: int, length: int, rng: np.random.Generator,
                   prepend: int | None = None, exclude: set[tuple[int, ...]] | None = None
                   ) -> torch.Tensor:
    """`n` distinct windows of `length` ids (BOS first if given), chosen with `rng`."""
    body = length - (prepend is not None)
    eligible = np.array([i for i, t in enumerate(tokens) if len(t) >= body])
    if body < 1 or len(eligible) == 0:
        raise UserInputError(f"no document has the {body} tokens a {length}-token prompt needs; "
                             f"use a corpus with longer documents")
    seen: set[tuple[int, ...]] = set(exclude or ())
    rows: list[np.ndarray] = []
    for _ in range(50 * n):
        doc = tokens[eligible[rng.integers(len(eligible))]]
        start = rng.integers(len(doc) - body + 1)
        row = doc[start:start + body]
        if prepend is not None:
            row = np.concatenate([[prepend], row])
        key = tuple(row.tolist())
        if key not in seen:
            seen.add(key)
            rows.append(row)
            if len(rows) == n:
                return torch.as_tensor(np.stack(rows))
    raise UserInputError(f"the corpus has fewer than {n} distinct {length}-token prompts; "
                         f"use a larger corpus or a smaller --claims-profile")


def prepended_token(tokenizer) -> dict[str, object] | str:
    """What the suite puts before every prompt, for the report's model section.

    {"id": int, "text": str, "why": str}, or a sentence when nothing is prepended. Whether
    the tokenizer puts the token first by itself is tried, not read from `add_bos_token`
    (Gemma's GGUF tokenizer says False and adds it anyway).
    """
    bos = bos_id(tokenizer)
    if bos is None:
        return "none: the tokenizer has no BOS token, so prompts start with corpus text"
    adds = tokenizer("a")["input_ids"][:1] == [bos]
    why = ("the tokenizer's BOS token, which the tokenizer itself puts first (so the model saw it "
           "in training); prompts are drawn without special tokens and it is prepended"
           if adds else
           "the tokenizer's BOS token, which this tokenizer does not put first by itself "
           "(add_bos_token=False; SmolLM2's, for one, is the chat-turn marker <|im_start|>); "
           "the suite prepends it anyway, for one fixed first position across models")
    return {"id": int(bos), "text": str(tokenizer.convert_ids_to_tokens(int(bos))), "why": why}
