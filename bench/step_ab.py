"""Per-step training cost, seed model vs ours, interleaved in ONE process so that background load hits both alike.

speed.py compares whole runs (separate processes, minutes apart); on a shared 2-CPU machine the load changes between
runs. Here the recipe's own `SasRec` class (its source is taken verbatim from seed_recipe.py and exec'd) and
`sasrec_nb.model.SASRec` are compiled with Adam(1e-3, beta_2=0.98) and trained with `train_on_batch` on the same
batches (128 x 200, real ML-1M from the SASRec file, one negative per position), alternating a few steps of each, for
several rounds. Variant "ours-pre_ln" uses keras-hub's pre-LN blocks instead of the paper's layout. Variant "ours-dropout0" is our model with dropout=0.0: on the JAX backend the recipe trains WITHOUT
dropout (Keras' JAX trainer calls `model.stateless_call`, which runs `call()` directly, so the recipe's sub-layers, which
are called without `training=`, get training=None/False), while ours passes `training` on and draws dropout masks.
So "ours-dropout0" vs "seed" is the like-for-like comparison of the compute. Reported: median step time of each.

Usage: .venv/bin/python bench/step_ab.py [--data ../shared/data] [--rounds 8] [--steps 3] [--no-write]
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
from _common import DEFAULT_DATA, SHARED_BENCH, header, load_snapshot, utc_now, write_section  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--steps", type=int, default=3, help="steps of each model per round")
    ap.add_argument("--seed-recipe", type=Path, default=SHARED_BENCH / "seed_recipe.py")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    started, load0 = utc_now(), load_snapshot()
    print("background:", load0, flush=True)

    import keras
    import keras_hub
    import keras_rs
    from keras import ops

    from sasrec_nb import data as D
    from sasrec_nb import preprocessing as P
    from sasrec_nb.model import SASRec

    # the recipe's model class, verbatim
    src = a.seed_recipe.read_text()
    code = src[src.index("class SasRec(keras.Model):"):src.index("SEED_LAST_TOKEN_BUG =")]
    ns = dict(keras=keras, keras_hub=keras_hub, keras_rs=keras_rs, ops=ops, os=os, SEED_LAST_TOKEN_BUG=True)
    exec(code, ns)
    SeedSasRec = ns["SasRec"]

    seqs = D.sas_file(a.data / "ml-1m-sas" / "ml-1m.txt.xz")
    b = P.TrainingBatches(P.leave_one_out(seqs), max_len=200, batch_size=128)
    batches = [b[i] for i in range(8)]  # full batches of 128
    n = seqs.num_items

    def seed_batch(x, y):
        sw = (y[..., 0] > 0).astype("float32")
        return ({"item_ids": x, "padding_mask": x != 0}, {"positive_sequence": y[..., 0], "negative_sequence": y[..., 1]},
                {"positive_sequence": sw, "negative_sequence": sw})

    models = {}
    t = time.perf_counter()
    m = SeedSasRec(vocabulary_size=n + 1, num_layers=2, num_heads=1, hidden_dim=50, dropout=0.2, max_sequence_length=200)
    m({"item_ids": ops.ones((2, 200), "int32"), "padding_mask": ops.ones((2, 200), "bool")}, training=True)
    models["seed"] = (m, lambda x, y: m.train_on_batch(*seed_batch(x, y)[:2], sample_weight=seed_batch(x, y)[2]))
    m2 = SASRec(n)
    models["ours"] = (m2, lambda x, y: m2.train_on_batch(x, y))
    m3 = SASRec(n, dropout=0.0)
    models["ours-dropout0"] = (m3, lambda x, y: m3.train_on_batch(x, y))
    m4 = SASRec(n, block="pre_ln")
    models["ours-pre_ln"] = (m4, lambda x, y: m4.train_on_batch(x, y))
    compile_s = {}
    for k, (mm, step) in models.items():
        mm.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3, beta_2=0.98))
        t = time.perf_counter(); step(*batches[0]); step(*batches[1]); compile_s[k] = time.perf_counter() - t
        print(f"{k}: params {mm.count_params():,}, first two steps (compile) {compile_s[k]:.1f} s", flush=True)

    times = {k: [] for k in models}
    i = 0
    for r in range(a.rounds):
        for k, (_, step) in (list(models.items()) if r % 2 == 0 else list(models.items())[::-1]):
            for _ in range(a.steps):
                x, y = batches[i % len(batches)]; i += 1
                t = time.perf_counter(); step(x, y); times[k].append(time.perf_counter() - t)
        print(f"round {r + 1}: " + ", ".join(f"{k} {statistics.median(v[-a.steps:]):.3f}" for k, v in times.items()), flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    load1 = load_snapshot()
    print("median step s:", {k: round(v, 3) for k, v in med.items()})
    print(f"ratio ours/seed {med['ours'] / med['seed']:.3f}; ours-dropout0/seed {med['ours-dropout0'] / med['seed']:.3f}")
    print("background:", load1)
    if a.no_write: return
    rows = "\n".join(f"| {k} | {med[k]:.3f} | {min(times[k]):.3f} | {statistics.quantiles(times[k], n=4)[2]:.3f} | "
                     f"{med[k] / med['seed']:.3f} | {compile_s[k]:.1f} |" for k in models)
    body = header("cd /work/main && .venv/bin/python bench/step_ab.py" + (" " + " ".join(argv or sys.argv[1:])).rstrip(),
                  started, load0, load1) + f"""
One process, `train_on_batch` on the same 128 x 200 batches of real ML-1M (SASRec file), {a.rounds} rounds of {a.steps} steps
per model, the order reversed every other round; {len(times['seed'])} timed steps per model. "seed" is the recipe's `SasRec` class exec'd
from its source (BCE via keras `BinaryCrossentropy` with sample weights, l2 0.001 on the embeddings); "ours" is
`sasrec_nb.model.SASRec` (the paper's block layout, the default; dropout 0.2, `SampledBCE`); "ours-dropout0" is the same with dropout=0.0;
"ours-pre_ln" is ours with keras-hub's `TransformerDecoder` blocks (`block="pre_ln"`, the layout before the paper's became the default). JAX PRNG: the default threefry2x32 (Keras' seed
generators hold 2-word keys, so the cheaper "rbg" implementation cannot be switched on).
**On JAX the recipe trains without dropout**: Keras' JAX trainer runs `model.stateless_call`, which calls `call()`
directly, so the recipe's sub-layers (called without `training=`) get training=None/False (checked by spying on
`Dropout.call` inside `fit`: every dropout layer of the recipe gets False/None; ours get True). "ours-dropout0" vs
"seed" is therefore the like-for-like comparison of the compute; "ours" vs "seed" includes the cost of dropout masks.

| model | median step s | best step s | 75th pct s | median / seed | first two steps s (compile) |
|---|---|---|---|---|---|
{rows}
"""
    write_section("step_ab.py: per-step cost, seed model vs ours, interleaved in one process", body)
    print("wrote bench/results/step_ab.md")


if __name__ == "__main__":
    main()
