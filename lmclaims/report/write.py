"""Write the report files atomically (temporary file, then rename)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

from lmclaims.report.baseline import changes_against
from lmclaims.report.compare import ReportError, load_report
from lmclaims.report.escape import md
from lmclaims.report.markdown import render
from lmclaims.report.summary import append_job_summary


def atomic_write(path: Path, text: str) -> None:
    """Write text so that a reader sees either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def write_report(data: dict, md_path: Path, config: pytest.Config) -> list[str]:
    """Write claims.md and claims.json (and the job summary on GitHub Actions); return the paths."""
    changes = baseline_changes(data, config.getoption("claims_baseline"))  # before it is overwritten
    json_path = md_path.with_suffix(".json")
    atomic_write(json_path, json.dumps(data, indent=2, allow_nan=False))
    atomic_write(md_path, render(data, changes))
    try:
        append_job_summary(data, md_path, changes)
    except OSError as exc:
        sys.stderr.write(f"lmclaims: could not append the job summary: {exc}\n")
    return [str(md_path), str(json_path)]
