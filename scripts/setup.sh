#!/usr/bin/env bash
# Set up .venv with exactly what the suite was tested with, check the stack, then convert the
# embedded model once. Idempotent: a second run installs nothing new. Network: the registries only.
#   TORCH_SPEC   torch requirement to install if .venv has no torch (default torch==2.13.0)
#   PYTHON       interpreter to build .venv with (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
pip() { .venv/bin/python -m pip --disable-pip-version-check -q "$@"; }

# torch first, pinned: any other torch request would pull GBs of CUDA wheels on a CPU machine.
# A torch already in .venv (a user's CUDA build) is kept; everything else comes from the lock.
torch_version() {
  .venv/bin/python -c "from importlib.metadata import version; print(version('torch').split('+')[0])" 2>/dev/null
}
if ! torch_version > /dev/null; then
  pip install "${TORCH_SPEC:-torch==2.13.0}"
fi
echo "torch==$(torch_version)" > .venv/torch-pin.txt

# requirements.lock pins every other dependency (resolved for the Python in its header). On
# another Python it is still tried; only where it cannot install there are pyproject's ranges used.
venv_python=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
lock_python=$(sed -n 's/^# python: //p' requirements.lock)
if pip install -c .venv/torch-pin.txt -r requirements.lock; then
  [ "$venv_python" = "$lock_python" ] || echo "setup: requirements.lock was resolved for python" \
    "$lock_python and tested there; installed it on $venv_python" >&2
  pip install -c .venv/torch-pin.txt --no-deps -e .
else
  echo "setup: requirements.lock does not install on python $venv_python (it was resolved for" \
       "$lock_python); installing the newest versions pyproject.toml allows (an untested combination)" >&2
  pip install -c .venv/torch-pin.txt -e .
fi

# The whole stack imports, and the engine's fast path agrees with a full re-run (tiny model).
.venv/bin/python -m lmclaims check-env

# The embedded default model: dequantized once per machine into the user cache (file-locked).
.venv/bin/python -m lmclaims prepare
