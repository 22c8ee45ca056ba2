"""Shared test configuration: hypothesis profiles, pytester, and running the suite as a user would."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

pytest_plugins = ["pytester"]

settings.register_profile("ci", derandomize=True, max_examples=60, deadline=None)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

REPO = Path(__file__).resolve().parent.parent


@dataclass
class SuiteRun:
    returncode: int
    output: str
    report_md: Path

    @property
    def report(self) -> dict:
        return json.loads(self.report_md.with_suffix(".json").read_text())

    def claims(self, claim_id: str) -> list[dict]:
        return [c for c in self.report["claims"] if c["id"] == claim_id]


@pytest.fixture
def run_suite(tmp_path):
    """Run the claims suite in a subprocess, offline, as a user would: `run_suite(*pytest_args)`."""
    def run(*args: str, report_name: str = "claims.md") -> SuiteRun:
        report = tmp_path / "reports" / report_name
        cmd = [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider",
               "--claims-report", str(report)]
        env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
        env.pop("GITHUB_STEP_SUMMARY", None)
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env, timeout=1200)
        return SuiteRun(done.returncode, done.stdout + done.stderr, report)
    return run
