#!/usr/bin/env bash
# Drift: install the newest releases pyproject.toml allows into a scratch environment (.venv-drift),
# list every package that moved from requirements.lock, and run the library's tests there.
# Exit 0: nothing broke (refresh the lock with scripts/lock.sh when convenient); non-zero: what
# broke is listed above the summary, and the lock must not be refreshed until it is fixed.
#   PYTEST_ARGS  what to run (default: tests -n 2)
#   TORCH_SPEC   as in scripts/setup.sh (default torch==2.13.0)
set -uo pipefail
cd "$(dirname "$0")/.."
venv=.venv-drift
rm -rf "$venv"
python3 -m venv "$venv"
pip() { "$venv/bin/python" -m pip --disable-pip-version-check -q "$@"; }
pip install "${TORCH_SPEC:-torch==2.13.0}" || exit 2
echo "torch==$("$venv/bin/python" -c "from importlib.metadata import version; print(version('torch'))")" \
  > "$venv/torch-pin.txt"
pip install -c "$venv/torch-pin.txt" --upgrade -e . || exit 2

echo "== packages that moved from requirements.lock"
"$venv/bin/python" - <<'PY'
from lmclaims.environment import lock_differences
moved = lock_differences()
print("\n".join(f"  {name}: {what}" for name, what in moved.items()) or "  none")
PY
echo "== stack check"
"$venv/bin/python" -m lmclaims check-env; env_rc=$?
echo "== library tests: pytest ${PYTEST_ARGS:-tests -n 2}"
# shellcheck disable=SC2086
"$venv/bin/python" -m pytest ${PYTEST_ARGS:-tests -n 2} -q -p no:cacheprovider -rfE 2>&1 \
  | grep -E "^(FAILED|ERROR)|passed|failed|error" ; tests_rc=${PIPESTATUS[0]}
echo "== drift: stack check exit $env_rc, tests exit $tests_rc"
[ "$env_rc" -eq 0 ] && [ "$tests_rc" -eq 0 ]
