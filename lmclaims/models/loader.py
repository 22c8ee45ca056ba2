"""Load a `--model` into a TransformerLens TransformerBridge, hub-free where possible."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from lmclaims.errors import UserInputError
from lmclaims.models.embedded import TL_ARCHITECTURE_NAME, embedded_model_dir
from lmclaims.models.files import check_remote_code, check_weights, sha256_of
from lmclaims.models.spec import ModelSpec


@dataclass
class LoadedModel:
    """A model ready for claims. Read-only: hooks go through temporary contexts only."""

    bridge: Any  # transformer_lens.model_bridge.TransformerBridge
    tokenizer: Any
    spec: ModelSpec
    device: torch.device
    info: dict[str, Any] = field(default_factory=dict)  # goes into the report header

    @property
    def n_layers(self) -> int:
        return int(self.bridge.cfg.n_layers)

    @property
    def d_model(self) -> int:
        return int(self.bridge.cfg.d_model)


def _hf_kwargs(options: dict) -> dict:
    return {"dtype": torch.float32, "attn_implementation": "eager",
            "trust_remote_code": bool(options.get("trust_remote_code"))}


def _source(spec: ModelSpec, options: dict) -> tuple[Path | str, dict, dict]:
    """(folder or name, from_pretrained kwargs, provenance), after the safety checks."""
    kwargs = _hf_kwargs(options)
    if spec.kind == "gguf":
        path = Path(spec.target)
        return path.parent, {**kwargs, "gguf_file": path.name}, {"sha256": sha256_of([path])}
    folder = embedded_model_dir() if spec.kind == "embedded" else spec.target
    if spec.kind == "local-dir":
        check_remote_code(Path(folder), kwargs["trust_remote_code"])
        kwargs["use_safetensors"] = check_weights(Path(folder), bool(options.get("allow_pickle")))
    elif spec.kind == "named":
        kwargs["use_safetensors"] = not options.get("allow_pickle")
    return folder, kwargs, _provenance(spec, Path(folder))


def _load_hf(spec: ModelSpec, options: dict) -> tuple[Any, Any, str, dict]:
    """(hf_model, tokenizer, architecture name for TransformerLens, provenance)."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    where, kwargs, provenance = _source(spec, options)
    plain = {k: v for k, v in kwargs.items() if k in ("gguf_file", "trust_remote_code")}
    if spec.random:
        model = _random_model(AutoConfig.from_pretrained(where, **plain), options.get("seed", 0))
        provenance = {**provenance, "weights": f"random (torch seed {options.get('seed', 0)})"}
    else:
        model = AutoModelForCausalLM.from_pretrained(where, **kwargs)
    tokenizer = AutoTokenizer.from_pretrained(where, **plain)
    if not getattr(model.config, "architectures", None):
        model.config.architectures = [type(model).__name__]  # GGUF configs carry none
    tl_name = TL_ARCHITECTURE_NAME if spec.kind == "embedded" else spec.target
    return model.eval(), tokenizer, tl_name, provenance


def _random_model(config, seed: int):
    from transformers import AutoModelForCausalLM

    if hasattr(config, "quantization_config"):
        del config.quantization_config
    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(config, dtype=torch.float32, attn_implementation="eager")


def _provenance(spec: ModelSpec, folder: Path) -> dict:
    if spec.kind == "embedded":
        return json.loads((folder / "lmclaims-source.json").read_text())
    if spec.kind == "local-dir":
        return {"sha256": sha256_of(sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin")))}
    return {"revision": "hub default branch"}


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def load_model(spec: ModelSpec, device: torch.device, options: dict | None = None) -> LoadedModel:
    """Load and boot a model; errors a user can fix become one-line UserInputError."""
    from transformer_lens.model_bridge import TransformerBridge

    options = options or {}
    try:
        hf_model, tokenizer, tl_name, provenance = _load_hf(spec, options)
    except OSError as exc:
        raise UserInputError(
            f"could not load model {spec.raw!r}: {_first_line(exc)} (without a hub, use "
            f"a local folder or .gguf file)") from None
    except ValueError as exc:
        raise UserInputError(f"{spec.raw!r} cannot be loaded as a causal language model: "
                             f"{_first_line(exc)}") from None
    try:
        bridge = TransformerBridge.boot_transformers(
            tl_name, hf_model=hf_model, tokenizer=tokenizer, device=device)
    except (ValueError, KeyError, NotImplementedError) as exc:
        arch = (hf_model.config.architectures or ["?"])[0]
        raise UserInputError(f"TransformerLens cannot wrap {spec.raw!r} (architecture {arch}): "
                             f"{_first_line(exc)}") from None
    bridge.eval()
    for param in bridge.parameters():
        param.requires_grad_(False)
    info = {"label": spec.label, "requested": spec.raw, "kind": spec.kind, "random": spec.random,
            "architecture": (hf_model.config.architectures or ["?"])[0],
            "n_layers": int(bridge.cfg.n_layers), "d_model": int(bridge.cfg.d_model),
            "d_vocab": int(bridge.cfg.d_vocab), "dtype": str(torch.float32).replace("torch.", ""),
            "device": str(device), **provenance}
    return LoadedModel(bridge, tokenizer, spec, device, info)
