"""The main job end to end: `bash scripts/main.sh` in a fresh clone of this repository, timed as a newcomer meets it.

Clones HEAD into a new folder (no `.venv`, no runs), builds the full-size ML-1M stand-in of `data_speed.py` (the real
ratings.dat is not in ../shared/data: users 3000+ lack ratings and timestamps) and runs the main job on it under
`/usr/bin/time -v`: set-up (a new `.venv`; pip's cache, if the machine has one, makes it faster than on a bare one),
data, training with the default settings, evaluation and recommendations. Records the wall time of each phase (from
the time each command's first line appeared), the whole job's peak RSS, each command's own peak (its kernel
high-water mark, `VmHWM`, read from /proc every half second, so a short command's last half second may be missed) with
the minute of the job at which it came within 10 MB of it and the largest of its own memory (`RssAnon`) and of the
files it maps (`RssFile`: mostly the libraries' code) that the samples saw, and the test figures. The files' share
depends on the kernel's page cache: libraries that pip has just written were mapped in larger pieces, so the same
import held 205 MB of them from the fresh clone's .venv and 176 MB from an older one (2026-12-05), and 176 MB from
both once the cache was dropped.

Usage: python bench/main_job.py [--data ../shared/data] [--clone /tmp/sasrec_main_job] [--no-write]
Writes its report in bench/results/ and bench/records/main_job.json. Nothing else may run meanwhile: it is a time.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA, REPO, header, load_snapshot, machine, utc_now, write_section  # noqa: E402
from data_speed import build_standin  # noqa: E402

TARGET_MIN = 40  # issue 13: the main job within 40 minutes on a fresh 2-core machine
PHASES = [  # (name, a line that starts it) in the order main.sh runs them; set-up runs from the start
    ("data (`sasrec stats`)", re.compile(r'^\{\s*$|"users"')),
    ("training (`sasrec train`)", re.compile(r"^Epoch 1/")),
    ("evaluation and recommendations", re.compile(r'"best_epoch"')),
]


class ProcessPeaks(threading.Thread):
    """Each descendant command's peak resident memory (`VmHWM`, MB) and the minute at which it came within 10 MB of it."""
    def __init__(self, root: int, t0: float, every: float = 0.5):
        super().__init__(daemon=True)
        self.root, self.t0, self.every, self.peaks, self.done = root, t0, every, {}, threading.Event()
        self.parts = {}  # command: the largest (RssAnon, RssFile) sampled, MB: its own memory, and files mapped

    @staticmethod
    def command(pid: int) -> str:
        "`sasrec train`, `pip install`, ...: the program and its first word, without paths or the interpreter."
        argv = [w for w in Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0") if w]
        if "-c" in argv: return "python -c"  # a program given as text (pip's set-up runs some)
        argv = [Path(w).name for w in argv]
        while argv and (argv[0].startswith("python") or argv[0] in ("-m", "-u")): argv = argv[1:]
        return " ".join([w for w in argv if not w.startswith("-")][:2])

    def sample(self):
        parent = {}
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try: parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError): pass
        for pid in parent:
            q = pid
            while q in parent and q != self.root: q = parent[q]
            if q != self.root or pid == self.root: continue
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                kb, anon, files = (int(re.search(rf"{k}:\s+(\d+)", status).group(1)) for k in ("VmHWM", "RssAnon", "RssFile"))
                name = self.command(pid)
            except (OSError, AttributeError): continue
            seen = self.parts.get(name, (0, 0))
            self.parts[name] = (max(seen[0], anon // 1024), max(seen[1], files // 1024))
            growth = self.peaks.setdefault(name, [(0, 0.0)])  # (MB, minute of the job) each time the peak grew
            if kb // 1024 > growth[-1][0]: growth.append((kb // 1024, round((time.perf_counter() - self.t0) / 60, 1)))

    def run(self):
        while not self.done.wait(self.every): self.sample()

    def top(self, n: int = 6) -> dict:
        top = sorted(self.peaks.items(), key=lambda kv: -kv[1][-1][0])[:n]
        return {k: dict(peak_rss_mb=g[-1][0], at_min=next(m for mb, m in g if mb >= g[-1][0] - 10),
                        anon_mb=self.parts[k][0], files_mb=self.parts[k][1]) for k, g in top}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--clone", type=Path, default=Path("/tmp/sasrec_main_job"))
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    started, load_before = utc_now(), load_snapshot()
    standin = Path("/tmp/sasrec_ml1m_standin")
    build_standin(a.data, standin)
    shutil.rmtree(a.clone, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(REPO), str(a.clone)], check=True)
    commit = subprocess.run(["git", "-C", str(a.clone), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "KERAS_BACKEND")}
    env["PATH"] = ":".join(p for p in env["PATH"].split(":") if ".venv" not in p)  # not ours: the job makes its own
    env["SASREC_ML1M"] = str(standin)
    log = a.clone.parent / f"{a.clone.name}.log"
    t0, seen, marks = time.perf_counter(), 0, {"set-up (`.venv`, pip install)": 0.0}
    with open(log, "w") as out:
        p = subprocess.Popen(["/usr/bin/time", "-v", "bash", "scripts/main.sh"], cwd=a.clone, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1)
        peaks = ProcessPeaks(p.pid, t0); peaks.start()
        for line in p.stdout:
            out.write(line); out.flush()
            if seen < len(PHASES) and PHASES[seen][1].search(line):
                marks[PHASES[seen][0]] = time.perf_counter() - t0; seen += 1
        rc = p.wait()
        peaks.done.set(); peaks.join()
    total = time.perf_counter() - t0
    text = log.read_text()
    if rc: sys.exit(f"main.sh failed (rc {rc}); its output is in {log}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    names, starts = list(marks), list(marks.values())
    phases = {n: round((e - s) / 60, 1) for n, s, e in zip(names, starts, starts[1:] + [total])}
    metrics = json.loads((a.clone / "runs" / "ml-1m" / "metrics.json").read_text())
    config = json.loads((a.clone / "runs" / "ml-1m" / "config.json").read_text())
    record = dict(command="python bench/main_job.py" + ("" if not (argv or sys.argv[1:]) else " " + " ".join(argv or sys.argv[1:])),
                  started=started, finished=utc_now(), machine=machine(), background=load_before, commit=commit,
                  target_min=TARGET_MIN, total_min=round(total / 60, 1), phases_min=phases,
                  peak_rss_mb=round(peak_kb / 1024), peak_rss_by_command=peaks.top(), epochs=config["epochs"], best_epoch=metrics["best_epoch"],
                  test={k: metrics["test"][k] for k in ("hr@10", "ndcg@10")},
                  test_sampled={k: metrics["test_sampled"][k]["mean"] for k in ("hr@10", "ndcg@10")}
                  if "test_sampled" in metrics else None)
    print(json.dumps(record, indent=1))
    if a.no_write: return record
    (REPO / "bench" / "records" / "main_job.json").write_text(json.dumps(record, indent=1) + "\n")
    rows = "\n".join(f"| {n} | {m} |" for n, m in phases.items())
    by_command = "; ".join(f"`{k}` {v['peak_rss_mb']:,} MB (minute {v['at_min']}; at most {v['anon_mb']:,} MB of its "
                           f"own and {v['files_mb']:,} MB of mapped files)" for k, v in record["peak_rss_by_command"].items())
    write_section("main_job.py: bash scripts/main.sh in a fresh clone", header(record["command"], started, load_before,
                                                                               load_snapshot()) + f"""
Clone of commit `{commit}`; data: the full-size ML-1M stand-in of `data_speed.py` through `SASREC_ML1M`; the default
settings of `scripts/main.sh` ({config['epochs']} epochs of the default recipe). Output: `{log}`.

| phase | minutes |
|---|---|
{rows}
| **total** | **{record['total_min']}** (target {TARGET_MIN}) |

Peak RSS of the whole job (`/usr/bin/time -v`: its largest process): {record['peak_rss_mb']:,} MB. Each command's own
peak (`VmHWM` read every half second; the minute of the job at which it came within 10 MB of it):
{by_command}. Best epoch
{record['best_epoch']} of {config['epochs']}; test full HR@10 {record['test']['hr@10']:.4f}, NDCG@10
{record['test']['ndcg@10']:.4f} (on the stand-in, whose users 3000+ have synthetic timestamps: not the benchmark file's
figures).
""")
    return record


if __name__ == "__main__":
    main()
