"""Write the report files atomically (temporary file, then rename), mode 0644 under umask 022.

A partial run (a selection, or an interrupted run) never replaces a full report: where the
target already holds one, the partial report goes beside it as `<name>.partial.md/.json`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lmclaims.files import atomic_write
from lmclaims.report.baseline import changes_against
from lmclaims.report.compare import ReportError, load_report
from lmclaims.report.escape import md
from lmclaims.report.markdown import render
from lmclaims.report.summary import append_job_summary


def baseline_changes(data: dict, path: str | None) -> list[str] | None:
    """The changes against --claims-baseline, or a one-line warning if it cannot be read."""
    if not path:
        return None
    data["run"]["baseline"] = str(path)
    try:
        return changes_against(load_report(path), data)
    except ReportError as exc:
        return [f"⚠️ No comparison with the baseline: {md(exc, 600)}"]
    except Exception as exc:  # a malformed baseline must never cost the report itself
        return [f"⚠️ No comparison with the baseline {md(path)}: {md(type(exc).__name__)}: {md(exc)}"]


def _holds_full_report(json_path: Path) -> bool:
    """Whether json_path is a report of a whole run (reports from before `partial` count as whole)."""
    try:
        return not json.loads(json_path.read_text(encoding="utf-8"))["run"].get("partial")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def report_paths(md_path: Path, partial: bool) -> tuple[Path, Path]:
    """(markdown, JSON) paths: the requested ones, or `.partial` siblings for a partial run
    where the requested place holds a full report."""
    json_path = md_path.with_suffix(".json")
    if partial and _holds_full_report(json_path):
        md_path = md_path.with_name(f"{md_path.stem}.partial.md")
        json_path = md_path.with_suffix(".json")
    return md_path, json_path


def partial_note(data: dict, full_report: Path | None) -> list[str]:
    """The warning line a partial run's report opens with."""
    partial = data["run"].get("partial")
    if not partial:
        return []
    kept = f"; the full report {md(full_report)} was kept" if full_report else ""
    return [f"⚠️ Partial run: {md(partial)}. every claim here was decided at its "
            f"share of the whole family's error budget, so the verdicts stand as they are{kept}.", ""]


def write_report(data: dict, md_path: Path, baseline: str | None = None) -> list[str]:
    """Write claims.md and claims.json (and the job summary on GitHub Actions); return the paths.

    baseline: a previous claims.json to list the changes against (--claims-baseline), or None.
    Pure: data in, files out; nothing here reads pytest's options.
    """
    changes = baseline_changes(data, baseline)  # before it is overwritten
    requested = md_path
    md_path, json_path = report_paths(md_path, bool(data["run"].get("partial")))
    changes = partial_note(data, requested if md_path != requested else None) + (changes or []) or None
    atomic_write(json_path, json.dumps(data, indent=2, allow_nan=False))
    atomic_write(md_path, render(data, changes))
    try:
        append_job_summary(data, md_path, changes)
    except OSError as exc:
        sys.stderr.write(f"lmclaims: could not append the job summary: {exc}\n")
    return [str(md_path), str(json_path)]
