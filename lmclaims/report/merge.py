"""`lmclaims merge SHARD.json ... -o claims.md`: one report from the shards of one run.

Each shard (`pytest claims/ --claims-shard I/K`) wrote the report of its own claims, each
decided at its weight's share of alpha under the run's plan, which is fixed from the whole
family whatever the shard (stats.budget). The merge takes the union, checks that the shards
come from the same run (model, profile, seed, family, K; no claim decided twice), and
re-applies the plan with `assemble.apply_plan`, so its verdicts and adjusted p-values are
those of the same run unsharded.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lmclaims.report.assemble import apply_plan, partial_run
from lmclaims.report.compare import ReportError, label, load_report
from lmclaims.report.write import write_report

SAME_RUN = ("profile", "seed", "model_requested", "dataset_requested")


def _shard_of(data: dict, name: str) -> tuple[int, int] | None:
    """(I, K) from a shard report's run header; None for an unsharded report."""
    shard = data["run"].get("shard")
    if shard is None:
        return None
    try:
        index, count = (int(x) for x in str(shard).split("/"))
    except ValueError:
        raise ReportError(f"{name}: unreadable shard {shard!r} in its run header") from None
    return index, count


def check_same_run(first: dict, other: dict, name: str, first_name: str) -> None:
    """Raise ReportError (one line naming the file) where other is not a shard of first's run."""
    for key in SAME_RUN:
        if other["run"].get(key) != first["run"].get(key):
            raise ReportError(f"{name}: {key} {other['run'].get(key)!r} differs from "
                              f"{first['run'].get(key)!r} in {first_name}; not a shard of the same run")
    if label(other) != label(first):
        raise ReportError(f"{name}: model {label(other)!r} differs from {label(first)!r} in {first_name}")
    if other["run"].get("family") != first["run"].get("family"):
        raise ReportError(f"{name}: its family of claims differs from {first_name}'s "
                          f"(different claim modules or suite version)")


def _union(reports: list[dict], names: list[str]) -> list[dict]:
    """Every claim once: the entry from the shard that ran it (error if two shards ran it)."""
    claims: dict[str, dict] = {}
    origin: dict[str, str] = {}
    for report, name in zip(reports, names):
        for claim in report["claims"]:
            key = claim.get("nodeid") or claim["id"]
            ran = claim.get("test_outcome", "not run") != "not run"
            if key in claims and ran and claims[key].get("test_outcome", "not run") != "not run":
                raise ReportError(f"{name}: claim {key} was also run in {origin[key]}; "
                                  f"shards of one run never overlap")
            if key not in claims or ran:
                claims[key], origin[key] = dict(claim), name
    return list(claims.values())


def merge_reports(reports: list[dict], names: list[str]) -> dict:
    """The report data of the union of shard reports (checked by load_report), the plan re-applied.

    Raises ReportError (one line naming the file) for shards of different runs, of different K,
    the same shard twice, or overlapping claims.
    """
    shards: dict[tuple[int, int], str] = {}
    for report, name in zip(reports, names):
        check_same_run(reports[0], report, name, names[0])
        shard = _shard_of(report, name)
        if shard is not None and shard in shards:
            raise ReportError(f"{name}: shard {shard[0]}/{shard[1]} is also {shards[shard]}")
        if shard is not None and shards and next(iter(shards))[1] != shard[1]:
            raise ReportError(f"{name}: shard of {shard[1]} parts, but {next(iter(shards.values()))} "
                              f"is one of {next(iter(shards))[1]}")
        if shard is not None:
            shards[shard] = name
    claims = _union(reports, names)
    for claim in claims:
        claim.setdefault("verdict_raw", claim["verdict"])
        claim.setdefault("spec", None)
        claim.setdefault("test_outcome", "not run")
        claim.setdefault("p_value", None)
    family = apply_plan(claims, (reports[0]["run"].get("family") or {}).get("size") or 0)
    interrupted = any(bool(r["run"].get("interrupted")) for r in reports)
    run = {**reports[0]["run"], "shard": None, "merged_from": [str(n) for n in names],
           "shards": sorted(f"{i}/{k}" for i, k in shards),
           "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
           "interrupted": interrupted, "partial": partial_run(claims, family, interrupted),
           "claims_total": len(claims)}
    return {"run": run, "claims": claims}


def run_merge(paths: list[str], output: str, err) -> int:
    """The `lmclaims merge` command: load, merge, write (atomically); one-line errors, exit 2."""
    try:
        data = merge_reports([load_report(p) for p in paths], list(paths))
    except ReportError as exc:
        print(f"lmclaims merge: {exc}", file=err)
        return 2
    if Path(output).suffix.lower() != ".md":
        print(f"lmclaims merge: -o {output!r}: give the markdown report's path, ending in .md "
              f"(claims.json goes beside it)", file=err)
        return 2
    try:
        written = write_report(data, Path(output).resolve())
    except OSError as exc:
        print(f"lmclaims merge: cannot write {output}: {exc.strerror or exc}", file=err)
        return 2
    counts = f"{len(data['claims'])} claims from {len(paths)} reports"
    print(f"merged {counts}" + (f" (partial: {data['run']['partial']})" if data["run"]["partial"] else ""),
          file=err)
    for path in written:
        print(f"claims report: {path}", file=err)
    return 0
