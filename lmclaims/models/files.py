"""What is in a model folder, and whether its weights may be loaded safely."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from lmclaims.errors import UserInputError

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


def weight_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(safetensors files, pickled weight files) in a model folder."""
    safe = sorted(folder.glob("*.safetensors"))
    pickled = sorted(p for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES)
    return safe, pickled


def check_weights(folder: Path, allow_pickle: bool) -> bool:
    """True if the folder's weights are safetensors; refuse pickles unless allowed."""
    safe, pickled = weight_files(folder)
    if safe:
        return True
    if pickled and not allow_pickle:
        raise UserInputError(
            f"{folder} holds only pickled weights ({pickled[0].name}), which can run code when "
            f"loaded; convert them to safetensors, or pass --allow-pickle to load them with "
            f"torch's weights-only loader")
    if not pickled:
        raise UserInputError(f"{folder} holds no weights (*.safetensors or *.bin)")
    return False


def sha256_of(paths: list[Path]) -> str:
    """One sha256 over the contents of several files, in order."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def check_remote_code(folder: Path, trusted: bool) -> None:
    """Refuse a model folder that ships its own Python code unless it is explicitly trusted."""
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    has_code = "auto_map" in config or any(folder.glob("*.py"))
    if has_code and not trusted:
        raise UserInputError(
            f"{folder} ships its own Python code (auto_map in config.json or *.py files), which "
            f"would run when the model loads; it is not run unless you pass --trust-remote-code")
