"""The `@pytest.mark.claim(...)` marker: a claim's id, statement, source and applicability."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lmclaims.models.capabilities import check_known

CLAIM_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
MARKER_HELP = ("claim(id, statement=..., source=..., requires=(), subject=None, primary=None): a "
               "scientific claim test; it must take the `claim` fixture")
SCALAR = (str, int, float, bool)


@dataclass(frozen=True)
class ClaimMeta:
    """What the `claim(...)` marker declares about a test."""

    id: str
    statement: str
    source: str
    requires: tuple[str, ...] = ()  # capabilities of the loaded model; the claim is n/a without them
    subject: str | None = None  # what the claim is about when not the loaded model (e.g. toy models)
    primary: tuple = ()  # the headline parametrisations: ((name, (values, ...)), ...) per
    #                      alternative; they get the larger share of the claim's budget (stats.budget)

    def is_primary(self, params: dict) -> bool:
        """Whether a test with these parameter values is one of the declared primaries."""
        return any(all(name in params and params[name] in values for name, values in alt)
                   for alt in self.primary)

    @classmethod
    def from_marker(cls, args: tuple, kwargs: dict) -> "ClaimMeta":
        """Validate the marker's arguments; raise ValueError naming what is wrong."""
        if len(args) != 1 or not isinstance(args[0], str) or not CLAIM_ID.match(args[0]):
            raise ValueError(f"claim marker needs one dotted id like 'family.property', got {args!r}")
        unknown = set(kwargs) - {"statement", "source", "requires", "subject", "primary"}
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
        return cls(args[0], kwargs["statement"], kwargs["source"], tuple(requires), subject,
                   _primary(args[0], kwargs.get("primary")))


def _primary(claim_id: str, value) -> tuple:
    """`primary=` as ((name, (values, ...)), ...) per alternative; ValueError saying what is wrong.

    Accepted: a dict of parameter name -> value (or a list/tuple of values), or a list of such
    dicts (any of them); values as the report's parameters column shows them (depth=0.5).
    """
    if value is None:
        return ()
    usage = (f"claim({claim_id!r}): 'primary' must be a dict of parameter name -> value (or a list "
             f"of values), or a list of such dicts, e.g. primary={{'depth': 0.5}}; got {value!r}")
    alts = [value] if isinstance(value, dict) else value
    if not isinstance(alts, (list, tuple)) or not alts:
        raise ValueError(usage)
    out = []
    for alt in alts:
        if not isinstance(alt, dict) or not alt or not all(isinstance(k, str) for k in alt):
            raise ValueError(usage)
        entry = []
        for name, values in alt.items():
            values = tuple(values) if isinstance(values, (list, tuple)) else (values,)
            if not values or not all(isinstance(v, SCALAR) for v in values):
                raise ValueError(usage)
            entry.append((name, values))
        out.append(tuple(entry))
    return tuple(out)
