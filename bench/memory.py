"""Peak memory (RSS) of the `sasrec` commands on ML-1M: `sasrec train` for two epochs with a validation after each
(and the final evaluation) with `--recipe paper-fast` (the paper's on the fast path) and with the default recipe, then
`sasrec recommend` from the paper run for a history of three movies; the default recipe once more with its updates in
one piece (`--micro-batches 1`, where it runs them in 8).

Peak RSS is the kernel's high-water mark of each process (`ru_maxrss` of a wrapper's only child), so other work on the
machine changes it little, unlike a time. Two epochs hold every phase of a longer run and the order in which they
stack: steps, a validation, steps again on top of what the validation left, the final evaluation; later epochs compile
nothing new. (One epoch missed the second: the main job's 30 epochs peaked 60 % above a one-epoch run.)
Targets (issue 14): train <= 1,000 MB, recommend <= 600 MB.

Usage: python bench/memory.py [--data ../shared/data] [--out runs/memory] [--no-write]
Writes its report in bench/results/ and bench/records/memory.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA, REPO, header, load_snapshot, machine, utc_now, write_section  # noqa: E402

SASREC = [str(Path(sys.executable).with_name("sasrec"))]  # the installed command, beside this Python
TARGETS_MB = {"train": 1000, "recommend": 600}
RUN = ["--epochs", "2", "--eval-every", "1"]  # see the docstring
# runs the command as its only child and prints that child's peak RSS (KB): one process, one figure
WRAP = "import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; " \
       "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)"


def peak_mb(args: list[str]) -> tuple[int, float]:
    "(peak RSS in MB, wall seconds) of one `sasrec` command in a process of its own."
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAP, *SASREC, *args], capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": "jax"})
    if done.returncode: sys.exit(f"sasrec {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return round(int(done.stdout.split()[-1]) / 1024), round(time.perf_counter() - t0, 1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=REPO / "runs" / "memory")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    started, load_before = utc_now(), load_snapshot()
    data = str(a.data / "ml-1m-sas" / "ml-1m.txt.xz")
    shutil.rmtree(a.out, ignore_errors=True)
    paper = str(a.out / "paper")
    commands = {  # the recommendation reads the paper run, so it comes last
        "train --recipe paper-fast --epochs 2 --eval-every 1":
            ["train", "--data", data, "--out", paper, "--recipe", "paper-fast", *RUN],
        "train --epochs 2 --eval-every 1 (the default recipe)": ["train", "--data", data, "--out", str(a.out / "default"), *RUN],
        # the same update in one piece rather than the recipe's 8 micro-batches (sasrec_nb.model's train_step)
        "train --epochs 2 --eval-every 1 --micro-batches 1 (the default recipe)":
            ["train", "--data", data, "--out", str(a.out / "default-whole"), *RUN, "--micro-batches", "1"],
        "recommend --movies 1 2 3 -k 10 (the paper run)": ["recommend", "--model", paper, "--movies", "1", "2", "3", "-k", "10"],
    }
    figures = {}
    for name, args in commands.items():
        mb, s = peak_mb(args)
        figures[name] = {"peak_rss_mb": mb, "seconds": s}
        print(f"sasrec {name}: peak RSS {mb} MB ({s} s)", flush=True)
    load_after = load_snapshot()
    command = "python bench/memory.py" + (" " + " ".join(argv or sys.argv[1:]) if (argv or sys.argv[1:]) else "")
    record = dict(command=command, started=started, finished=utc_now(), machine=machine(), background=load_before,
                  targets_mb=TARGETS_MB, figures=figures)
    if a.no_write: return record
    (REPO / "bench" / "records" / "memory.json").write_text(json.dumps(record, indent=1) + "\n")
    rows = "\n".join(f"| `sasrec {n}` | {f['peak_rss_mb']:,} | {TARGETS_MB['train' if n.startswith('train') else 'recommend']:,} "
                     f"| {f['seconds']} |" for n, f in figures.items())
    write_section("memory.py: peak RSS of the sasrec commands", header(command, started, load_before, load_after) + f"""
Peak resident memory of each command in its own process (`ru_maxrss`), on the SASRec ML-1M file; `train` runs two
epochs with a validation after each, then the final evaluation (every phase of a longer run, in the order they stack).
Record: `bench/records/memory.json`.

| command | peak RSS (MB) | target (MB) | seconds |
|---|---|---|---|
{rows}
""")
    return record


if __name__ == "__main__":
    main()
