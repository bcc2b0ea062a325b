"""Quality benchmark: SASRec with the paper's hyperparameters on the SASRec ML-1M benchmark file.

    python bench/quality.py [--data ../shared/data] [--out runs/ml1m-sas] [--epochs 200] [--report-only]

Trains (resuming a killed run in --out), selects the model on validation NDCG@10, evaluates it on test
under both protocols, and writes the "Quality" section of bench/RESULTS.md.
"""
import argparse, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from _common import header, load_snapshot, utc_now, write_section  # noqa: E402

PUBLISHED = {  # test split, SASRec BCE on this exact file
    "sampled hr@10": ("0.8245 (paper); 0.8270 (best PyTorch port)", 0.82),
    "sampled ndcg@10": ("0.5905 (paper); 0.5995 (best PyTorch port)", 0.59),
    "full hr@10": ("0.2392-0.2500", 0.24),
    "full ndcg@10": ("0.1259-0.1341", 0.126),
}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(ROOT / "runs" / "ml1m-sas"))
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--eval-every", type=int, default=5)
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--block", default="paper", choices=("paper", "pre_ln"), help="block layout (Config.block)")
    ap.add_argument("--bucket-widths", type=int, nargs="*", default=None, help="Config.bucket_widths (default: off, as in the paper)")
    ap.add_argument("--title", default="SASRec on ML-1M (SASRec benchmark file)", help="section of RESULTS.md to write")
    ap.add_argument("--baseline", help="another run folder to compare with: test metrics and validation curves side by side, "
                    "and a plot of both curves in bench/quality_curves.png")
    ap.add_argument("--note", default="", help="a remark on how the run went, written into the report")
    args = ap.parse_args()
    from sasrec_nb.data import load
    from sasrec_nb.training import Config, finish, read_history, train
    data = Path(args.data)
    started, load_before = utc_now(), load_snapshot()
    if not args.report_only:
        seqs = load(data / "ml-1m-sas" / "ml-1m.txt.xz", titles=data / "ml-1m" / "movies.dat.xz",
                    item_map=data / "ml-1m-sas" / "sas_to_original_items.txt.xz")
        metrics = train(seqs, Config(epochs=args.epochs, eval_every=args.eval_every, block=args.block,
                                           bucket_widths=args.bucket_widths or None), args.out, verbose=2)
    else:
        metrics = finish(args.out)
    h = read_history(args.out)
    cfg = json.loads((Path(args.out) / "config.json").read_text())
    ev = h.dropna(subset=["val_ndcg@10"])
    ours = {"sampled hr@10": metrics["test_sampled"]["hr@10"], "sampled ndcg@10": metrics["test_sampled"]["ndcg@10"],
            "full hr@10": {"mean": metrics["test"]["hr@10"], "std": 0.0}, "full ndcg@10": {"mean": metrics["test"]["ndcg@10"], "std": 0.0}}
    rows = "\n".join(f"| {k} | {v['mean']:.4f}" + (f" ± {v['std']:.4f}" if v["std"] else "") + f" | {PUBLISHED[k][0]} | ≥ {PUBLISHED[k][1]} | {'yes' if v['mean'] >= PUBLISHED[k][1] else 'NO'} |"
                     for k, v in ours.items())
    curve = "\n".join(f"| {int(r.epoch) + 1} | {r.loss:.4f} | {r['val_hr@10']:.4f} | {r['val_ndcg@10']:.4f} |" for _, r in ev.iterrows())
    command = " ".join(["python bench/quality.py", *sys.argv[1:]])
    text = header(command, started, load_before, load_snapshot()) + f"""
Run folder: `{Path(args.out).relative_to(ROOT) if Path(args.out).is_relative_to(ROOT) else args.out}` (training was resumable; the epoch times below were measured while other jobs shared the 2 CPUs, see bench/speed.py for clean speed figures).
{args.note}
Data: `ml-1m-sas/ml-1m.txt.xz` (6,040 users, 3,416 items, 999,611 interactions), leave-one-out split.
Config: {json.dumps(cfg)}
Epochs run: {int(h.epoch.max()) + 1}; best epoch by validation NDCG@10: {metrics['best_epoch']}; training wall time (sum of epoch times incl. validation): {h['seconds'].sum() / 60:.1f} min.

Test split, best model by validation NDCG@10. Sampled: target + 100 uniformly drawn items the user never interacted with, mean ± std over 5 seeds. Full: all 3,416 items, input history masked.

| metric | ours | published on this file | target | met |
|---|---|---|---|---|
{rows}

Validation full-ranking curve (every {cfg['eval_every']} epochs):

| epoch | train loss | val HR@10 | val NDCG@10 |
|---|---|---|---|
{curve}
"""
    if args.baseline: text += compare(args.out, args.baseline, metrics, ours)
    write_section(f"quality.py: {args.title}", text)
    print(text)

def _rel(p):
    p = Path(p).resolve()
    return p.relative_to(ROOT) if p.is_relative_to(ROOT) else p

def compare(out, baseline, metrics, ours):
    "Markdown comparing run `out` with run `baseline`: config differences, test metrics, validation curves; saves a plot."
    from sasrec_nb.training import read_history
    cfg, base_cfg = (json.loads((Path(d) / "config.json").read_text()) for d in (out, baseline))
    base = json.loads((Path(baseline) / "metrics.json").read_text())
    diff = ", ".join(f"{k}: {base_cfg.get(k, '(absent)')} -> {cfg[k]}" for k in cfg if base_cfg.get(k) != cfg[k])
    theirs = {"sampled hr@10": base["test_sampled"]["hr@10"]["mean"], "sampled ndcg@10": base["test_sampled"]["ndcg@10"]["mean"],
              "full hr@10": base["test"]["hr@10"], "full ndcg@10": base["test"]["ndcg@10"]}
    rows = "\n".join(f"| {k} | {theirs[k]:.4f} | {v['mean']:.4f} | {v['mean'] - theirs[k]:+.4f} |" for k, v in ours.items())
    h, hb = (read_history(d).dropna(subset=["val_ndcg@10"]).set_index("epoch")["val_ndcg@10"] for d in (out, baseline))
    both = sorted(set(h.index) & set(hb.index))
    curve = "\n".join(f"| {e + 1} | {hb[e]:.4f} | {h[e]:.4f} |" for e in both)
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(hb.index + 1, hb.values, label=f"{_rel(baseline)} (best epoch {base['best_epoch']})")
    ax.plot(h.index + 1, h.values, label=f"{_rel(out)} (best epoch {metrics['best_epoch']})")
    ax.set(xlabel="epoch", ylabel="validation NDCG@10 (full ranking)", title="SASRec on ML-1M: validation curves")
    ax.grid(alpha=0.3); ax.legend()
    fig.tight_layout(); fig.savefig(ROOT / "bench" / "quality_curves.png", dpi=110)
    return f"""
### Against `{_rel(baseline)}`

What differs in the config: {diff or "nothing"}.

| test metric | {_rel(baseline)} | {_rel(out)} | change |
|---|---|---|---|
{rows}

Validation NDCG@10 (full ranking) at the epochs both runs evaluated; plot: `bench/quality_curves.png`.

| epoch | {_rel(baseline)} | {_rel(out)} |
|---|---|---|
{curve}
"""

if __name__ == "__main__":
    main()
