"""The GitHub Actions workflows parse and have the structure the docs promise."""

from __future__ import annotations

from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(workflow: dict) -> dict:
    """The `on:` mapping (YAML 1.1 reads a bare `on` key as True)."""
    return workflow.get("on", workflow.get(True))


def steps(workflow: dict) -> list[dict]:
    (job,) = workflow["jobs"].values()
    assert job["steps"], "the job has no steps"
    return job["steps"]


def step_using(workflow: dict, action: str) -> dict:
    return next(s for s in steps(workflow) if s.get("uses", "").startswith(action + "@"))


@pytest.fixture(scope="module")
def gpu() -> dict:
    return load("claims-gpu.yml")


def test_gpu_workflow_is_dispatched_by_hand_with_inputs(gpu):
    inputs = triggers(gpu)["workflow_dispatch"]["inputs"]
    assert inputs["model"]["default"] == "gemma-3-270m"
    assert inputs["profile"]["default"] == "full"
    assert set(inputs["profile"]["options"]) == {"smoke", "standard", "full"}
    assert inputs["baseline"]["required"] is False


def test_gpu_workflow_runs_on_a_gpu_runner(gpu):
    (job,) = gpu["jobs"].values()
    assert "gpu" in job["runs-on"]


def test_gpu_workflow_installs_torch_then_the_package(gpu):
    setup = step_using(gpu, "actions/setup-python")
    assert str(setup["with"]["python-version"]) == "3.11"
    install = next(s["run"] for s in steps(gpu) if "pip install -e ." in s.get("run", ""))
    assert install.index("pip install torch") < install.index("pip install -e .")
    assert steps(gpu)[0]["uses"].startswith("actions/checkout@")


def test_gpu_workflow_runs_the_claims_with_the_inputs(gpu):
    step = next(s for s in steps(gpu) if "pytest claims/" in s.get("run", ""))
    command = step["run"]
    for option in ("-n auto", "--device auto", '--model "$MODEL"', '--claims-profile "$PROFILE"',
                   '--claims-baseline "$BASELINE"'):
        assert option in command
    assert step["env"] == {"MODEL": "${{ inputs.model }}", "PROFILE": "${{ inputs.profile }}",
                           "BASELINE": "${{ inputs.baseline }}"}
    assert "${{" not in command  # inputs reach the shell through env, never pasted into it


def test_gpu_workflow_always_uploads_the_report(gpu):
    upload = step_using(gpu, "actions/upload-artifact")
    assert upload["if"] == "always()"
    assert upload["with"]["path"].rstrip("/") == "reports"


def test_ci_workflow_runs_the_ci_script_on_ubuntu():
    ci = load("ci.yml")
    (job,) = ci["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    assert any(s.get("run", "").strip() == "bash .ci/run" for s in steps(ci))
    assert {"push", "pull_request"} <= set(triggers(ci))
