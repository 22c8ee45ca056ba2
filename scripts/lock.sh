#!/usr/bin/env bash
# Refresh requirements.lock: the exact version of every dependency (transitively) except torch's,
# resolved by uv from pyproject.toml's ranges for this machine's Python. Run it deliberately,
# then `bash .ci/run` (setup installs the new lock) and commit the lock with the green result.
#   EXCLUDE_NEWER  resolve as the registry stood then (RFC 3339, e.g. 2026-11-21T09:00:00Z)
#   TORCH_SPEC     the torch the lock is tested beside (default torch==2.13.0); torch and its own
#                  requirements are not locked, so GPU users keep their CUDA build (scripts/setup.sh)
#   PYTHON         the interpreter whose version the lock is resolved for (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9  # uv: the resolver; lives in .tools/, never in the suite's environment
if [ ! -x .tools/bin/uv ]; then
  python3 -m venv .tools
  .tools/bin/python -m pip --disable-pip-version-check -q install "uv==$UV_VERSION"
fi
python_version=$("${PYTHON:-python3}" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
torch_spec=${TORCH_SPEC:-torch==2.13.0}
excludes=$(mktemp); out=$(mktemp)
trap 'rm -f "$excludes" "$out"' EXIT
echo torch > "$excludes"
args=(pyproject.toml --python-version "$python_version" --excludes "$excludes" --quiet
      --no-header -o "$out")
[ -n "${EXCLUDE_NEWER:-}" ] && args+=(--exclude-newer "$EXCLUDE_NEWER")
.tools/bin/uv pip compile "${args[@]}"
{
  echo "# The exact versions the suite was last tested with; scripts/setup.sh installs them."
  echo "# Refresh deliberately: bash scripts/lock.sh (uv $UV_VERSION pip compile of pyproject.toml),"
  echo "# then bash .ci/run. Newest allowed versions vs this lock: bash scripts/drift.sh"
  echo "# python: $python_version"
  echo "# tested beside: $torch_spec (installed first and separately, see scripts/setup.sh)"
  [ -n "${EXCLUDE_NEWER:-}" ] && echo "# resolved as the registry stood at $EXCLUDE_NEWER"
  cat "$out"
} > requirements.lock.tmp
mv requirements.lock.tmp requirements.lock
echo "requirements.lock: $(grep -cE "^[A-Za-z0-9].*==" requirements.lock) pins for python $python_version"
