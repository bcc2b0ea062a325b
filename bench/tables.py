"""The README's results table, made from the quality records in bench/records/ (one JSON file per run of bench/quality.py).

    python bench/tables.py          # print the table
    python bench/tables.py --write  # put it into nbs/index.ipynb between its markers, open bench/RESULTS.md with a
                                    # summary of every recorded run and redraw bench/quality_time.png;
                                    # then run scripts/readme.py

nbs/index.ipynb checks that the table it shows is the one these records give, so prose and figures cannot drift apart.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from sasrec_nb.config import PROCESS_FIELDS  # noqa: E402  (light: neither Keras nor JAX)
RECORDS = ROOT / "bench" / "records"
START, END = "<!-- results: made by bench/tables.py from bench/records -->", "<!-- end of results -->"
METRICS = ("sampled hr@10", "sampled ndcg@10", "full hr@10", "full ndcg@10")
PUBLISHED = [  # test split of this file, full ranking with the history masked, as published (sampled where the paper gives it)
    ("SASRec, BCE (Kang & McAuley 2018; PyTorch port)", "0.8245", "0.5905", "0.2392-0.2500", "0.1259-0.1341"),
    ("SASRec+, full softmax (Klenitskiy & Vasilev 2023)", "", "", "0.3152", "0.1821"),
    ("SASRec+, 3,000 shared negatives (same source)", "", "", "0.3159", "0.1857"),
    ("gSASRec, gBCE, 256 negatives, t = 0.75 (Petrov & Macdonald 2023)", "", "", "0.3003", "0.1726"),
]

def records(folder: Path = RECORDS) -> list[dict]:
    "Every quality record, in the order of their run folders' names."
    return sorted((json.loads(p.read_text()) for p in folder.glob("quality-*.json")), key=lambda r: r["run"])

# fields a run matches its recipe without: the seed (the tables give it a column of its own), the micro-batches, which
# change a step's memory, not its update (sasrec_nb.model's train_step), and how the process runs (devices, huge pages,
# XLA's flags), which changes its speed
ASIDE = ("seed", "micro_batches", *PROCESS_FIELDS)

def _nearest(record: dict) -> tuple[str, dict]:
    """The recipe closest to this run's config (the fewest fields apart, `ASIDE` aside; a tie goes to the first in
    `RECIPES`) and those fields' values."""
    import dataclasses
    from sasrec_nb.config import RECIPES, Config, recipe
    saved = dataclasses.asdict(Config.from_dict(record["config"]))
    def apart(name):
        base = {**dataclasses.asdict(recipe(name)), **{k: saved[k] for k in ASIDE}}
        return {k: v for k, v in saved.items() if base[k] != v}
    return min(((name, apart(name)) for name in RECIPES), key=lambda kv: len(kv[1]))

def recipe_of(record: dict) -> str | None:
    "The recipe whose config this run trained (`ASIDE` aside), or None for a variant."
    name, apart = _nearest(record)
    return None if apart else name

def described(record: dict) -> str:
    "The run's recipe, or for a variant its nearest recipe and what it changes: `softmax-ligr-wide + epochs 100`."
    name, apart = _nearest(record)
    return f"`{name}`" + "".join(f"{' +' if i == 0 else ','} {k} {v}" for i, (k, v) in enumerate(apart.items()))

def _minutes(record: dict) -> str:
    "Its minutes of training, marked where a GPU trained it (bench/_common.machine names one only where it saw one)."
    gpu = record["machine"].get("gpu")
    return f"{record['train_minutes']:.1f} (on {gpu.split(': ')[-1]})" if gpu else f"{record['train_minutes']:.0f}"

def results_table(folder: Path = RECORDS) -> str:
    "Markdown: one row per recipe (mean ± sd over its training seeds), then the published figures."
    by_recipe: dict[str, list[dict]] = {}
    for r in records(folder):  # a superseded run (its code changed since) stays in the runs table only
        if not r.get("superseded") and (name := recipe_of(r)) is not None: by_recipe.setdefault(name, []).append(r)
    rows = ["| model (test split) | sampled HR@10 | sampled NDCG@10 | full HR@10 | full NDCG@10 | seeds | best epochs | minutes of training |",
            "|---|---|---|---|---|---|---|---|"]
    from sasrec_nb.config import DEFAULT_RECIPE, RECIPES
    for name in sorted(by_recipe, key=list(RECIPES).index):  # in the order of `RECIPES`
        rs, cells = sorted(by_recipe[name], key=lambda r: r["config"]["seed"]), []  # seeds in order
        for m in METRICS:
            v = np.array([r["test"][m] for r in rs])
            cells.append(f"{v.mean():.4f}" + (f" ± {v.std(ddof=1):.4f}" if len(v) > 1 else ""))
        seeds = ", ".join(str(r["config"]["seed"]) for r in rs)
        epochs = ", ".join(str(r["best_epoch"]) for r in rs)
        minutes = ", ".join(_minutes(r) for r in rs)
        default = " (default)" if name == DEFAULT_RECIPE else ""
        rows.append(f"| **ours, `--recipe {name}`{default}** | " + " | ".join(cells) + f" | {seeds} | {epochs} | {minutes} |")
    rows += [f"| {n} | {a or '–'} | {b or '–'} | {c} | {d} | | | |" for n, a, b, c, d in PUBLISHED]
    return "\n".join(rows)

def runs_table(folder: Path = RECORDS) -> str:
    "Markdown: one row per recorded run, with what sets it apart, its training time and its test and validation figures."
    rows = ["| run | recipe (+ what the run changes) | seed | best epoch / run | minutes | sampled HR@10 | sampled NDCG@10 "
            "| full HR@10 | full NDCG@10 | val full NDCG@10 |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in records(folder):
        c, t = r["config"], r["test"]
        # a run whose code has changed since keeps its figures, marked with what changed ("superseded" in its record)
        note = f" (superseded: {r['superseded']})" if r.get("superseded") else ""
        rows.append(f"| `{r['run']}` | {described(r)}{note} | {c['seed']} "
                    f"| {r['best_epoch']} / {r['epochs_run']} | {_minutes(r)} | "
                    + " | ".join(f"{t[m]:.4f}" for m in METRICS) + f" | {r['val']['full ndcg@10']:.4f} |")
    return "\n".join(rows)

REFERENCES = {"pmixer": "PyTorch port", "seed": "keras-rs recipe"}  # the trainers of speed.py, by their keys

def others_table(folder: Path = RECORDS) -> str:
    "Markdown: the headline figure of each speed, memory and scale benchmark, from its record (absent records are left out)."
    def rec(name):
        f = folder / f"{name}.json"
        return json.loads(f.read_text(encoding="utf-8")) if f.is_file() else None
    when = lambda r: f"{r['started']}, {r['machine'].get('cpu', '?')}"  # the date and the machine of a record
    rows = ["| benchmark (record) | headline figures | date, machine |", "|---|---|---|"]
    if (r := rec("main_job")):
        phases = "; ".join(f"{n} {m} min" for n, m in r["phases_min"].items())
        rows.append(f"| `main_job.py`: `bash scripts/main.sh` in a fresh clone ({r['epochs']} epochs; target "
                    f"{r['target_min']} min) | {r['total_min']} min in all: {phases}; peak RSS {r['peak_rss_mb']:,} MB"
                    + "".join(f"; `{k}` {v['peak_rss_mb']:,} MB ({v['anon_mb']:,} its own)"
                              for k, v in list(r["peak_rss_by_command"].items())[:3]) + f" | {when(r)} |")
    if (r := rec("speed")):
        res, gf = r["results"], r["epoch_gflop"]
        cells = []
        for name, res_ in res.items():
            ours = res_["ours"]["steady_s"]
            refs = ", ".join(f"{REFERENCES.get(ref, ref)} {v['steady_s']:.1f} s ({v['steady_s'] / ours:.2f}x)" for ref, v in res_.items() if ref != "ours")
            t = r.get("time_to_quality", {}).get(name, {})
            ttq = (f"; to validation full NDCG@10 {t['bar']}: {t['epochs']} epochs, {t['low']}"
                   + (f"-{t['high']}" if t.get("high") is not None else "") + " min of training"
                   if t.get("low") is not None else "")
            cells.append(f"{name} recipe ({r['configs'][name]['loss']}, d {r['configs'][name]['hidden_dim']}): ours "
                         f"{ours:.1f} s, {gf[name] / ours:.0f} GFLOP/s; {refs}{ttq}")
        rows.append(f"| `speed.py`: steady training epoch, side by side (reference / ours: above 1 we are faster) | "
                    f"{'; '.join(cells)} | {when(r)} |")
    if (r := rec("memory")):
        figs = "; ".join(f"`sasrec {k}`: {v['peak_rss_mb']:,} MB" for k, v in r["figures"].items())
        rows.append(f"| `memory.py`: peak RSS (targets: train {r['targets_mb']['train']:,} MB, recommend "
                    f"{r['targets_mb']['recommend']} MB) | {figs} | {when(r)} |")
    if (r := rec("scale")):
        f = r["figures"]
        rows.append(f"| `scale.py`: {f['items']:,} items, {f['users']:,} users, `{r['config']['loss']}` | {f['steps']} steps of "
                    f"{f['batch_size']}: median {f['step_ms_median']:.0f} ms a step; top-10 for every user "
                    f"{f['topk_ms_per_user']:.2f} ms a user; peak RSS {f['peak_rss_gb']} GB (target {f['target_gb']} GB) "
                    f"| {when(r)} |")
    for f in sorted(folder.glob("profile-*.json")):
        r = json.loads(f.read_text(encoding="utf-8"))
        top = "; ".join(f"{a} {100 * ms / sum(r['areas_ms'].values()):.0f}%" for a, ms in list(r["areas_ms"].items())[:3])
        rows.append(f"| `profile_step.py`: one step of `{f.stem[len('profile-'):]}`, batch {tuple(r['batch_shape'])} | median "
                    f"{r['median_step_s'] * 1000:.0f} ms; XLA's buffers {r['step_buffers_mb']} MB; {top} | {when(r)} |")
    for f in sorted(folder.glob("dropout-gradients-*.json")):
        r = json.loads(f.read_text(encoding="utf-8"))
        gaps = "; ".join(f"{way} {v['gap_vs_paper']:.3f} (spread {v['spread_vs_paper']:.3f})"
                         for way, v in r["figures"].items() if v["gap_vs_paper"] is not None)
        own = next(iter(r["figures"].values()))["halves_gap"]
        rows.append(f"| `dropout_gradients.py`: one batch's gradient under dropout ({r['draws']} draws a way), "
                    f"{r['weights']} | gap against Keras' masks on padded rows (about 1: the same mean gradient; "
                    f"their own two halves {own:.3f}): {gaps} | {when(r)} |")
    if (r := rec("backends")):
        figs = "; ".join(f"{b} {np.median(v['steady_epoch_s']):.1f} s ({v['vs_jax']:.2f}x JAX)" for b, v in r["figures"].items())
        rows.append(f"| `backends.py`: steady epoch of `--recipe {r['recipe']}` per Keras backend | {figs} | {when(r)} |")
    return "\n".join(rows)

SUMMARY_START, SUMMARY_END = "<!-- summary: made by bench/tables.py from bench/records -->", "<!-- end of summary -->"

def write_summary(results: Path = ROOT / "bench" / "RESULTS.md"):
    "Open RESULTS.md with the current defaults: the README's table, every recorded run, the time plot and the other benchmarks."
    body = (f"{SUMMARY_START}\n## Summary: the recipes on ML-1M\n\nThe recipes, mean ± sd over their training seeds, on the test "
            f"split (the README's table):\n\n{results_table()}\n\nEvery recorded run (`bench/records/*.json`):\n\n{runs_table()}\n\n"
            "Validation NDCG@10 against minutes of training: `bench/quality_time.png`.\n\n"
            f"## Summary: speed, memory and scale\n\nThe last run of each benchmark, from its record (2 CPU cores of the machine "
            f"named in the last column; compare speeds only within a row):\n\n{others_table()}\n{SUMMARY_END}\n")
    text = results.read_text(encoding="utf-8")
    if SUMMARY_START in text:
        text = text.split(SUMMARY_START)[0] + body + "\n" + text.split(SUMMARY_END, 1)[1].lstrip("\n")
    else:
        title, rest = text.split("\n", 1)
        text = f"{title}\n\n{body}\n{rest.lstrip()}"
    results.write_text(text, encoding="utf-8")

def write_index(table: str, index: Path = ROOT / "nbs" / "index.ipynb"):
    "Replace the table between the markers of the index notebook's markdown."
    nb = json.loads(index.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if START in text:
            head, rest = text.split(START, 1)
            cell["source"] = (head + START + "\n" + table + "\n" + END + rest.split(END, 1)[1]).splitlines(True)
            index.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            return
    raise SystemExit(f"{index}: no '{START}' marker")

def plot_time(folder: Path = RECORDS, out: Path = ROOT / "bench" / "quality_time.png"):
    "Validation NDCG@10 (full ranking) against minutes of training, one line per recorded run."
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for r in records(folder):
        if r["machine"].get("gpu"): continue  # its minutes are a GPU's, not 2 CPU cores'
        t, v = zip(*[(s / 60, n) for _, s, n in r["val_curve"]])
        ax.plot(t, v, marker=".", label=f"{r['run']} ({r['config']['loss']}, seed {r['config']['seed']})")
    ax.set(xlabel="minutes of training (2 CPU cores)", ylabel="validation NDCG@10, full ranking",
           title="SASRec on ML-1M: quality against training time")
    ax.grid(alpha=0.3); ax.legend(fontsize=8)
    fig.tight_layout(); fig.savefig(out, dpi=110)
    return out

if __name__ == "__main__":
    table = results_table()
    if "--write" in sys.argv: write_index(table); write_summary(); plot_time()
    print(table)
