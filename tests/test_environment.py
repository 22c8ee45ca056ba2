"""The installed stack against requirements.lock, the stack check, and a fast path that fails
its self-check becoming an `error` with one line."""

import json

import pytest

from lmclaims import environment
from lmclaims.cli import main

LOCK = """# python: 3.11
# tested beside: torch==2.13.0 (installed separately)
scipy==0.0.1
    # via lmclaims
numpy==99.0 ; python_version >= "3.11"
Typing_Extensions==0.1
"""


def test_the_lock_is_read_with_torch_from_its_comment(tmp_path):
    (tmp_path / "lock").write_text(LOCK)
    pins = environment.read_lock(tmp_path / "lock")
    assert pins == {"torch": "2.13.0", "scipy": "0.0.1", "numpy": "99.0", "typing-extensions": "0.1"}


def test_versions_that_differ_from_the_lock_are_flagged(tmp_path, monkeypatch):
    (tmp_path / "lock").write_text(LOCK)
    installed = {"torch": "2.13.0+cu128", "scipy": "1.17.1", "numpy": "99.0"}
    monkeypatch.setattr(environment, "installed_version", installed.get)
    drift = environment.lock_differences(tmp_path / "lock")
    locked = {name: what for name, what in drift.items() if not what.endswith("not in the lock")}
    # a CUDA build of the locked torch is not drift; a missing package is
    assert locked == {"scipy": "installed 1.17.1, lock 0.0.1",
                     "typing-extensions": "installed nothing, lock 0.1"}


def test_no_lock_is_said_not_flagged(tmp_path):
    assert "no lock" in environment.lock_differences(tmp_path / "missing.lock")


def test_the_repository_lock_matches_this_environment_or_says_how():
    """The committed lock parses and pins the stack; whatever differs is reported per package."""
    pins = environment.read_lock()
    assert {"transformers", "transformer-lens", "scipy", "numpy", "datasets", "torch"} <= set(pins)
    drift = environment.lock_differences()
    assert all(", lock " in line for line in drift.values())


def test_a_broken_import_is_one_line_with_its_root_cause_and_hint(tmp_path, monkeypatch):
    """Lazy importers (transformers') wrap the real error in a generic one: the line gives the root
    cause, names the installed torchvision, and stops at the first failure (the rest depend on it)."""
    (tmp_path / "poisoned_stack.py").write_text(
        "try:\n    raise RuntimeError('operator torchvision::nms does not exist')\n"
        "except RuntimeError as exc:\n    raise ModuleNotFoundError('Could not import module X') from exc\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(environment, "STACK_IMPORTS", (("json", "dumps", ""),
                                                      ("poisoned_stack", "X", "torchvision"),
                                                      ("also_missing_module", "Y", "")))
    versions = {"torchvision": "0.29.1", "torch": "2.13.0+cpu"}
    monkeypatch.setattr(environment, "installed_version", versions.get)
    line = environment.first_import_problem()
    assert line.startswith("cannot import poisoned_stack.X: operator torchvision::nms does not exist "
                           "(torchvision 0.29.1 is installed beside torch 2.13.0+cpu")
    assert "pip uninstall torchvision" in line and "\n" not in line and "also_missing" not in line


def test_packages_neither_locked_nor_torchs_own_are_listed():
    """Against a lock pinning only scipy: numpy is reported (installed, not in the lock); torch's
    own requirements (sympy, networkx), torch itself, pip and lmclaims are not."""
    extra = environment.unlocked_packages({"scipy": "1.0"})
    assert "numpy" in extra and "scipy" not in extra
    assert not {"torch", "sympy", "networkx", "pip", "lmclaims"} & set(extra)


def test_check_env_passes_here(capsys):
    assert main(["check-env"]) == 0
    out = capsys.readouterr().out
    assert "stack imports: ok" in out and "agrees with a full re-run" in out


FAST_PATH_CLAIMS = '''
import pytest
from lmclaims.errors import FastPathMismatch

@pytest.mark.claim("demo.fast_path", statement="Measured through a broken fast path.", source="test")
def test_fast_path(claim):
    raise FastPathMismatch("prefix-reuse engine disagrees with a full re-run at blocks.2.hook_resid_pre: "
                           "outputs at the bases (kl) differ by 35 > tolerance 0.001; versions: x")
'''


def test_a_fast_path_mismatch_is_an_error_with_its_one_line_reason(pytester):
    pytester.makepyfile(test_fast=FAST_PATH_CLAIMS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == 1
    report = json.loads((pytester.path / "reports" / "claims.json").read_text())
    (claim,) = report["claims"]
    assert claim["verdict"] == "error"
    assert claim["reason"].startswith("FastPathMismatch: prefix-reuse engine disagrees")
    assert "\n" not in claim["reason"]
    assert "not_as_locked" in report["run"]
