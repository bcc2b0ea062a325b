"""Run notebooks top to bottom with every cell, real-data cells (`#| eval: false`) included, as "Run All" in JupyterLab.

    python scripts/run_notebooks.py [--check] [--workers 2] [nbs/01_data.ipynb ...]

`nbdev_test` skips the real-data cells; this runs them too. Without ../shared/data or a trained run in runs/ they must
print one line saying how to get their inputs and go on, so that a reader on a fresh clone can run every chapter.
With --check (what scripts/test.sh runs) nothing is saved and the exit status says whether every notebook ran;
without it each notebook is saved with its outputs (then run nbdev_clean), which is how the outputs a reader sees
(plots, figures on ML-1M) are made.
"""
import argparse, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_one(path: Path, save: bool):
    "Run every cell of `path` in this process (a fresh one: IPython takes over `__main__`); exit 1 with the error if one fails."
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    nb = read_nb(path)
    os.chdir(path.parent)
    try: CaptureShell(path).run_all(nb, exc_stop=True)
    except Exception as e: sys.exit(f"{type(e).__name__}: {e}".splitlines()[0][:300])
    if save: write_nb(nb, path)


def run(path: Path, save: bool) -> tuple[str, str | None, float]:
    "Run every cell of `path` in a new process; (name, the error or None, seconds)."
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, __file__, "--one", str(path), *([] if save else ["--check"])], capture_output=True, text=True)
    err = None if p.returncode == 0 else (p.stderr.strip().splitlines() or [f"exit status {p.returncode}"])[-1]
    return path.name, err, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--check", action="store_true", help="save nothing; exit 1 if a notebook fails")
    ap.add_argument("--workers", type=int, default=int(os.environ.get("NBDEV_WORKERS", 2)))
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # the worker: one notebook, in this process
    args = ap.parse_args()
    if args.one: return run_one(args.one.resolve(), not args.check)
    paths = [p.resolve() for p in args.paths] or sorted((ROOT / "nbs").glob("*.ipynb"))
    with ThreadPoolExecutor(args.workers) as pool:
        results = list(pool.map(run, paths, [not args.check] * len(paths)))
    for name, err, seconds in results: print(f"{'ran' if err is None else 'FAILED'} {name} ({seconds:.0f} s){'' if err is None else ': ' + err}")
    failed = [name for name, err, _ in results if err]
    print(f"all cells: {len(results) - len(failed)} notebooks ran, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
