"""Parsing `--model`: what kind of model a string names, checked before anything loads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lmclaims.errors import UserInputError
from lmclaims.models.embedded import EMBEDDED_NAME

Kind = Literal["embedded", "named", "local-dir", "gguf"]


@dataclass(frozen=True)
class ModelSpec:
    """A parsed `--model` value."""

    raw: str  # what the user wrote
    kind: Kind
    target: str  # the name or absolute path that is loaded
    random: bool  # same architecture, random weights (the control)

    @property
    def label(self) -> str:
        base = Path(self.target).name if self.kind in ("local-dir", "gguf") else self.target
        return f"random:{base}" if self.random else base


def _looks_like_path(text: str) -> bool:
    return text.startswith(("/", "./", "../", "~")) or text.endswith(".gguf") or Path(text).exists()


def known_model_names() -> set[str]:
    """Model names TransformerLens knows (official names and aliases)."""
    from transformer_lens.supported_models import OFFICIAL_MODEL_NAMES
    from transformer_lens.tools.model_registry.registry_io import load_model_aliases

    names = set(OFFICIAL_MODEL_NAMES)
    for official, aliases in load_model_aliases().items():
        names.add(official)
        names.update(aliases)
    return names


def split_model(text: str) -> tuple[bool, str]:
    """(random weights?, the model named): 'random' and 'default' name the embedded model."""
    raw = text.strip()
    random = raw == "random" or raw.startswith("random:")
    body = raw.split(":", 1)[1] if random and ":" in raw else ("" if random else raw)
    return random, EMBEDDED_NAME if body in ("", "default") else body


def canonical_model(text: str) -> str:
    """'random' -> 'random:gemma-3-270m', 'default' -> 'gemma-3-270m'; other names unchanged."""
    random, body = split_model(text)
    return f"random:{body}" if random else body


def parse_model(text: str) -> ModelSpec:
    """Classify a `--model` value; raise UserInputError with what to do if it names nothing."""
    raw = text.strip()
    random, body = split_model(raw)
    if body == EMBEDDED_NAME:
        return ModelSpec(raw, "embedded", EMBEDDED_NAME, random)
    if _looks_like_path(body):
        path = Path(body).expanduser()
        if not path.exists():
            raise UserInputError(
                f"--model {body!r}: no such file or directory; give an existing Hugging Face "
                f"model folder or .gguf file, or a model name")
        if path.is_file() and path.suffix != ".gguf":
            raise UserInputError(
                f"--model {body!r} is a file but not a .gguf; give a .gguf file or a folder "
                f"holding config.json and safetensors weights")
        if path.is_dir() and not (path / "config.json").exists():
            raise UserInputError(f"--model {body!r}: the folder has no config.json, so it is not a "
                                 f"Hugging Face model folder")
        kind: Kind = "gguf" if path.is_file() else "local-dir"
        return ModelSpec(raw, kind, str(path.resolve()), random)
    if body not in known_model_names():
        raise UserInputError(
            f"--model {body!r} is not a model TransformerLens knows, nor an existing path; use "
            f"'{EMBEDDED_NAME}', a name from transformer_lens.supported_models, a local model "
            f"folder or a .gguf file")
    return ModelSpec(raw, "named", body, random)
