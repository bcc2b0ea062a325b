"""Where a training step's time and memory go: one recipe's compiled step, traced with jax.profiler, by layer and phase.

The step is compiled once for one real ML-1M batch (SASRec file) and run `--steps` times under `jax.profiler`; every
XLA operation's time is attributed to the Keras layer and phase (forward, backward, optimizer) that its HLO metadata
names, and operations that XLA fused without a name (YNNPACK's matrix products) to the shape they produce (the T x T
attention scores, or the rest). The step's buffer total comes from XLA's own memory report of the same compiled step.
Issue 14 asks to profile before changing the step; this is that profile, repeatable.

Usage: python bench/profile_step.py [--recipe paper-fast] [--steps 12] [--data ../shared/data]
Writes its report in bench/results/ and bench/records/profile-<recipe>.json. Run it on a quiet machine.
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA, REPO, header, load_snapshot, machine, utc_now, write_section  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "jax")


def hlo_names(text: str) -> dict:
    "HLO instruction name -> its `op_name` metadata, or for unnamed fusions 'shape <output shape>'."
    names = {}
    for line in text.splitlines():
        m = re.match(r"\s*(?:ROOT )?%?([\w.\-]+) = (\S+)", line)
        if not m: continue
        op = re.search(r'op_name="([^"]*)"', line)
        names.setdefault(m.group(1), op.group(1) if op else "shape " + m.group(2).split("{")[0])
    return names


def category(op_name: str, seq_len: int) -> tuple[str, str]:
    "(phase, part) of an operation from its metadata: phase forward/backward/optimizer; part the layer, blocks merged."
    if op_name.startswith("shape "):
        tt = re.search(rf"\[(\d+,)?{seq_len},{seq_len}\]", op_name) or re.search(rf",1,{seq_len},{seq_len}\]", op_name)
        return "unnamed", "attention scores (T x T)" if tt else "other"
    name = op_name.split(";")[0].replace("jit(train_step)/", "")  # a fusion of several names: its first
    phase = ("backward" if name.startswith("transpose(") else "forward" if name.startswith("jvp(") else "optimizer")
    name = re.sub(r"(transpose\()?jvp\(([^)]*)\)\)?", r"\2", name)
    parts = [p for p in name.split("/") if p]
    layer = parts[0] if parts else "?"
    if layer.startswith("block_") and len(parts) > 1: layer = "block/" + parts[1]
    layer = re.sub(r"jit\(_?(\w+)\)", r"\1", layer)
    return phase, layer


AREAS = [  # (area, pattern of a part's layer) in order: the first match names the part's area
    ("attention: scores, softmax, mask, dropout", r"attention scores|attention_dropout|block/(reduce|reshape|div|where|exp"
                                                  r"|sub|transpose|b[a-z]*,b[a-z]*->)"),
    ("projections: query, key, value, output", r"block/(query|key|value|attention_output|attention_gate|attention$)"),
    ("layer norms", r"norm"),
    ("feed-forward", r"block/ffn"),
    ("optimizer", r"^optimizer"),
    ("loss (scores of the targets and negatives or the catalogue)", r"^(cond|softplus|log_softmax|logsumexp)$|->btk"),
]


def area(phase: str, part: str) -> str:
    "The coarse area of a profiled part: attention core, projections, norms, feed-forward, optimizer or the rest."
    return next((a for a, pattern in AREAS if re.search(pattern, f"{phase}: {part}" if phase == "optimizer" else part)),
                "embeddings, residuals and the rest")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", default="paper")
    ap.add_argument("--fast-dropout", action="store_true")
    ap.add_argument("--pack", action="store_true")
    ap.add_argument("--concurrency-scheduler", action="store_true", help="XLA's CPU scheduler default, for comparison")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    started, load_before = utc_now(), load_snapshot()
    # before JAX starts (imported below): dump the compiled step; --concurrency-scheduler: XLA's own default, which
    # sasrec_nb turns off (sasrec_nb/__init__.py), for the comparison; and the recipe's own flags (Config.xla_flags),
    # as `sasrec train` adds them
    from sasrec_nb.config import add_flags, recipe
    over = {k: True for k in ("fast_dropout", "pack") if getattr(a, k)}
    cfg = recipe(a.recipe, **over)
    dump = Path(tempfile.mkdtemp(prefix="sasrec-hlo-"))
    os.environ["XLA_FLAGS"] = add_flags(" ".join([os.environ.get("XLA_FLAGS", ""), f"--xla_dump_to={dump}",
                                                  "--xla_dump_hlo_module_re=.*train_step.*"] + (
        ["--xla_cpu_enable_concurrency_optimized_scheduler=true"] if a.concurrency_scheduler else [])), cfg.xla_flags)
    import jax

    from sasrec_nb import data as D
    from sasrec_nb import preprocessing as P
    from sasrec_nb.training import batches_for, build_model

    seqs = D.sas_file(a.data / "ml-1m-sas" / "ml-1m.txt.xz")
    batches = batches_for(cfg, P.leave_one_out(seqs))
    model = build_model(cfg, seqs.num_items, len(batches))
    batch = batches[0]
    step = lambda: model.train_on_batch(*batch)
    t0 = time.perf_counter()
    step()
    compile_s = time.perf_counter() - t0
    for _ in range(3): step()  # warm
    trace = Path(tempfile.mkdtemp(prefix="sasrec-trace-"))
    times = []
    jax.profiler.start_trace(str(trace), create_perfetto_trace=True)
    for _ in range(a.steps):
        t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
    jax.profiler.stop_trace()

    module = max(dump.glob("*train_step*after_optimizations.txt"), key=lambda p: p.stat().st_size)
    names = hlo_names(module.read_text())
    memory = module.with_name(module.name.replace(".txt", "-memory-usage-report.txt")).read_text()
    step_buffers_mb = round(int(re.search(r"Total bytes: (\d+)", memory).group(1)) / 2**20)
    events = json.load(gzip.open(next(trace.rglob("*.trace.json.gz"))))["traceEvents"]
    spent = collections.Counter()
    for e in events:
        if e.get("ph") == "X" and e.get("name") in names: spent[category(names[e["name"]], cfg.max_len)] += e["dur"]
    ms = {k: v / 1000 / a.steps for k, v in spent.items()}
    total = sum(ms.values())
    shape = batch[0]["items"].shape if isinstance(batch[0], dict) else batch[0].shape
    median = sorted(times)[len(times) // 2]
    parts, areas = collections.Counter(), collections.Counter()
    for (phase, part), v in ms.items():
        parts[part if phase == "unnamed" else f"{phase}: {part}"] += v
        areas[area(phase, part)] += v
    load_after = load_snapshot()
    command = "python bench/profile_step.py" + (" " + " ".join(argv or sys.argv[1:]) if (argv or sys.argv[1:]) else "")
    record = dict(command=command, started=started, finished=utc_now(), machine=machine(), background=load_before,
                  recipe=a.recipe, overrides=over, concurrency_scheduler=a.concurrency_scheduler, batch_shape=list(shape), steps=a.steps,
                  median_step_s=round(median, 4), compile_s=round(compile_s, 1), xla_op_ms_per_step=round(total, 1),
                  step_buffers_mb=step_buffers_mb,
                  areas_ms={k: round(v, 2) for k, v in areas.most_common()},
                  parts_ms={k: round(v, 2) for k, v in parts.most_common()})
    print(json.dumps(record, indent=1))
    if a.no_write: return record
    tag = a.recipe + "".join(f"-{k.replace('_', '-')}" for k in over) + ("-concurrency-scheduler" if a.concurrency_scheduler else "")
    (REPO / "bench" / "records" / f"profile-{tag}.json").write_text(json.dumps(record, indent=1) + "\n")
    rows = "\n".join(f"| {k} | {v:.1f} | {100 * v / total:.0f}% |" for k, v in areas.most_common())
    rows += "\n" + "\n".join(f"| &nbsp; {k} | {v:.1f} | {100 * v / total:.0f}% |" for k, v in parts.most_common(12))
    write_section(f"profile_step.py: where a step of {tag} goes", header(command, started, load_before, load_after) + f"""
One batch of shape {tuple(shape)} ({a.recipe}{', ' + ', '.join(over) if over else ''}), compiled once
({compile_s:.1f} s) and run {a.steps} times under `jax.profiler`: median step {median * 1000:.0f} ms, XLA operations
{total:.0f} ms per step (they may overlap on the two cores). The step's buffers (XLA's memory report): {step_buffers_mb} MB.
Record: `bench/records/profile-{tag}.json`. By area, then the largest parts, ms per step:

| area; part (phase: layer, blocks merged) | ms | share |
|---|---|---|
{rows}
""")
    return record


if __name__ == "__main__":
    main()
