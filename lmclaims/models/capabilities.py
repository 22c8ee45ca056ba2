"""What a model offers that claims may need, decided from its TransformerLens hooks."""

from __future__ import annotations

from lmclaims.errors import MissingCapability

# capability -> hook names (on block 0) whose presence shows it
CAPABILITY_HOOKS: dict[str, tuple[str, ...]] = {
    "attention": ("blocks.0.attn.hook_pattern",),
    "residual": ("blocks.0.hook_resid_pre", "blocks.0.hook_resid_post"),
    "normalized_block_inputs": ("blocks.0.ln1.hook_normalized",),
}


def capabilities(bridge) -> set[str]:
    names = set(bridge.hook_dict)
    return {cap for cap, hooks in CAPABILITY_HOOKS.items() if all(h in names for h in hooks)}


def check_known(needed: tuple[str, ...] | list[str]) -> None:
    """Raise ValueError naming capabilities this module cannot decide."""
    unknown = set(needed) - set(CAPABILITY_HOOKS)
    if unknown:
        raise ValueError(f"unknown capabilities {sorted(unknown)}; known: {sorted(CAPABILITY_HOOKS)}")


def require(bridge, needed: tuple[str, ...] | list[str], label: str) -> None:
    """Raise MissingCapability naming what the model lacks, if anything."""
    check_known(needed)
    missing = [c for c in needed if c not in capabilities(bridge)]
    if missing:
        hooks = [h for c in missing for h in CAPABILITY_HOOKS[c]]
        raise MissingCapability(f"{label} lacks {', '.join(missing)} (no hook {', '.join(hooks)})")

