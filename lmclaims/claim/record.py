"""The `claim` fixture: how a claim test declares its protocol and records its verdict."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from lmclaims.profiles import Profile
from lmclaims.seeding import numpy_rng
from lmclaims.stats.spec import ClaimSpec, TestResult

CLAIM_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class ClaimNotHolding(AssertionError):
    """Raised by `Claim.conclude` when the verdict is not `holds`; the only expected failure."""


@dataclass(frozen=True)
class ClaimMeta:
    """What the `claim(...)` marker declares about a test."""

    id: str
    statement: str
    source: str
    requires: tuple[str, ...] = ()

    @classmethod
    def from_marker(cls, args: tuple, kwargs: dict) -> "ClaimMeta":
        """Validate the marker's arguments; raise ValueError naming what is wrong."""
        if len(args) != 1 or not isinstance(args[0], str) or not CLAIM_ID.match(args[0]):
            raise ValueError(f"claim marker needs one dotted id like 'family.property', got {args!r}")
        unknown = set(kwargs) - {"statement", "source", "requires"}
        if unknown:
            raise ValueError(f"claim({args[0]!r}): unknown arguments {sorted(unknown)}")
        for key in ("statement", "source"):
            if not isinstance(kwargs.get(key), str) or not kwargs[key].strip():
                raise ValueError(f"claim({args[0]!r}): '{key}' must be a non-empty string")
        requires = tuple(kwargs.get("requires", ()))
        return cls(args[0], kwargs["statement"], kwargs["source"], requires)


def _plain(value: Any) -> Any:
    """Convert numpy scalars and containers to JSON-able builtins (NaN -> None)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


@dataclass
class Claim:
    """One claim test in progress; its `payload` travels to the controller."""

    meta: ClaimMeta
    nodeid: str
    seed: int
    profile: Profile
    figure_dir: Path  # absolute folder for this run's figures
    report_dir: Path  # figures are linked relative to this
    label_of_model: Callable[[], str] = lambda: "the model"  # read when the verdict is explained
    family_size: int = 1  # claim tests in this run: a test passes only at level alpha / family_size
    params: dict[str, Any] = field(default_factory=dict)
    spec: ClaimSpec | None = None
    result: TestResult | None = None
    message: str = ""
    figures: list[dict[str, str]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def rng(self) -> np.random.Generator:
        """A fresh generator seeded from the run seed and this test's node id."""
        return numpy_rng(self.seed)

    def declare(self, spec: ClaimSpec, **params: Any) -> None:
        """Pre-register the protocol (before measuring) and any extra parameters."""
        self.spec = spec
        self.params.update(params)

    def figure_path(self, name: str) -> Path:
        """Where to save a PNG figure called `name` for this test (registered in the report)."""
        label = f"{self.meta.id}-{self.params_label()}-{name}"
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)
        if stem != label:  # characters were replaced: keep labels that differ only there apart
            stem += "-" + hashlib.sha256(label.encode("utf-8")).hexdigest()[:10]
        path = self.figure_dir / f"{stem}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.figures.append({"title": name, "path": path.relative_to(self.report_dir).as_posix()})
        return path

    @property
    def model_label(self) -> str:
        return self.label_of_model()

    def params_label(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.params.items()) or "-"

    def note(self, **details: Any) -> None:
        """Attach diagnostics, secondary statistics or reference figures to the report."""
        self.details.update(_plain(details))

    def conclude(self, result: TestResult) -> None:
        """Record the verdict; fail the test (ClaimNotHolding) unless the claim holds.

        A test alone cannot see the other claims' p-values, so it uses the Bonferroni level
        alpha / family_size: a test that passes also holds under the report's Holm adjustment.
        """
        if self.spec is None:
            raise RuntimeError(f"{self.meta.id}: call claim.declare(spec) before claim.conclude()")
        self.result = result
        verdict = result.verdict
        level = self.spec.alpha / self.family_size
        if verdict == "holds" and result.p_value > level:
            verdict = "inconclusive"  # holds alone, but not once the run's other claims count
        self.message = self.explain(verdict, level)
        if verdict != "holds":
            raise ClaimNotHolding(self.message)

    def explain(self, verdict: str, level: float) -> str:
        """One line: claim, verdict, model, parameters, estimate and interval against the null."""
        r, s = self.result, self.spec
        side = ">" if s.alternative == "greater" else "<"
        where = f" at {self.params_label()}" if self.params else ""
        why = (f"; holds alone, not at the run's family-wise level {level:.2g} ({self.family_size} "
               f"claims, Bonferroni)") if verdict != r.verdict else ""
        if r.parts:  # a compound claim: the numbers are the deciding part's, so name it
            what, against = f"{s.statistic}; deciding part '{r.deciding_part}':", ""
        else:
            what, against = s.statistic, f" vs claimed {side} {s.null:g}"
        return (f"{self.meta.id} {verdict} for {self.model_label}{where}: {what} "
                f"{r.estimate:.4g} [{r.ci_low:.4g}, {r.ci_high:.4g}]{against} "
                f"(n={r.n}, p={r.p_value:.3g}, seed {self.seed}{why})")

    def payload(self) -> dict[str, Any]:
        """Plain builtins only: this crosses from an xdist worker to the controller."""
        return _plain({
            "id": self.meta.id, "nodeid": self.nodeid, "params": self.params,
            "statement": self.meta.statement, "source": self.meta.source,
            "spec": self.spec.to_dict() if self.spec else None,
            "result": self.result.to_dict() if self.result else None,
            "message": self.message, "figures": self.figures, "details": self.details,
            "seed": self.seed,
        })
