"""What the dropout masks and each loss cost: mask draws alone, then training steps, interleaved in ONE process.

1. A keep mask for the (128, 200, 200) attention probabilities of one block: Keras' JAX dropout
   (`jax.random.bernoulli`, threefry) against `sasrec_nb.model.hash_keep`.
2. Training steps of 128 users x 200 positions on the SASRec ML-1M file with `train_on_batch`, alternating a few steps
   of each variant per round: the paper recipe with Keras' dropout and with `HashDropout`, and the softmax recipe's
   model (d 64, dropout 0.1, hash masks) with each loss (ce, sampled_ce with 3,000 shared negatives, gbce with 256).
Reported: the median of each. Nothing else should run meanwhile.

Usage: .venv/bin/python bench/loss_speed.py [--data ../shared/data] [--rounds 4] [--steps 3] [--no-write]
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
from _common import DEFAULT_DATA, header, load_snapshot, utc_now, write_section  # noqa: E402


def timed(f, repeats: int) -> float:
    "Median seconds of `f()` over `repeats` calls after one warm-up call."
    import jax
    jax.block_until_ready(f())
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); jax.block_until_ready(f()); times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--steps", type=int, default=3, help="steps of each variant per round")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    started, load0 = utc_now(), load_snapshot()
    import jax, keras
    from sasrec_nb.data import load
    from sasrec_nb.model import LOSSES, hash_keep
    from sasrec_nb.preprocessing import TrainingBatches, leave_one_out
    from sasrec_nb.training import build_model, recipe

    seed = jax.random.PRNGKey(0)
    x = jax.numpy.ones((128, 200, 200))
    keras_mask = jax.jit(lambda k: jax.random.bernoulli(k, 0.8, x.shape))
    our_mask = jax.jit(lambda k: hash_keep(x.shape, k, 0.2))
    masks = {"Keras (threefry bernoulli)": timed(lambda: keras_mask(seed), 20),
             "hash_keep": timed(lambda: our_mask(jax.numpy.asarray(seed, "uint32")), 20)}

    split = leave_one_out(load(a.data / "ml-1m-sas" / "ml-1m.txt.xz"))
    variants = {"paper, Keras dropout": recipe("paper"), "paper, HashDropout": recipe("paper", fast_dropout=True),
                "softmax: ce": recipe("softmax"), "softmax, loss sampled_ce": recipe("softmax", loss="sampled_ce"),
                "softmax, loss gbce": recipe("softmax", loss="gbce")}
    models, batches = {}, {}
    for name, c in variants.items():
        keras.utils.set_random_seed(0)
        models[name] = build_model(c, split.num_items)
        b = TrainingBatches(split, c.max_len, c.batch_size, c.num_negatives, 0, negatives=LOSSES[c.loss].negatives,
                            sampling=c.sampling)
        batches[name] = [b[i] for i in range(a.steps)]
        models[name].train_on_batch(*batches[name][0])  # compile
    steps = {n: [] for n in variants}
    for _ in range(a.rounds):
        for name, m in models.items():
            for xb, yb in batches[name]:
                t0 = time.perf_counter(); m.train_on_batch(xb, yb); steps[name].append(time.perf_counter() - t0)
    med = {n: statistics.median(t) for n, t in steps.items()}
    rows = "\n".join(f"| {n} | {s * 1000:.1f} |" for n, s in masks.items())
    step_rows = "\n".join(f"| {n} | {s:.3f} | {s * len(TrainingBatches(split, 200, 128, 1, 0)) :.1f} |" for n, s in med.items())
    text = header(" ".join(["python bench/loss_speed.py", *sys.argv[1:]]), started, load0, load_snapshot()) + f"""
A (128, 200, 200) keep mask at rate 0.2, median of 20 draws:

| mask | ms |
|---|---|
{rows}

Training steps of 128 x 200 on ML-1M (SASRec file), median of {a.rounds} interleaved rounds of {a.steps} steps each:

| variant | s per step | s per epoch of 48 steps (no validation) |
|---|---|---|
{step_rows}
"""
    print(text)
    if not a.no_write: write_section("loss_speed.py: dropout masks and the losses, per step", text)


if __name__ == "__main__":
    main()
