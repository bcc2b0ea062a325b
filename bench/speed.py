"""Training speed of sasrec_nb against the seed recipe (the keras-rs SASRec example), as a ratio measured in one session.

Each run is a fresh subprocess with the same environment (KERAS_BACKEND=jax):
  seed: /work/shared/bench/seed_recipe.py with EPOCHS=3 (synthetic ML-1M-shaped data, tf.data feed, 48 steps of 128 x 200)
  ours: sasrec_nb.data.sas_file(ml-1m.txt.xz) (6,040 users, 3,416 items) -> leave_one_out -> TrainingBatches(max_len=200,
        batch_size=128) -> SASRec(num_items) compiled with Adam(1e-3, beta_2=0.98) -> fit for 3 epochs (48 steps of 128 x 200)
  ours-synth (--synthetic): the same on data from the recipe's own synthetic generator.
Runs alternate (seed, ours, seed, ours, ... for --rounds). Epoch times are taken as in the recipe: train_s = from epoch
start to the end of its last training step (the recipe's validation pass is excluded); steady state = epochs 2 on.
Our worker also times one epoch of batches ([b[i] for i in range(len(b))]) against one epoch of training, and a
full-ranking pass: model.encode(x) for all 6,040 users' padded histories, then x @ E.T for every item.

Usage: .venv/bin/python bench/speed.py [--data ../shared/data] [--rounds 1] [--epochs 3] [--synthetic] [--no-write]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA, REPO, header, load_snapshot, utc_now, write_section  # noqa: E402

SEED_RECIPE = REPO.parent / "shared" / "bench" / "seed_recipe.py"


# ------------------------------------------------------------------ our worker (runs in its own process)
def recipe_synthetic_sequences():
    "The seed recipe's synthetic generator (same code, same seed), as sasrec_nb Sequences after its rating >= 2 filter."
    import numpy as np
    import pandas as pd
    from sasrec_nb.data import build_sequences
    N_USERS, N_ITEMS, N_INTERACTIONS = 6040, 3952, 1000000
    rng = np.random.default_rng(0)
    lengths = np.clip(rng.lognormal(np.log(96), 1.0, N_USERS), 20, 2314)
    lengths = np.clip(np.round(lengths * N_INTERACTIONS / lengths.sum()), 20, min(2314, N_ITEMS)).astype(int)
    pop = 1.0 / np.arange(1, N_ITEMS + 1) ** 0.8
    logp = np.log(pop / pop.sum())
    user_col, item_col = [], []
    for u0 in range(0, N_USERS, 512):
        u1 = min(u0 + 512, N_USERS)
        keys = logp[None, :] + rng.gumbel(size=(u1 - u0, N_ITEMS))
        order = np.argsort(-keys, axis=1)
        for i, u in enumerate(range(u0, u1)):
            user_col.append(np.full(lengths[u], u + 1))
            item_col.append(rng.permutation(order[i, : lengths[u]]) + 1)
    user_col, item_col = np.concatenate(user_col), np.concatenate(item_col)
    n = len(user_col)
    df = pd.DataFrame({"UserID": user_col, "MovieID": item_col, "Rating": rng.integers(1, 6, n),
                       "Timestamp": 956703932 + rng.integers(0, 10**8, n)}).sample(frac=1.0, random_state=0)
    df = df[df["Rating"] >= 2]
    return build_sequences(df["UserID"].to_numpy(), df["MovieID"].to_numpy(), df["Timestamp"].to_numpy())


def worker(source: str, data: Path, epochs: int):
    T0 = time.perf_counter()
    stages = {}

    def stage(name, t):
        stages[name] = round(time.perf_counter() - t, 3)
        print(f"[stage] {name}: {stages[name]:.3f}s", flush=True)

    t = time.perf_counter()
    import keras
    import numpy as np
    from keras import ops

    from sasrec_nb import data as D
    from sasrec_nb import preprocessing as P
    from sasrec_nb.model import SASRec
    stage("imports", t)

    t = time.perf_counter()
    seqs = D.sas_file(data / "ml-1m-sas" / "ml-1m.txt.xz") if source == "sas" else recipe_synthetic_sequences()
    stage("load_sequences", t)
    t = time.perf_counter()
    split = P.leave_one_out(seqs)
    batches = P.TrainingBatches(split, max_len=200, batch_size=128)
    stage("training_batches_init", t)
    print(seqs, "steps/epoch:", len(batches), flush=True)

    # data path: one epoch of batches, three different epochs (as fit would draw them)
    epoch_batches = []
    for e in range(3):
        batches.set_epoch(100 + e)
        t = time.perf_counter(); _ = [batches[i] for i in range(len(batches))]
        epoch_batches.append(time.perf_counter() - t)
    batches.set_epoch(0)
    # where the time of one batch goes
    rng = np.random.default_rng(0)
    rows = np.arange(128)
    t = time.perf_counter()
    for i in range(len(batches)): np.random.default_rng([0, 0]).permutation(len(batches.users))
    perm_s = (time.perf_counter() - t) / len(batches)
    pos = batches.positives[rows]
    t = time.perf_counter()
    for i in range(len(batches)): batches.sampler(batches.users[rows], pos.shape + (1,), rng)
    sampler_s = (time.perf_counter() - t) / len(batches)
    t = time.perf_counter()
    for i in range(len(batches)): batches[i]
    getitem_s = (time.perf_counter() - t) / len(batches)
    datapath = dict(epoch_of_batches_s=[round(x, 4) for x in epoch_batches], per_batch_ms=round(1e3 * getitem_s, 3),
                    permutation_ms=round(1e3 * perm_s, 3), sampler_ms=round(1e3 * sampler_s, 3))
    print("[datapath]", json.dumps(datapath), flush=True)

    class Timer(keras.callbacks.Callback):  # the recipe's Timer, same definitions
        def __init__(self):
            super().__init__(); self.epochs = []
        def on_epoch_begin(self, epoch, logs=None):
            self.e0 = time.perf_counter(); self.batch_t = []
        def on_train_batch_end(self, batch, logs=None):
            self.batch_t.append(time.perf_counter())
        def on_epoch_end(self, epoch, logs=None):
            e1, bt = time.perf_counter(), self.batch_t
            d = np.diff([self.e0] + bt)
            rec = dict(epoch=epoch + 1, wall_s=round(e1 - self.e0, 2), train_s=round(bt[-1] - self.e0, 2),
                       first_step_s=round(bt[0] - self.e0, 2), steps=len(bt),
                       steps_per_s_steady=round((len(bt) - 2) / (bt[-1] - bt[1]), 2) if len(bt) > 3 else None,
                       median_step_s=round(float(np.median(d)), 3), loss=round(float(logs["loss"]), 4))
            self.epochs.append(rec)
            print("[epoch]", json.dumps(rec), flush=True)

    t = time.perf_counter()
    model = SASRec(seqs.num_items)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3, beta_2=0.98))
    stage("model_build_compile", t)
    t = time.perf_counter()
    timer = Timer()
    model.fit(batches, epochs=epochs, callbacks=[P.EpochSeed(batches), timer], verbose=0,
              steps_per_epoch=int(os.environ.get("SPEED_SMOKE_STEPS", 0)) or None)  # smoke tests only
    stage("fit_total", t)

    # full ranking: every user's padded history -> representation -> a score for every item
    x, _ = P.eval_inputs(split, "test", 200)
    rank = {}
    for k in ("first", "second"):
        t = time.perf_counter(); u = model.encode(x); rank[f"encode_{k}_s"] = round(time.perf_counter() - t, 3)
    E = ops.convert_to_numpy(model.item_embedding.embeddings)
    t = time.perf_counter(); scores = u @ E.T; rank["scores_numpy_s"] = round(time.perf_counter() - t, 4)
    t = time.perf_counter(); top = np.argpartition(-scores[:, 1:], 10, axis=1)[:, :10]; rank["top10_argpartition_s"] = round(time.perf_counter() - t, 4)
    for k in ("first", "second"):
        t = time.perf_counter(); model.recommend(x, k=10); rank[f"recommend_k10_{k}_s"] = round(time.perf_counter() - t, 3)
    rank.update(users=int(x.shape[0]), scores_shape=list(scores.shape))
    print("[ranking]", json.dumps(rank), flush=True)

    import jax
    summary = dict(source=source, users=seqs.num_users, items=seqs.num_items, interactions=seqs.num_interactions,
                   steps_per_epoch=len(batches), keras=keras.__version__, jax=jax.__version__,
                   devices=[str(d) for d in jax.devices()], epochs=timer.epochs, stages=stages, datapath=datapath,
                   ranking=rank, total_s=round(time.perf_counter() - T0, 2))
    print("[summary]", json.dumps(summary), flush=True)


# ------------------------------------------------------------------ driver
def run(kind: str, cmd: list[str], env: dict, log_dir: Path) -> dict:
    before = load_snapshot()
    print(f"--- {kind}: {' '.join(cmd)}\n    {before}", flush=True)
    t = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - t
    after = load_snapshot()
    log = log_dir / f"{kind}-{int(time.time())}.log"
    log.write_text(p.stdout + "\n--- stderr ---\n" + p.stderr)
    line = next((l for l in p.stdout.splitlines()[::-1] if l.startswith("[summary]")), None)
    if p.returncode or line is None:
        raise SystemExit(f"{kind} failed (rc {p.returncode}); see {log}\n{p.stderr[-3000:]}")
    s = json.loads(line[len("[summary]"):])
    steady = [e["train_s"] for e in s["epochs"][1:]]
    s.update(kind=kind, process_wall_s=round(wall, 1), load_before=before, load_after=after, log=str(log),
             steady_epoch_s=statistics.mean(steady), steady_step_s=statistics.mean(e["train_s"] / e["steps"] for e in s["epochs"][1:]),
             median_step_s=statistics.mean(e["median_step_s"] for e in s["epochs"][1:]),
             after_first_step_s=statistics.mean((e["train_s"] - e["first_step_s"]) / (e["steps"] - 1) for e in s["epochs"][1:]))
    print(f"    epochs train_s {[e['train_s'] for e in s['epochs']]}; steady {s['steady_epoch_s']:.2f} s/epoch, "
          f"{1e3 * s['steady_step_s']:.0f} ms/step; process {wall:.0f} s", flush=True)
    with open(log_dir / "runs.jsonl", "a") as f: f.write(json.dumps(s) + "\n")
    return s


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder (default ../shared/data)")
    ap.add_argument("--rounds", type=int, default=1, help="alternations of (seed, ours); one round takes ~7 min on 2 CPUs; "
                    "0 with --include-previous re-renders the report from recorded runs")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--synthetic", action="store_true", help="also run ours on the recipe's synthetic data each round")
    ap.add_argument("--seed-recipe", type=Path, default=SEED_RECIPE)
    ap.add_argument("--no-write", action="store_true", help="do not touch bench/RESULTS.md")
    ap.add_argument("--include-previous", type=int, default=0, metavar="N",
                    help="also count the last N runs recorded by earlier invocations (in /tmp/sasrec_bench_logs/runs.jsonl), "
                         "to alternate seed/ours across invocations that each stay under 10 minutes")
    ap.add_argument("--order", default="seed,ours", help="order of the runs within a round, e.g. ours,seed")
    ap.add_argument("--worker", choices=["sas", "synthetic"], help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker: return worker(a.worker, a.data, a.epochs)

    started, load0 = utc_now(), load_snapshot()
    env = dict(os.environ, KERAS_BACKEND="jax", EPOCHS=str(a.epochs))
    log_dir = Path("/tmp/sasrec_bench_logs"); log_dir.mkdir(exist_ok=True)
    me = [sys.executable, str(Path(__file__).resolve()), "--data", str(a.data), "--epochs", str(a.epochs), "--worker"]
    record = log_dir / "runs.jsonl"
    prev = [json.loads(l) for l in record.read_text().splitlines() if l.strip()] if record.is_file() else []
    runs = [dict(r, previous=True) for r in prev[len(prev) - a.include_previous:]] if a.include_previous else []
    for r in range(a.rounds):
        for kind in a.order.split(","):
            runs.append(run("seed", [sys.executable, str(a.seed_recipe)], env, log_dir) if kind == "seed"
                        else run("ours", me + ["sas"], env, log_dir))
        if a.synthetic: runs.append(run("ours-synth", me + ["synthetic"], env, log_dir))
    load1 = load_snapshot()

    by = lambda k: [s for s in runs if s["kind"] == k]
    mean = lambda k, f: statistics.mean(s[f] for s in by(k))
    seed_ep, ours_ep = mean("seed", "steady_epoch_s"), mean("ours", "steady_epoch_s")
    ratio = ours_ep / seed_ep
    # pairwise ratios (each ours run against the seed run just before it)
    pairs = [o["steady_epoch_s"] / s["steady_epoch_s"] for s, o in zip(by("seed"), by("ours"))]
    med_ratio = mean("ours", "median_step_s") / mean("seed", "median_step_s")
    aft_ratio = mean("ours", "after_first_step_s") / mean("seed", "after_first_step_s")
    dp = [min(s["datapath"]["epoch_of_batches_s"]) / s["steady_epoch_s"] for s in by("ours")]
    print(f"\nsteady-state s/epoch: seed {seed_ep:.2f}, ours {ours_ep:.2f}; ratio ours/seed {ratio:.3f} (pairs {[round(p, 3) for p in pairs]}); median-step ratio {med_ratio:.3f}")
    print(f"data path: one epoch of batches = {100 * statistics.mean(dp):.2f} % of one training epoch")
    print("ranking:", json.dumps(by("ours")[-1]["ranking"]))
    if a.no_write: return

    def row(s):
        ep = s["epochs"]
        when = time.strftime("%H:%M", time.gmtime(int(Path(s["log"]).stem.rsplit("-", 1)[1])))
        extra = f"val {', '.join(str(e.get('val_s', '-')) for e in ep)}" if s["kind"] == "seed" else \
            f"batches {min(s['datapath']['epoch_of_batches_s']):.2f} s/epoch"
        return (f"| {s['kind']}{' (earlier invocation)' if s.get('previous') else ''}, ended {when} UTC | {', '.join(str(e['train_s']) for e in ep)} | {s['steady_epoch_s']:.2f} | "
                f"{1e3 * s['steady_step_s']:.0f} | {', '.join(str(e['median_step_s']) for e in ep[1:])} | "
                f"{', '.join(str(e['first_step_s']) for e in ep)} | {extra} | {s['process_wall_s']:.0f} | {s['load_before']} |")
    table = ("| run (in order) | train_s per epoch | steady s/epoch (ep 2+) | steady ms/step | median step s (ep 2+) | "
             "first step s per epoch | other | process s | background before the run |\n|---|---|---|---|---|---|---|---|---|\n"
             + "\n".join(row(s) for s in runs))
    o = by("ours")[-1]
    sd = by("seed")[-1]
    rk = o["ranking"]
    synth = ""
    if by("ours-synth"):
        syn = mean("ours-synth", "steady_epoch_s")
        synth = (f"\n- ours on the recipe's own synthetic data ({by('ours-synth')[-1]['users']:,} users, {by('ours-synth')[-1]['items']:,} items, "
                 f"{by('ours-synth')[-1]['steps_per_epoch']} steps/epoch): {syn:.2f} s/epoch, ratio to seed **{syn / seed_ep:.3f}**")
    seed_prep = sum(sd["stages"].get(k, 0) for k in ("sequences_per_user", "negatives", "build_input_tfdata", "build_input_numpy"))
    body = header("cd /work/main && .venv/bin/python bench/speed.py" + (" " + " ".join(argv or sys.argv[1:])).rstrip(),
                  started, load0, load1) + f"""- libraries: keras {o['keras']}, jax {o['jax']}, devices {o['devices']}; KERAS_BACKEND=jax, EPOCHS={a.epochs}; each run a fresh subprocess of the same environment
- seed: `{a.seed_recipe}` as is (synthetic ML-1M-shaped data, tf.data feed; its validation pass is excluded from train_s)
- ours: `sas_file(ml-1m.txt.xz)` ({o['users']:,} users, {o['items']:,} items, {o['interactions']:,} interactions) -> `TrainingBatches(leave_one_out(seqs), max_len=200, batch_size=128)` ({o['steps_per_epoch']} steps) -> `SASRec({o['items']})`, Adam(1e-3, beta_2=0.98), `fit` (no validation)

**Steady-state training speed (epochs 2-{a.epochs}, train_s as the recipe's Timer defines it):**
- seed {seed_ep:.2f} s/epoch ({1e3 * mean('seed', 'steady_step_s'):.0f} ms/step), ours {ours_ep:.2f} s/epoch ({1e3 * mean('ours', 'steady_step_s'):.0f} ms/step)
- **ratio ours/seed = {ratio:.3f}** (per round: {', '.join(f'{p:.3f}' for p in pairs)}){synth}
- steps 2-48 of epochs 2+ only (leaves out each epoch's first step, where the seed had one ~37 s stall per run):
  seed {1e3 * mean('seed', 'after_first_step_s'):.0f} ms/step, ours {1e3 * mean('ours', 'after_first_step_s'):.0f} ms/step, **ratio {aft_ratio:.3f}**
- from the median step time: seed {1e3 * mean('seed', 'median_step_s'):.0f} ms, ours {1e3 * mean('ours', 'median_step_s'):.0f} ms, **ratio {med_ratio:.3f}**
- **Not like for like:** on the JAX backend the seed recipe trains *without dropout* (Keras' JAX trainer calls
  `stateless_call`, i.e. `call()` directly, and the recipe calls its sub-layers without `training=`, so they get
  training=None/False), while ours applies dropout 0.2, which costs ~0.3 s/step on this CPU (threefry random bits).
  See the step_ab.py section for the interleaved, like-for-like per-step comparison. Background load on this 2-CPU
  machine varied a lot between runs (column "background"), so the whole-run ratios here are rough.

{table}

**Our data path:** one epoch of batches (`[b[i] for i in range(len(b))]`, {o['steps_per_epoch']} batches) takes
{', '.join(f'{x:.3f}' for x in o['datapath']['epoch_of_batches_s'])} s (three epochs' draws) = **{100 * statistics.mean(dp):.2f} %** of one steady training epoch
(target < 5 %). Per batch {o['datapath']['per_batch_ms']:.2f} ms, of which the epoch permutation (recomputed in every
`__getitem__`) {o['datapath']['permutation_ms']:.3f} ms and the negative sampler {o['datapath']['sampler_ms']:.2f} ms.
Setup: `sas_file` {o['stages']['load_sequences']:.2f} s, `leave_one_out` + `TrainingBatches` init {o['stages']['training_batches_init']:.2f} s
(the seed's preprocessing: sequences_per_user + negatives + tf.data input = {seed_prep:.1f} s).

**Full ranking** (after training; {rk['users']:,} users' padded histories of 200, scores {rk['scores_shape']}):
`model.encode(x)` {rk['encode_first_s']:.2f} s first call (includes tracing/compiling), {rk['encode_second_s']:.2f} s second;
`u @ E.T` in numpy {1e3 * rk['scores_numpy_s']:.1f} ms; top-10 by `argpartition` {1e3 * rk['top10_argpartition_s']:.1f} ms.
For comparison `model.recommend(x, k=10)` (encode + masked top-k, history excluded): {rk['recommend_k10_first_s']:.2f} s first, {rk['recommend_k10_second_s']:.2f} s second.
Logs: {', '.join(Path(s['log']).name for s in runs)} in {log_dir}.
""" + ("\nRows marked \"earlier invocation\" were run by earlier invocations of this script (`bench/speed.py`, then "
       "`bench/speed.py --order ours,seed --include-previous 2`, i.e. seed, ours, ours, seed); the command above only "
       "re-rendered them, so its date and background lines are those of the re-rendering.\n" if a.rounds == 0 else "")
    write_section("speed.py: training speed against the seed recipe", body)
    print("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
