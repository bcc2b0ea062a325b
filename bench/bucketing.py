"""What length bucketing (`Config.bucket_widths`) saves per epoch, measured interleaved in one process.

Two identical models (same initial weights) train one epoch each on ML-1M (SASRec file): one on the paper's batches
(128 users x 200 columns), one on bucketed batches (sortish chunks of 8 batches, each cut to the narrowest of the
widths that holds its longest row). Steps of the two alternate, so background load hits both alike. The first epoch
is a warm-up that compiles every shape; the second is timed.

Usage: .venv/bin/python bench/bucketing.py [--data ../shared/data] [--widths 32 64 128] [--no-write]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA, header, load_snapshot, utc_now, write_section  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--widths", type=int, nargs="+", default=[32, 64, 128])
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    started, load0 = utc_now(), load_snapshot()
    import keras
    import numpy as np
    from sasrec_nb.data import sas_file
    from sasrec_nb.preprocessing import TrainingBatches, leave_one_out
    from sasrec_nb.training import Config, build_model

    split = leave_one_out(sas_file(a.data / "ml-1m-sas" / "ml-1m.txt.xz"))
    feeds = {"paper batches": TrainingBatches(split, 200, 128), f"bucketed {a.widths}": TrainingBatches(split, 200, 128, bucket_widths=a.widths)}
    keras.utils.set_random_seed(0)
    models = {k: build_model(Config(), split.num_items) for k in feeds}
    first = next(iter(models.values()))
    for m in models.values(): m.train_on_batch(*next(iter(feeds.values()))[0]); m.set_weights(first.get_weights())
    times = {}
    for epoch in (0, 1):  # 0 warms up (compiles each width), 1 is timed
        for f in feeds.values(): f.set_epoch(epoch)
        t = {k: 0.0 for k in feeds}
        cols = {k: 0 for k in feeds}
        n = max(len(f) for f in feeds.values())
        for i in range(n):
            for k, f in feeds.items():
                if i < len(f):
                    x, y = f[i]
                    s = time.perf_counter(); models[k].train_on_batch(x, y); t[k] += time.perf_counter() - s
                    cols[k] += x.size
        times = t
    plain, bucket = times.values()
    names = list(feeds)
    widths = {k: cols[k] / sum(len(f.batches[i]) for i in range(len(f))) for k, f in feeds.items()}
    body = header("python bench/bucketing.py " + " ".join(sys.argv[1:]), started, load0, load_snapshot()) + f"""
One epoch of training steps (`train_on_batch`, forward + backward + Adam, dropout 0.2), the two feeds alternating step by step:

| feed | batches | mean columns per row | epoch of steps (s) |
|---|---|---|---|
| {names[0]} | {len(feeds[names[0]])} | {widths[names[0]]:.0f} | {plain:.1f} |
| {names[1]} | {len(feeds[names[1]])} | {widths[names[1]]:.0f} | {bucket:.1f} |

Bucketing saves {(1 - bucket / plain) * 100:.0f} % of the epoch (ratio {bucket / plain:.2f}). It is exact per row (padding invariance), but it changes
which users share a batch; its effect on quality has not been measured yet, so it stays off by default.
"""
    print(body)
    if not a.no_write: write_section("bucketing.py: length bucketing of training batches", body)


if __name__ == "__main__":
    main()
