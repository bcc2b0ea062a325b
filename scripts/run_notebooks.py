"""Run notebooks top to bottom and save their outputs, real-data cells (`#| eval: false`) included.

    python scripts/run_notebooks.py [nbs/01_data.ipynb ...]

`nbdev_test` skips the real-data cells and saves nothing; this is how the notebooks get the outputs a reader
sees (plots, figures on ML-1M). It needs ../shared/data and, for the model chapters, a trained run in
runs/ml1m-sas (made by bench/quality.py). Run nbdev_clean afterwards.
"""
import os, sys
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

root = Path(__file__).resolve().parent.parent
paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted((root / "nbs").glob("*.ipynb"))
for path in paths:
    nb = read_nb(path)
    os.chdir(path.parent)
    shell = CaptureShell(path)
    shell.run_all(nb, exc_stop=True)
    write_nb(nb, path)
    print("ran", path.name)
