"""Quality benchmark: a SASRec recipe (that of `sasrec train` by default) on the SASRec ML-1M benchmark file.

    python bench/quality.py [--recipe NAME] [any option of `sasrec train`: --loss ...] [--data ../shared/data] [--out runs/ml1m-sas] [--report-only]

Trains (resuming a killed run in --out; in the process `sasrec train` gives the recipe: malloc, host devices, XLA flags), selects the model on validation NDCG@10 (full ranking, or sampled with --select sampled), evaluates it on test
under both protocols, writes its report in bench/results/ and its record bench/records/quality-<out>.json
(from which bench/tables.py makes the README's table).
"""
import argparse, json, sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from _common import DEFAULT_DATA, header, load_snapshot, machine, utc_now, write_section  # noqa: E402

PUBLISHED = {  # test split, SASRec BCE on this exact file
    "sampled hr@10": ("0.8245 (paper); 0.8270 (best PyTorch port)", 0.82),
    "sampled ndcg@10": ("0.5905 (paper); 0.5995 (best PyTorch port)", 0.59),
    "full hr@10": ("0.2392-0.2500", 0.24),
    "full ndcg@10": ("0.1259-0.1341", 0.126),
}

def main():
    from sasrec_nb.cli import _config_options, config_from, set_xla_flags, with_malloc  # `sasrec train`'s own
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--out", default=str(ROOT / "runs" / "ml1m-sas"))
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--title", default="SASRec on ML-1M (SASRec benchmark file)", help="title of its report in bench/results/quality.md")
    ap.add_argument("--baseline", nargs="+", default=[], metavar="RUN", help="other run folders to compare with: metrics and "
                    "validation curves side by side, and a plot of all curves in bench/quality_curves[_RUN].png")
    ap.add_argument("--note", default="", help="a remark on how the run went, written into the report")
    _config_options(ap)
    args = ap.parse_args()
    if not args.report_only:  # the process `sasrec train` gives the recipe: its malloc, host devices and XLA flags
        config = config_from(args)
        with_malloc(config.huge_pages)  # may start this script again, in that malloc
        set_xla_flags(config)
    from sasrec_nb.data import load
    from sasrec_nb.training import evaluate_run, read_history, train
    data = Path(args.data)
    started, load_before = utc_now(), load_snapshot()
    if not args.report_only:
        seqs = load(data / "ml-1m-sas" / "ml-1m.txt.xz", titles=data / "ml-1m" / "movies.dat.xz",
                    item_map=data / "ml-1m-sas" / "sas_to_original_items.txt.xz")
        metrics = train(seqs, config, args.out, verbose=2)
    else:
        metrics = evaluate_run(args.out)
    h = read_history(args.out)
    cfg = json.loads((Path(args.out) / "config.json").read_text())
    ev = h.dropna(subset=["val_ndcg@10"])
    chosen_by = f"validation {cfg.get('select', 'full')}-protocol NDCG@10"
    f = figures(metrics)
    ours = {k: {"mean": f[f"test {k}"], "std": f.get(f"test {k} std", 0.0)} for k in PUBLISHED}
    rows = "\n".join(f"| {k} | {v['mean']:.4f}" + (f" ± {v['std']:.4f}" if v["std"] else "") + f" | {PUBLISHED[k][0]} | ≥ {PUBLISHED[k][1]} | {'yes' if v['mean'] >= PUBLISHED[k][1] else 'NO'} |"
                     for k, v in ours.items())
    vs = metrics.get("val_sampled")
    val_line = (f"\nThe same model on the validation split: sampled HR@10 {vs['hr@10']['mean']:.4f} ± {vs['hr@10']['std']:.4f}, "
                f"NDCG@10 {vs['ndcg@10']['mean']:.4f} ± {vs['ndcg@10']['std']:.4f}; full HR@10 {metrics['val']['hr@10']:.4f}, "
                f"NDCG@10 {metrics['val']['ndcg@10']:.4f}.\n") if vs else ""
    rule = paper_rule(args.out)
    paper_line = ("\nThe paper's code (and the PyTorch port) draws the 100 negatives excluding only the user's *training* items, "
                  "so the validation item and the target itself can be drawn; ours excludes everything the user interacted with, "
                  "so that no drawn negative is an item they saw. The same model under the paper's rule, same 5 seeds, test: "
                  + "; ".join(f"{t}: HR@10 {r['hr@10']['mean']:.4f} ± {r['hr@10']['std']:.4f}, NDCG@10 {r['ndcg@10']['mean']:.4f} "
                              f"± {r['ndcg@10']['std']:.4f}" for t, r in rule.items())
                  + " (ties arise only from a drawn copy of the target; the paper's code ranks with numpy's argsort, whose tie order "
                    "is not specified, so its figure lies between these two).\n")
    cols = ["val_hr@10", "val_ndcg@10"] + [c for c in ("val_sampled_hr@10", "val_sampled_ndcg@10") if c in ev]  # sampled: runs that select on it
    curve = "\n".join(f"| {int(r.epoch) + 1} | {r.loss:.4f} | " + " | ".join(f"{r[c]:.4f}" for c in cols) + " |" for _, r in ev.iterrows())
    argv = sys.argv[1:]  # the note is printed in the report, so the command shows where it went, not its text
    argv = [("'…'" if i and argv[i - 1] == "--note" else a) for i, a in enumerate(argv)]
    command = " ".join(["python bench/quality.py", *argv])
    text = header(command, started, load_before, load_snapshot()) + f"""
Run folder: `{Path(args.out).relative_to(ROOT) if Path(args.out).is_relative_to(ROOT) else args.out}` (training is resumable). Wall times here are not speed figures: other jobs may have shared the 2 CPUs; see bench/speed.py and bench/step_ab.py for speed.
{args.note}
Data: `ml-1m-sas/ml-1m.txt.xz` (6,040 users, 3,416 items, 999,611 interactions), leave-one-out split.
Config: {json.dumps(cfg)}
Epochs run: {int(h.epoch.max()) + 1}; best epoch by {chosen_by}: {metrics['best_epoch']}; training wall time (sum of epoch times incl. validation): {h['seconds'].sum() / 60:.1f} min.

Test split, best model by {chosen_by}. Sampled: target + 100 uniformly drawn items the user never interacted with, mean ± std over 5 seeds. Full: all 3,416 items, input history masked.

| metric | ours | published on this file | target | met |
|---|---|---|---|---|
{rows}
{val_line}{paper_line}
Validation curve (every {cfg['eval_every']} epochs; full ranking, and sampled with one fixed seed of 100 negatives where the run selects on it):

| epoch | train loss | {" | ".join(c.replace("val_", "val ").replace("_", " ") for c in cols)} |
|---|---|{"---|" * len(cols)}
{curve}
"""
    if args.baseline: text += compare(args.out, args.baseline, metrics)
    write_record(args.out, command, started, metrics, h, cfg)
    write_section(f"quality.py: {args.title}", text)
    print(text)

def write_record(out, command, started, metrics, history, cfg):
    "A small JSON record of the run under bench/records/: what the README's tables are made from."
    f = figures(metrics)
    import dataclasses
    from sasrec_nb.config import Config
    record = {"run": str(_rel(out)), "command": command, "started": started, "finished": utc_now(), "machine": machine(),
              "config": dataclasses.asdict(Config.load(Path(out) / "config.json")),  # every field
              "epochs_run": int(history.epoch.max()) + 1, "best_epoch": metrics["best_epoch"],
              "train_minutes": round(float(history["seconds"].sum()) / 60, 2),
              "test": {k: round(f[f"test {k}"], 4) for k in PUBLISHED},
              "test_sampled_std": {k: round(f[f"test sampled {k} std"], 4) for k in ("hr@10", "ndcg@10")},
              "val": {k: round(f[f"val {k}"], 4) for k in PUBLISHED},
              "val_curve": [[int(r.epoch) + 1, round(float(r.seconds_cum), 1), round(float(r["val_ndcg@10"]), 4)]
                            for _, r in history.assign(seconds_cum=history["seconds"].cumsum()).dropna(subset=["val_ndcg@10"]).iterrows()]}
    path = ROOT / "bench" / "records" / f"quality-{Path(out).name}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")

def _rel(p):
    p = Path(p).resolve()
    return p.relative_to(ROOT) if p.is_relative_to(ROOT) else p

def paper_rule(run) -> dict:
    """Test sampled HR@10/NDCG@10 (mean, std over seeds 0-4) of `run`'s best model with the paper code's negatives, which
    exclude only the training items: under our tie rule (a drawn copy of the target counts against it) and with ties won."""
    import keras
    from sasrec_nb.data import load_sequences
    from sasrec_nb.evaluation import ranking_metrics
    from sasrec_nb.preprocessing import NegativeSampler, eval_inputs, leave_one_out
    split = leave_one_out(load_sequences(Path(run) / "data"))
    model = keras.saving.load_model(Path(run) / "model.keras", safe_mode=True)
    inputs, targets = eval_inputs(split, "test", model.max_len)
    sampler = NegativeSampler(split.seqs.items, split.starts, split.train_end, split.num_items)
    h, table = model.encode(inputs), keras.ops.convert_to_numpy(model.item_embedding.embeddings)
    runs = {"ties lose": [], "ties win": []}
    for seed in range(5):  # the same seeds and draws as `sampled_spread`, only the sampler's exclusions differ
        candidates = np.concatenate([targets[:, None], sampler(split.eval_users, (len(targets), 100), np.random.default_rng(seed))], 1)
        scores = np.einsum("ud,ucd->uc", h, table[candidates])
        runs["ties lose"].append(ranking_metrics((scores >= scores[:, :1]).sum(1) - 1))
        runs["ties win"].append(ranking_metrics((scores > scores[:, :1]).sum(1)))
    return {t: {k: {"mean": float(np.mean([r[k] for r in rs])), "std": float(np.std([r[k] for r in rs]))} for k in ("hr@10", "ndcg@10")}
            for t, rs in runs.items()}

def figures(m: dict) -> dict:
    "The figures of a metrics.json, flat: 'test sampled hr@10' (+ ' std' over sampling seeds), 'test full ndcg@10', 'val ...'."
    f = {}
    for part in ("test", "val"):
        if f"{part}_sampled" not in m: continue
        for k in ("hr@10", "ndcg@10"):
            f[f"{part} sampled {k}"] = m[f"{part}_sampled"][k]["mean"]
            f[f"{part} sampled {k} std"] = m[f"{part}_sampled"][k]["std"]
        f[f"{part} full hr@10"], f[f"{part} full ndcg@10"] = m[part]["hr@10"], m[part]["ndcg@10"]
    return f

def compare(out, baselines, metrics):
    "Markdown comparing run `out` with other runs: config differences, metrics side by side, validation curves; saves a plot."
    import dataclasses
    from sasrec_nb.config import Config
    from sasrec_nb.training import read_history
    runs = [*baselines, out]
    names = [str(_rel(d)) for d in runs]
    cfgs = [dataclasses.asdict(Config.load(Path(d) / "config.json")) for d in runs]
    mets = [json.loads((Path(d) / "metrics.json").read_text()) for d in baselines] + [metrics]
    diffs = "\n".join(f"- `{n}`: " + (", ".join(f"{k} {c[k]}" for k in c if c[k] != cfgs[-1][k]) or "same config")
                      for n, c in zip(names[:-1], cfgs[:-1]))
    figs = [figures(m) for m in mets]
    keys = [k for k in figs[-1] if not k.endswith(" std")]
    # runs that differ from this one only in their training seed: the spread a reader should judge every other difference by
    unseeded = [{k: v for k, v in c.items() if k != "seed"} for c in cfgs]
    same = [i for i, c in enumerate(unseeded) if c == unseeded[-1]]
    seeds_col, seeds_text = "", ""
    if len(same) >= 2:
        agg = {k: (np.mean([figs[i][k] for i in same]), np.std([figs[i][k] for i in same], ddof=1)) for k in keys}
        seeds_col = f" mean ± sd over training seeds {', '.join(str(cfgs[i]['seed']) for i in same)} |"
        members = ", ".join(f"`{names[i]}` seed {cfgs[i]['seed']}" for i in same)
        seeds_text = (f"\nTraining seeds: {len(same)} runs share this run's config except the seed ({members}). "
                      "Their mean ± sample standard deviation is the last column; on test: "
                      + "; ".join(f"{k} {agg['test ' + k][0]:.4f} ± {agg['test ' + k][1]:.4f} (target ≥ {PUBLISHED[k][1]}: "
                                  f"{'met' if agg['test ' + k][0] >= PUBLISHED[k][1] else 'NOT met'})" for k in PUBLISHED) + ".\n")
    rows = "\n".join(f"| {k} | " + " | ".join(f"{f[k]:.4f}" if k in f else "" for f in figs) + " |"
                     + (f" {agg[k][0]:.4f} ± {agg[k][1]:.4f} |" if seeds_col else "") for k in keys)
    histories = [read_history(d) for d in runs]
    curves = [h.dropna(subset=["val_ndcg@10"]).set_index("epoch")["val_ndcg@10"] for h in histories]
    epochs = sorted(set().union(*(c.index for c in curves)))
    curve = "\n".join(f"| {e + 1} | " + " | ".join(f"{c[e]:.4f}" if e in c.index else "" for c in curves) + " |" for e in epochs)
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sampled = {n: h.dropna(subset=["val_sampled_ndcg@10"]).set_index("epoch")["val_sampled_ndcg@10"]
               for n, h in zip(names, histories) if "val_sampled_ndcg@10" in h}  # runs that selected on it
    fig, axes = plt.subplots(1, 1 + bool(sampled), figsize=(7 + 6 * bool(sampled), 4), squeeze=False)
    ax = axes[0, 0]
    for n, c, m in zip(names, curves, mets): ax.plot(c.index + 1, c.values, label=f"{n} (best epoch {m['best_epoch']})")
    ax.set(xlabel="epoch", ylabel="validation NDCG@10 (full ranking)", title="SASRec on ML-1M: validation curves")
    ax.grid(alpha=0.3); ax.legend()
    if sampled:
        ax = axes[0, 1]
        for n, c in sampled.items(): ax.plot(c.index + 1, c.values, label=n)
        ax.set(xlabel="epoch", ylabel="validation NDCG@10 (sampled, seed 0)", title="sampled protocol (logged by runs that select on it)")
        ax.grid(alpha=0.3); ax.legend()
    plot = Path("bench") / ("quality_curves.png" if Path(out).name == "ml1m-sas" else f"quality_curves_{Path(out).name}.png")  # one per section
    fig.tight_layout(); fig.savefig(ROOT / plot, dpi=110)
    head = " | ".join(f"`{n}`" for n in names)
    return f"""
### Compared with other runs

How the other runs' configs differ from this one's:
{diffs}

| metric (sampled: mean of 5 seeds) | {head} |{seeds_col}
|---|{"---|" * (len(names) + bool(seeds_col))}
{rows}
{seeds_text}
Validation NDCG@10 (full ranking) every {cfgs[-1]["eval_every"]} epochs; plot: `{plot}`.

| epoch | {head} |
|---|{"---|" * len(names)}
{curve}
"""

if __name__ == "__main__":
    main()
