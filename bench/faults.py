"""Fault injection: `sasrec train` killed with SIGKILL at random instants, resumed each time, must end as an uninterrupted run.

    python bench/faults.py [--kills 20] [--seed 0] [--work /tmp/sasrec-faults]

On a small synthetic MovieLens (so that a run takes a minute, not an hour) it trains once without interruption, then
trains the same config into a second folder, killing the process `--kills` times: half at a random instant within two
epochs after the restarted process publishes its first checkpoint (training, validation or a checkpoint write, as they
fall), half the moment the restarted process creates a checkpoint folder (half-way through writing it, before
`latest.json` names it). After each kill it records what the folder held, and the next start
must resume from the last complete epoch. At the end the two histories (loss and validation metrics of every epoch) and
the final metrics must be identical. Writes bench/records/faults.json (config, command, date, machine, every kill and
the verdict).
"""
import argparse, json, os, random, signal, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from _common import load_snapshot, machine, utc_now  # noqa: E402

TRAIN = ["--preset", "keras-rs", "--epochs", "40", "--eval-every", "2", "--max-len", "16", "--hidden-dim", "16", "--batch-size", "16",
         "--learning-rate", "0.005", "--recipe", "softmax-ligr"]


def sasrec(*args) -> list:
    return [sys.executable, "-c", "import sys; from sasrec_nb.cli import main; sys.exit(main())", *map(str, args)]


def checkpoint(run: Path) -> tuple[int, list]:
    "The epoch `latest.json` names (0 if none), and the checkpoint folders it does not name."
    pointer = run / "backup" / "latest.json"
    latest = json.loads(pointer.read_text()) if pointer.is_file() else {"epoch": 0, "folder": None}
    folders = sorted(p.name for p in (run / "backup").glob("epoch-*")) if (run / "backup").is_dir() else []
    return latest["epoch"], [f for f in folders if f != latest["folder"]]


def timed_run(cmd, run: Path) -> tuple[float, float]:
    "Run `cmd` to the end: (seconds until its first checkpoint, seconds in all)."
    t0, first = time.perf_counter(), None
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while p.poll() is None:
        if first is None and (run / "backup" / "latest.json").is_file(): first = time.perf_counter() - t0
        time.sleep(0.01)
    if p.returncode: sys.exit(f"the uninterrupted run failed: {p.stderr.read().strip().splitlines()[-1]}")
    return first, time.perf_counter() - t0


def made_since(folder: Path, pattern: str, t0: float) -> bool:
    "Whether something matching `pattern` in `folder` was created (or replaced) after `t0`."
    for f in folder.glob(pattern):
        try:
            if f.stat().st_ctime > t0: return True
        except FileNotFoundError: pass  # removed meanwhile
    return False


def run_and_kill(cmd, run: Path, mode: str, rng: random.Random, epoch: float) -> dict:
    """Start `cmd` and SIGKILL it: 'training' at a random instant within two epochs after its first new checkpoint (training,
    validation or a checkpoint write, as they fall); 'checkpoint' the moment it creates a checkpoint folder (mid-write)."""
    before, _ = checkpoint(run)
    t0, at = time.time(), None
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while p.poll() is None:
        if mode == "training":
            if at is None and checkpoint(run)[0] > before: at = time.time() + rng.uniform(0, 2 * epoch)  # it is in the loop
            if at is not None and time.time() >= at: break
        elif made_since(run / "backup", "epoch-*", t0) and not made_since(run / "backup", "latest.json", t0):
            break  # a folder this process made, before it published one: half-way through writing its first checkpoint
        time.sleep(0.001 if mode == "checkpoint" else 0.02)
    finished = p.poll() is not None
    if not finished: os.kill(p.pid, signal.SIGKILL)
    p.wait()
    epoch_after, unpublished = checkpoint(run)
    temps = sorted(str(q.relative_to(run)) for q in run.rglob(".tmp-*"))
    return dict(mode=mode, seconds=round(time.time() - t0, 2), finished_before_kill=finished, epoch_before=before,
                epoch_after=epoch_after, unpublished_checkpoints=unpublished, temp_files_left=temps)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", default="/tmp/sasrec-faults")
    args = ap.parse_args()
    from sasrec_nb.data import synthetic_movielens
    from sasrec_nb.training import read_history
    work = Path(args.work)
    subprocess.run(["rm", "-rf", str(work)], check=True)
    data = synthetic_movielens(work / "ml", num_users=300, num_items=60, seed=1)
    started, background = utc_now(), load_snapshot()

    first, span = timed_run(sasrec("train", "--data", data, "--out", work / "straight", *TRAIN), work / "straight")
    epoch = (span - first) / (int(TRAIN[TRAIN.index("--epochs") + 1]) - 1)  # an upper bound: it includes the final evaluation
    print(f"uninterrupted run: {span:.1f} s, its first checkpoint after {first:.1f} s, about {epoch:.1f} s an epoch")

    rng, kills = random.Random(args.seed), []
    victim = work / "killed"
    cmd = sasrec("train", "--data", data, "--out", victim, *TRAIN)
    while len(kills) < args.kills:
        k = run_and_kill(cmd, victim, "training" if len(kills) % 2 == 0 else "checkpoint", rng, epoch)
        if k["finished_before_kill"]: break  # the run ended first: nothing left to kill
        kills.append(k)
        print(json.dumps(k))
    final = subprocess.run(cmd, capture_output=True, text=True)  # the last start runs to the end
    if final.returncode: sys.exit(f"the last resume failed: {final.stderr.strip().splitlines()[-1]}")

    a, b = read_history(work / "straight"), read_history(victim)
    cols = [c for c in a.columns if c != "seconds"]
    same_history = a[cols].equals(b[cols])
    same_metrics = json.loads((work / "straight" / "metrics.json").read_text()) == json.loads((victim / "metrics.json").read_text())
    verdict = dict(kills=len(kills), same_history=same_history, same_metrics=same_metrics,
                   killed_mid_checkpoint=sum(k["mode"] == "checkpoint" and bool(k["unpublished_checkpoints"]) for k in kills),
                   left_temp_files=sum(bool(k["temp_files_left"]) for k in kills),
                   epochs_compared=len(a), rows_compared=cols)
    print(json.dumps(verdict))
    record = dict(command=" ".join(["python bench/faults.py", *sys.argv[1:]]), train_options=" ".join(TRAIN), started=started,
                  finished=utc_now(), machine=machine(), background=background, uninterrupted_seconds=round(span, 1),
                  first_checkpoint_seconds=round(first, 1), epoch_seconds=round(epoch, 2),
                  verdict=verdict, kill_log=kills)
    (ROOT / "bench" / "records" / "faults.json").write_text(json.dumps(record, indent=1) + "\n")
    sys.exit(0 if same_history and same_metrics else 1)


if __name__ == "__main__":
    main()
