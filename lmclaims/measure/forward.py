"""Reading a forward pass at a hook: the last position, and stopping once it is read."""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch


class StopForward(Exception):
    """Raised inside a hook to end a forward pass: what was needed has been read."""


def stop_forward(act: torch.Tensor, hook) -> None:
    """A hook that ends the forward pass where it is attached (see `forward_may_stop`)."""
    raise StopForward


@contextlib.contextmanager
def forward_may_stop() -> Iterator[None]:
    """Run a forward pass that a hook may end early by raising StopForward; the rest of the
    `with` body is skipped then."""
    try:
        yield
    except StopForward:
        pass


def last_position(act: torch.Tensor) -> torch.Tensor:
    """[batch, ...] fp32 copy of the last position of a [batch, pos, ...] activation or logits."""
    return act[:, -1].to(torch.float32, copy=True)
