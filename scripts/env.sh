# Sourced by the other scripts: create .venv (Python 3.11) if needed and install the package with its dev extras.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
# pip's own chatter goes to .venv/install.log, shown only if the install fails
if ! { .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip &&
       .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"; } > .venv/install.log 2>&1; then
  cat .venv/install.log; echo "installing sasrec_nb failed (log above, also in .venv/install.log)"; exit 1
fi
export PATH="$PWD/.venv/bin:$PATH"
export KERAS_BACKEND=${KERAS_BACKEND:-jax}
