"""Shared helpers of the bench scripts: machine description, background load, and RESULTS.md sections."""
from __future__ import annotations

import os
import platform
import re
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "RESULTS.md"
DEFAULT_DATA = REPO.parent / "shared" / "data"


def sh(cmd: str) -> str:
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


def machine() -> dict:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    return dict(nproc=int(sh("nproc") or 0), cpu=cpu, mem_gib=round(int(mem) / 2**20, 1),
                python=platform.python_version(), os=platform.platform())


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


def write_section(title: str, body: str, results: Path = RESULTS) -> None:
    "Replace the `## title` section of RESULTS.md (up to the next `## `), or append it."
    text = results.read_text() if results.exists() else "# Benchmark results\n\nWritten by the scripts in `bench/`; each section is replaced when its script is rerun.\n"
    section = f"## {title}\n\n{body.strip()}\n"
    pat = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pat.search(text):
        text = pat.sub(lambda _: section + "\n", text, count=1).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    results.write_text(text)


def header(command: str, started: str, load_before: str, load_after: str) -> str:
    m = machine()
    return (f"- command: `{command}`\n- date: {started}\n"
            f"- machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem_gib']} GiB RAM, Python {m['python']}, {m['os']}\n"
            f"- background at start: {load_before}\n- background at end: {load_after}\n")


class Stopwatch:
    def __enter__(self):
        self.t0 = time.perf_counter(); return self
    def __exit__(self, *a):
        self.s = time.perf_counter() - self.t0
