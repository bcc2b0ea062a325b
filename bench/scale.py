"""Large catalogues: SASRec with a sampled softmax on a synthetic log of 1,000,000 items and 100,000 users, on one machine.

Trains a few hundred steps with the package's own pieces (`leave_one_out`, `batches_for`, `build_model`, Keras' `fit`)
and then recommends the top 10 for every user with `SASRec.recommend` (brute force over the whole catalogue, the
history excluded). Reports time per step (compiled steps only), top-k latency (per user and in all), and the peak
resident memory of the process (`ru_maxrss`); the target (issue 17) is <= 8 GB on a 2-core machine.

The log is synthetic and has structure a model can learn: each user walks through the catalogue in small random steps
from a popular (Zipf) starting item, so the next item is predictable from the last ones; the benchmark checks that the
loss falls, not quality.

Usage: python bench/scale.py [--items 1000000] [--users 100000] [--steps 300] [--negatives 1024] [--no-write]
Writes its report in bench/results/ and bench/records/scale.json.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, header, load_snapshot, machine, utc_now, write_section  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from sasrec_nb.config import recipe  # noqa: E402
from sasrec_nb.data import Sequences  # noqa: E402
from sasrec_nb.preprocessing import eval_inputs, leave_one_out  # noqa: E402
from sasrec_nb.training import batches_for, build_model  # noqa: E402

TARGET_GB = 8


def synthetic_log(num_users: int, num_items: int, min_len: int = 20, max_len: int = 60, seed: int = 0) -> Sequences:
    "Users who walk through the catalogue in small random steps from a Zipf-popular start: a learnable next item."
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, num_users)
    offsets = np.zeros(num_users + 1, np.int64); np.cumsum(lengths, out=offsets[1:])
    start = np.minimum(rng.zipf(1.2, num_users), num_items) - 1  # 0-based popular starts
    steps = rng.integers(1, 4, offsets[-1])  # 1, 2 or 3 items on
    steps[offsets[:-1]] = 0
    walk = np.cumsum(steps) - np.repeat(np.cumsum(steps)[offsets[:-1]], lengths)  # per user, from 0
    items = ((np.repeat(start, lengths) + walk) % num_items + 1).astype(np.int32)
    return Sequences(items=items, offsets=offsets, user_ids=np.arange(num_users), item_ids=np.arange(num_items + 1))


class StepTimes(keras.callbacks.Callback):
    "Wall time of every training step."
    def __init__(self): super().__init__(); self.times = []
    def on_train_batch_begin(self, batch, logs=None): self.t0 = time.perf_counter()
    def on_train_batch_end(self, batch, logs=None): self.times.append(time.perf_counter() - self.t0)


def peak_gb() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--steps", type=int, default=300, help="training steps (batches of 128 users)")
    ap.add_argument("--negatives", type=int, default=1024, help="shared negatives of the sampled softmax")
    ap.add_argument("--max-len", type=int, default=50)
    ap.add_argument("--hidden-dim", type=int, default=64)
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    started, load_before = utc_now(), load_snapshot()
    t0 = time.perf_counter()
    seqs = synthetic_log(a.users, a.items)
    split = leave_one_out(seqs)
    data_s = time.perf_counter() - t0
    print(f"{seqs}: built and split in {data_s:.1f} s; peak RSS {peak_gb():.2f} GB", flush=True)

    config = recipe("softmax-ligr", loss="sampled_ce", num_negatives=a.negatives, max_len=a.max_len, pack=False,
                    hidden_dim=a.hidden_dim, epochs=1)
    batches = batches_for(config, split)
    steps = min(a.steps, len(batches))
    model = build_model(config, seqs.num_items, steps_per_epoch=steps)
    times = StepTimes()
    t0 = time.perf_counter()
    history = model.fit(batches, epochs=2, steps_per_epoch=steps // 2, verbose=2, callbacks=[times])
    train_s = time.perf_counter() - t0
    losses = history.history["loss"]
    steady = np.array(times.times[2:])  # the first steps compile
    print(f"trained {len(times.times)} steps in {train_s:.1f} s: median step {np.median(steady) * 1e3:.0f} ms "
          f"(first {times.times[0]:.1f} s, with compilation); loss by half {[round(l, 3) for l in losses]}; "
          f"peak RSS {peak_gb():.2f} GB", flush=True)
    train_peak = peak_gb()

    histories, _ = eval_inputs(split, "test", config.max_len)
    table = model.item_table()
    t0 = time.perf_counter()
    model.recommend(histories[:256], k=10, candidates=table)  # compiles
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    scores, ids = model.recommend(histories, k=10, candidates=table)
    topk_s = time.perf_counter() - t0
    shown = histories[:, -5:]
    assert ids.shape == (len(histories), 10) and ids.min() >= 1 and ids.max() <= seqs.num_items
    assert not (ids[:, :, None] == shown[:, None, :]).any()  # the history's recent items are never recommended
    assert np.isfinite(scores).all()
    print(f"top-10 of {seqs.num_items:,} items for {len(histories):,} users in {topk_s:.1f} s "
          f"({topk_s / len(histories) * 1e3:.2f} ms a user; the first 256 users, with compilation, {first_s:.1f} s); "
          f"peak RSS {peak_gb():.2f} GB", flush=True)

    load_after = load_snapshot()
    command = "python bench/scale.py" + (" " + " ".join(argv or sys.argv[1:]) if (argv or sys.argv[1:]) else "")
    figures = dict(users=seqs.num_users, items=seqs.num_items, interactions=seqs.num_interactions,
                   data_seconds=round(data_s, 1), steps=len(times.times), batch_size=config.batch_size,
                   step_ms_median=round(float(np.median(steady)) * 1e3, 1),
                   step_ms_range=[round(float(steady.min()) * 1e3, 1), round(float(steady.max()) * 1e3, 1)],
                   first_step_s=round(times.times[0], 1), train_seconds=round(train_s, 1),
                   loss_by_half=[round(l, 4) for l in losses], train_peak_rss_gb=round(train_peak, 2),
                   topk_users=len(histories), topk_seconds=round(topk_s, 1),
                   topk_ms_per_user=round(topk_s / len(histories) * 1e3, 3), topk_first_256_seconds=round(first_s, 1),
                   peak_rss_gb=round(peak_gb(), 2), target_gb=TARGET_GB)
    record = dict(command=command, started=started, finished=utc_now(), machine=machine(), background=load_before,
                  config=json.loads(config.to_json()), figures=figures)
    print(json.dumps(figures))
    if a.no_write: return record
    (REPO / "bench" / "records" / "scale.json").write_text(json.dumps(record, indent=1) + "\n")
    f = figures
    write_section("scale.py: a catalogue of a million items on one machine", header(command, started, load_before, load_after) + f"""
A synthetic log of {f['users']:,} users and {f['items']:,} items ({f['interactions']:,} interactions; each user walks
through the catalogue in small steps from a popular start), `softmax-ligr` with a sampled softmax
(`--loss sampled_ce --num-negatives {a.negatives}`, window {a.max_len}, d {a.hidden_dim}; rows not packed, so
that every step has one shape and compiles once), trained {f['steps']} steps
of {f['batch_size']} users with Keras' `fit`, then `SASRec.recommend` (brute force, the history excluded) for every
user. Record: `bench/records/scale.json`.

| figure | value |
|---|---|
| time per training step (median of compiled steps; range) | {f['step_ms_median']:,} ms ({f['step_ms_range'][0]:,}-{f['step_ms_range'][1]:,}) |
| first step, with compilation | {f['first_step_s']} s |
| training loss, first and second half of the steps | {f['loss_by_half'][0]} -> {f['loss_by_half'][1]} |
| top-10 for all {f['topk_users']:,} users over {f['items']:,} items | {f['topk_seconds']} s ({f['topk_ms_per_user']} ms a user) |
| peak RSS after training / at the end (target {TARGET_GB} GB) | {f['train_peak_rss_gb']} GB / {f['peak_rss_gb']} GB |
""")
    return record


if __name__ == "__main__":
    main()
