"""The GitHub Actions job summary: verdict counts and the summary table, appended to
the file named by $GITHUB_STEP_SUMMARY (nothing happens outside Actions)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from lmclaims.report.compare import label
from lmclaims.report.escape import code, md
from lmclaims.report.markdown import interrupted_banner, summary_table, verdict_counts

ENV = "GITHUB_STEP_SUMMARY"
SAFE_URL_PART = re.compile(r"^[A-Za-z0-9_.:/-]+$")


def _shown_path(path: Path) -> str:
    """The report's path relative to the working directory when it lies below it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _run_url() -> str | None:
    """This Actions run's page, from the runner's environment, if it looks like a URL."""
    parts = [os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    if not all(parts) or not all(SAFE_URL_PART.match(p) for p in parts):
        return None
    return "{}/{}/actions/runs/{}".format(*parts)


def link_hint(report_path: Path) -> str:
    """Where the full report is: its path, and the run's artifacts when on Actions."""
    hint = f"Full report with every claim's protocol, details and figures: {code(_shown_path(report_path))}"
    url = _run_url()
    if url:
        return hint + f", uploaded with [this run's artifacts]({url}#artifacts)."
    return hint + " (uploaded as an artifact by the workflow)."


def summary_markdown(data: dict, report_path: Path, changes: list[str] | None = None) -> str:
    """The job summary's text for one run."""
    run, claims = data["run"], data["claims"]
    lines = [f"## Claims: {md(label(data), 80)} (profile {md(run.get('profile', '?'))}, "
             f"seed {md(run.get('seed', '?'))})", "", f"**{verdict_counts(claims)}**", ""]
    lines += interrupted_banner(run)
    if changes:
        lines += [*changes, ""]
    lines += [*summary_table(claims), "", link_hint(report_path), ""]
    return "\n".join(lines) + "\n"


def append_job_summary(data: dict, report_path: Path, changes: list[str] | None = None) -> str | None:
    """Append the summary to $GITHUB_STEP_SUMMARY if set; return the file written, else None."""
    target = os.environ.get(ENV)
    if not target:
        return None
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(summary_markdown(data, report_path, changes))
    return target
