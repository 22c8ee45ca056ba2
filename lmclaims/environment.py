"""The installed stack against what the suite was tested with (`requirements.lock`).

`scripts/setup.sh` installs the lock; `scripts/lock.sh` refreshes it. This module reads
it back: which installed versions differ (for the report's run table, setup and the
drift command), and `check_stack`, the import-and-fast-path test that setup runs so that
a poisoned environment fails there with one line instead of later inside a claim.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

LOCK_FILE = Path(__file__).resolve().parents[1] / "requirements.lock"
TORCH_LINE = re.compile(r"^#\s*tested beside:\s*torch==(\S+)")
PIN_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")

# (module, attribute, hint): imports that prove the stack works, and what usually breaks each
STACK_IMPORTS = (
    ("torch", "Tensor", ""),
    ("transformers", "PreTrainedModel",
     "a torchvision built for another torch breaks this import while `pip check` passes: "
     "`pip uninstall torchvision`, or install the torchvision that matches torch"),
    ("transformer_lens.model_bridge", "TransformerBridge", "transformer-lens 4.x is required"),
    ("scipy.stats", "bootstrap", ""),
    ("datasets", "load_dataset", ""),
    ("gguf", "GGUFReader", ""),
    ("matplotlib.pyplot", "figure", ""),
)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path = LOCK_FILE) -> dict[str, str]:
    """{canonical name: version} of every pin in the lock, torch from its 'tested beside' line.

    Raises FileNotFoundError where there is no lock (the package installed outside the repository)."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = TORCH_LINE.match(line) or PIN_LINE.match(line)
        if match and match.re is TORCH_LINE:
            pins["torch"] = match.group(1)
        elif match:
            pins[_canonical(match.group(1))] = match.group(2)
    return pins


def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def lock_differences(path: Path = LOCK_FILE) -> dict[str, str] | str:
    """{name: 'installed X, lock Y'} for every locked package installed at another version
    (torch compared without its local build tag, so a CUDA build of the locked release is
    not drift); a one-line string where there is nothing to compare with."""
    try:
        pins = read_lock(path)
    except OSError:
        return f"no lock at {path} (installed outside the repository): versions not checked"
    found = {}
    for name, locked in sorted(pins.items()):
        have = installed_version(name)
        shown = (have or "").split("+")[0] if name == "torch" else have
        if shown != locked:
            found[name] = f"installed {have or 'nothing'}, lock {locked}"
    return found


def import_problems() -> list[str]:
    """One line per part of the stack that does not import, with what usually fixes it."""
    import importlib

    problems = []
    for module, attribute, hint in STACK_IMPORTS:
        try:
            getattr(importlib.import_module(module), attribute)
        except Exception as exc:  # noqa: BLE001 - any failure to import is the finding
            detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            problems.append(f"cannot import {module}.{attribute}: {detail[:200]}"
                            + (f" ({hint})" if hint else ""))
    return problems


def prefix_reuse_check() -> str:
    """Run the perturbation engine's self-check on a tiny random Gemma 3; its max difference.

    Raises FastPathMismatch where the prefix reuse disagrees with a full re-run."""
    import torch

    from lmclaims.models.tiny import tiny_model
    from lmclaims.perturb.engine import PerturbationEngine, Readout

    tiny = tiny_model("gemma3", layers=2, seed=0)
    prompts = torch.randint(3, 512, (3, 12), generator=torch.Generator().manual_seed(0))
    engine = PerturbationEngine(tiny.bridge, prompts, 1, Readout("kl"), max_rows=8)
    direction = torch.nn.functional.normalize(torch.randn(engine.clean_acts.shape), dim=-1)
    sizes = torch.linspace(0, 1, 4) * float(engine.clean_acts.norm(dim=-1).median())
    engine.path_changes(torch.arange(3), engine.clean_acts, direction, sizes)
    return f"{engine.stats['self_check_max_diff']:.2g}"
