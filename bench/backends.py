"""Training speed of Keras' three backends on ML-1M: the same recipe, one process per backend, in one run.

Each backend (JAX, the default; TensorFlow; PyTorch, where torch is installed) trains `--epochs` epochs of a recipe on
the SASRec benchmark file through `training.train`, with validation only after the last epoch, so the epochs before it
are pure training; the first epoch compiles (JAX, TensorFlow) and is reported apart. Figures are seconds per epoch
from the run's own `history.csv` (`EpochTime`), and their ratio to JAX's.

Usage: python bench/backends.py [--data ../shared/data] [--recipe softmax-ligr] [--epochs 3] [--no-write]
Writes its report in bench/results/ and bench/records/backends.json.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA, REPO, header, load_snapshot, machine, utc_now, write_section  # noqa: E402

ONE_BACKEND = r"""
import json, sys
from sasrec_nb.data import load
from sasrec_nb.training import read_history, recipe, train
import keras
data, out, name, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
train(load(data), recipe(name, epochs=epochs, eval_every=epochs), out, verbose=0)
seconds = read_history(out)["seconds"].tolist()
print(json.dumps(dict(backend=keras.backend.backend(), seconds=seconds)))
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--recipe", default="softmax-ligr")
    ap.add_argument("--epochs", type=int, default=3, help="the last one also validates; at least 3")
    ap.add_argument("--out", type=Path, default=REPO / "runs" / "backends")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    if a.epochs < 3: sys.exit("--epochs must be at least 3: a compiling first epoch, steady ones, a validating last one")
    started, load_before = utc_now(), load_snapshot()
    data = str(a.data / "ml-1m-sas" / "ml-1m.txt.xz")
    backends = ["jax", "tensorflow"] + (["torch"] if importlib.util.find_spec("torch") else [])
    figures = {}
    for backend in backends:
        out = a.out / backend
        shutil.rmtree(out, ignore_errors=True)
        done = subprocess.run([sys.executable, "-c", ONE_BACKEND, data, str(out), a.recipe, str(a.epochs)],
                              capture_output=True, text=True, env={**os.environ, "KERAS_BACKEND": backend})
        if done.returncode: sys.exit(f"{backend} failed:\n{done.stderr[-3000:]}")
        s = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
        steady = s[1:-1]  # after the compiling first epoch, before the validating last one
        figures[backend] = dict(first_epoch_s=round(s[0], 1), steady_epoch_s=[round(x, 1) for x in steady])
        print(f"{backend}: first epoch {s[0]:.1f} s, steady epochs {[round(x, 1) for x in steady]} s", flush=True)
    jax_s = min(figures["jax"]["steady_epoch_s"])
    for f in figures.values(): f["vs_jax"] = round(min(f["steady_epoch_s"]) / jax_s, 2)
    load_after = load_snapshot()
    command = "python bench/backends.py" + (" " + " ".join(argv or sys.argv[1:]) if (argv or sys.argv[1:]) else "")
    record = dict(command=command, started=started, finished=utc_now(), machine=machine(), background=load_before,
                  recipe=a.recipe, epochs=a.epochs, figures=figures)
    print(json.dumps(figures))
    if a.no_write: return record
    (REPO / "bench" / "records" / "backends.json").write_text(json.dumps(record, indent=1) + "\n")
    rows = "\n".join(f"| {b} | {f['first_epoch_s']} | {', '.join(map(str, f['steady_epoch_s']))} | {f['vs_jax']} |"
                     for b, f in figures.items())
    write_section("backends.py: an epoch on each Keras backend", header(command, started, load_before, load_after) + f"""
`--recipe {a.recipe}` on the SASRec ML-1M file, one process per backend, through `training.train`; seconds per epoch
from each run's history (the first epoch includes compilation; steady epochs are those between it and the last,
validating one). Ratio: fastest steady epoch against JAX's. Record: `bench/records/backends.json`.

| backend | first epoch (s) | steady epochs (s) | slower than JAX by |
|---|---|---|---|
{rows}
""")
    return record


if __name__ == "__main__":
    main()
