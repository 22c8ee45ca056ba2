#!/usr/bin/env bash
# Set up .venv with everything the suite needs, then convert the embedded model once.
# Idempotent: a second run installs nothing new. Network: the package registries only.
#   TORCH_SPEC   torch requirement to install if .venv has no torch (default torch==2.13.0)
#   PYTHON       interpreter to build .venv with (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
pip() { .venv/bin/python -m pip --disable-pip-version-check -q "$@"; }

# torch first, pinned: any other torch request would pull GBs of CUDA wheels on a CPU machine.
torch_version() {
  .venv/bin/python -c "from importlib.metadata import version; print(version('torch').split('+')[0])" 2>/dev/null
}
if ! torch_version > /dev/null; then
  pip install "${TORCH_SPEC:-torch==2.13.0}"
fi
echo "torch==$(torch_version)" > .venv/torch-pin.txt
pip install -c .venv/torch-pin.txt -e .

# The embedded default model: dequantized once per machine into the user cache (file-locked).
.venv/bin/python -m lmclaims prepare
