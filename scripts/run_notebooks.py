"""Run notebooks top to bottom with every cell, real-data cells (`#| eval: false`) included, as "Run All" in JupyterLab.

    python scripts/run_notebooks.py [--check] [--tests] [--workers 2] [nbs/01_data.ipynb ...]

`nbdev_test` skips the real-data cells; this runs them too. Without ../shared/data or a trained run in runs/ they must
print one line saying how to get their inputs and go on, so that a reader on a fresh clone can run every chapter.
With --check (what scripts/test.sh runs) nothing is saved and the exit status says whether every notebook ran;
without it each notebook is saved with its outputs (then run nbdev_clean), which is how the outputs a reader sees
(plots, figures on ML-1M) are made.

With --tests (what scripts/test.sh runs) it is the whole test suite in one pool of workers: `nbdev_test` of every
notebook, and Run All of those that have real-data cells (of the others `nbdev_test` already ran every cell), longest
first. One pool rather than two phases keeps both cores busy: the training chapter, the longest, no longer sets the
pace of each phase in turn.
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


def test(path: Path, save: bool = False) -> tuple[str, str | None, float]:
    "`nbdev_test` of `path` in a new process; (name, its output's tail if it failed, else None, seconds)."
    t0 = time.perf_counter()
    p = subprocess.run(["nbdev_test", "--path", str(path)], capture_output=True, text=True, cwd=ROOT)
    err = None if p.returncode == 0 else (p.stdout + p.stderr)[-3000:]
    return path.name, err, time.perf_counter() - t0


def has_real_data_cells(path: Path) -> bool:
    "Whether `path` has cells that `nbdev_test` skips (`#| eval: false`)."
    return "#| eval: false" in path.read_text(encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--check", action="store_true", help="save nothing; exit 1 if a notebook fails")
    ap.add_argument("--tests", action="store_true", help="also nbdev_test every notebook, in the same pool; Run All "
                    "only those with real-data cells (RUN_ALL=0: none)")
    ap.add_argument("--workers", type=int, default=int(os.environ.get("NBDEV_WORKERS", 2)))
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # the worker: one notebook, in this process
    args = ap.parse_args()
    if args.one: return run_one(args.one.resolve(), not args.check)
    paths = [p.resolve() for p in args.paths] or sorted((ROOT / "nbs").glob("*.ipynb"))
    jobs = [("ran", run, p) for p in paths]
    if args.tests:
        whole = [] if os.environ.get("RUN_ALL", "1") == "0" else [p for p in paths if has_real_data_cells(p)]
        jobs = [("tested", test, p) for p in paths] + [("ran", run, p) for p in whole]
        jobs.sort(key=lambda j: -j[2].stat().st_size)  # the biggest notebooks take longest: they start first
    with ThreadPoolExecutor(args.workers) as pool:
        results = list(pool.map(lambda j: (j[0], *j[1](j[2], not args.check)), jobs))
    for done, name, err, seconds in results:
        print(f"{done if err is None else 'FAILED'} {name} ({seconds:.0f} s)" + ("" if err is None else ":\n" + err))
    failed = [f"{name} ({done})" for done, name, err, _ in results if err]
    tested = sum(done == "tested" for done, *_ in results)
    print(f"notebooks: {tested} tested with nbdev_test, {len(results) - tested} run whole (Run All); "
          f"{len(failed)} failed" + (": " + ", ".join(failed) if failed else ""))
    sys.exit(1 if failed else 0)

if __name__ == "__main__":
    main()
