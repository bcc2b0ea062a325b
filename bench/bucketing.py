"""What cutting padding saves per epoch: length bucketing (`Config.bucket_widths`) and packing (`Config.pack`), measured
interleaved in one process.

For each recipe (`paper` with hash dropout masks, the paper's config on the fast path; and the default recipe),
identical models (same initial weights) train one epoch each on ML-1M (SASRec file) from three feeds: the paper's
batches (128 users x 200 columns), bucketed batches (sortish chunks of 8 batches, each cut to the narrowest of the
widths that holds its longest row) and packed batches (each batch's 128 users laid end to end in as few 200-wide rows
as hold them). Steps of the feeds alternate, so background load hits all alike. The first epoch is a warm-up that
compiles every shape; the second is timed.

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
    from sasrec_nb.config import DEFAULT_RECIPE, recipe
    from sasrec_nb.data import sas_file
    from sasrec_nb.model import LOSSES
    from sasrec_nb.preprocessing import TrainingBatches, leave_one_out
    from sasrec_nb.training import build_model

    split = leave_one_out(sas_file(a.data / "ml-1m-sas" / "ml-1m.txt.xz"))
    rows = []
    for name, config in (("paper, hash dropout", recipe("paper", fast_dropout=True)), (DEFAULT_RECIPE, recipe(DEFAULT_RECIPE, pack=False))):
        kw = dict(negatives=LOSSES[config.loss].negatives, sampling=config.sampling)
        feeds = {"random batches": TrainingBatches(split, 200, 128, config.num_negatives, **kw),
                 f"bucketed {a.widths}": TrainingBatches(split, 200, 128, config.num_negatives, bucket_widths=a.widths, **kw),
                 "packed": TrainingBatches(split, 200, 128, config.num_negatives, pack=True, **kw)}
        keras.utils.set_random_seed(0)
        models = {k: build_model(config, split.num_items) for k in feeds}
        first = next(iter(models.values()))
        for k, m in models.items(): m.train_on_batch(*feeds[k][0][:2]); m.set_weights(first.get_weights())
        for epoch in (0, 1):  # 0 warms up (compiles each shape), 1 is timed
            for f in feeds.values(): f.set_epoch(epoch)
            t, cells = {k: 0.0 for k in feeds}, {k: 0 for k in feeds}
            for i in range(max(len(f) for f in feeds.values())):
                for k, f in feeds.items():
                    if i >= len(f): continue
                    batch = f[i]
                    s = time.perf_counter(); models[k].train_on_batch(*batch); t[k] += time.perf_counter() - s
                    x = batch[0]
                    cells[k] += (x["items"] if isinstance(x, dict) else x).size
        base = t["random batches"]
        for k in feeds:
            rows.append(f"| {name} | {k} | {cells[k] / cells['random batches']:.2f} | {t[k]:.1f} | {t[k] / base:.2f} |")
    body = header("python bench/bucketing.py " + " ".join(sys.argv[1:]), started, load0, load_snapshot()) + """
One epoch of training steps (`train_on_batch`: forward, backward and Adam), the feeds alternating step by step:

| recipe | feed | cells (rows x columns) against random batches | epoch of steps (s) | time against random batches |
|---|---|---|---|---|
""" + "\n".join(rows) + """

Both cut the padding columns the model would otherwise compute. Packing keeps each batch's users (random, as the
paper's batches) and their loss exactly; bucketing changes which users share a batch (see `02_preprocessing`).
"""
    print(body)
    if not a.no_write: write_section("bucketing.py: length bucketing of training batches", body)


if __name__ == "__main__":
    main()
