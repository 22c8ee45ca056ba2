"""A disk cache for measured arrays (splice runs, feature sweeps): safetensors plus JSON metadata,
keyed by a digest of everything that decides them, file-locked, no pickles."""

from __future__ import annotations

import hashlib
import json
from typing import Callable

import numpy as np
import torch
from filelock import FileLock
from safetensors.torch import load_file, save_file
from safetensors import safe_open

from lmclaims.files import atomic_file
from lmclaims.models.embedded import cache_root


def cached_arrays(kind: str, key: dict, compute: Callable[[], tuple[dict, dict]]) -> tuple[dict, dict]:
    """({name: np.ndarray}, metadata dict) for `key`, computing (arrays, metadata) once per machine.

    kind: folder name under the cache root; key: JSON-able description of every input.
    """
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:20]
    folder = cache_root() / kind
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.safetensors"
    with FileLock(str(path) + ".lock"):
        if not path.exists():
            arrays, meta = compute()
            tensors = {k: torch.as_tensor(np.ascontiguousarray(v)) for k, v in arrays.items()}
            with atomic_file(path, suffix=".safetensors") as tmp:
                save_file(tensors, str(tmp), metadata={"meta": json.dumps(meta, default=str),
                                                       "key": json.dumps(key, sort_keys=True, default=str)})
    with safe_open(str(path), framework="pt") as f:
        meta = json.loads(f.metadata()["meta"])
    return {k: v.numpy() for k, v in load_file(str(path)).items()}, meta
