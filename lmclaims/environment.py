"""The installed stack against what the suite was tested with (`requirements.lock`).

`scripts/setup.sh` installs the lock; `scripts/lock.sh` refreshes it. This module reads
it back: which installed versions differ from it, and which installed packages it does not
know (for the report's run table, setup and the drift command); and the import test and
engine self-check that `lmclaims check-env` runs at setup, so that a poisoned environment
fails there with one line instead of later inside a claim.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

LOCK_FILE = Path(__file__).resolve().parents[1] / "requirements.lock"
TORCH_LINE = re.compile(r"^#\s*tested beside:\s*torch==(\S+)")
PIN_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")

# (module, attribute, hint): imports that prove the stack works, in dependency order
STACK_IMPORTS = (
    ("torch", "Tensor", ""),
    ("transformers", "PreTrainedModel", "torchvision"),
    ("transformer_lens.model_bridge", "TransformerBridge", ""),
    ("scipy.stats", "bootstrap", ""),
    ("datasets", "load_dataset", ""),
    ("gguf", "GGUFReader", ""),
    ("matplotlib.pyplot", "figure", ""),
)
NEVER_LOCKED = {"pip", "setuptools", "wheel", "lmclaims", "torch"}  # torch: the user's build


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
    """The installed distribution's version, or None where it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def stack_versions(names=("torch", "transformers", "transformer-lens")) -> str:
    """'torch 2.13.0, transformers 5.23.0, transformer-lens 4.3.0': what a mismatch report names."""
    return ", ".join(f"{name} {installed_version(name) or 'not installed'}" for name in names)


def lock_differences(path: Path = LOCK_FILE) -> dict[str, str] | str:
    """{name: 'installed X, lock Y'} for every locked package installed at another version
    (torch compared without its local build tag, so a CUDA build of the locked release is
    not drift), and {name: 'installed X, not in the lock'} for every package installed beside
    them that neither the lock nor torch brings; a one-line string where there is no lock."""
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
    for name, version in unlocked_packages(pins).items():
        found[name] = f"installed {version}, not in the lock"
    return found


def _root_cause(exc: BaseException) -> str:
    """The last line of the innermost exception of a chain (lazy importers wrap the real one)."""
    seen = set()
    while (exc.__cause__ or exc.__context__) is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    lines = str(exc).strip().splitlines()
    return (lines[-1] if lines else type(exc).__name__)[:200]


def _hint(kind: str) -> str:
    if kind != "torchvision" or installed_version("torchvision") is None:
        return ""
    return (f"torchvision {installed_version('torchvision')} is installed beside torch "
            f"{installed_version('torch')} and breaks transformers' imports while `pip check` passes: "
            "`pip uninstall torchvision`, or install the torchvision built for this torch")


def first_import_problem() -> str | None:
    """One line for the first part of the stack that does not import (the later parts depend on
    it), with its root cause and what usually fixes it; None where everything imports."""
    import importlib

    for module, attribute, kind in STACK_IMPORTS:
        try:
            getattr(importlib.import_module(module), attribute)
        except Exception as exc:  # noqa: BLE001 - any failure to import is the finding
            hint = _hint(kind)
            return f"cannot import {module}.{attribute}: {_root_cause(exc)}" + (f" ({hint})" if hint else "")
    return None


def _requirements_of(name: str) -> set[str]:
    """Canonical names a distribution requires unconditionally (no extras)."""
    from packaging.requirements import Requirement

    names = set()
    for line in metadata.requires(name) or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            names.add(_canonical(req.name))
    return names


def torch_closure() -> set[str]:
    """torch and everything it requires, transitively: installed with torch, not by the lock."""
    todo, found = ["torch"], set()
    while todo:
        name = todo.pop()
        if name in found or installed_version(name) is None:
            continue
        found.add(name)
        todo.extend(_requirements_of(name) - found)
    return found


def unlocked_packages(pins: dict[str, str]) -> dict[str, str]:
    """{name: version} installed here but neither locked nor torch's own (e.g. a torchvision)."""
    skip = set(pins) | NEVER_LOCKED | torch_closure()
    installed = {_canonical(d.metadata["Name"]): d.version for d in metadata.distributions()
                 if d.metadata["Name"]}
    return {name: version for name, version in sorted(installed.items()) if name not in skip}


def prefix_reuse_check() -> str:
    """Run the perturbation engine's self-check on a tiny random Gemma 3; its max difference.

    Raises FastPathMismatch where the prefix reuse disagrees with a full re-run."""
    import torch

    from lmclaims.models.tiny import tiny_model
    from lmclaims.engine.perturbation import PerturbationEngine, Readout

    tiny = tiny_model("gemma3", layers=2, seed=0)
    prompts = torch.randint(3, 512, (3, 12), generator=torch.Generator().manual_seed(0))
    engine = PerturbationEngine(tiny.bridge, prompts, 1, Readout("kl"), max_rows=8)
    gen = torch.Generator().manual_seed(1)
    direction = torch.nn.functional.normalize(torch.randn(engine.clean_acts.shape, generator=gen), dim=-1)
    sizes = torch.linspace(0, 1, 4) * float(engine.clean_acts.norm(dim=-1).median())
    engine.path_changes(torch.arange(3), engine.clean_acts, direction, sizes)
    return f"{engine.stats['self_check_max_diff']:.2g}"
