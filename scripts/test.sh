#!/usr/bin/env bash
# The tests: set up .venv, check the package is what the notebooks export, run every notebook's cells as tests (nbdev_test),
# and every notebook with real-data cells whole, as "Run All" in JupyterLab would (RUN_ALL=0 skips that), in one pool;
# between the two, pyflakes on bench/ and scripts/, each benchmark's --help, and speed.py's report from its record.
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
# bench/ and scripts/ are not notebooks, so no cell runs them: pyflakes finds their undefined names (a function a script
# calls but no longer has), and each benchmark must at least import and answer --help
python -m pyflakes bench scripts
for f in bench/[!_]*.py; do
  if grep -q argparse "$f" && ! python "$f" --help > /dev/null; then echo "$f --help failed"; exit 1; fi
done
python bench/speed.py --report-only --no-write > /dev/null  # its report, remade from its record
set +e
python scripts/run_notebooks.py --check --tests  # nbdev_test of each notebook and Run All of those with real-data cells
rc=$?
set -e
exit "$rc"
