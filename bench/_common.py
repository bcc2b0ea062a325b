"""Shared helpers of the bench scripts: machine description, background load, and their reports (bench/results/, listed in RESULTS.md)."""
from __future__ import annotations

import fcntl
import os
import platform
import re
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "RESULTS.md"  # the summary, and a list of the reports
RESULTS_DIR = REPO / "bench" / "results"  # the reports, one file per script
DEFAULT_DATA = REPO.parent / "shared" / "data"
SHARED_BENCH = REPO.parent / "shared" / "bench"  # the judge's side_by_side.py and the keras-rs recipe, seed_recipe.py


def sh(cmd: str) -> str:
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


def machine() -> dict:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    gpu = sh("nvidia-smi -L 2>/dev/null").split(" (UUID")[0]  # "GPU 0: NVIDIA H200" where training may have used one
    return dict(nproc=int(sh("nproc") or 0), cpu=cpu, mem_gib=round(int(mem) / 2**20, 1),
                python=platform.python_version(), os=platform.platform(), **({"gpu": gpu} if gpu else {}))


def load_snapshot() -> str:
    "uptime plus every process using >= 5 % CPU other than this one and `ps`."
    up = sh("uptime").split("load average:")[-1].strip()
    ps = sh("ps -eo pid,pcpu,etime,args --sort=-pcpu --no-headers | head -8")
    busy = []
    for line in ps.splitlines():
        pid, pcpu, etime, args = line.split(None, 3)
        if float(pcpu) >= 5 and int(pid) != os.getpid() and not args.startswith("ps "):
            busy.append(f"pid {pid} {pcpu}% {args[:90]}")
    return f"load average {up}; busy processes: " + ("; ".join(busy) if busy else "none")


def utc_now() -> str:
    return sh("date -u")


def versions(*mods) -> str:
    out = []
    for m in mods:
        try:
            mod = __import__(m)
            out.append(f"{m} {mod.__version__}")
        except Exception:
            pass
    return ", ".join(out)


def report_file(title: str) -> Path:
    "The file of a report: `bench/results/<script>.md` for a title `<script>.py: what it measured`."
    script = title.split(":", 1)[0].strip()
    if not script.endswith(".py"): raise ValueError(f"report title {title!r} must start with its script, e.g. 'speed.py: ...'")
    return RESULTS_DIR / f"{script[:-3]}.md"


def write_section(title: str, body: str) -> Path:
    "Replace the `## title` section of the script's report file (up to the next `## `), or append it; then list it in RESULTS.md."
    path = report_file(title)
    path.parent.mkdir(exist_ok=True)
    with open(path.parent / ".lock", "w") as lock:  # runs that end together each keep their section
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _write_section(path, title, body)


def _write_section(path: Path, title: str, body: str) -> Path:
    text = (path.read_text(encoding="utf-8") if path.exists() else
            f"# {path.stem}.py: its reports\n\nWritten by `bench/{path.stem}.py`; each section is replaced when a run with its title is repeated.\n")
    section = f"## {title}\n\n{body.strip()}\n"
    pat = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pat.search(text):
        text = pat.sub(lambda _: section + "\n", text, count=1).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text, encoding="utf-8")
    write_details()
    return path


DETAILS_START, DETAILS_END = "<!-- details: made by bench/_common.py from bench/results -->", "<!-- end of details -->"


def anchor(title: str) -> str:
    "GitHub's anchor for a markdown heading."
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def write_details(results: Path = RESULTS) -> None:
    "List every report of `bench/results/` in RESULTS.md, below its summary: one line per report, linked."
    lines = [DETAILS_START, "## Reports of single runs", "",
             "Each benchmark script keeps its reports in `bench/results/<script>.md`, one section per run, replaced when "
             "that run is repeated; the summary above is made from the records, these are the long form.", ""]
    for f in sorted(RESULTS_DIR.glob("*.md")):
        titles = re.findall(r"^## (.+)$", f.read_text(encoding="utf-8"), re.M)
        lines.append(f"- [`results/{f.name}`](results/{f.name}):")
        lines += [f"  - [{t.split(':', 1)[1].strip()}](results/{f.name}#{anchor(t)})" for t in titles]
    block = "\n".join(lines) + f"\n{DETAILS_END}\n"
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    if DETAILS_START in text:
        text = text.split(DETAILS_START)[0] + block + text.split(DETAILS_END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip() + "\n\n" + block
    results.write_text(text, encoding="utf-8")


def header(command: str, started: str, load_before: str, load_after: str, m: dict | None = None) -> str:
    "A report's opening lines; `m`: the machine it ran on (`machine()`), by default this one."
    m = m or machine()
    return (f"- command: `{command}`\n- date: {started}\n"
            f"- machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem_gib']} GiB RAM, Python {m['python']}, {m['os']}\n"
            f"- background at start: {load_before}\n- background at end: {load_after}\n")


class Stopwatch:
    def __enter__(self):
        self.t0 = time.perf_counter(); return self
    def __exit__(self, *a):
        self.s = time.perf_counter() - self.t0
