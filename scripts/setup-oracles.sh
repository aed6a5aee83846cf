#!/usr/bin/env bash
# Builds the Python oracle environment used by `npm run test:interop`: a git-ignored virtualenv at
# .venv-oracles/ with Google's array-record wheel (the C++ library), Grain, TensorFlow and pyarrow,
# at exact versions so every CI run checks us against the same implementations.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${ORACLE_PYTHON:-python3.11}"
VENV=".venv-oracles"
# Exact pins: a new upstream release must be a deliberate change here, not a CI surprise.
PACKAGES=(
  "array-record==0.8.6"
  "grain==0.2.18"
  "tensorflow-cpu==2.21.0"
  "pyarrow==26.0.1"
)

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup:oracles: $PYTHON not found (set ORACLE_PYTHON to a Python 3.11 interpreter)" >&2
  exit 1
fi

start=$SECONDS
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${PACKAGES[@]}"
# Fail here, naming the package, rather than in the middle of a test run.
"$VENV/bin/python" - <<'PY'
import importlib.metadata as md
import array_record.python.array_record_module  # noqa: F401
import grain  # noqa: F401
import tensorflow  # noqa: F401
import pyarrow  # noqa: F401
for name in ("array-record", "grain", "tensorflow-cpu", "pyarrow"):
    print(f"setup:oracles: {name}=={md.version(name)}")
PY
echo "setup:oracles: ready in $((SECONDS - start)) s ($VENV)"
