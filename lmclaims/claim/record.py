"""The `claim` fixture: how a claim test declares its protocol and records its verdict."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from lmclaims.claim.marker import ClaimMeta
from lmclaims.profiles import Profile
from lmclaims.report.fmt import interval
from lmclaims.seeding import stream
from lmclaims.stats.sequential import decide_sequential
from lmclaims.stats.spec import SHOWN, ClaimSpec, TestResult


class ClaimNotHolding(AssertionError):
    """Raised by `Claim.conclude` when the claim is not shown (neither `holds` nor `equivalent`);
    the only expected failure."""


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
    family_size: int = 1  # claim tests in the run's family (stats.budget)
    weight: float = 1.0  # this test's share of the run's alpha under the plan (stats.budget.weights)
    role: str = "equal"  # primary, secondary, or equal (its claim declares no primary)
    params: dict[str, Any] = field(default_factory=dict)
    spec: ClaimSpec | None = None
    result: TestResult | None = None
    message: str = ""
    figures: list[dict[str, str]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    _streams: dict[str, np.random.Generator] = field(default_factory=dict, repr=False)

    def rng(self, purpose: str) -> np.random.Generator:
        """This test's random stream for `purpose` ('data', 'resample', ...), independent of the others.

        The same purpose gives the same generator object, continuing its stream, within a test;
        streams come from `seeding.stream(seed, purpose)` (numpy SeedSequence), so a test's data
        draw and its bootstrap indices never coincide.
        """
        if self.spec is None:
            raise RuntimeError(f"{self.meta.id}: call claim.declare(spec) before drawing random "
                               f"numbers (claim.rng): the protocol is fixed before measuring")
        if purpose not in self._streams:
            self._streams[purpose] = stream(self.seed, purpose)
        return self._streams[purpose]

    def declare(self, spec: ClaimSpec, **params: Any) -> None:
        """Pre-register the protocol (before measuring) and any extra parameters; once per test."""
        if self.spec is not None:
            raise RuntimeError(f"{self.meta.id}: claim.declare was called twice; the protocol is "
                               f"declared once, before measuring")
        self.spec = spec
        self.params.update(params)

    def figure_path(self, name: str) -> Path:
        """Where to save a PNG figure called `name` for this test (registered in the report)."""
        label = f"{self.meta.id}-{self.params_label()}-{name}"
        stem = re.sub(r"[^A-Za-z0-9_.,=-]+", "_", label)  # parameter labels keep their = and ,
        if stem != label:  # characters were replaced: keep labels that differ only there apart
            stem += "-" + hashlib.sha256(label.encode("utf-8")).hexdigest()[:10]
        path = self.figure_dir / f"{stem}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.figures.append({"title": name, "path": path.relative_to(self.report_dir).as_posix()})
        return path

    @property
    def model_label(self) -> str:
        """What the claim is about: the marker's `subject`, else the loaded model's label."""
        return self.meta.subject or self.label_of_model()

    def params_label(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.params.items()) or "-"

    def note(self, **details: Any) -> None:
        """Attach diagnostics, secondary statistics or reference figures to the report."""
        self.details.update(_plain(details))

    @property
    def level(self) -> float:
        """The one-sided level this test is decided at: its weight's share of the run's error
        budget (stats.budget, weighted Bonferroni), the same in the pytest outcome and report."""
        return self.spec.alpha * self.weight

    def sequential(self, measure: Callable[[int, int], tuple]) -> tuple[TestResult, tuple]:
        """Decide the declared claim at the spec's planned looks (`ClaimSpec.looks`), measuring only
        as far as needed (stats.sequential.decide_sequential: each look at its share of this
        test's level, stopping at the first decided one). Returns (result, samples): pass the
        result to `conclude`; samples are the measured arrays (x,) or (x, y), result.n long.

        measure(start, stop) returns the samples of units start..stop-1 as (x,) or (x, y), arrays
        of stop - start values; draw the units themselves (prompts, sequences) from
        `claim.rng("data")` up front and measure them lazily. The looks taken go into the notes.
        """
        if self.spec is None:
            raise RuntimeError(f"{self.meta.id}: call claim.declare(spec) before claim.sequential()")
        chunks: list[tuple] = []

        def recorded(start: int, stop: int) -> tuple:
            chunks.append(measure(start, stop))  # as returned: decide_sequential checks it
            return chunks[-1]

        result = decide_sequential(self.spec, recorded, rng=self.rng("resample"),
                                   n_resamples=self.profile.n_resamples)
        self.note(looks=[dict(row) for row in result.looks])
        return result, tuple(np.concatenate([np.atleast_1d(np.asarray(a, dtype=float)) for a in s])
                             for s in zip(*chunks))

    def conclude(self, result: TestResult) -> None:
        """Record the verdict; skip as n/a, or fail the test (ClaimNotHolding) unless it is shown.

        `decide` ran at this test's level (the plugin enters the budget share around the test),
        so the recorded verdict is final: the report shows the same one, whatever else ran. A
        result decided at a looser level (a claim passing its own `level=`) is not allowed to
        pass on it: a "holds" or "equivalent" whose p exceeds the budget becomes inconclusive.
        """
        if self.spec is None:
            raise RuntimeError(f"{self.meta.id}: call claim.declare(spec) before claim.conclude()")
        if self.result is not None:
            raise RuntimeError(f"{self.meta.id}: claim.conclude was called twice; a test records "
                               f"one verdict")
        level = self.level
        if result.verdict in SHOWN and not result.p_value <= level * (1 + 1e-9):
            result = replace(result, verdict="inconclusive", level=level,
                             ci_method=f"{result.ci_method}; decided at a looser level than the "
                                       f"run's {level:.3g}, so not shown")
        self.result = result
        self.message = self.explain(result.verdict, level)
        if result.verdict == "n/a":
            pytest.skip(self.message)
        if result.verdict not in SHOWN:
            raise ClaimNotHolding(self.message)

    def explain(self, verdict: str, level: float) -> str:
        """One line: claim, verdict, model, parameters, estimate and interval against the null,
        the level and MDE, and what an underpowered or n/a verdict lacks."""
        r, s = self.result, self.spec
        side = {"greater": ">", "less": "<"}.get(s.alternative, "within")
        where = f" at {self.params_label()}" if self.params else ""
        if r.parts:  # a compound claim: the numbers are the deciding part's, so name it
            what, against = f"{s.statistic}; deciding part '{r.deciding_part}':", ""
        elif s.alternative == "equivalent":
            what, against = s.statistic, f" vs claimed within x/÷ or ± {s.margin:g} of {s.null:g}"
        else:
            what, against = s.statistic, f" vs claimed {side} {s.null:g}"
        if r.n_budget:  # sequential: the interval is at the stopping look's level
            level = r.level
        ci = f"{100 * (1 - 2 * level):.4g}% CI"
        why = ""
        if verdict == "underpowered":
            why = (f"; the reference effect {s.reference_effect:g} lies below the MDE {r.mde:.3g} at "
                   f"this level: n >= {r.n_needed} needed")
        elif verdict == "n/a" or r.n_needed:
            why = f"; {r.ci_method}"
        share = f"{s.alpha:g} x {self.weight:.3g}, {self.role} weight"
        if r.n_budget:
            n = f"n={r.n} of {r.n_budget}, look {len(r.looks)}"
            at = f"{level:.3g} (of {self.level:.3g} = {share}; {r.level_spent:.3g} spent)"
        else:
            n, at = f"n={r.n}", f"{level:.3g} = {share}"
        return (f"{self.meta.id} {verdict} for {self.model_label}{where}: {what} "
                f"{interval(r.estimate, r.ci_low, r.ci_high, 4)} ({ci}){against} "
                f"({n}, p={r.p_value:.3g} at level {at}, MDE {r.mde:.3g}, seed {self.seed}{why})")

    def payload(self) -> dict[str, Any]:
        """Plain builtins only: this crosses from an xdist worker to the controller."""
        return _plain({
            "id": self.meta.id, "nodeid": self.nodeid, "params": self.params,
            "statement": self.meta.statement, "source": self.meta.source,
            "spec": self.spec.to_dict() if self.spec else None,
            "result": self.result.to_dict() if self.result else None,
            "message": self.message, "figures": self.figures, "details": self.details,
            "seed": self.seed, "weight": self.weight, "role": self.role,
        })
