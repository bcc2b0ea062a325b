"""Retrieval and evaluation latency on a trained ML-1M run: one user warm, all 6,040 users, full-ranking evaluation.

Targets: one user <= 20 ms warm; all 6,040 ML-1M users <= 5 s; full-ranking evaluation of all users <= 5 s.

Usage: .venv/bin/python bench/retrieval_speed.py [--run runs/ml1m-sas] [--no-write]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, header, load_snapshot, utc_now, write_section  # noqa: E402


def timed(f, repeat):
    "Run f once to warm up (compile), then `repeat` times; return (first, [times])."
    t = time.perf_counter(); f(); first = time.perf_counter() - t
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return first, times


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, default=REPO / "runs" / "ml1m-sas")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    started, load0 = utc_now(), load_snapshot()
    from sasrec_nb.evaluation import evaluate
    from sasrec_nb.preprocessing import leave_one_out
    from sasrec_nb.retrieval import Recommender

    t = time.perf_counter(); rec = Recommender.load(a.run); load_s = time.perf_counter() - t
    split = leave_one_out(rec.seqs)
    user = rec.seqs.user_ids[0]
    has_titles = rec.seqs.movies is not None
    rows = [("load the run folder", load_s, [load_s])]
    rows.append(("one known user, top-10", *timed(lambda: rec.for_user(user), 50)))
    rows.append(("one new history of 5 movie ids, top-10", *timed(lambda: rec.for_history(list(rec.seqs.item_ids[rec.seqs[0][:5]])), 50)))
    if has_titles:
        rows.append(("one new history of 3 titles, top-10", *timed(lambda: rec.for_history(["Toy Story (1995)", "Aladdin", "The Lion King"]), 20)))
    rows.append((f"all {rec.seqs.num_users:,} users, top-10", *timed(lambda: rec.for_users(), 3)))
    rows.append((f"full-ranking evaluation, test, {len(split.eval_users):,} users", *timed(lambda: evaluate(rec.model, split, "test", "full"), 3)))
    rows.append((f"sampled evaluation, test, {len(split.eval_users):,} users", *timed(lambda: evaluate(rec.model, split, "test", "sampled"), 3)))
    table = "\n".join(f"| {name} | {first * 1000:,.1f} | {statistics.median(ts) * 1000:,.1f} | {min(ts) * 1000:,.1f} |" for name, first, ts in rows)
    one = statistics.median(rows[1][2]) * 1000
    allu = statistics.median(rows[-3][2]); ev = statistics.median(rows[-2][2])
    body = header("python bench/retrieval_speed.py", started, load0, load_snapshot()) + f"""- run: `{a.run.relative_to(REPO) if a.run.is_relative_to(REPO) else a.run}` ({rec.seqs.num_users:,} users, {rec.seqs.num_items:,} items, max_len {rec.model.max_len})

| what | first call (ms, compiles) | warm median (ms) | warm best (ms) |
|---|---|---|---|
{table}

Targets: one user warm <= 20 ms: {one:.1f} ms -> {'PASS' if one <= 20 else 'FAIL'}; all users <= 5 s: {allu:.2f} s -> {'PASS' if allu <= 5 else 'FAIL'}; full-ranking evaluation <= 5 s: {ev:.2f} s -> {'PASS' if ev <= 5 else 'FAIL'}.
"""
    print(body)
    if not a.no_write: write_section("retrieval_speed.py: recommendation and evaluation latency", body)


if __name__ == "__main__":
    main()
