"""xdist groups hold under pytest 9: the tests of one `xdist_group` run on one worker."""

import tomllib
from pathlib import Path

INI = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]

GROUPED = '''
import os
import time
import pytest

def record(tmp, name):
    with open(os.path.join(tmp, name), "w") as fh:
        fh.write(os.environ.get("PYTEST_XDIST_WORKER", "none"))

@pytest.mark.parametrize("i", range(6))
@pytest.mark.xdist_group("alpha")
def test_alpha(i):
    record(os.environ["GROUPS_OUT"], f"alpha-{i}")

@pytest.mark.parametrize("i", range(6))
@pytest.mark.xdist_group(name="beta")
def test_beta(i):
    record(os.environ["GROUPS_OUT"], f"beta-{i}")

@pytest.mark.parametrize("i", range(6))
def test_free(i):
    time.sleep(0.5)  # long enough that an idle worker takes the next one: the free tests spread
    record(os.environ["GROUPS_OUT"], f"free-{i}")
'''


def test_each_group_runs_on_one_worker_and_ids_stay_plain(pytester, monkeypatch, tmp_path):
    """Six tests per group, three workers: each group's tests on one worker; ungrouped tests
    spread; node ids in the output carry no '@group' suffix."""
    pytester.makepyfile(test_grouped=GROUPED)
    pytester.makeini("[pytest]\naddopts = " + " ".join(INI["addopts"]) + "\n")
    monkeypatch.setenv("GROUPS_OUT", str(tmp_path))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "3", "-v", timeout=120)
    result.assert_outcomes(passed=18)
    ran = {p.name: p.read_text() for p in tmp_path.iterdir()}
    for group in ("alpha", "beta"):
        workers = {ran[f"{group}-{i}"] for i in range(6)}
        assert len(workers) == 1 and workers != {"none"}, (group, workers)
    assert len({ran[f"free-{i}"] for i in range(6)}) > 1
    assert "@alpha" not in result.stdout.str() and "@beta" not in result.stdout.str()


def test_a_dist_mode_that_ignores_groups_runs_with_a_warning(pytester, monkeypatch, tmp_path):
    """`--dist load` is the user's choice and runs, but says that groups no longer hold."""
    pytester.makepyfile(test_grouped=GROUPED)
    pytester.makeini("[pytest]\naddopts = " + " ".join(INI["addopts"]) + "\n")
    monkeypatch.setenv("GROUPS_OUT", str(tmp_path))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--dist", "load", timeout=120)
    result.assert_outcomes(passed=18)
    assert "--dist load ignores the claims' xdist_group marks" in result.stdout.str()
    quiet = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", timeout=120)
    assert "ignores the claims' xdist_group" not in quiet.stdout.str()
