"""Expected non-holding as data: (model pattern, claim pattern) -> reason, as strict xfail.

Like scikit-learn's expected-failed checks: a claim that is expected not to hold
on a model is marked `xfail(strict=True, raises=ClaimNotHolding)`, so a crash is
still a failure, and a claim that unexpectedly holds fails the run (XPASS strict).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from lmclaims.claim import ClaimNotHolding
from lmclaims.models.spec import canonical_model


def _matches(pattern: str, claim_id: str, param_id: str) -> bool:
    """'id-pattern' or 'id-pattern[param-pattern]', each part shell-style."""
    id_pattern, _, rest = pattern.partition("[")
    if not fnmatchcase(claim_id, id_pattern):
        return False
    return not rest or fnmatchcase(param_id, rest.removesuffix("]"))


def expectation_for(claim_id: str, param_id: str, model: str,
                    table: dict[str, dict[str, str]]) -> str | None:
    """The reason a claim is expected not to hold, or None; `model` is 'name@profile'."""
    for model_pattern, claims in table.items():
        if "@" not in model_pattern:
            model_pattern += "@*"  # no profile named: any profile
        if fnmatchcase(model, model_pattern):
            for claim_pattern, reason in claims.items():
                if _matches(claim_pattern, claim_id, param_id):
                    return reason
    return None


def apply_expectations(items: list[pytest.Item], model_option: str, profile: str,
                       table: dict[str, dict[str, str]]) -> None:
    """Mark each claim test expected not to hold on this model and profile as a strict xfail.

    Claims whose marker names a `subject` (toy models, models the suite trains) are about
    that subject, whatever `--model` is, so no model's entry applies to them.
    """
    model = f"{canonical_model(model_option)}@{profile}"
    for item in items:
        marker = item.get_closest_marker("claim")
        if marker is None or not marker.args or marker.kwargs.get("subject"):
            continue  # a claim with a subject is not about --model: model expectations do not apply
        param_id = item.callspec.id if hasattr(item, "callspec") else ""
        reason = expectation_for(marker.args[0], param_id, model, table)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, raises=ClaimNotHolding, strict=True))
