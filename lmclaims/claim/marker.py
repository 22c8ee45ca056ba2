"""The `@pytest.mark.claim(...)` marker: a claim's id, statement, source and applicability."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lmclaims.models.capabilities import check_known

CLAIM_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
MARKER_HELP = ("claim(id, statement=..., source=..., requires=(), subject=None): a scientific claim "
               "test; it must take the `claim` fixture")


@dataclass(frozen=True)
class ClaimMeta:
    """What the `claim(...)` marker declares about a test."""

    id: str
    statement: str
    source: str
    requires: tuple[str, ...] = ()  # capabilities of the loaded model; the claim is n/a without them
    subject: str | None = None  # what the claim is about when not the loaded model (e.g. toy models)

    @classmethod
    def from_marker(cls, args: tuple, kwargs: dict) -> "ClaimMeta":
        """Validate the marker's arguments; raise ValueError naming what is wrong."""
        if len(args) != 1 or not isinstance(args[0], str) or not CLAIM_ID.match(args[0]):
            raise ValueError(f"claim marker needs one dotted id like 'family.property', got {args!r}")
        unknown = set(kwargs) - {"statement", "source", "requires", "subject"}
        if unknown:
            raise ValueError(f"claim({args[0]!r}): unknown arguments {sorted(unknown)}")
        for key in ("statement", "source"):
            if not isinstance(kwargs.get(key), str) or not kwargs[key].strip():
                raise ValueError(f"claim({args[0]!r}): '{key}' must be a non-empty string")
        requires, subject = kwargs.get("requires", ()), kwargs.get("subject")
        if isinstance(requires, str) or not all(isinstance(r, str) for r in requires):
            raise ValueError(f"claim({args[0]!r}): 'requires' must be a tuple of capability names, "
                             f"e.g. requires=('attention',)")
        try:
            check_known(requires)
        except ValueError as exc:
            raise ValueError(f"claim({args[0]!r}): {exc}") from None
        if subject is not None and (not isinstance(subject, str) or not subject.strip()):
            raise ValueError(f"claim({args[0]!r}): 'subject' must be a non-empty string")
        if subject is not None and requires:
            raise ValueError(f"claim({args[0]!r}): 'requires' checks the loaded model, but the claim's "
                             f"subject is {subject!r}; drop one of them")
        return cls(args[0], kwargs["statement"], kwargs["source"], tuple(requires), subject)
