"""Relative depth -> block index: the one rule every claim and benchmark uses."""


def block_at_depth(depth: float, n_layers: int) -> int:
    """Index of the block whose hook_resid_pre sits at relative depth `depth` in [0, 1].

    0 is the first block's input, 1 the last block's; rounded to the nearest block.
    Raises ValueError outside [0, 1].
    """
    if not 0.0 <= depth <= 1.0:
        raise ValueError(f"relative depth must lie in [0, 1], got {depth}")
    return int(round(depth * (n_layers - 1)))
