"""The claim contract: how a claim test declares itself and records its verdict.

A claim test is a pytest function marked `@pytest.mark.claim(id, statement=..., source=...)`
that takes the `claim` fixture (see `record.Claim`): it declares its protocol
(`claim.declare(ClaimSpec)`) before measuring, attaches diagnostics (`claim.note`) and
figures (`claim.figure_path`), and ends with `claim.conclude(decide(...))`.
`docs/adding-a-claim.md` walks through a complete example.
"""

from lmclaims.claim.marker import ClaimMeta
from lmclaims.claim.record import Claim, ClaimNotHolding

__all__ = ["Claim", "ClaimMeta", "ClaimNotHolding"]
