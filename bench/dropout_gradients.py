"""Does the fast path learn what the paper's path learns? One batch's gradient under dropout, drawn many times each way.

`paper-fast` differs from `paper` in how a step is computed, not in what it computes: `HashDropout` masks instead of
Keras' `Dropout`, and each batch's users packed into fewer rows. Both must leave the distribution of a step's
gradient unchanged. For fixed weights and one ML-1M batch, this draws the gradient `--draws` times under fresh masks in
each of the four ways (Keras' or hash masks, padded or packed rows; `sasrec_nb.model.dropout_gradients`) and compares
the mean gradients with `gradient_gap` (about 1 for the same mean; two halves of one way's draws show its own noise)
and the spreads (summed variance over the weights).

Usage: python bench/dropout_gradients.py [--run runs/ml1m-paper-seed1] [--draws 400] [--data ../shared/data]
Without --run, the weights are the `--recipe`'s initialisation. Writes its report in bench/results/ and
bench/records/dropout-gradients-<trained|init>.json.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA, REPO, header, load_snapshot, machine, utc_now, write_section  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "jax")

WAYS = {"Keras' masks, padded rows (paper)": (False, False), "hash masks, padded rows": (True, False),
        "Keras' masks, packed rows": (False, True), "hash masks, packed rows (paper-fast)": (True, True)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, help="a trained run folder (config.json, data/, model.keras); its best model's "
                                             "weights. Default: the --recipe's initial weights")
    ap.add_argument("--recipe", default="paper", help="without --run: the recipe whose initialisation to use")
    ap.add_argument("--draws", type=int, default=400, help="gradients drawn each way")
    ap.add_argument("--batch", type=int, default=0, help="which batch of the epoch")
    ap.add_argument("--epoch", type=int, default=3, help="the epoch whose shuffle and negatives make the batch")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    if a.run and not (a.run / "model.keras").is_file():
        sys.exit(f"{a.run}: no model.keras; train one first, e.g. python bench/quality.py --recipe paper --out {a.run}")
    started, load_before = utc_now(), load_snapshot()
    import keras
    import numpy as np

    from sasrec_nb import data as D
    from sasrec_nb.config import Config, recipe
    from sasrec_nb.model import dropout_gradients, gradient_gap
    from sasrec_nb.preprocessing import leave_one_out
    from sasrec_nb.training import batches_for, build_model

    if a.run:
        cfg, seqs = Config.load(a.run / "config.json"), D.load_sequences(a.run / "data")
        source = keras.saving.load_model(a.run / "model.keras")
        best = json.loads((a.run / "best.json").read_text())["best_epoch"]
        weights, tag = f"the best model of {a.run} (epoch {best})", "trained"
    else:
        cfg, seqs, source = recipe(a.recipe), D.sas_file(a.data / "ml-1m-sas" / "ml-1m.txt.xz"), None
        weights, tag = f"the initialisation of `--recipe {a.recipe}` (seed {cfg.seed})", "init"
    split = leave_one_out(seqs)
    keras.utils.set_random_seed(cfg.seed)
    figures, ref = {}, None  # ref: the paper way's draws, the first way's
    for name, (fast, pack) in WAYS.items():
        c = dataclasses.replace(cfg, fast_dropout=fast, pack=pack, bucket_widths=None, micro_batches=1)
        batches = batches_for(c, split)
        batches.set_epoch(a.epoch)
        x, y = batches[a.batch][:2]
        model = build_model(c, seqs.num_items)
        model(x)
        if source is None: source = model  # without --run, every way starts from the first one's initial weights
        for mine, theirs in zip(model.trainable_variables, source.trainable_variables): mine.assign(theirs)
        t0 = time.perf_counter()
        g = dropout_gradients(model, x, y, a.draws)
        seconds = time.perf_counter() - t0
        if ref is None: ref = g
        half = a.draws // 2
        figures[name] = dict(rows=int((x["items"] if pack else x).shape[0]),
                             halves_gap=round(gradient_gap(g[:half], g[half:]), 4),
                             gap_vs_paper=None if g is ref else round(gradient_gap(g, ref), 4),
                             spread_vs_paper=round(float(g.var(0, dtype="float64").sum()
                                                         / ref.var(0, dtype="float64").sum()), 4),
                             mean_gradient_norm=float(np.linalg.norm(g.mean(0, dtype="float64"))),
                             seconds=round(seconds, 1))
        print(name, figures[name], flush=True)
    users = len(batches.batches[a.batch])  # the same users every way
    load_after = load_snapshot()
    given = argv if argv is not None else sys.argv[1:]
    command = " ".join(["python bench/dropout_gradients.py", *given])
    record = dict(command=command, started=started, finished=utc_now(), machine=machine(), background=load_before,
                  weights=weights, config=dataclasses.asdict(cfg), draws=a.draws,
                  batch=a.batch, epoch=a.epoch, users=users, weights_count=int(ref.shape[1]), figures=figures)
    print(json.dumps(record, indent=1))
    if a.no_write: return record
    (REPO / "bench" / "records" / f"dropout-gradients-{tag}.json").write_text(json.dumps(record, indent=1) + "\n")
    rows = "\n".join(f"| {n} | {f['rows']} | {f['halves_gap']:.3f} | "
                     f"{'–' if f['gap_vs_paper'] is None else format(f['gap_vs_paper'], '.3f')} | "
                     f"{f['spread_vs_paper']:.4f} | {f['seconds']:.0f} |" for n, f in figures.items())
    write_section(f"dropout_gradients.py: the gradient under dropout, four ways, at {tag} weights",
                  header(command, started, load_before, load_after) + f"""
Weights: {weights}. Batch {a.batch} of epoch {a.epoch}: {users} users, {ref.shape[1]:,} weights; {a.draws} gradients
drawn each way under fresh dropout masks. Gap: `gradient_gap`, the squared difference of two mean gradients over its
sampling variance, averaged over the weights that move (about 1 when both estimate the same mean gradient); its
halves: the first half of a way's draws against the second (its own noise). Spread: the summed variance of a way's
draws over that of the paper's way. Record: `bench/records/dropout-gradients-{tag}.json`.

| way | rows | gap, its halves | gap against the paper's way | spread against the paper's way | seconds |
|---|---|---|---|---|---|
{rows}
""")
    return record


if __name__ == "__main__":
    main()
