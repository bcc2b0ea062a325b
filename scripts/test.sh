#!/usr/bin/env bash
# The tests: set up .venv, check the package is what the notebooks export, run every notebook's cells as tests (nbdev_test),
# then run every notebook with all its cells, real-data ones included, as "Run All" in JupyterLab would (RUN_ALL=0 skips it).
source "$(dirname "$0")/env.sh"
# The PyTorch backend's tests need torch: 2.13.0 is the CPU build this project tests (an unpinned torch is a CUDA build of
# several GB). TORCH=0 skips it, and so does a machine where it cannot be installed: those tests then say so and skip.
if [ "${TORCH:-1}" != 0 ] && ! python -c "import torch" 2>/dev/null; then
  python -m pip install -q --disable-pip-version-check --only-binary :all: torch==2.13.0 >> .venv/install.log 2>&1 ||
    echo "torch==2.13.0 could not be installed (.venv/install.log): the torch backend's tests will skip"
fi
nbdev_export
if ! git diff --quiet -- sasrec_nb 2>/dev/null; then
  echo "sasrec_nb/ differs from what nbs/ export: run nbdev_export and commit"; git diff --stat -- sasrec_nb; exit 1
fi
n=$(ls nbs/*.ipynb | wc -l)
log=$(mktemp)
set +e
nbdev_test --n_workers "${NBDEV_WORKERS:-2}" --timing 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
failed=$(awk '/Failed On The Following Notebooks/{f=1;next} f && /ipynb/{c++} END{print c+0}' "$log")
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "notebooks: $((n - failed)) passed, $failed failed"
if [ "${RUN_ALL:-1}" != 0 ]; then
  set +e; python scripts/run_notebooks.py --check; all=$?; set -e
  [ "$rc" -eq 0 ] && rc=$all
fi
exit "$rc"
